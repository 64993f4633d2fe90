#include "callback/form.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace jb::callback {
namespace {

struct DecodeCase {
  std::string body;
  std::vector<FormField> fields;
};

class DecodeFormTest : public testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeFormTest, DecodesFieldsInBodyOrder) {
  auto result = decode_form(GetParam().body);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_EQ(result.value(), GetParam().fields);
}

INSTANTIATE_TEST_SUITE_P(
    Valid, DecodeFormTest,
    testing::Values(DecodeCase{"", {}}, DecodeCase{"a=1", {{"a", "1"}}},
                    DecodeCase{"b=2&a=1", {{"b", "2"}, {"a", "1"}}},
                    DecodeCase{"a=x+y", {{"a", "x y"}}}, DecodeCase{"a=x%20y", {{"a", "x y"}}},
                    DecodeCase{"a=x%2By", {{"a", "x+y"}}},
                    DecodeCase{"a=%2f%2F%3a", {{"a", "//:"}}},
                    DecodeCase{"name=Ren%C3%A9", {{"name", "Ren\xC3\xA9"}}},
                    DecodeCase{"a=%E2%82%AC%F0%9F%98%80", {{"a", "\xE2\x82\xAC\xF0\x9F\x98\x80"}}},
                    DecodeCase{"a=1&&b=2&", {{"a", "1"}, {"b", "2"}}}, DecodeCase{"&&&", {}},
                    DecodeCase{"flag", {{"flag", ""}}}, DecodeCase{"a=", {{"a", ""}}},
                    DecodeCase{"=v", {{"", "v"}}}, DecodeCase{"a=b=c", {{"a", "b=c"}}},
                    DecodeCase{"x%5By%5D=1", {{"x[y]", "1"}}},
                    // Escapes after a plain run, and a plain run after them.
                    DecodeCase{"street=1234+Main+St%2C+Apt+5&city=Saint%20Paul",
                               {{"street", "1234 Main St, Apt 5"}, {"city", "Saint Paul"}}},
                    DecodeCase{"longparametername=abcdefghijklmnop%C3%BCqrstuvwx",
                               {{"longparametername", "abcdefghijklmnop\xC3\xBCqrstuvwx"}}}));

struct FailureCase {
  std::string body;
  DeadLetterReason reason;
  std::string detail_mentions;
};

class DecodeFormFailureTest : public testing::TestWithParam<FailureCase> {};

TEST_P(DecodeFormFailureTest, RejectsWithReasonNamingTheParameter) {
  auto result = decode_form(GetParam().body);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(reason_code(result.failure().reason), reason_code(GetParam().reason));
  EXPECT_NE(result.failure().detail.find(GetParam().detail_mentions), std::string::npos)
      << result.failure().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Invalid, DecodeFormFailureTest,
    testing::Values(
        FailureCase{"a=%", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%4", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%GZ", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=1&b=x%4g", DeadLetterReason::bad_encoding, "parameter b "},
        FailureCase{"a=%C3%28", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%C3", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%C0%AF", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%E0%80%AF", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%ED%A0%80", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%F4%90%80%80", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=%FF", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=\xC3", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=x%00y", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{std::string("a=abcdefghijklmnop\0q", 21), DeadLetterReason::bad_encoding,
                    "parameter a "},
        FailureCase{"a=abcdefghijklmnop+%C3", DeadLetterReason::bad_encoding, "parameter a "},
        FailureCase{"a=1&b%00=2", DeadLetterReason::bad_encoding, "name #2"},
        FailureCase{"%ZZ=1", DeadLetterReason::bad_encoding, "name #1"},
        FailureCase{"a=1&b=2&a=3", DeadLetterReason::duplicate_parameter, "a"},
        FailureCase{"a=1&%61=2", DeadLetterReason::duplicate_parameter, "a"},
        FailureCase{"x+y=1&x%20y=2", DeadLetterReason::duplicate_parameter, "x y"},
        FailureCase{"flag&flag", DeadLetterReason::duplicate_parameter, "flag"},
        // Names the parameter tables list (ranked), repeated with and without an
        // unlisted name beside them, and spelled with an escape.
        FailureCase{"customerId=a&idType=PASSPORT&customerId=b",
                    DeadLetterReason::duplicate_parameter, "customerId"},
        FailureCase{"x=1&customerId=a&customerId=b", DeadLetterReason::duplicate_parameter,
                    "customerId"},
        FailureCase{"idType=a&id%54ype=b", DeadLetterReason::duplicate_parameter, "idType"}));

// The first pass's marks, written out byte by byte from their definition.
uint64_t specials_by_byte(const char* p) {
  uint64_t bits = 0;
  for (int i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    const bool special = c == '&' || c == '=' || c == '%' || c == '+' || c == 0 || c >= 0x80;
    bits |= uint64_t{special} << i;
  }
  return bits;
}

// Every byte value at every position of a block of plain bytes, and blocks of bytes from a fixed
// pseudo-random sequence: the SSE2 marks, and the AVX2 ones where this processor has AVX2 (which
// decoding then uses), agree with the definition.
TEST(FormSpecialBytes, SseAndAvxMarksAgreeWithTheDefinition) {
  char block[64];
  for (int value = 0; value < 256; ++value) {
    for (int at = 0; at < 64; ++at) {
      std::memset(block, 'a', sizeof block);
      block[at] = static_cast<char>(value);
      const uint64_t expected = specials_by_byte(block);
      ASSERT_EQ(detail::specials_of_64_sse2(block), expected) << value << " at " << at;
      if (detail::has_avx2()) {
        ASSERT_EQ(detail::specials_of_64_avx2(block), expected) << value << " at " << at;
      }
    }
  }
  uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    for (char& byte : block) {
      state = state * 1103515245u + 12345u;
      byte = static_cast<char>(state >> 16);
    }
    const uint64_t expected = specials_by_byte(block);
    ASSERT_EQ(detail::specials_of_64_sse2(block), expected) << round;
    if (detail::has_avx2()) {
      ASSERT_EQ(detail::specials_of_64_avx2(block), expected) << round;
    }
  }
}

TEST(DecodeFormDetailTest, NeverContainsTheValue) {
  auto result = decode_form("idNumber=SECRET%C3%28");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().detail.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace jb::callback
