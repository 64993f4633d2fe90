// The one-pass reader of plain JSON (callback/plain_json.h) reads what a callback's JSON-valued
// parameters usually hold, leaves everything else to RapidJSON, and gives exactly the value
// RapidJSON's reader gives.
#include <gtest/gtest.h>

#include <iterator>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "callback/json_value.h"
#include "callback/plain_json.h"
#include "support/schema_check.h"

namespace jb::callback {
namespace {

using schema::to_json;

// Texts the reader reads itself.
const std::string_view kPlain[] = {
    R"({"streetNumber":"2201","streetName":"Elm","city":"Springfield","country":"USA"})",
    R"({"rejectReasonCode":"200","rejectReasonDetails":[{"detailsCode":"2001"}]})",
    R"(["a","b",""])",
    R"({"a\"b":"c\\d\/e\b\f\n\r\t"})",
    "{\"city\":\"Z\xC3\xBCrich\",\"name\":\"\xE6\x9D\xB1\xE4\xBA\xAC\"}",
    "[0,7,10,999999999]",
    "[true,false,null]",
    " \t\n{ \"a\" : [ 1 , \"b\" ] ,\"c\":{}}\r\n ",
    "{}",
    "[]",
    "\"just a string\"",
    R"({"a":"1","a":"2"})",  // a repeated name is the checker's business, as with RapidJSON
};

// Texts left to RapidJSON, valid or not.
const std::string_view kNotPlain[] = {
    R"({"city":"Z\u00fcrich"})",  // \u escapes
    R"(["\ud83d\ude00"])",
    R"(["\udc00"])",
    R"(["\u0000"])",
    "[-1]",  // numbers other than small unsigned integers
    "[1000000000]",
    "[1.5]",
    "[1e3]",
    "[-0]",
    "[01]",
    "{\"a\":1,}",  // invalid JSON
    "[tru]",
    "{} {}",
    "[\"a\tb\"]",
    "[\"\\x\"]",
    "[\"\xC3\x28\"]",  // invalid UTF-8
    "",
    "{\"a\"",
    "[\"a\\",
};

// parse_json_value and RapidJSON's reader both accept `text` or both refuse it, and an accepted
// text gives the same value written out; RapidJSON's value is left in *by_rapidjson.
void expect_agreement_with_rapidjson(std::string_view text,
                                     rapidjson::MemoryPoolAllocator<>& allocator,
                                     rapidjson::Value* by_rapidjson) {
  rapidjson::Value both;
  const bool parsed = parse_json_value(text, &both, allocator);
  ASSERT_EQ(parsed, parse_json_value_by_rapidjson(text, by_rapidjson, allocator)) << text;
  if (parsed) {
    EXPECT_EQ(to_json(both), to_json(*by_rapidjson)) << text;
  }
}

TEST(PlainJson, ReadsPlainTextsAsRapidJsonDoes) {
  for (std::string_view text : kPlain) {
    rapidjson::MemoryPoolAllocator<> allocator;
    rapidjson::Value plain;
    rapidjson::Value expected;
    ASSERT_EQ(parse_plain_json(text, &plain, allocator), PlainJson::parsed) << text;
    ASSERT_TRUE(parse_json_value_by_rapidjson(text, &expected, allocator)) << text;
    // Written out, not compared with ==: RapidJSON's == finds a repeated name's first member.
    EXPECT_EQ(to_json(plain), to_json(expected)) << text;
  }
}

TEST(PlainJson, LeavesOtherTextsToRapidJsonAndAgreesWithIt) {
  for (std::string_view text : kNotPlain) {
    rapidjson::MemoryPoolAllocator<> allocator;
    rapidjson::Value untouched(7);
    EXPECT_EQ(parse_plain_json(text, &untouched, allocator), PlainJson::not_plain) << text;
    EXPECT_TRUE(untouched.IsInt() && untouched.GetInt() == 7) << text;
    rapidjson::Value by_rapidjson;
    expect_agreement_with_rapidjson(text, allocator, &by_rapidjson);
  }
}

TEST(PlainJson, EachKindOfByteAtEveryPositionOfAStringReadsAsRapidJsonDoes) {
  // Strings long and short, followed by more text or not, so that both the 16-byte steps and the
  // byte-at-a-time reading meet each kind of byte: escapes, a control byte, UTF-8 of two and three
  // bytes, a lone lead byte and a lone continuation byte.
  const std::string_view inserts[] = {"",  "\\\"",     "\\n",  "\x01",         "\x7F",
                                      "/", "\xC3\xBC", "\xC3", "\xE6\x9D\xB1", "\x80"};
  const bool plain[] = {true, true, true, false, true, true, true, false, true, false};
  for (size_t length = 0; length <= 40; ++length) {
    for (size_t position = 0; position <= length; ++position) {
      for (size_t i = 0; i < std::size(inserts); ++i) {
        for (bool more : {false, true}) {
          const std::string text = "[\"" + std::string(position, 'a') + std::string(inserts[i]) +
                                   std::string(length - position, 'b') + "\"" +
                                   (more ? ",\"" + std::string(20, 'p') + "\"]" : "]");
          rapidjson::MemoryPoolAllocator<> allocator;
          rapidjson::Value value;
          ASSERT_EQ(parse_plain_json(text, &value, allocator),
                    plain[i] ? PlainJson::parsed : PlainJson::not_plain)
              << text;
          rapidjson::Value by_rapidjson;
          expect_agreement_with_rapidjson(text, allocator, &by_rapidjson);
          if (plain[i]) {
            EXPECT_EQ(to_json(value), to_json(by_rapidjson)) << text;
          }
        }
      }
    }
  }
}

TEST(PlainJson, RefusedAndAcceptedTextsStayAsBefore) {
  rapidjson::MemoryPoolAllocator<> allocator;
  rapidjson::Value value;
  EXPECT_TRUE(parse_json_value(R"({"city":"Z\u00fcrich"})", &value, allocator));
  EXPECT_FALSE(parse_json_value(R"(["\udc00"])", &value, allocator));
  EXPECT_FALSE(parse_json_value(R"(["\u0000"])", &value, allocator));
  EXPECT_FALSE(parse_json_value("{\"a\":1,}", &value, allocator));
  EXPECT_TRUE(parse_json_value("[-1.5e3]", &value, allocator));
}

TEST(PlainJson, NestingUpToTheLimitIsPlainDeeperIsRefused) {
  rapidjson::MemoryPoolAllocator<> allocator;
  rapidjson::Value value;
  const std::string deepest = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  const std::string deeper =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_EQ(parse_plain_json(deepest, &value, allocator), PlainJson::parsed);
  EXPECT_EQ(parse_plain_json(deeper, &value, allocator), PlainJson::not_plain);
  EXPECT_FALSE(parse_json_value(deeper, &value, allocator));
  const std::string objects = [] {
    std::string text;
    for (int i = 0; i <= kMaxJsonDepth; ++i) text += "{\"a\":";
    text += "1";
    return text + std::string(kMaxJsonDepth + 1, '}');
  }();
  EXPECT_EQ(parse_plain_json(objects, &value, allocator), PlainJson::not_plain);
  EXPECT_FALSE(parse_json_value(objects, &value, allocator));
}

TEST(PlainJson, StringsWithoutEscapesReferToTheTextOthersAreUnescapedCopies) {
  const std::string text = R"({"city":"Springfield","quoted":"a\"b"})";
  rapidjson::MemoryPoolAllocator<> allocator;
  rapidjson::Value value;
  ASSERT_EQ(parse_plain_json(text, &value, allocator), PlainJson::parsed);
  const rapidjson::Value& city = value["city"];
  EXPECT_EQ(city.GetString(), text.data() + text.find("Springfield"));
  const rapidjson::Value& quoted = value["quoted"];
  EXPECT_EQ(std::string_view(quoted.GetString(), quoted.GetStringLength()), "a\"b");
  EXPECT_FALSE(quoted.GetString() >= text.data() && quoted.GetString() < text.data() + text.size());
}

}  // namespace
}  // namespace jb::callback
