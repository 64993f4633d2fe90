// SHA-256 through OpenSSL's libcrypto.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace jb {

std::array<unsigned char, 32> sha256(std::string_view data);
// Lower-case hex of sha256(data).
std::string sha256_hex(std::string_view data);
// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view data);
// False when text is not valid base64.
bool base64_decode(std::string_view text, std::string* out);

}  // namespace jb
