// application/x-www-form-urlencoded decoding as the WHATWG URL standard describes it, stricter
// where a callback body would otherwise be silently altered.
#pragma once

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

}  // namespace jb::callback
