// Parsing JSON-valued callback parameters with limits suited to untrusted input.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace jb::callback {

// Containers nested deeper than this make a parameter invalid_json.
inline constexpr int kMaxJsonDepth = 32;

// Parses `text` as one JSON value into *out, allocated from `allocator`; its strings may refer to
// `text`, which must outlive *out. False when it does not parse, nests deeper than kMaxJsonDepth,
// or holds a string (or member name) that is not valid UTF-8 (a lone surrogate escape) or contains
// NUL.
bool parse_json_value(std::string_view text, rapidjson::Value* out,
                      rapidjson::Document::AllocatorType& allocator);

// parse_json_value by RapidJSON's reader alone, which parse_json_value uses for text that is not
// plain JSON (plain_json.h); the two agree on every text (tests/unit/plain_json_test.cpp and
// fuzz/json_fuzzer.cpp compare them). Strings are copied into `allocator`.
bool parse_json_value_by_rapidjson(std::string_view text, rapidjson::Value* out,
                                   rapidjson::Document::AllocatorType& allocator);

// Whether `text` nests arrays and objects (brackets outside strings) deeper than `limit`, without
// parsing it. RapidJSON's parser recurses once per level and opens a container only at such a
// bracket, so a text this reports as not deeper cannot make it recurse deeper.
bool nests_deeper_than(std::string_view text, int limit);

// The member `name` of an object; nullptr when absent or null (null counts as absent), or when
// `object` is not an object.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name);

}  // namespace jb::callback
