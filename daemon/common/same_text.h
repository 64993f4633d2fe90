// Equality of short texts (parameter and member names, enumerated values) without a call to
// memcmp, whose call and set-up dominate comparing a few bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace jb {

// a == b, eight bytes at a time, then byte by byte.
inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  size_t left = a.size();
  for (; left >= 8; left -= 8, x += 8, y += 8) {
    uint64_t first;
    uint64_t second;
    std::memcpy(&first, x, sizeof first);
    std::memcpy(&second, y, sizeof second);
    if (first != second) return false;
  }
  for (; left > 0; --left) {
    if (*x++ != *y++) return false;
  }
  return true;
}

}  // namespace jb
