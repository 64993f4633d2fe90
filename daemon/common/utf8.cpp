#include "common/utf8.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace jb {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// The eight bytes at text, for checking them at once (memcpy: no alignment assumed).
uint64_t word_at(const char* text) {
  uint64_t word;
  std::memcpy(&word, text, sizeof word);
  return word;
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the sequence led by `lead` and the allowed range of its second byte (RFC 3629 table).
struct SequenceShape {
  size_t length;
  unsigned char second_min;
  unsigned char second_max;
};

bool sequence_shape(unsigned char lead, SequenceShape* shape) {
  if (lead >= 0xC2 && lead <= 0xDF)
    *shape = {2, 0x80, 0xBF};
  else if (lead == 0xE0)
    *shape = {3, 0xA0, 0xBF};
  else if (lead == 0xED)
    *shape = {3, 0x80, 0x9F};
  else if (lead >= 0xE1 && lead <= 0xEF)
    *shape = {3, 0x80, 0xBF};
  else if (lead == 0xF0)
    *shape = {4, 0x90, 0xBF};
  else if (lead >= 0xF1 && lead <= 0xF3)
    *shape = {4, 0x80, 0xBF};
  else if (lead == 0xF4)
    *shape = {4, 0x80, 0x8F};
  else
    return false;
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Most callback text is ASCII: skip it 64 bytes (SSE2: the top bits of four vectors in one
    // mask), then eight bytes at a time.
#if defined(__SSE2__)
    while (text.size() - i >= 64) {
      const auto* at = reinterpret_cast<const __m128i*>(text.data() + i);
      const __m128i any =
          _mm_or_si128(_mm_or_si128(_mm_loadu_si128(at), _mm_loadu_si128(at + 1)),
                       _mm_or_si128(_mm_loadu_si128(at + 2), _mm_loadu_si128(at + 3)));
      if (_mm_movemask_epi8(any) != 0) break;
      i += 64;
    }
#endif
    while (text.size() - i >= 32 &&
           ((word_at(text.data() + i) | word_at(text.data() + i + 8) |
             word_at(text.data() + i + 16) | word_at(text.data() + i + 24)) &
            kHighBits) == 0) {
      i += 32;
    }
    while (text.size() - i >= 8 && (word_at(text.data() + i) & kHighBits) == 0) i += 8;
    if (i == text.size()) break;
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    SequenceShape shape;
    if (!sequence_shape(lead, &shape) || text.size() - i < shape.length) return false;
    auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < shape.second_min || second > shape.second_max) return false;
    for (size_t k = 2; k < shape.length; ++k) {
      if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return false;
    }
    i += shape.length;
  }
  return true;
}

size_t utf8_length(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if (!is_continuation(static_cast<unsigned char>(c))) ++count;
  }
  return count;
}

}  // namespace jb
