// The small grammars of http/syntax.h (tokens, Host, decimal lengths, lists), the identity
// content coding, and Basic authentication. RequestParser and RequestHead are tested in
// request_parser_test.cpp.
#include "http/syntax.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "http/basic_auth.h"
#include "http/request_head.h"
#include "http/request_parser.h"

namespace jb::http {
namespace {

struct SyntaxCase {
  std::string text;
  bool valid;
};

std::string case_name(const std::string& text) {
  std::string name;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      name.push_back(static_cast<char>(c));
    } else {
      static const char kHex[] = "0123456789abcdef";
      name += "_";
      name.push_back(kHex[c >> 4]);
      name.push_back(kHex[c & 15]);
    }
  }
  return name.empty() ? "empty" : name;
}

class IsTokenTest : public testing::TestWithParam<SyntaxCase> {};

TEST_P(IsTokenTest, AcceptsOnlyTchars) {
  EXPECT_EQ(syntax::is_token(GetParam().text), GetParam().valid) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    syntax, IsTokenTest,
    testing::Values(SyntaxCase{"GET", true}, SyntaxCase{"Content-Length", true},
                    SyntaxCase{"x!#$%&'*+-.^_`|~09azAZ", true}, SyntaxCase{"a", true},
                    SyntaxCase{"", false}, SyntaxCase{"a b", false}, SyntaxCase{"a:", false},
                    SyntaxCase{"a\tb", false}, SyntaxCase{"a(b)", false}, SyntaxCase{"a,b", false},
                    SyntaxCase{"a;b", false}, SyntaxCase{"a=b", false}, SyntaxCase{"\"a\"", false},
                    SyntaxCase{"a/b", false}, SyntaxCase{"a[b]", false}, SyntaxCase{"a{b}", false},
                    SyntaxCase{"a?b", false}, SyntaxCase{"a@b", false}, SyntaxCase{"a\\b", false},
                    SyntaxCase{"a<b>", false}, SyntaxCase{std::string("a\0b", 3), false},
                    SyntaxCase{"a\x7f", false}, SyntaxCase{"caf\xc3\xa9", false},
                    SyntaxCase{" a", false}, SyntaxCase{"a ", false}),
    [](const auto& info) { return std::to_string(info.index) + "_" + case_name(info.param.text); });

TEST(syntax, TcharTableMatchesRfc9110) {
  const std::string extra = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    const bool expected = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                          (c >= 'A' && c <= 'Z') ||
                          (c != 0 && extra.find(static_cast<char>(c)) != std::string::npos);
    EXPECT_EQ(syntax::is_tchar(static_cast<unsigned char>(c)), expected) << c;
  }
}

TEST(syntax, FieldValueAllowsVisibleSpaceTabAndObsText) {
  EXPECT_TRUE(syntax::is_field_value(""));
  EXPECT_TRUE(syntax::is_field_value("text/plain; charset=\"utf-8\""));
  EXPECT_TRUE(syntax::is_field_value("a\tb c"));
  EXPECT_TRUE(syntax::is_field_value("caf\xc3\xa9 \x80\xff"));
  EXPECT_FALSE(syntax::is_field_value(std::string("a\0b", 3)));
  EXPECT_FALSE(syntax::is_field_value("a\rb"));
  EXPECT_FALSE(syntax::is_field_value("a\nb"));
  EXPECT_FALSE(syntax::is_field_value("a\x01"));
  EXPECT_FALSE(syntax::is_field_value("a\x1f"));
  EXPECT_FALSE(syntax::is_field_value("a\x7f"));
  EXPECT_FALSE(syntax::is_field_value("\x0b"));
}

TEST(syntax, TrimRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(syntax::trim(" \t a b \t "), "a b");
  EXPECT_EQ(syntax::trim("\t\t"), "");
  EXPECT_EQ(syntax::trim(""), "");
  EXPECT_EQ(syntax::trim("\ra\r"), "\ra\r");
}

TEST(syntax, EqualsLowerIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(syntax::equals_lower("Content-Length", "content-length"));
  EXPECT_TRUE(syntax::equals_lower("CHUNKED", "chunked"));
  EXPECT_TRUE(syntax::equals_lower("", ""));
  EXPECT_FALSE(syntax::equals_lower("chunked ", "chunked"));
  EXPECT_FALSE(syntax::equals_lower("chunke", "chunked"));
  EXPECT_FALSE(syntax::equals_lower("xchunked", "chunked"));
  // Only A-Z fold: 'K' (U+212A KELVIN SIGN, E2 84 AA) and other bytes are not letters here.
  EXPECT_FALSE(
      syntax::equals_lower("chun\xe2\x84\xaa"
                           "ed",
                           "chunked"));
  EXPECT_FALSE(syntax::equals_lower("[", "{"));  // '[' + 32 is '{': not a letter, not folded
  EXPECT_FALSE(syntax::equals_lower("@", "`"));
}

class IsHostTest : public testing::TestWithParam<SyntaxCase> {};

TEST_P(IsHostTest, FollowsUriHostAndPort) {
  EXPECT_EQ(syntax::is_host(GetParam().text), GetParam().valid) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    syntax, IsHostTest,
    testing::Values(SyntaxCase{"example.com", true}, SyntaxCase{"example.com:8080", true},
                    SyntaxCase{"localhost:", true},  // port = *DIGIT
                    SyntaxCase{"", true},            // an empty Host: a target without authority
                    SyntaxCase{"127.0.0.1", true}, SyntaxCase{"127.0.0.1:443", true},
                    SyntaxCase{"[::1]", true}, SyntaxCase{"[::1]:8443", true},
                    SyntaxCase{"[2001:db8::7]", true}, SyntaxCase{"[v1.fe80::a]", true},
                    SyntaxCase{"a-b_c~d.e", true}, SyntaxCase{"a%20b", true},
                    SyntaxCase{"x!$&'()*+,;=", true}, SyntaxCase{"example.com:65535", true},
                    SyntaxCase{"example.com:123456", false}, SyntaxCase{"example.com:80a", false},
                    SyntaxCase{"example.com:-1", false}, SyntaxCase{"example.com: 80", false},
                    SyntaxCase{"a b", false}, SyntaxCase{"user@example.com", false},
                    SyntaxCase{"example.com/path", false}, SyntaxCase{"example.com?q", false},
                    SyntaxCase{"example.com#f", false}, SyntaxCase{"a%2", false},
                    SyntaxCase{"a%", false}, SyntaxCase{"a%zz", false}, SyntaxCase{"[::1", false},
                    SyntaxCase{"::1]", false}, SyntaxCase{"[]", false}, SyntaxCase{"[::g]", false},
                    SyntaxCase{"[::1]x", false}, SyntaxCase{"a]:80", false},
                    SyntaxCase{"a\"b", false}, SyntaxCase{"a\\b", false}, SyntaxCase{"a<b", false},
                    SyntaxCase{"caf\xc3\xa9", false}, SyntaxCase{std::string("a\0b", 3), false},
                    SyntaxCase{"a\tb", false}),
    [](const auto& info) { return std::to_string(info.index) + "_" + case_name(info.param.text); });

struct DecimalCase {
  std::string text;
  bool valid;
  uint64_t value;
};

class ParseDecimalTest : public testing::TestWithParam<DecimalCase> {};

TEST_P(ParseDecimalTest, TakesOnlyDigits) {
  uint64_t value = 12345;
  EXPECT_EQ(syntax::parse_decimal(GetParam().text, &value), GetParam().valid) << GetParam().text;
  if (GetParam().valid) {
    EXPECT_EQ(value, GetParam().value);
  } else {
    EXPECT_EQ(value, 12345u) << "left alone when invalid";
  }
}

INSTANTIATE_TEST_SUITE_P(
    syntax, ParseDecimalTest,
    testing::Values(DecimalCase{"0", true, 0}, DecimalCase{"5", true, 5},
                    DecimalCase{"00042", true, 42}, DecimalCase{"262144", true, 262144},
                    DecimalCase{"9999999999999999999", true, 9999999999999999999ULL},  // 19 digits
                    DecimalCase{"0000000000000000001", true, 1},
                    DecimalCase{"10000000000000000000", false, 0},  // 20 digits
                    DecimalCase{"18446744073709551615", false, 0},  // fits, but over 19 digits
                    DecimalCase{"", false, 0}, DecimalCase{"+5", false, 0},
                    DecimalCase{"-5", false, 0}, DecimalCase{" 5", false, 0},
                    DecimalCase{"5 ", false, 0}, DecimalCase{"0x5", false, 0},
                    DecimalCase{"5,5", false, 0}, DecimalCase{"1e3", false, 0},
                    DecimalCase{"\xd9\xa5", false, 0}),  // ARABIC-INDIC DIGIT FIVE
    [](const auto& info) { return std::to_string(info.index) + "_" + case_name(info.param.text); });

struct ListCase {
  std::string list;
  std::vector<std::string> elements;
  size_t empty;  // empty elements skipped
};

class ListTest : public testing::TestWithParam<ListCase> {};

TEST_P(ListTest, SplitsAtCommasTrimsAndSkipsEmptyElements) {
  std::vector<std::string> elements;
  size_t empty = 0;
  EXPECT_TRUE(syntax::for_each_list_element(
      GetParam().list,
      [&](std::string_view element) {
        elements.emplace_back(element);
        return true;
      },
      &empty))
      << GetParam().list;
  EXPECT_EQ(elements, GetParam().elements) << GetParam().list;
  EXPECT_EQ(empty, GetParam().empty) << GetParam().list;
}

INSTANTIATE_TEST_SUITE_P(syntax, ListTest,
                         testing::Values(ListCase{"close", {"close"}, 0},
                                         ListCase{"keep-alive, close", {"keep-alive", "close"}, 0},
                                         ListCase{" a ,\tb\t, c ", {"a", "b", "c"}, 0},
                                         ListCase{"a,b,c", {"a", "b", "c"}, 0},
                                         // RFC 9110 §5.6.1.2: empty elements are ignored (and
                                         // counted for callers that refuse them).
                                         ListCase{"", {}, 1}, ListCase{" ", {}, 1},
                                         ListCase{",a", {"a"}, 1}, ListCase{"a,", {"a"}, 1},
                                         ListCase{"a,,b", {"a", "b"}, 1},
                                         ListCase{"a, ,b", {"a", "b"}, 1},
                                         // Elements are not checked here: the caller does.
                                         ListCase{"a b, \"c,d\"", {"a b", "\"c", "d\""}, 0}),
                         [](const auto& info) {
                           return std::to_string(info.index) + "_" + case_name(info.param.list);
                         });

TEST(syntax, ListStopsWhenTheCallerSaysSo) {
  std::vector<std::string> seen;
  EXPECT_FALSE(syntax::for_each_list_element("a, bad, c", [&](std::string_view element) {
    seen.emplace_back(element);
    return element != "bad";
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "bad"}));
}

class IdentityCodingTest : public testing::TestWithParam<SyntaxCase> {};

TEST_P(IdentityCodingTest, OnlyIdentityInAnyCase) {
  EXPECT_EQ(is_identity_coding(GetParam().text), GetParam().valid) << GetParam().text;
}

// Content-Encoding = #content-coding, codings case-insensitive (RFC 9110 §8.4, §8.4.1); empty
// list elements are ignored (§5.6.1.2).
INSTANTIATE_TEST_SUITE_P(
    request_head, IdentityCodingTest,
    testing::Values(SyntaxCase{"", true}, SyntaxCase{"identity", true},
                    SyntaxCase{"IDENTITY", true}, SyntaxCase{"Identity", true},
                    SyntaxCase{"identity, identity", true}, SyntaxCase{"identity,IDENTITY", true},
                    SyntaxCase{" identity\t", true}, SyntaxCase{"identity,", true},
                    SyntaxCase{", identity", true}, SyntaxCase{" , ", true},
                    SyntaxCase{"gzip", false}, SyntaxCase{"GZIP", false},
                    SyntaxCase{"identity, gzip", false}, SyntaxCase{"gzip, identity", false},
                    SyntaxCase{"x-identity", false}, SyntaxCase{"identit", false},
                    SyntaxCase{"identityy", false}, SyntaxCase{"identity;q=1", false},
                    SyntaxCase{"\"identity\"", false}, SyntaxCase{"identity identity", false},
                    SyntaxCase{"\xc4\xb0"
                               "dentity",
                               false}),
    [](const auto& info) { return std::to_string(info.index) + "_" + case_name(info.param.text); });

TEST(request_head, ContentEncodingIsKeptAsSent) {
  const std::string request =
      "POST /cb HTTP/1.1\r\nHost: a\r\nContent-Encoding: IDENTITY\r\nContent-Length: 0\r\n"
      "content-encoding: Identity\r\n\r\n";
  RequestParser parser;
  ASSERT_EQ(parser.parse(request), RequestParser::Progress::head);
  EXPECT_EQ(parser.head().content_encoding, "IDENTITY, Identity");
  EXPECT_TRUE(is_identity_coding(parser.head().content_encoding));
  const std::string gzip = "POST /cb HTTP/1.1\r\nHost: a\r\nContent-Encoding: Gzip\r\n\r\n";
  RequestParser other;
  ASSERT_EQ(other.parse(gzip), RequestParser::Progress::head);
  EXPECT_EQ(other.head().content_encoding, "Gzip");
  EXPECT_FALSE(is_identity_coding(other.head().content_encoding));
}

TEST(request_head, BasicAuthChecksSchemeAndCredentials) {
  BasicAuth auth("jumio", "pa:ss");
  EXPECT_TRUE(auth.accepts("Basic anVtaW86cGE6c3M="));  // jumio:pa:ss
  EXPECT_TRUE(auth.accepts("basic anVtaW86cGE6c3M="));
  EXPECT_FALSE(auth.accepts("Basic anVtaW86cGE6c3Q="));  // jumio:pa:st
  EXPECT_FALSE(auth.accepts("Bearer anVtaW86cGE6c3M="));
  EXPECT_FALSE(auth.accepts("Basic !!!!"));
  EXPECT_FALSE(auth.accepts("Basic anVtaW86cGE6"));  // jumio:pa:
  EXPECT_FALSE(auth.accepts(""));
  EXPECT_TRUE(BasicAuth("", "").accepts(""));
}

}  // namespace
}  // namespace jb::http
