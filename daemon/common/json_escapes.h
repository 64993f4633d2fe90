// The bytes JSON escapes in a string, found sixteen at a time: the event writer stops at them to
// escape them, the plain-JSON reader to read an escape or refuse a control byte.
#pragma once

#include <emmintrin.h>

namespace jb {

// Bit i set for each byte i of `bytes` that a JSON string escapes: below 0x20, '"' or '\\'.
inline unsigned json_escaped_bytes(__m128i bytes) {
  const __m128i control =
      _mm_cmpeq_epi8(_mm_subs_epu8(bytes, _mm_set1_epi8(0x1F)), _mm_setzero_si128());
  const __m128i quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}

}  // namespace jb
