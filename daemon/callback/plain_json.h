// The JSON a callback's JSON-valued parameters usually hold (objects and arrays of short strings),
// parsed without RapidJSON's reader: one pass, no pre-scans, strings not copied.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace jb::callback {

enum class PlainJson {
  parsed,     // *out holds the value
  not_plain,  // anything else, valid JSON or not: parse_json_value's RapidJSON path decides
};

// Parses `text` into *out when it is plain JSON: objects, arrays, strings whose escapes are the
// two-character ones (\" \\ \/ \b \f \n \r \t, no \u) and whose bytes are valid UTF-8, integers
// from 0 to 999,999,999 without a sign, fraction or exponent, true, false and null, between JSON's
// four whitespace bytes, containers nested at most kMaxJsonDepth deep. The value is the one
// parse_json_value gives for the same text. A string without escapes refers to `text`, which
// must outlive *out; one with escapes is unescaped into `allocator`. *out is untouched when the
// text is not plain.
PlainJson parse_plain_json(std::string_view text, rapidjson::Value* out,
                           rapidjson::Document::AllocatorType& allocator);

}  // namespace jb::callback
