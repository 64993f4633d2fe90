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
  for (int c = '0'; c <= '9'; ++c) tables.hex[c] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) tables.hex[c] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) tables.hex[c] = static_cast<signed char>(c - 'A' + 10);
  return tables;
}

constexpr ByteTables kTables = make_tables();

ByteClass class_of(char c) {
  return kTables.byte_class[static_cast<unsigned char>(c)];
}

// Decodes the name (up to '=' or '&') or value (up to '&') starting at *read, leaving *read at the
// byte that ended it or at `end`. *out is a view of the body when the part holds no '%' or '+',
// otherwise its decoding written at *cursor (advanced past it; never longer than the part). False
// on a malformed escape, invalid UTF-8 or a NUL. UTF-8 is checked only when a byte >= 0x80 occurs.
bool decode_part(const char** read, const char* end, bool is_name, char** cursor,
                 std::string_view* out) {
  const char* const start = *read;
  const char* p = start;
  bool high = false;
  while (p != end) {
    const ByteClass type = class_of(*p);
    if (type == kPlain || (type == kEquals && !is_name)) {
      ++p;
    } else if (type == kHigh) {
      high = true;
      ++p;
    } else {
      break;  // the end of the part, or an escape or NUL: decode from here
    }
  }
  if (p == end || class_of(*p) == kAmpersand || class_of(*p) == kEquals) {
    *read = p;
    *out = std::string_view(start, static_cast<size_t>(p - start));
    return !high || is_valid_utf8(*out);
  }
  char* const decoded = *cursor;
  std::memcpy(decoded, start, static_cast<size_t>(p - start));
  char* write = decoded + (p - start);
  while (p != end) {
    const ByteClass type = class_of(*p);
    if (type == kAmpersand || (is_name && type == kEquals)) break;
    if (type == kPercent) {
      if (end - p < 3) return false;
      const int high_digit = kTables.hex[static_cast<unsigned char>(p[1])];
      const int low_digit = kTables.hex[static_cast<unsigned char>(p[2])];
      if (high_digit < 0 || low_digit < 0 || (high_digit == 0 && low_digit == 0)) return false;
      high = high || high_digit >= 8;
      *write++ = static_cast<char>(high_digit * 16 + low_digit);
      p += 3;
      continue;
    }
    if (type == kNul) return false;
    high = high || type == kHigh;
    *write++ = type == kPlus ? ' ' : *p;
    ++p;
  }
  *read = p;
  *cursor = write;
  *out = std::string_view(decoded, static_cast<size_t>(write - decoded));
  return !high || is_valid_utf8(*out);
}

Failure bad_encoding(std::string detail) {
  return Failure{DeadLetterReason::bad_encoding, std::move(detail), {}};
}

// The first repeated name in byte order, or nullptr; fields are small in number but the body is
// not trusted, so this sorts instead of comparing every pair.
const std::string_view* first_duplicate_name(const std::vector<FieldView>& fields) {
  const std::vector<const FieldView*> sorted = sorted_by_name(fields);
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

Result<std::vector<FieldView>> decode_form_views(std::string_view body, std::string* arena) {
  // Decoding never lengthens a part, so the body's size is enough for every decoded part and the
  // arena is never reallocated under the views.
  arena->resize(body.size());
  char* cursor = arena->data();
  std::vector<FieldView> fields;
  fields.reserve(static_cast<size_t>(std::count(body.begin(), body.end(), '&')) + 1);
  const char* read = body.data();
  const char* const end = read + body.size();
  while (read != end) {
    if (*read == '&') {  // an empty piece
      ++read;
      continue;
    }
    FieldView field;
    if (!decode_part(&read, end, true, &cursor, &field.name)) {
      return bad_encoding("parameter name #" + std::to_string(fields.size() + 1) +
                          " is not valid percent-encoded UTF-8");
    }
    if (read != end && *read == '=') {
      ++read;
      if (!decode_part(&read, end, false, &cursor, &field.value)) {
        return bad_encoding("parameter " + std::string(field.name) +
                            " is not valid percent-encoded UTF-8");
      }
    } else {
      field.value = std::string_view(read, 0);
    }
    fields.push_back(field);
  }
  if (const std::string_view* name = first_duplicate_name(fields)) {
    return Failure{DeadLetterReason::duplicate_parameter,
                   "parameter " + std::string(*name) + " is repeated",
                   {}};
  }
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

std::vector<const FieldView*> sorted_by_name(const std::vector<FieldView>& fields) {
  struct Keyed {
    uint64_t key;
    const FieldView* field;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(fields.size());
  for (const FieldView& field : fields) keyed.push_back({prefix_key(field.name), &field});
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.key != b.key) return a.key < b.key;
    const int by_name = a.field->name.compare(b.field->name);
    return by_name != 0 ? by_name < 0 : a.field->value < b.field->value;
  });
  std::vector<const FieldView*> sorted;
  sorted.reserve(keyed.size());
  for (const Keyed& entry : keyed) sorted.push_back(entry.field);
  return sorted;
}

std::vector<FieldView> views_of(const std::vector<FormField>& fields) {
  std::vector<FieldView> views;
  views.reserve(fields.size());
  for (const FormField& field : fields) views.push_back({field.first, field.second});
  return views;
}

}  // namespace jb::callback
