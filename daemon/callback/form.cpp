#include "callback/form.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "common/utf8.h"

namespace jb::callback {
namespace {

// How the scan treats each byte of a body.
enum ByteClass : unsigned char { kPlain, kAmpersand, kEquals, kPercent, kPlus, kNul, kHigh };

struct ByteTables {
  ByteClass byte_class[256];
  // Whether a byte ends a run of bytes copied as they are, in a name and in a value ('=' is plain
  // in a value).
  bool stops_name[256];
  bool stops_value[256];
  signed char hex[256];  // the value of a hex digit, -1 for other bytes
};

constexpr ByteTables make_tables() {
  ByteTables tables{};
  for (int c = 0; c < 256; ++c) {
    tables.byte_class[c] = c >= 0x80 ? kHigh : kPlain;
    tables.hex[c] = -1;
  }
  tables.byte_class[static_cast<unsigned char>('&')] = kAmpersand;
  tables.byte_class[static_cast<unsigned char>('=')] = kEquals;
  tables.byte_class[static_cast<unsigned char>('%')] = kPercent;
  tables.byte_class[static_cast<unsigned char>('+')] = kPlus;
  tables.byte_class[0] = kNul;
  for (int c = 0; c < 256; ++c) {
    tables.stops_name[c] = tables.byte_class[c] != kPlain;
    tables.stops_value[c] = tables.byte_class[c] != kPlain && tables.byte_class[c] != kEquals;
  }
  for (int c = '0'; c <= '9'; ++c) tables.hex[c] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) tables.hex[c] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) tables.hex[c] = static_cast<signed char>(c - 'A' + 10);
  return tables;
}

constexpr ByteTables kTables = make_tables();

// Whether one of the eight bytes at p stops a run (`stops` is stops_name or stops_value).
bool stops_any_of_eight(const bool* stops, const char* p) {
  const auto at = [stops, p](int i) -> unsigned { return stops[static_cast<unsigned char>(p[i])]; };
  return (at(0) | at(1) | at(2) | at(3) | at(4) | at(5) | at(6) | at(7)) != 0;
}

// Decodes the name (up to '=' or '&') or value (up to '&') starting at *read into `decoded` (a
// decoding is never longer than its part), leaving *read at the byte that ended it or at `end`.
// Returns the end of the decoding, or nullptr on a malformed escape, invalid UTF-8 or a NUL. UTF-8
// is checked only when a byte >= 0x80 occurs.
template <bool kIsName>
char* decode_part(const char** read, const char* end, char* decoded) {
  const bool* const stops = kIsName ? kTables.stops_name : kTables.stops_value;
  const char* p = *read;
  char* write = decoded;
  bool high = false;
  for (;;) {
    // Plain bytes, eight at a time while none of them stops the run, then one at a time.
    while (end - p >= 8 && !stops_any_of_eight(stops, p)) {
      std::memcpy(write, p, 8);
      write += 8;
      p += 8;
    }
    while (p != end && !stops[static_cast<unsigned char>(*p)]) *write++ = *p++;
    if (p == end) break;
    const ByteClass type = kTables.byte_class[static_cast<unsigned char>(*p)];
    if (type == kAmpersand || type == kEquals) break;  // kEquals stops a name only
    if (type == kPercent) {
      if (end - p < 3) return nullptr;
      const int high_digit = kTables.hex[static_cast<unsigned char>(p[1])];
      const int low_digit = kTables.hex[static_cast<unsigned char>(p[2])];
      if (high_digit < 0 || low_digit < 0 || (high_digit == 0 && low_digit == 0)) return nullptr;
      high = high || high_digit >= 8;
      *write++ = static_cast<char>(high_digit * 16 + low_digit);
      p += 3;
    } else if (type == kPlus) {
      *write++ = ' ';
      ++p;
    } else if (type == kNul) {
      return nullptr;
    } else {  // kHigh
      high = true;
      *write++ = *p++;
    }
  }
  *read = p;
  if (high && !is_valid_utf8(std::string_view(decoded, static_cast<size_t>(write - decoded))))
    return nullptr;
  return write;
}

Failure bad_encoding(std::string detail) {
  return Failure{DeadLetterReason::bad_encoding, std::move(detail), {}};
}

// The first repeated name of fields sorted by name, or nullptr; fields are small in number but the
// body is not trusted, so this sorts instead of comparing every pair.
const std::string_view* first_duplicate_name(const std::vector<const FieldView*>& sorted) {
  auto repeated =
      std::adjacent_find(sorted.begin(), sorted.end(),
                         [](const FieldView* a, const FieldView* b) { return a->name == b->name; });
  return repeated == sorted.end() ? nullptr : &(*repeated)->name;
}

// The first eight bytes of `text` as a big-endian number, zeros past its end: comparing two of
// them orders as comparing the texts does, or ties.
uint64_t prefix_key(std::string_view text) {
  unsigned char bytes[8] = {};
  if (!text.empty()) std::memcpy(bytes, text.data(), std::min<size_t>(text.size(), 8));
  uint64_t key = 0;
  for (unsigned char byte : bytes) key = key << 8 | byte;
  return key;
}

}  // namespace

std::optional<Failure> decode_form_into(std::string_view body, std::string* arena,
                                        std::vector<FieldView>* fields,
                                        std::vector<const FieldView*>* by_name) {
  // Decoding never lengthens a part, so the body's size is enough for every decoded part and the
  // arena is never reallocated under the views.
  arena->resize(body.size());
  char* cursor = arena->data();
  // Fields are written in place (a push_back of a field assembled on the stack stalls on reloading
  // it) into room made ahead, doubled when the body holds more, and cut back at the end. Counting
  // the '&'s first cost a quarter of the decoding.
  constexpr size_t kFieldsAhead = 64;
  fields->resize(std::max(fields->capacity(), kFieldsAhead));
  FieldView* field = fields->data();
  size_t count = 0;
  const char* read = body.data();
  const char* const end = read + body.size();
  while (read != end) {
    if (*read == '&') {  // an empty piece
      ++read;
      continue;
    }
    char* const name = cursor;
    cursor = decode_part<true>(&read, end, name);
    if (cursor == nullptr) {
      return bad_encoding("parameter name #" + std::to_string(count + 1) +
                          " is not valid percent-encoded UTF-8");
    }
    if (count == fields->size()) {
      fields->resize(2 * count);
      field = fields->data();
    }
    const std::string_view name_view(name, static_cast<size_t>(cursor - name));
    char* const value = cursor;
    if (read != end && *read == '=') {
      ++read;
      cursor = decode_part<false>(&read, end, value);
      if (cursor == nullptr) {
        return bad_encoding("parameter " + std::string(name_view) +
                            " is not valid percent-encoded UTF-8");
      }
    }
    field[count].name = name_view;
    field[count].value = std::string_view(value, static_cast<size_t>(cursor - value));
    ++count;
  }
  fields->resize(count);
  sort_by_name(*fields, by_name);
  if (const std::string_view* name = first_duplicate_name(*by_name)) {
    return Failure{DeadLetterReason::duplicate_parameter,
                   "parameter " + std::string(*name) + " is repeated",
                   {}};
  }
  return std::nullopt;
}

Result<std::vector<FieldView>> decode_form_views(std::string_view body, std::string* arena,
                                                 std::vector<const FieldView*>* by_name) {
  std::vector<FieldView> fields;
  std::vector<const FieldView*> sorted;
  if (auto failure = decode_form_into(body, arena, &fields, &sorted)) return std::move(*failure);
  if (by_name) *by_name = std::move(sorted);
  return Result<std::vector<FieldView>>(std::move(fields));  // moved, not copied
}

Result<std::vector<FormField>> decode_form(std::string_view body) {
  std::string arena;
  auto views = decode_form_views(body, &arena);
  if (!views.ok()) return views.failure();
  std::vector<FormField> fields;
  fields.reserve(views.value().size());
  for (const FieldView& view : views.value()) fields.emplace_back(view.name, view.value);
  return Result<std::vector<FormField>>(std::move(fields));
}

void sort_by_name(const std::vector<FieldView>& fields, std::vector<const FieldView*>* sorted) {
  struct Keyed {
    uint64_t key;
    const FieldView* field;
  };
  thread_local std::vector<Keyed> keyed;  // reused: its memory stays at the most fields seen
  keyed.clear();
  for (const FieldView& field : fields) keyed.push_back({prefix_key(field.name), &field});
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.key != b.key) return a.key < b.key;
    const int by_name = a.field->name.compare(b.field->name);
    return by_name != 0 ? by_name < 0 : a.field->value < b.field->value;
  });
  sorted->clear();
  for (const Keyed& entry : keyed) sorted->push_back(entry.field);
}

std::vector<const FieldView*> sorted_by_name(const std::vector<FieldView>& fields) {
  std::vector<const FieldView*> sorted;
  sorted.reserve(fields.size());
  sort_by_name(fields, &sorted);
  return sorted;
}

std::vector<FieldView> views_of(const std::vector<FormField>& fields) {
  std::vector<FieldView> views;
  views.reserve(fields.size());
  for (const FormField& field : fields) views.push_back({field.first, field.second});
  return views;
}

}  // namespace jb::callback
