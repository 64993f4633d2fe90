#include "address/address.h"
#include "common/utf8.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "address/country_table.h"
#include "address/members.h"
#include "common/json_writer.h"

namespace jb::address {
namespace {

using Names = std::vector<std::string>;

rapidjson::Document parsed(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  EXPECT_FALSE(document.HasParseError()) << json;
  return document;
}

std::string serialized(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  jb::SafeJsonWriter writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Names each parameterised test after its case.
struct CaseName {
  template <class Case>
  std::string operator()(const testing::TestParamInfo<Case>& info) const {
    return info.param.name;
  }
};

struct Converted {
  bool ok = false;
  std::string raw;
  Conversion conversion;
};

Converted convert(const std::string& input, CountryKey country_key) {
  rapidjson::Document address = parsed(input);
  rapidjson::Document out;
  Converted converted;
  converted.ok = to_raw(address, country_key, &out, out.GetAllocator(), &converted.conversion);
  converted.raw = serialized(out);
  return converted;
}

struct ConversionCase {
  const char* name;
  const char* input;
  CountryKey country_key;
  const char* expected;
  Names unknown_members;
  Names dropped = {};  // members whose value is not in the output
};

const ConversionCase kConversionCases[] = {
    {"jumio_us_example",
     R"({"streetNumber":"150","streetDirection":"N","streetName":"Alberny","streetSuffix":"Dr",)"
     R"("unitDesignator":"APT","unitNumber":"7","city":"New Mexico","stateCode":"US-AL",)"
     R"("zip":"77358","zipExtension":"5555","country":"USA"})",
     CountryKey::country,
     R"({"line1":"150 N Alberny Dr APT. 7","city":"New Mexico","subdivision":"US-AL",)"
     R"("postalCode":"77358-5555","country":"USA",)"
     R"("formattedAddress":"150 N Alberny Dr APT. 7, New Mexico, US-AL 77358-5555, United States"})",
     {}},
    {"jumio_eu_example",
     R"({"streetNumber":"180","streetName":"Main Street","unitDetails":"ABC","city":"Graz",)"
     R"("province":"Steiermark","postalCode":"2424","country":"AUT"})",
     CountryKey::country,
     R"({"line1":"180 Main Street ABC","city":"Graz","subdivision":"Steiermark",)"
     R"("postalCode":"2424","country":"AUT",)"
     R"("formattedAddress":"180 Main Street ABC, Graz, Steiermark 2424, Austria"})",
     {}},
    {"raw_in_is_reordered_and_formatted",
     R"({"country":"FRA","postalCode":"75001","city":"Paris","line2":"Bâtiment B",)"
     R"("subdivision":"Île-de-France","line1":"1 Rue de Rivoli"})",
     CountryKey::country,
     R"({"line1":"1 Rue de Rivoli","line2":"Bâtiment B","city":"Paris",)"
     R"("subdivision":"Île-de-France","postalCode":"75001","country":"FRA",)"
     R"("formattedAddress":"1 Rue de Rivoli, Bâtiment B, Paris, Île-de-France 75001, France"})",
     {}},
    {"raw_all_five_lines",
     R"({"line1":"a","line2":"b","line3":"c","line4":"d","line5":"e"})",
     CountryKey::country,
     R"({"line1":"a","line2":"b","line3":"c","line4":"d","line5":"e",)"
     R"("formattedAddress":"a, b, c, d, e"})",
     {}},
    {"incoming_formatted_address_is_replaced",
     R"({"formattedAddress":"stale","line1":"1 High St","country":"GBR"})",
     CountryKey::country,
     R"({"line1":"1 High St","country":"GBR","formattedAddress":"1 High St, United Kingdom"})",
     {}},
    {"partial_country_and_state_code",  //
     R"({"country":"USA","stateCode":"US-OH"})",
     CountryKey::country,
     R"({"subdivision":"US-OH","country":"USA","formattedAddress":"US-OH, United States"})",
     {}},
    {"partial_city_only",  //
     R"({"city":"Graz"})",
     CountryKey::country,
     R"({"city":"Graz","formattedAddress":"Graz"})",
     {}},
    {"partial_postal_code_without_subdivision",  //
     R"({"postalCode":"2424","country":"AUT"})",
     CountryKey::country,
     R"({"postalCode":"2424","country":"AUT","formattedAddress":"2424, Austria"})",
     {}},
    {"partial_zip_without_extension",  //
     R"({"zip":"77358","stateCode":"US-AL"})",
     CountryKey::country,
     R"({"subdivision":"US-AL","postalCode":"77358","formattedAddress":"US-AL 77358"})",
     {}},
    {"partial_zip_extension_without_zip",  //
     R"({"zipExtension":"5555","country":"USA"})",
     CountryKey::country,
     R"({"postalCode":"5555","country":"USA","formattedAddress":"5555, United States"})",
     {}},
    {"partial_street_only_eu",  //
     R"({"streetName":"Herrengasse","city":"Graz"})",
     CountryKey::country,
     R"({"line1":"Herrengasse","city":"Graz","formattedAddress":"Herrengasse, Graz"})",
     {}},
    {"us_designator_with_dot_gets_no_second_dot",
     R"({"streetNumber":"1","streetName":"Elm","unitDesignator":"STE.","unitNumber":"4"})",
     CountryKey::country,
     R"({"line1":"1 Elm STE. 4","formattedAddress":"1 Elm STE. 4"})",
     {}},
    {"us_unit_number_without_designator",
     R"({"streetNumber":"1","streetName":"Elm","unitNumber":"4"})",
     CountryKey::country,
     R"({"line1":"1 Elm 4","formattedAddress":"1 Elm 4"})",
     {}},
    {"us_designator_without_number",  //
     R"({"streetName":"Elm","unitDesignator":"REAR"})",
     CountryKey::country,
     R"({"line1":"Elm REAR.","formattedAddress":"Elm REAR."})",
     {}},
    {"unknown_country_code_is_shown_as_sent",  //
     R"({"city":"Atlantis","country":"ATL"})",
     CountryKey::country,
     R"({"city":"Atlantis","country":"ATL","formattedAddress":"Atlantis, ATL"})",
     {}},
    {"kosovo",  //
     R"({"city":"Prishtina","country":"XKX"})",
     CountryKey::country,
     R"({"city":"Prishtina","country":"XKX","formattedAddress":"Prishtina, Kosovo"})",
     {}},
    {"document_verification_keeps_country_code",
     R"({"line1":"1 Main St","city":"Toronto","subdivision":"ON","postalCode":"M5V 2T6",)"
     R"("countryCode":"CAN"})",
     CountryKey::country_code,
     R"({"line1":"1 Main St","city":"Toronto","subdivision":"ON","postalCode":"M5V 2T6",)"
     R"("countryCode":"CAN","formattedAddress":"1 Main St, Toronto, ON M5V 2T6, Canada"})",
     {}},
    {"document_verification_country_member_becomes_country_code",  //
     R"({"city":"Lyon","country":"FRA"})",
     CountryKey::country_code,
     R"({"city":"Lyon","countryCode":"FRA","formattedAddress":"Lyon, France"})",
     {"country"}},
    {"netverify_country_code_member_becomes_country",  //
     R"({"city":"Lyon","countryCode":"FRA"})",
     CountryKey::country,
     R"({"city":"Lyon","country":"FRA","formattedAddress":"Lyon, France"})",
     {"countryCode"}},
    {"own_country_member_wins_over_the_other_kinds",  //
     R"({"countryCode":"DEU","city":"Lyon","country":"FRA"})",
     CountryKey::country,
     R"({"city":"Lyon","country":"FRA","formattedAddress":"Lyon, France"})",
     {"countryCode"},
     {"countryCode"}},
    {"members_of_no_format_are_dropped",
     R"({"floor":"3","city":"Graz","note":"rear","country":"AUT"})",
     CountryKey::country,
     R"({"city":"Graz","country":"AUT","formattedAddress":"Graz, Austria"})",
     {"floor", "note"},
     {"floor", "note"}},
    {"empty_object",  //
     R"({})",
     CountryKey::country,
     R"({"formattedAddress":""})",
     {}},
    {"empty_strings_count_as_absent",  //
     R"({"line1":"","line2":"2nd floor","city":"Graz","country":""})",
     CountryKey::country,
     R"({"line2":"2nd floor","city":"Graz","formattedAddress":"2nd floor, Graz"})",
     {}},
    // The finding of issue #13: a Raw address with US members. Each becomes the Raw member it
    // converts to, and formattedAddress keeps it.
    {"mixed_raw_with_us_state_code",
     R"({"country":"USA","line1":"123 Main St","city":"Springfield","stateCode":"IL",)"
     R"("postalCode":"62701"})",
     CountryKey::country,
     R"({"line1":"123 Main St","city":"Springfield","subdivision":"IL","postalCode":"62701",)"
     R"("country":"USA","formattedAddress":"123 Main St, Springfield, IL 62701, United States"})",
     {"stateCode"}},
    {"mixed_raw_with_us_zip",
     R"({"line1":"1 Elm St","zip":"12345","city":"Dayton"})",
     CountryKey::country,
     R"({"line1":"1 Elm St","city":"Dayton","postalCode":"12345",)"
     R"("formattedAddress":"1 Elm St, Dayton, 12345"})",
     {"zip"}},
    {"mixed_raw_with_us_zip_and_extension",
     R"({"city":"Dayton","subdivision":"US-OH","zip":"45402","zipExtension":"1234"})",
     CountryKey::country,
     R"({"city":"Dayton","subdivision":"US-OH","postalCode":"45402-1234",)"
     R"("formattedAddress":"Dayton, US-OH 45402-1234"})",
     {"zip", "zipExtension"}},
    {"mixed_raw_with_eu_province_and_street",
     R"({"line2":"Top 3","streetNumber":"180","streetName":"Main Street","unitDetails":"ABC",)"
     R"("city":"Graz","province":"Steiermark","country":"AUT"})",
     CountryKey::country,
     R"({"line1":"180 Main Street ABC","line2":"Top 3","city":"Graz","subdivision":"Steiermark",)"
     R"("country":"AUT","formattedAddress":"180 Main Street ABC, Top 3, Graz, Steiermark, Austria"})",
     {"streetNumber", "streetName", "unitDetails", "province"}},
    {"mixed_raw_street_takes_the_first_empty_line",
     R"({"line1":"c/o Jane Doe","line3":"Building 2","streetNumber":"150","streetDirection":"N",)"
     R"("streetName":"Alberny","streetSuffix":"Dr","unitDesignator":"APT","unitNumber":"7"})",
     CountryKey::country,
     R"({"line1":"c/o Jane Doe","line2":"150 N Alberny Dr APT. 7","line3":"Building 2",)"
     R"("formattedAddress":"c/o Jane Doe, 150 N Alberny Dr APT. 7, Building 2"})",
     {"streetNumber", "streetDirection", "streetName", "streetSuffix", "unitDesignator",
      "unitNumber"}},
    {"mixed_raw_street_is_dropped_when_every_line_is_taken",
     R"({"line1":"a","line2":"b","line3":"c","line4":"d","line5":"e","streetName":"Elm"})",
     CountryKey::country,
     R"({"line1":"a","line2":"b","line3":"c","line4":"d","line5":"e",)"
     R"("formattedAddress":"a, b, c, d, e"})",
     {"streetName"},
     {"streetName"}},
    {"mixed_raw_subdivision_wins_over_us_and_eu",
     R"({"subdivision":"Ohio","stateCode":"US-OH","province":"OH","city":"Dayton"})",
     CountryKey::country,
     R"({"city":"Dayton","subdivision":"Ohio","formattedAddress":"Dayton, Ohio"})",
     {"stateCode", "province"},
     {"stateCode", "province"}},
    {"mixed_raw_postal_code_wins_over_zip",
     R"({"line1":"1 Elm St","postalCode":"45402","zip":"99999","zipExtension":"1"})",
     CountryKey::country,
     R"({"line1":"1 Elm St","postalCode":"45402","formattedAddress":"1 Elm St, 45402"})",
     {"zip", "zipExtension"},
     {"zip", "zipExtension"}},
    {"mixed_document_raw_with_us_state_code",
     R"({"line1":"1 Main St","stateCode":"US-CA","countryCode":"USA"})",
     CountryKey::country_code,
     R"({"line1":"1 Main St","subdivision":"US-CA","countryCode":"USA",)"
     R"("formattedAddress":"1 Main St, US-CA, United States"})",
     {"stateCode"}},
    {"mixed_us_member_wins_over_eu_members",
     R"({"stateCode":"US-OH","province":"Ohio","city":"Dayton"})",
     CountryKey::country,
     R"({"city":"Dayton","subdivision":"US-OH","formattedAddress":"Dayton, US-OH"})",
     {"province"},
     {"province"}},
    {"mixed_us_with_eu_unit_details_in_the_street_line",
     R"({"streetNumber":"1","streetName":"Elm","streetSuffix":"St","unitDetails":"rear"})",
     CountryKey::country,
     R"({"line1":"1 Elm St rear","formattedAddress":"1 Elm St rear"})",
     {"unitDetails"}},
    {"repeated_member_name_keeps_the_first",  //
     R"({"city":"Graz","city":"Linz"})",
     CountryKey::country,
     R"({"city":"Graz","formattedAddress":"Graz"})",
     {},
     {"city"}},
    {"mixed_us_postal_code_colliding_with_zip_is_dropped",
     R"({"zip":"12345","postalCode":"99999"})",
     CountryKey::country,
     R"({"postalCode":"12345","formattedAddress":"12345"})",
     {"postalCode"},
     {"postalCode"}},
    {"mixed_us_postal_code_without_zip_is_kept",  //
     R"({"stateCode":"US-OH","postalCode":"45402"})",
     CountryKey::country,
     R"({"subdivision":"US-OH","postalCode":"45402","formattedAddress":"US-OH 45402"})",
     {"postalCode"}},
};

class ConversionTest : public testing::TestWithParam<ConversionCase> {};

TEST_P(ConversionTest, ConvertsToRawWithFormattedAddress) {
  const ConversionCase& test = GetParam();
  Converted converted = convert(test.input, test.country_key);
  ASSERT_TRUE(converted.ok);
  EXPECT_EQ(converted.raw, test.expected);
  EXPECT_EQ(converted.conversion.unknown_members, test.unknown_members);
  EXPECT_EQ(converted.conversion.dropped, test.dropped);
  EXPECT_EQ(converted.conversion.too_long, Names{});
  EXPECT_EQ(converted.conversion.not_a_string, "");
}

// The output is a closed Raw object, and formattedAddress keeps the value of every member that was
// not dropped (the country as its name, so country members aside).
TEST_P(ConversionTest, WritesOnlyRawMembersAndKeepsEveryValueInFormattedAddress) {
  const ConversionCase& test = GetParam();
  const std::string country = test.country_key == CountryKey::country ? "country" : "countryCode";
  const Names raw_members = {"line1", "line2",       "line3",      "line4", "line5",
                             "city",  "subdivision", "postalCode", country, "formattedAddress"};
  rapidjson::Document input = parsed(test.input);
  rapidjson::Document out;
  Conversion conversion;
  ASSERT_TRUE(to_raw(input, test.country_key, &out, out.GetAllocator(), &conversion));
  for (const auto& member : out.GetObject()) {
    EXPECT_NE(std::find(raw_members.begin(), raw_members.end(), member.name.GetString()),
              raw_members.end())
        << member.name.GetString();
  }
  const std::string formatted = out["formattedAddress"].GetString();
  for (const auto& member : input.GetObject()) {
    std::string name = member.name.GetString();
    if (name == "country" || name == "countryCode" || name == "formattedAddress") continue;
    if (std::find(conversion.dropped.begin(), conversion.dropped.end(), name) !=
        conversion.dropped.end()) {
      continue;
    }
    EXPECT_NE(formatted.find(member.value.GetString()), std::string::npos)
        << name << " is neither in \"" << formatted << "\" nor dropped";
  }
}

INSTANTIATE_TEST_SUITE_P(Address, ConversionTest, testing::ValuesIn(kConversionCases), CaseName());

// A member of `characters` two-byte characters ("ß"), next to members that pick the format.
struct LengthCase {
  const char* name;
  const char* member;
  int characters;
  const char* format_members;
  CountryKey country_key;
  bool too_long;
};

constexpr const char* kUs = R"("zip":"1")";
constexpr const char* kEu = R"("province":"P")";
constexpr const char* kRaw = R"("line1":"L")";
constexpr CountryKey kNetverify = CountryKey::country;
constexpr CountryKey kDocument = CountryKey::country_code;

const LengthCase kLengthCases[] = {
    {"us_city_64", "city", 64, kUs, kNetverify, false},
    {"us_city_65", "city", 65, kUs, kNetverify, true},
    {"us_state_code_6", "stateCode", 6, kUs, kNetverify, false},
    {"us_state_code_7", "stateCode", 7, kUs, kNetverify, true},
    {"us_street_name_64", "streetName", 64, kUs, kNetverify, false},
    {"us_street_name_65", "streetName", 65, kUs, kNetverify, true},
    {"us_street_suffix_15", "streetSuffix", 15, kUs, kNetverify, true},
    {"us_street_direction_255", "streetDirection", 255, kUs, kNetverify, false},
    {"us_street_direction_256", "streetDirection", 256, kUs, kNetverify, true},
    {"us_street_number_14", "streetNumber", 14, kUs, kNetverify, false},
    {"us_street_number_15", "streetNumber", 15, kUs, kNetverify, true},
    {"us_unit_designator_15", "unitDesignator", 15, kUs, kNetverify, true},
    {"us_unit_number_15", "unitNumber", 15, kUs, kNetverify, true},
    {"us_zip_14", "zip", 14, R"("stateCode":"S")", kNetverify, false},
    {"us_zip_15", "zip", 15, R"("stateCode":"S")", kNetverify, true},
    {"us_zip_extension_20", "zipExtension", 20, kUs, kNetverify, false},
    {"us_zip_extension_21", "zipExtension", 21, kUs, kNetverify, true},
    {"us_country_4", "country", 4, kUs, kNetverify, true},
    {"eu_province_65", "province", 65, R"("unitDetails":"U")", kNetverify, true},
    {"eu_street_number_15", "streetNumber", 15, kEu, kNetverify, false},
    {"eu_street_number_16", "streetNumber", 16, kEu, kNetverify, true},
    {"eu_unit_details_65", "unitDetails", 65, kEu, kNetverify, true},
    {"eu_postal_code_15", "postalCode", 15, kEu, kNetverify, false},
    {"eu_postal_code_16", "postalCode", 16, kEu, kNetverify, true},
    {"raw_line1_100", "line1", 100, R"("city":"C")", kNetverify, false},
    {"raw_line1_101", "line1", 101, R"("city":"C")", kNetverify, true},
    {"raw_line5_101", "line5", 101, kRaw, kNetverify, true},
    {"raw_city_65", "city", 65, kRaw, kNetverify, true},
    {"raw_postal_code_16", "postalCode", 16, kRaw, kNetverify, true},
    {"raw_subdivision_100", "subdivision", 100, kRaw, kNetverify, false},
    {"raw_subdivision_101", "subdivision", 101, kRaw, kNetverify, true},
    {"raw_country_3", "country", 3, kRaw, kNetverify, false},
    {"raw_country_4", "country", 4, kRaw, kNetverify, true},
    {"document_subdivision_50", "subdivision", 50, kRaw, kDocument, false},
    {"document_subdivision_51", "subdivision", 51, kRaw, kDocument, true},
    {"document_country_code_4", "countryCode", 4, kRaw, kDocument, true},
    {"unknown_member_has_no_limit", "remark", 1000, kRaw, kNetverify, false},
    {"incoming_formatted_address_has_no_limit", "formattedAddress", 1000, kRaw, kNetverify, false},
};

class LengthTest : public testing::TestWithParam<LengthCase> {};

TEST_P(LengthTest, ReportsMembersOverTheSpecLimitInCharacters) {
  const LengthCase& test = GetParam();
  std::string value;
  for (int index = 0; index < test.characters; ++index) value += "ß";
  std::string input =
      std::string("{") + test.format_members + ",\"" + test.member + "\":\"" + value + "\"}";
  Converted converted = convert(input, test.country_key);
  ASSERT_TRUE(converted.ok);
  EXPECT_EQ(converted.conversion.too_long, test.too_long ? Names{test.member} : Names{});
}

TEST(AddressLength, ReportsEveryTooLongMemberInInputOrder) {
  Converted converted = convert(
      R"({"zip":"123456789012345","city":"Graz","streetSuffix":"123456789012345"})", kNetverify);
  ASSERT_TRUE(converted.ok);
  EXPECT_EQ(converted.conversion.too_long, (Names{"zip", "streetSuffix"}));
}

INSTANTIATE_TEST_SUITE_P(Address, LengthTest, testing::ValuesIn(kLengthCases), CaseName());

TEST(AddressLength, CountsUnicodeCharactersNotBytes) {
  EXPECT_EQ(jb::utf8_length("Straße"), 6u);
  EXPECT_EQ(jb::utf8_length("Côte d'Ivoire"), 13u);
  EXPECT_EQ(jb::utf8_length("東京都"), 3u);
  EXPECT_EQ(jb::utf8_length("😀"), 1u);
  EXPECT_EQ(jb::utf8_length(""), 0u);
}

struct InvalidCase {
  const char* name;
  const char* input;
  const char* not_a_string;
};

const InvalidCase kInvalidCases[] = {
    {"number", R"({"city":"Graz","zip":12345})", "zip"},
    {"null", R"({"line1":null})", "line1"},
    {"boolean", R"({"country":"USA","unitNumber":true})", "unitNumber"},
    {"object", R"({"city":{"name":"Graz"}})", "city"},
    {"array_in_unknown_member", R"({"city":"Graz","extra":["a"]})", "extra"},
};

class InvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidTest, RejectsMembersThatAreNotStrings) {
  const InvalidCase& test = GetParam();
  Converted converted = convert(test.input, CountryKey::country);
  EXPECT_FALSE(converted.ok);
  EXPECT_EQ(converted.conversion.not_a_string, test.not_a_string);
  EXPECT_EQ(converted.raw, "{}");
}

INSTANTIATE_TEST_SUITE_P(Address, InvalidTest, testing::ValuesIn(kInvalidCases), CaseName());

TEST(AddressInvalid, RejectsAnAddressThatIsNotAnObject) {
  for (const char* input : {R"("150 N Alberny Dr")", "[]", "null", "7"}) {
    Converted converted = convert(input, CountryKey::country);
    EXPECT_FALSE(converted.ok) << input;
    EXPECT_EQ(converted.conversion.not_a_string, "") << input;
    EXPECT_EQ(converted.raw, "{}") << input;
  }
}

struct DetectCase {
  const char* input;
  Format format;
};

const DetectCase kDetectCases[] = {
    {R"({"zip":"1"})", Format::us},
    {R"({"stateCode":"US-OH","country":"USA"})", Format::us},
    {R"({"streetName":"a","streetSuffix":"Dr"})", Format::us},
    {R"({"streetName":"a","streetNumber":"1"})", Format::eu},
    {R"({"province":"P","postalCode":"1"})", Format::eu},
    {R"({"unitDetails":"u"})", Format::eu},
    {R"({"line1":"a"})", Format::raw},
    {R"({"subdivision":"s","streetName":"a","zip":"1"})", Format::raw},
    {R"({"city":"c","postalCode":"1","country":"AUT"})", Format::raw},
    {R"({})", Format::raw},
};

TEST(AddressDetectFormat, PicksTheFormatByItsMembers) {
  for (const DetectCase& test : kDetectCases) {
    EXPECT_EQ(detect_format(parsed(test.input)), test.format) << test.input;
  }
}

struct FormattedCase {
  const char* raw;
  CountryKey country_key;
  const char* formatted;
};

const FormattedCase kFormattedCases[] = {
    {R"({"subdivision":"Steiermark"})", CountryKey::country, "Steiermark"},
    {R"({"postalCode":"8010","country":"AUT"})", CountryKey::country, "8010, Austria"},
    {R"({"line1":"a","line3":"c","country":"BOL"})", CountryKey::country,
     "a, c, Bolivia, Plurinational State of"},
    {R"({"countryCode":"CIV"})", CountryKey::country_code, "Côte d'Ivoire"},
    {R"({"countryCode":"CIV"})", CountryKey::country, ""},
    {R"({"city":7,"line1":"a"})", CountryKey::country, "a"},
    {R"({})", CountryKey::country, ""},
};

TEST(AddressFormatted, JoinsPresentPartsWithoutEmptyCommas) {
  for (const FormattedCase& test : kFormattedCases) {
    EXPECT_EQ(formatted_address(parsed(test.raw), test.country_key), test.formatted) << test.raw;
  }
}

struct CountryCase {
  const char* alpha3;
  const char* name;
};

const CountryCase kCountryCases[] = {
    {"USA", "United States"},
    {"AUT", "Austria"},
    {"GBR", "United Kingdom"},
    {"DEU", "Germany"},
    {"BOL", "Bolivia, Plurinational State of"},
    {"CIV", "Côte d'Ivoire"},
    {"ALA", "Åland Islands"},
    {"XKX", "Kosovo"},
    {"ABW", "Aruba"},
    {"ZWE", "Zimbabwe"},
    {"usa", ""},
    {"US", ""},
    {"ZZZ", ""},
    {"USAA", ""},
    {"", ""},
};

TEST(AddressCountryName, LooksUpIsoShortNames) {
  for (const CountryCase& test : kCountryCases) {
    EXPECT_EQ(country_name(test.alpha3), test.name) << test.alpha3;
  }
}

TEST(AddressCountryName, GeneratedTableIsSortedAndComplete) {
  ASSERT_GT(detail::kCountryNameCount, 240u);
  for (std::size_t index = 1; index < detail::kCountryNameCount; ++index) {
    EXPECT_LT(detail::kCountryNames[index - 1].alpha3, detail::kCountryNames[index].alpha3);
  }
  for (std::size_t index = 0; index < detail::kCountryNameCount; ++index) {
    EXPECT_EQ(detail::kCountryNames[index].alpha3.size(), 3u);
    EXPECT_FALSE(detail::kCountryNames[index].name.empty());
    EXPECT_EQ(country_name(detail::kCountryNames[index].alpha3), detail::kCountryNames[index].name);
  }
}

}  // namespace
}  // namespace jb::address
