// UTF-8 validation and character counting shared by the stages.
#pragma once

#include <cstddef>
#include <string_view>

namespace jb {

// True when text is well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);
// The number of Unicode characters in well-formed UTF-8 text.
size_t utf8_length(std::string_view text);

}  // namespace jb
