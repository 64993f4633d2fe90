// A copy of a few bytes without a call: callbacks hold many short names and values, for which
// memcpy's call and size dispatch cost more than the copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace jb {

// Copies `count` bytes from `from` to `to` (not overlapping). Up to 16 bytes as two loads and two
// stores, which overlap in the middle; reads and writes only [from, from + count) and
// [to, to + count).
inline void small_copy(char* to, const char* from, size_t count) {
  if (count >= 8) {
    if (count > 16) {
      std::memcpy(to, from, count);
      return;
    }
    uint64_t first, last;
    std::memcpy(&first, from, 8);
    std::memcpy(&last, from + count - 8, 8);
    std::memcpy(to, &first, 8);
    std::memcpy(to + count - 8, &last, 8);
  } else if (count >= 4) {
    uint32_t first, last;
    std::memcpy(&first, from, 4);
    std::memcpy(&last, from + count - 4, 4);
    std::memcpy(to, &first, 4);
    std::memcpy(to + count - 4, &last, 4);
  } else if (count != 0) {
    // 1 to 3 bytes: the first, the middle and the last (some of them the same byte).
    const char a = from[0], b = from[count / 2], c = from[count - 1];
    to[0] = a;
    to[count / 2] = b;
    to[count - 1] = c;
  }
}

}  // namespace jb
