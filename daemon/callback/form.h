// application/x-www-form-urlencoded decoding as the WHATWG URL standard describes it, stricter
// where a callback body would otherwise be silently altered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace jb::callback {

using FormField = std::pair<std::string, std::string>;

// Splits on '&', then on the first '=' (no '=' gives an empty value), turns '+' into a space and
// decodes %XX (hex digits in either case). Empty pieces ("a=1&&b=2") are skipped. Unlike WHATWG,
// which keeps a '%' not followed by two hex digits literally, such an escape is an error: in a
// machine-written callback it means a corrupt body. Errors (dead-letter reasons): bad_encoding for
// a malformed %-escape, invalid UTF-8 (overlong forms, surrogates, > U+10FFFF) or a NUL byte in a
// name or value; duplicate_parameter for a name repeated after decoding. Details name the
// parameter (a bad name by its position), never a value. Fields keep the order of the body.
Result<std::vector<FormField>> decode_form(std::string_view body);

// The rank of a name that no form table lists (ParameterRanks in parameters.h ranks the others).
inline constexpr uint16_t kNoRank = 0xFFFF;

// A decoded field: views of its decoded name and value, and the name's rank when the decoder
// looked it up (kNoRank otherwise, or for a name no form table lists).
struct FieldView {
  std::string_view name;
  std::string_view value;
  uint16_t rank = kNoRank;
};

// decode_form without a copy per field: a name or value without '%' or '+' is a view of the body
// itself; the others are decoded into *arena (its contents replaced, sized once a little past the
// body's size), one after another in body order. The views are valid while the body and *arena
// are and are not changed. Same rules, errors and details as decode_form.
// When `by_name` is given and decoding succeeds, it holds the fields as sorted_by_name orders them
// (pointers into the returned vector's elements, which moving the vector keeps).
Result<std::vector<FieldView>> decode_form_views(std::string_view body, std::string* arena,
                                                 std::vector<const FieldView*>* by_name = nullptr);

// decode_form_views into vectors the caller keeps (their memory reused from call to call): on
// success *fields holds the fields in body order, each with its name's rank, and
// *by_name the same sorted as sorted_by_name orders them (pointers into *fields). The failure, if
// any, is decode_form's.
std::optional<Failure> decode_form_into(std::string_view body, std::string* arena,
                                        std::vector<FieldView>* fields,
                                        std::vector<const FieldView*>* by_name);

// The fields ordered by name, then value, in byte order (as std::string's operator< orders). When
// every field has a rank and no two share one, the ranks give that order without comparing names.
std::vector<const FieldView*> sorted_by_name(const std::vector<FieldView>& fields);

// sorted_by_name into *sorted (its contents replaced, its memory reused).
void sort_by_name(const std::vector<FieldView>& fields, std::vector<const FieldView*>* sorted);

namespace detail {
// Decoding's first pass: bit i set when byte i of the 64 at p is '&', '=', '%', '+', NUL or
// >= 0x80. With SSE2, and with AVX2 where the processor has it (has_avx2(); elsewhere the AVX2
// name runs the SSE2 code); both are exposed so that tests can hold them against each other.
uint64_t specials_of_64_sse2(const char* p);
uint64_t specials_of_64_avx2(const char* p);
bool has_avx2();
}  // namespace detail

// Views of decoded fields (into `fields`, which must outlive them).
std::vector<FieldView> views_of(const std::vector<FormField>& fields);

}  // namespace jb::callback
