// application/x-www-form-urlencoded decoding, exactly as the WHATWG URL standard describes it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace jb::callback {

using FormField = std::pair<std::string, std::string>;

// Splits on '&', then on the first '=', turns '+' into a space and decodes %XX. Empty pieces
// ("a=1&&b=2") are skipped. Errors (dead-letter reasons): bad_encoding for a malformed %-escape,
// invalid UTF-8 or a NUL byte in a name or value; duplicate_parameter for a repeated name.
// Details name the parameter (never its value). Fields keep the order of the body.
Result<std::vector<FormField>> decode_form(std::string_view body);

}  // namespace jb::callback
