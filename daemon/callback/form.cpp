#include "callback/form.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define JB_FORM_AVX2 1
#endif

#include "callback/parameters.h"
#include "common/utf8.h"

namespace jb::callback {

namespace detail {

// Bit i set when byte i of the 64 at p is special: '&', '=', '%', '+', NUL or >= 0x80, a byte that
// ends a run of bytes a part holds as they are. SSE2, sixteen bytes a step.
uint64_t specials_of_64_sse2(const char* p) {
#if defined(__SSE2__)
  uint64_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    __m128i hits = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('&'));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, _mm_set1_epi8('=')));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, _mm_set1_epi8('%')));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, _mm_set1_epi8('+')));
    hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, _mm_setzero_si128()));
    // A hit is 0xFF; a byte >= 0x80 has its top bit set already.
    const auto mask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(hits, bytes)));
    bits |= uint64_t{mask} << (16 * i);
  }
  return bits;
#else
  uint64_t bits = 0;
  for (int i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    const bool special = c == '&' || c == '=' || c == '%' || c == '+' || c == 0 || c >= 0x80;
    bits |= uint64_t{special} << i;
  }
  return bits;
#endif
}

bool has_avx2() {
#if defined(JB_FORM_AVX2)
  // __builtin_cpu_init first: a static initialiser may decode before libgcc's own has run.
  static const bool avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return avx2;
#else
  return false;
#endif
}

#if defined(JB_FORM_AVX2)
// The same with AVX2, 32 bytes a step, for processors that have it.
__attribute__((target("avx2"))) uint64_t specials_of_64_avx2(const char* p) {
  uint64_t bits = 0;
  for (int i = 0; i < 2; ++i) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * i));
    __m256i hits = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('&'));
    hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('=')));
    hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('%')));
    hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('+')));
    hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(bytes, _mm256_setzero_si256()));
    const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(hits, bytes)));
    bits |= uint64_t{mask} << (32 * i);
  }
  return bits;
}

#else
uint64_t specials_of_64_avx2(const char* p) {
  return specials_of_64_sse2(p);
}
#endif

}  // namespace detail

namespace {

using detail::specials_of_64_avx2;
using detail::specials_of_64_sse2;

// The value of each hex digit, -1 for other bytes.
struct HexTable {
  signed char value[256];
};

constexpr HexTable make_hex_table() {
  HexTable table{};
  for (int c = 0; c < 256; ++c) table.value[c] = -1;
  for (int c = '0'; c <= '9'; ++c) table.value[c] = static_cast<signed char>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table.value[c] = static_cast<signed char>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table.value[c] = static_cast<signed char>(c - 'A' + 10);
  return table;
}

constexpr HexTable kHex = make_hex_table();

#if defined(JB_FORM_AVX2)
// The special bytes of `body` as bits, 64 bytes per word, into `marks` (sized for them), with
// AVX2; the last word from a zero-padded copy of the body's tail.
__attribute__((target("avx2"))) void mark_specials_avx2(std::string_view body, uint64_t* marks) {
  const size_t whole = body.size() / 64;
  const size_t rest = body.size() % 64;
  for (size_t k = 0; k < whole; ++k) marks[k] = specials_of_64_avx2(body.data() + 64 * k);
  if (rest != 0) {
    char tail[64] = {};
    std::memcpy(tail, body.data() + 64 * whole, rest);
    marks[whole] = specials_of_64_avx2(tail) & ((uint64_t{1} << rest) - 1);  // not the zeros
  }
}
#endif

// The special bytes of `body` as bits, 64 bytes per word, into *marks (its memory reused).
void mark_specials(std::string_view body, std::vector<uint64_t>* marks) {
  const size_t whole = body.size() / 64;
  const size_t rest = body.size() % 64;
  marks->resize(whole + (rest != 0));
#if defined(JB_FORM_AVX2)
  if (detail::has_avx2()) {
    mark_specials_avx2(body, marks->data());
    return;
  }
#endif
  for (size_t k = 0; k < whole; ++k) (*marks)[k] = specials_of_64_sse2(body.data() + 64 * k);
  if (rest != 0) {
    char tail[64] = {};
    std::memcpy(tail, body.data() + 64 * whole, rest);
    (*marks)[whole] = specials_of_64_sse2(tail) & ((uint64_t{1} << rest) - 1);  // not the zeros
  }
}

// Room the copies below may write past their end: the arena is this much longer than the body.
constexpr size_t kCopySlack = 16;

// Copies `count` bytes from `from` to `to`; up to 16 bytes as one sixteen-byte copy (writing past
// `to + count`, which the arena's slack allows) when 16 bytes can be read at `from`.
void copy_run(char* to, const char* from, size_t count, const char* end) {
  if (count <= 16 && end - from >= 16) {
    std::memcpy(to, from, 16);
  } else {
    std::memcpy(to, from, count);
  }
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

// sort_by_name when every field has a rank and no two share one: each field is put at its rank and
// the ranks are read in order. False, with *sorted untouched, otherwise.
bool sort_by_rank(const std::vector<FieldView>& fields, std::vector<const FieldView*>* sorted) {
  constexpr size_t kWords = (kMaxRanks + 63) / 64;
  uint64_t seen[kWords] = {};
  const FieldView* at_rank[kMaxRanks];  // read only where `seen` has the rank's bit
  for (const FieldView& field : fields) {
    if (field.rank >= kMaxRanks) return false;
    uint64_t& word = seen[field.rank / 64];
    const uint64_t bit = uint64_t{1} << (field.rank % 64);
    if ((word & bit) != 0) return false;  // a repeated name: the comparison sort reports it
    word |= bit;
    at_rank[field.rank] = &field;
  }
  sorted->resize(fields.size());
  const FieldView** write = sorted->data();
  for (size_t index = 0; index < kWords; ++index) {
    for (uint64_t bits = seen[index]; bits != 0; bits &= bits - 1)
      *write++ = at_rank[index * 64 + static_cast<size_t>(__builtin_ctzll(bits))];
  }
  return true;
}

// sort_by_name by comparing names (then values), for fields sort_by_rank cannot order.
void sort_by_comparison(const std::vector<FieldView>& fields,
                        std::vector<const FieldView*>* sorted);

}  // namespace

std::optional<Failure> decode_form_into(std::string_view body, std::string* arena,
                                        std::vector<FieldView>* fields,
                                        std::vector<const FieldView*>* by_name) {
  // The special bytes first, all of them, 64 at a time; then one step per special byte. A part
  // (name or value) without '%' or '+' is a view of the body; one with them is decoded into the
  // arena, which, as decoding never lengthens a part, the body's size (and the copies' slack) is
  // enough for, so it is never reallocated under the views.
  thread_local std::vector<uint64_t> marks;  // reused: its memory stays at the longest body seen
  mark_specials(body, &marks);
  arena->resize(body.size() + kCopySlack);
  char* cursor = arena->data();
  // Fields are written in place (a push_back of a field assembled on the stack stalls on reloading
  // it) into room made ahead, doubled when the body holds more, and cut back at the end.
  constexpr size_t kFieldsAhead = 64;
  fields->resize(std::max(fields->capacity(), kFieldsAhead));
  FieldView* field = fields->data();
  size_t room = fields->size();
  size_t count = 0;
  const ParameterRanks& ranks = parameter_ranks();

  const char* const begin = body.data();
  const char* const end = begin + body.size();
  // The part being read, from its first byte in the body; when it has an escape, its decoding so
  // far is [out_begin, out) and its bytes from `run` on are not copied yet.
  const char* part = begin;
  bool in_value = false;
  const char* run = begin;
  char* out_begin = nullptr;
  char* out = nullptr;
  bool high = false;  // a byte >= 0x80 in the part, raw or escaped: checked as UTF-8 at its end
  std::string_view name;

  const auto bad_part = [&]() {
    return bad_encoding(in_value ? "parameter " + std::string(name) +
                                       " is not valid percent-encoded UTF-8"
                                 : "parameter name #" + std::to_string(count + 1) +
                                       " is not valid percent-encoded UTF-8");
  };
  // Appends the part's plain bytes up to `at` to its decoding, which its first escape starts.
  const auto decode_up_to = [&](const char* at) {
    if (out == nullptr) out_begin = out = cursor;  // `run` is still the part's first byte
    if (at == run) return;                         // an escape right after another
    copy_run(out, run, static_cast<size_t>(at - run), end);
    out += at - run;
  };
  // The part ending at `stop`, or false when it is not valid UTF-8.
  const auto finish_part = [&](const char* stop, std::string_view* text) {
    if (out != nullptr) {
      decode_up_to(stop);
      *text = std::string_view(out_begin, static_cast<size_t>(out - out_begin));
      cursor = out;
      out = nullptr;
    } else {
      *text = std::string_view(part, static_cast<size_t>(stop - part));
    }
    return !high || is_valid_utf8(*text);
  };
  // Called at the '&' (or the body's end) at `stop` that ends a non-empty piece.
  const auto finish_piece = [&](const char* stop) -> bool {
    std::string_view text;
    if (!finish_part(stop, &text)) return false;
    if (count == room) {
      room = 2 * count;
      fields->resize(room);
      field = fields->data();
    }
    if (in_value) {
      field[count].name = name;
      field[count].value = text;
      field[count].rank = ranks.rank(name);
    } else {
      field[count].name = text;
      field[count].value = std::string_view(stop, 0);  // not a null pointer: memcpy takes it
      field[count].rank = ranks.rank(text);
    }
    ++count;
    return true;
  };
  for (size_t k = 0; k < marks.size(); ++k) {
    for (uint64_t bits = marks[k]; bits != 0; bits &= bits - 1) {
      const char* const at = begin + 64 * k + static_cast<size_t>(__builtin_ctzll(bits));
      const auto byte = static_cast<unsigned char>(*at);
      if (byte == '%') {
        if (end - at < 3) return bad_part();
        const int high_digit = kHex.value[static_cast<unsigned char>(at[1])];
        const int low_digit = kHex.value[static_cast<unsigned char>(at[2])];
        if (high_digit < 0 || low_digit < 0 || (high_digit == 0 && low_digit == 0))
          return bad_part();
        decode_up_to(at);
        high = high || high_digit >= 8;
        *out++ = static_cast<char>(high_digit * 16 + low_digit);
        run = at + 3;
      } else if (byte == '&') {
        if (in_value || at != part) {
          if (!finish_piece(at)) return bad_part();
        }
        part = run = at + 1;
        in_value = false;
        high = false;
      } else if (byte == '=') {
        if (!in_value) {
          if (!finish_part(at, &name)) return bad_part();
          part = run = at + 1;
          in_value = true;
          high = false;
        }  // in a value, '=' is a byte like any other
      } else if (byte == '+') {
        decode_up_to(at);
        *out++ = ' ';
        run = at + 1;
      } else if (byte == 0) {
        return bad_part();
      } else {  // >= 0x80
        high = true;
      }
    }
  }
  if (in_value || end != part) {
    if (!finish_piece(end)) return bad_part();
  }
  fields->resize(count);
  // Distinct ranks are distinct names: only fields sorted by comparison can repeat one.
  if (sort_by_rank(*fields, by_name)) return std::nullopt;
  sort_by_comparison(*fields, by_name);
  if (const std::string_view* repeated = first_duplicate_name(*by_name)) {
    return Failure{DeadLetterReason::duplicate_parameter,
                   "parameter " + std::string(*repeated) + " is repeated",
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
  if (!sort_by_rank(fields, sorted)) sort_by_comparison(fields, sorted);
}

namespace {

void sort_by_comparison(const std::vector<FieldView>& fields,
                        std::vector<const FieldView*>* sorted) {
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

}  // namespace

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
