// Parsing JSON-valued callback parameters with limits suited to untrusted input.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace jb::callback {

// Containers nested deeper than this make a parameter invalid_json.
inline constexpr int kMaxJsonDepth = 32;

// Parses `text` as one JSON value into *out, allocated from `allocator`. False when it does not
// parse, nests deeper than kMaxJsonDepth, or holds a string (or member name) that is not valid
// UTF-8 (a lone surrogate escape) or contains NUL.
bool parse_json_value(std::string_view text, rapidjson::Value* out,
                      rapidjson::Document::AllocatorType& allocator);

}  // namespace jb::callback
