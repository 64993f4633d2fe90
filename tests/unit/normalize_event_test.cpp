#include "callback/normalize.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "normalize_fixtures.h"

namespace jb::callback {
namespace {

using namespace fixtures;

TEST(WarningTest, NetverifySampleWarnsOnlyAboutItsMissingDates) {
  auto result = normalize_body(kNetverifyApprovedSample);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  using W = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(warnings_of(result.value()),
            (W{{"transactionDate", "missing_required"}, {"callbackDate", "missing_required"}}));
  auto json = parsed(result.value());
  EXPECT_TRUE(json["transactionDate"].IsNull());
  EXPECT_TRUE(json["callbackDate"].IsNull());
  EXPECT_EQ(result.value().callback_date, "");
  EXPECT_STREQ(json["warnings"][0]["field"].GetString(), "transactionDate");
  EXPECT_STREQ(json["warnings"][0]["problem"].GetString(), "missing_required");
}

struct WarningCase {
  std::string name;
  Fields fields;
  std::string field;
  std::string problem;
};

class WarningTest : public testing::TestWithParam<WarningCase> {};

TEST_P(WarningTest, PublishesWithWarning) {
  auto result = normalize_fields(GetParam().fields);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_TRUE(has_warning(result.value(), GetParam().field, GetParam().problem))
      << result.value().json;
}

std::vector<WarningCase> warning_cases() {
  const std::string e_acute = "\xC3\xA9";
  std::string fourteen_accents, fifteen_accents;
  for (int i = 0; i < 14; ++i) fourteen_accents += e_acute;
  fifteen_accents = fourteen_accents + e_acute;
  auto dv_transaction = [](const std::string& t) {
    return with(kDocumentVerification, "transaction", t);
  };
  auto dv_document = [](const std::string& d) {
    return with(kDocumentVerification, "document", d);
  };
  return {
      {"nv_missing_idcheck", without(kNetverify, "idCheckHologram"), "idCheckHologram",
       "missing_required"},
      {"auth_missing_scan_source", without(kAuthentication, "scanSource"), "scanSource",
       "missing_required"},
      {"dv_missing_timestamp", without(kDocumentVerification, "timestamp"), "timestamp",
       "missing_required"},
      {"dv_missing_customer", dv_transaction(R"({"status":"DONE","date":"2014-10-17T06:37:51Z"})"),
       "transaction.customerId", "missing_required"},
      {"dv_missing_images", dv_document(R"({"status":"UPLOADED","country":"USA","type":"BS"})"),
       "document.images", "missing_required"},
      {"identity_missing", with(kNetverify, "identityVerification", "{}"),
       "identityVerification.validity", "missing_required"},
      {"dl_category_missing", with(kNetverify, "dlCategories", R"([{"issueDate":"2010-01-01"}])"),
       "dlCategories[0].category", "missing_required"},
      {"reference_too_long",
       with(kNetverify, "jumioIdScanReference", std::string(kReference) + "x"),
       "jumioIdScanReference", "too_long"},
      {"characters_not_bytes", with(kNetverify, "personalNumber", fifteen_accents),
       "personalNumber", "too_long"},
      {"dv_customer_too_long",
       dv_transaction(R"({"status":"DONE","customerId":")" + std::string(256, 'c') + "\"}"),
       "transaction.customerId", "too_long"},
      {"reject_code_too_long", with(kNetverify, "rejectReason", R"({"rejectReasonCode":"100000"})"),
       "rejectReason.rejectReasonCode", "too_long"},
      {"address_member_too_long",
       with(kNetverify, "idAddress",
            R"({"line1":")" + std::string(101, 'a') + R"(","country":"AUT"})"),
       "idAddress.line1", "too_long"},
      {"nv_unknown", with(kNetverify, "favouriteColour", "blue"), "favouriteColour",
       "unknown_parameter"},
      {"dv_extracted_unknown",
       dv_document(R"({"status":"EXTRACTED","extractedData":{"shoeSize":"44"}})"),
       "document.extractedData.shoeSize", "unknown_parameter"},
      {"address_unknown_member", with(kNetverify, "idAddress", R"({"line1":"x","planet":"Mars"})"),
       "idAddress.planet", "unknown_parameter"},
      {"id_type", with(kNetverify, "idType", "BADGE"), "idType", "unknown_value"},
      {"id_check", with(kNetverify, "idCheckHologram", "MAYBE"), "idCheckHologram",
       "unknown_value"},
      {"scan_source", with(kNetverify, "idScanSource", "FAX"), "idScanSource", "unknown_value"},
      {"gender", with(kNetverify, "gender", "X"), "gender", "unknown_value"},
      {"validity",
       with(kNetverify, "identityVerification", R"({"similarity":"MATCH","validity":"YES"})"),
       "identityVerification.validity", "unknown_value"},
      {"reject_detail",
       with(kNetverify, "rejectReason",
            R"({"rejectReasonCode":"100","rejectReasonDetails":[{"detailsCode":"9999"}]})"),
       "rejectReason.rejectReasonDetails[0].detailsCode", "unknown_value"},
      {"reject_detail_single_object",
       with(kNetverify, "rejectReason", R"({"rejectReasonDetails":{"detailsDescription":"FOO"}})"),
       "rejectReason.rejectReasonDetails.detailsDescription", "unknown_value"},
      {"dl_availability",
       with(kNetverify, "dlCategories", R"({"category":"B","availability":"maybe"})"),
       "dlCategories.availability", "unknown_value"},
      {"auth_scan_source", with(kAuthentication, "scanSource", "API"), "scanSource",
       "unknown_value"},
      {"dv_source", dv_transaction(R"({"status":"DONE","source":"FAX"})"), "transaction.source",
       "unknown_value"},
      {"dv_type", dv_document(R"({"status":"UPLOADED","type":"XYZ"})"), "document.type",
       "unknown_value"},
      {"dv_na_date", dv_document(R"({"status":"EXTRACTED","extractedData":{"expiryDate":"N/A"}})"),
       "document.extractedData.expiryDate", "unknown_value"},
  };
}

INSTANTIATE_TEST_SUITE_P(Problems, WarningTest, testing::ValuesIn(warning_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(WarningTest, CountsCharactersNotBytes) {
  std::string fourteen;
  for (int i = 0; i < 14; ++i) fourteen += "\xC3\xA9";
  auto result = normalize_fields(with(kNetverify, "personalNumber", fourteen));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value().warnings.empty()) << result.value().json;
}

TEST(WarningTest, UnknownParameterIsKeptInData) {
  auto result = normalize_fields(with(kNetverify, "favouriteColour", "blue"));
  ASSERT_TRUE(result.ok());
  EXPECT_STREQ(parsed(result.value())["data"]["favouriteColour"].GetString(), "blue");
}

// --- envelope ----------------------------------------------------------------------------

struct EnvelopeCase {
  std::string name;
  Fields fields;
  const char* merchant_reference;  // nullptr: null in the event
  const char* customer_id;
  const char* transaction_date;
  const char* callback_date;
};

class EnvelopeTest : public testing::TestWithParam<EnvelopeCase> {};

void expect_member(const rapidjson::Value& event, const char* name, const char* expected) {
  if (expected == nullptr) {
    EXPECT_TRUE(event[name].IsNull()) << name;
  } else {
    ASSERT_TRUE(event[name].IsString()) << name;
    EXPECT_STREQ(event[name].GetString(), expected) << name;
  }
}

TEST_P(EnvelopeTest, TakesMembersFromTheKindsParameters) {
  auto result = normalize_fields(GetParam().fields);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  auto json = parsed(result.value());
  expect_member(json, "merchantReference", GetParam().merchant_reference);
  expect_member(json, "customerId", GetParam().customer_id);
  expect_member(json, "transactionDate", GetParam().transaction_date);
  expect_member(json, "callbackDate", GetParam().callback_date);
  EXPECT_EQ(result.value().callback_date,
            GetParam().callback_date == nullptr ? "" : GetParam().callback_date);
  EXPECT_EQ(json["schemaVersion"].GetInt(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    EachKind, EnvelopeTest,
    testing::Values(
        EnvelopeCase{"netverify",
                     with(with(kNetverify, "merchantIdScanReference", "M-1"), "customerId", "C-1"),
                     "M-1", "C-1", "2020-08-17T10:00:00.120Z", "2020-08-17T10:05:00.000Z"},
        EnvelopeCase{"netverify_nulls",
                     without(without(kNetverify, "transactionDate"), "callbackDate"), nullptr,
                     nullptr, nullptr, nullptr},
        EnvelopeCase{"authentication", with(kAuthentication, "userReference", "U-1"), nullptr,
                     "U-1", "2019-05-29T08:37:24.300Z", "2019-05-30T08:37:35.822Z"},
        EnvelopeCase{"authentication_nulls",
                     without(without(kAuthentication, "callbackDate"), "transactionDate"), nullptr,
                     nullptr, nullptr, nullptr},
        EnvelopeCase{"document", kDocumentVerification, "MSR", "CUSTOMERID",
                     "2014-10-17T06:37:51.900Z", "2017-06-06T12:06:49.016Z"},
        EnvelopeCase{"document_nulls",
                     without(without(with(kDocumentVerification, "transaction",
                                          R"({"status":"FAILED","customerId":null})"),
                                     "timestamp"),
                             "document"),
                     nullptr, nullptr, nullptr, nullptr}),
    [](const auto& info) { return info.param.name; });

TEST(EnvelopeTest, MembersAreInContractOrder) {
  auto result = normalize_fields(kNetverify);
  ASSERT_TRUE(result.ok());
  auto json = parsed(result.value());
  std::vector<std::string> names;
  for (const auto& member : json.GetObject()) names.emplace_back(member.name.GetString());
  EXPECT_EQ(names, (std::vector<std::string>{"eventId", "schemaVersion", "origin", "callbackType",
                                             "status", "reference", "merchantReference",
                                             "customerId", "transactionDate", "callbackDate",
                                             "receivedAt", "warnings", "data"}));
  EXPECT_STREQ(json["origin"].GetString(), "callback");
}

TEST(EnvelopeTest, ReceivedAtComesFromTheInjectedClock) {
  auto result = normalize_fields(kAuthentication);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().received_at, "2020-05-30T08:37:35.822Z");
  EXPECT_STREQ(parsed(result.value())["receivedAt"].GetString(), "2020-05-30T08:37:35.822Z");
}

// --- eventId -----------------------------------------------------------------------------

TEST(EventIdTest, IsAUuidV8) {
  auto result = normalize_fields(kNetverify);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(std::regex_match(result.value().event_id,
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << result.value().event_id;
  EXPECT_EQ(parsed(result.value())["eventId"].GetString(), result.value().event_id);
}

TEST(EventIdTest, DependsOnContentNotOrderOrClock) {
  Fields reversed(kNetverify.rbegin(), kNetverify.rend());
  auto first = normalize_fields(kNetverify);
  auto again = normalize(Incoming{body_of(kNetverify), "", kReceivedAt + std::chrono::hours(1)});
  auto permuted = normalize_fields(reversed);
  auto changed = normalize_fields(with(kNetverify, "idCheckHologram", "N/A"));
  auto added = normalize_fields(with(kNetverify, "customerId", ""));
  ASSERT_TRUE(first.ok() && again.ok() && permuted.ok() && changed.ok() && added.ok());
  EXPECT_EQ(first.value().event_id, again.value().event_id);
  EXPECT_EQ(first.value().event_id, permuted.value().event_id);
  EXPECT_NE(first.value().event_id, changed.value().event_id);
  EXPECT_NE(first.value().event_id, added.value().event_id);
}

TEST(EventIdTest, SeparatesNamesFromValues) {
  auto a = normalize_fields(with(kNetverify, "ab", "c"));
  auto b = normalize_fields(with(kNetverify, "a", "bc"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.value().event_id, b.value().event_id);
}

// --- data --------------------------------------------------------------------------------

TEST(DataTest, KeepsEveryParameterInBodyOrder) {
  auto result = normalize_body(kNetverifyApprovedSample);
  ASSERT_TRUE(result.ok());
  auto json = parsed(result.value());
  std::vector<std::string> names;
  for (const auto& member : json["data"].GetObject()) names.emplace_back(member.name.GetString());
  ASSERT_EQ(names.size(), 25u);
  EXPECT_EQ(names.front(), "idExpiry");
  EXPECT_EQ(names.back(), "idNumber");
  EXPECT_STREQ(json["data"]["personalNumber"].GetString(), "N/A");
  EXPECT_STREQ(json["data"]["idDob"].GetString(), "1990-01-01");
}

TEST(DataTest, KeepsJsonBooleansAndParsesJsonParameters) {
  auto result = normalize_body(kNetverifyApprovedSample);
  ASSERT_TRUE(result.ok());
  auto json = parsed(result.value());
  const auto& identity = json["data"]["identityVerification"];
  ASSERT_TRUE(identity.IsObject());
  EXPECT_STREQ(identity["similarity"].GetString(), "MATCH");
  EXPECT_TRUE(identity["validity"].IsBool());
  EXPECT_TRUE(identity["validity"].GetBool());
}

TEST(DataTest, RewritesTimestamps) {
  auto result = normalize_fields(with(kNetverify, "firstAttemptDate", "2020-08-16T09:00:00Z"));
  ASSERT_TRUE(result.ok());
  auto json = parsed(result.value());
  EXPECT_STREQ(json["data"]["firstAttemptDate"].GetString(), "2020-08-16T09:00:00.000Z");
  EXPECT_STREQ(json["data"]["transactionDate"].GetString(), "2020-08-17T10:00:00.120Z");
  EXPECT_STREQ(json["data"]["callbackDate"].GetString(), "2020-08-17T10:05:00.000Z");

  auto document = normalize_fields(kDocumentVerification);
  ASSERT_TRUE(document.ok());
  auto dv = parsed(document.value());
  EXPECT_STREQ(dv["data"]["transaction"]["date"].GetString(), "2014-10-17T06:37:51.900Z");
  EXPECT_STREQ(dv["data"]["timestamp"].GetString(), "2017-06-06T12:06:49.016Z");
}

TEST(DataTest, ConvertsTheSpecsUsAddressToRaw) {
  const std::string us_address =
      R"({"streetNumber":"150","streetDirection":"N","streetName":"Alberny","streetSuffix":"Dr",)"
      R"("unitDesignator":"APT","unitNumber":"7","city":"New Mexico","stateCode":"US-AL",)"
      R"("zip":"77358","zipExtension":"5555","country":"USA"})";
  auto result = normalize_fields(with(kNetverify, "idAddress", us_address));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_TRUE(result.value().warnings.empty()) << result.value().json;
  const auto& address = parsed(result.value())["data"]["idAddress"];
  ASSERT_TRUE(address.IsObject());
  EXPECT_STREQ(address["line1"].GetString(), "150 N Alberny Dr APT. 7");
  EXPECT_STREQ(address["city"].GetString(), "New Mexico");
  EXPECT_STREQ(address["subdivision"].GetString(), "US-AL");
  EXPECT_STREQ(address["postalCode"].GetString(), "77358-5555");
  EXPECT_STREQ(address["country"].GetString(), "USA");
  EXPECT_STREQ(address["formattedAddress"].GetString(),
               "150 N Alberny Dr APT. 7, New Mexico, US-AL 77358-5555, United States");
  EXPECT_FALSE(address.HasMember("zip"));
}

TEST(DataTest, ConvertsDocumentVerificationExtractedAddress) {
  const std::string document =
      R"({"status":"EXTRACTED","country":"AUT","type":"UB","images":[],"extractedData":)"
      R"({"name":"N","address":{"line1":"180 Main Street ABC","city":"Graz",)"
      R"("subdivision":"Steiermark","postalCode":"2424","countryCode":"AUT"},)"
      R"("signatureAvailable":true}})";
  auto result = normalize_fields(with(kDocumentVerification, "document", document));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_TRUE(result.value().warnings.empty()) << result.value().json;
  const auto& extracted = parsed(result.value())["data"]["document"]["extractedData"];
  EXPECT_STREQ(extracted["address"]["formattedAddress"].GetString(),
               "180 Main Street ABC, Graz, Steiermark 2424, Austria");
  EXPECT_STREQ(extracted["address"]["countryCode"].GetString(), "AUT");
  EXPECT_TRUE(extracted["signatureAvailable"].IsBool());
}

TEST(DataTest, AuthenticationFaceImageIsStringOrJson) {
  auto plain = normalize_fields(with(kAuthentication, "idScanImageFace", "https://x/face"));
  auto array = normalize_fields(with(kAuthentication, "idScanImageFace", R"(["https://x/1"])"));
  auto object =
      normalize_fields(with(kAuthentication, "idScanImageFace", R"({"url":"https://x"})"));
  ASSERT_TRUE(plain.ok() && array.ok() && object.ok());
  EXPECT_STREQ(parsed(plain.value())["data"]["idScanImageFace"].GetString(), "https://x/face");
  auto array_json = parsed(array.value());
  ASSERT_TRUE(array_json["data"]["idScanImageFace"].IsArray());
  EXPECT_STREQ(array_json["data"]["idScanImageFace"][0].GetString(), "https://x/1");
  EXPECT_TRUE(parsed(object.value())["data"]["idScanImageFace"].IsObject());
}

TEST(DataTest, AcceptsNestingUpToTheLimit) {
  auto at_limit = normalize_fields(with(kAuthentication, "idScanImageFace", nested(32)));
  auto past_limit = normalize_fields(with(kAuthentication, "idScanImageFace", nested(33)));
  EXPECT_FALSE(at_limit.ok());  // an array of arrays is not an array of strings
  EXPECT_EQ(at_limit.failure().detail.find("not valid JSON"), std::string::npos);
  ASSERT_FALSE(past_limit.ok());
  EXPECT_NE(past_limit.failure().detail.find("not valid JSON"), std::string::npos);
}

TEST(DataTest, ParsesNetverifyJsonLists) {
  auto fields = with(with(kNetverify, "livenessImages", R"(["https://x/1","https://x/2"])"),
                     "dlCategories", R"([{"category":"B","issueDate":"2010-01-01"}])");
  auto result = normalize_fields(fields);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  auto json = parsed(result.value());
  EXPECT_EQ(json["data"]["livenessImages"].Size(), 2u);
  EXPECT_STREQ(json["data"]["dlCategories"][0]["issueDate"].GetString(), "2010-01-01");
}

TEST(DataTest, FraudRejectReasonKeepsItsDetails) {
  auto fields =
      with(with(kNetverify, "verificationStatus", "DENIED_FRAUD"), "rejectReason",
           R"({ "rejectReasonCode":"100", "rejectReasonDescription":"MANIPULATED_DOCUMENT", )"
           R"("rejectReasonDetails": [{ "detailsCode": "1001", "detailsDescription": "PHOTO" },)"
           R"({ "detailsCode": "1004", "detailsDescription": "DOB" }]})");
  auto result = normalize_fields(fields);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_TRUE(result.value().warnings.empty()) << result.value().json;
  auto json = parsed(result.value());
  EXPECT_STREQ(
      json["data"]["rejectReason"]["rejectReasonDetails"][1]["detailsDescription"].GetString(),
      "DOB");
}

TEST(DataTest, OutputIsUtf8) {
  auto result = normalize_fields(with(kNetverify, "idFirstName", "Ren\xC3\xA9 \xF0\x9F\x98\x80"));
  ASSERT_TRUE(result.ok());
  EXPECT_STREQ(parsed(result.value())["data"]["idFirstName"].GetString(),
               "Ren\xC3\xA9 \xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace jb::callback
