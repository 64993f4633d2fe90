// Equality of short texts (parameter and member names, enumerated values) without a call to
// memcmp, whose call and set-up dominate comparing a few bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace jb {

// a == b, eight bytes at a time; the last (up to) eight bytes as one word read again from the end,
// four-byte words for texts of four to seven bytes, and byte by byte below that.
inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  const size_t size = a.size();
  const auto same_at = [x, y](size_t at, auto word) {
    decltype(word) first;
    decltype(word) second;
    std::memcpy(&first, x + at, sizeof first);
    std::memcpy(&second, y + at, sizeof second);
    return first == second;
  };
  if (size >= 8) {
    for (size_t at = 0; at + 8 < size; at += 8) {
      if (!same_at(at, uint64_t{})) return false;
    }
    return same_at(size - 8, uint64_t{});
  }
  if (size >= 4) return same_at(0, uint32_t{}) && same_at(size - 4, uint32_t{});
  for (size_t at = 0; at < size; ++at) {
    if (x[at] != y[at]) return false;
  }
  return true;
}

}  // namespace jb
