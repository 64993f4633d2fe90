// Jumio's own sample callbacks, a callback for every status of every kind, and a Netverify callback
// with every documented parameter, normalised and checked field by field and against schemas/.
#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/form.h"
#include "callback/normalize.h"
#include "common/json_writer.h"
#include "support/callbacks.h"
#include "support/schema.h"

namespace {

using jb::callback::Kind;
using Fields = FormFields;
using Warnings = std::vector<std::pair<std::string, std::string>>;  // (field, problem)

const std::chrono::system_clock::time_point kReceivedAt{std::chrono::milliseconds(1597658767890)};
const char kReceivedAtText[] = "2020-08-17T10:06:07.890Z";
const char kX[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

struct Normalized {
  jb::callback::Event event;
  rapidjson::Document json;
};

::testing::AssertionResult normalized(const std::string& body, Normalized* out) {
  jb::callback::Incoming incoming{body, "application/x-www-form-urlencoded", kReceivedAt};
  auto result = jb::callback::normalize(incoming);
  if (!result.ok()) {
    return ::testing::AssertionFailure()
           << "dead-lettered: " << jb::reason_code(result.failure().reason) << " ("
           << result.failure().detail << ")";
  }
  out->event = result.value();
  out->json.Parse(out->event.json.c_str());
  if (out->json.HasParseError() || !out->json.IsObject()) {
    return ::testing::AssertionFailure() << "event JSON is not an object: " << out->event.json;
  }
  return ::testing::AssertionSuccess();
}

std::string text_of(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  jb::SafeJsonWriter writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// The value at `pointer` equals `expected_json` (object member order aside).
::testing::AssertionResult has_value(const rapidjson::Document& doc, const char* pointer,
                                     const std::string& expected_json) {
  rapidjson::Document expected;
  expected.Parse(expected_json.c_str());
  if (expected.HasParseError()) return ::testing::AssertionFailure() << "bad expectation";
  const rapidjson::Value* actual = rapidjson::Pointer(pointer).Get(doc);
  if (actual == nullptr) return ::testing::AssertionFailure() << pointer << " is absent";
  if (*actual == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << pointer << " is " << text_of(*actual) << ", expected " << expected_json;
}

std::string quoted(const std::string& text) {
  rapidjson::Value value(rapidjson::StringRef(text.data(), text.size()));
  return text_of(value);
}

Warnings warnings_of(const rapidjson::Document& event) {
  Warnings warnings;
  for (const auto& w : event["warnings"].GetArray())
    warnings.emplace_back(w["field"].GetString(), w["problem"].GetString());
  return warnings;
}

std::vector<std::string> member_names(const rapidjson::Value& object) {
  std::vector<std::string> names;
  for (const auto& member : object.GetObject()) names.emplace_back(member.name.GetString());
  return names;
}

Fields decoded(const std::string& body) {
  auto fields = jb::callback::decode_form(body);
  EXPECT_TRUE(fields.ok());
  return fields.ok() ? fields.value() : Fields{};
}

// ---------------------------------------------------------------------------------------------
// The six spec samples.

struct SampleExpectation {
  const char* name;
  const char* body;
  Kind kind;
  const char* callback_type;
  const char* status;
  const char* merchant_reference;  // nullptr: null
  const char* customer_id;         // nullptr: null
  const char* transaction_date;    // nullptr: null
  const char* callback_date;       // nullptr: null
  Warnings warnings;
  std::vector<std::pair<const char*, std::string>> data_values;  // JSON pointer -> JSON value
};

std::string liveness_images() {
  std::string images = "[";
  for (int i = 1; i <= 7; ++i) {
    if (i > 1) images += ",";
    images += quoted("https://netverify.com/api/netverify/v2/authentications/" + std::string(kX) +
                     "/images/liveness/" + std::to_string(i));
  }
  return images + "]";
}

std::string document_json(const char* country, const char* status, const char* extracted) {
  return std::string(R"({"type":"SSC","country":")") + country + R"(",)" + extracted +
         R"("images":["https://retrieval.netverify.com/api/netverify/v2/documents/)" + kX +
         R"(/pages/1"],"status":")" + status + R"("})";
}

const char kSampleTransaction[] =
    R"({"customerId":"CUSTOMERID","date":"2014-10-17T06:37:51.969Z",)"
    R"("merchantScanReference":"YOURSCANREFERENCE","source":"DOC_SDK","status":"DONE"})";

const Warnings kSampleNetverifyWarnings = {{"transactionDate", "missing_required"},
                                           {"callbackDate", "missing_required"}};

std::vector<SampleExpectation> sample_expectations() {
  return {
      {"NetverifyApproved",
       kSampleNetverifyApproved,
       Kind::netverify,
       "NETVERIFYID",
       "APPROVED_VERIFIED",
       "YOURIDSCANREFERENCE",
       nullptr,
       nullptr,
       nullptr,
       kSampleNetverifyWarnings,
       {{"/idAddress", R"({"subdivision":"US-OH","country":"USA",)"
                       R"("formattedAddress":"US-OH, United States"})"},
        {"/identityVerification", R"({"similarity":"MATCH","validity":true})"},
        {"/personalNumber", R"("N/A")"},
        {"/idDob", R"("1990-01-01")"},
        {"/idExpiry", R"("2022-12-31")"}}},
      {"NetverifyFraud",
       kSampleNetverifyFraud,
       Kind::netverify,
       "NETVERIFYID",
       "DENIED_FRAUD",
       "YOURSCANREFERENCE",
       nullptr,
       nullptr,
       nullptr,
       kSampleNetverifyWarnings,
       {{"/rejectReason",
         R"({"rejectReasonCode":"100","rejectReasonDescription":"MANIPULATED_DOCUMENT",)"
         R"("rejectReasonDetails":[{"detailsCode":"1001","detailsDescription":"PHOTO"},)"
         R"({"detailsCode":"1004","detailsDescription":"DOB"}]})"},
        {"/idCheckSignature", R"("N/A")"}}},
      {"AuthenticationPassed",
       kSampleAuthenticationPassed,
       Kind::authentication,
       "NETVERIFY_AUTHENTICATION",
       "PASSED",
       nullptr,
       nullptr,
       "2019-05-29T08:37:24.344Z",
       "2019-05-30T08:37:35.822Z",
       {},
       {{"/livenessImages", liveness_images()},
        {"/idScanImageFace", quoted("https://netverify.com/api/netverify/v2/authentications/" +
                                    std::string(kX) + "/images/face")},
        {"/callbackDate", R"("2019-05-30T08:37:35.822Z")"},
        {"/transactionDate", R"("2019-05-29T08:37:24.344Z")"}}},
      {"DocumentUploaded",
       kSampleDocumentUploaded,
       Kind::document,
       "DOCUMENT_VERIFICATION",
       "UPLOADED",
       "YOURSCANREFERENCE",
       "CUSTOMERID",
       "2014-10-17T06:37:51.969Z",
       "2017-06-06T12:06:49.016Z",
       {},
       {{"/document", document_json("AUT", "UPLOADED", "")},
        {"/transaction", kSampleTransaction},
        {"/timestamp", R"("2017-06-06T12:06:49.016Z")"}}},
      {"DocumentExtracted",
       kSampleDocumentExtracted,
       Kind::document,
       "DOCUMENT_VERIFICATION",
       "EXTRACTED",
       "YOURSCANREFERENCE",
       "CUSTOMERID",
       "2014-10-17T06:37:51.969Z",
       "2017-06-06T12:06:49.016Z",
       {},
       {{"/document",
         document_json("USA", "EXTRACTED",
                       R"("extractedData":{"firstName":"FIRSTNAME","lastName":"LASTNAME",)"
                       R"("signatureAvailable":true,"ssn":"xxxxxxxxx"},)")},
        {"/transaction", kSampleTransaction}}},
      {"DocumentDiscarded",
       kSampleDocumentDiscarded,
       Kind::document,
       "DOCUMENT_VERIFICATION",
       "DISCARDED",
       "YOURSCANREFERENCE",
       "CUSTOMERID",
       "2014-10-17T06:37:51.969Z",
       "2017-06-06T12:06:49.016Z",
       {},
       {{"/document", document_json("USA", "DISCARDED", "")},
        {"/transaction", kSampleTransaction}}},
  };
}

void PrintTo(const SampleExpectation& sample, std::ostream* out) {
  *out << sample.name;
}

class SpecSample : public ::testing::TestWithParam<SampleExpectation> {};

std::string nullable(const char* text) {
  return text == nullptr ? "null" : quoted(text);
}

TEST_P(SpecSample, BecomesTheExpectedEnvelope) {
  const SampleExpectation& sample = GetParam();
  Normalized n;
  ASSERT_TRUE(normalized(sample.body, &n));
  const rapidjson::Document& json = n.json;
  EXPECT_EQ(
      member_names(json),
      (std::vector<std::string>{"eventId", "schemaVersion", "origin", "callbackType", "status",
                                "reference", "merchantReference", "customerId", "transactionDate",
                                "callbackDate", "receivedAt", "warnings", "data"}));
  EXPECT_TRUE(has_value(json, "/schemaVersion", "1"));
  EXPECT_TRUE(has_value(json, "/callbackType", quoted(sample.callback_type)));
  EXPECT_TRUE(has_value(json, "/status", quoted(sample.status)));
  EXPECT_TRUE(has_value(json, "/reference", quoted(kX)));
  EXPECT_TRUE(has_value(json, "/merchantReference", nullable(sample.merchant_reference)));
  EXPECT_TRUE(has_value(json, "/customerId", nullable(sample.customer_id)));
  EXPECT_TRUE(has_value(json, "/transactionDate", nullable(sample.transaction_date)));
  EXPECT_TRUE(has_value(json, "/callbackDate", nullable(sample.callback_date)));
  EXPECT_TRUE(has_value(json, "/receivedAt", quoted(kReceivedAtText)));
  EXPECT_EQ(warnings_of(json), sample.warnings);

  EXPECT_EQ(n.event.kind, sample.kind);
  EXPECT_EQ(n.event.status, sample.status);
  EXPECT_EQ(n.event.reference, kX);
  EXPECT_EQ(n.event.callback_date, sample.callback_date ? sample.callback_date : "");
  EXPECT_EQ(n.event.received_at, kReceivedAtText);
  EXPECT_EQ(n.event.event_id, json["eventId"].GetString());
  EXPECT_EQ(n.event.warnings.size(), sample.warnings.size());

  EXPECT_TRUE(EventMatchesSchema(n.event.json));
}

TEST_P(SpecSample, KeepsEveryParameterInBodyOrder) {
  const SampleExpectation& sample = GetParam();
  Normalized n;
  ASSERT_TRUE(normalized(sample.body, &n));
  const rapidjson::Value& data = n.json["data"];
  std::vector<std::string> names;
  for (const auto& [name, value] : decoded(sample.body)) {
    names.push_back(name);
    // Plain parameters stay the strings Jumio sent (the samples' timestamps are canonical).
    auto member = data.FindMember(name.c_str());
    if (member != data.MemberEnd() && member->value.IsString()) {
      EXPECT_EQ(member->value.GetString(), value) << name;
    }
  }
  EXPECT_EQ(member_names(data), names);
}

TEST_P(SpecSample, ParsesJsonValuedParameters) {
  const SampleExpectation& sample = GetParam();
  Normalized n;
  ASSERT_TRUE(normalized(sample.body, &n));
  rapidjson::Document data;
  data.CopyFrom(n.json["data"], data.GetAllocator());
  for (const auto& [pointer, expected] : sample.data_values)
    EXPECT_TRUE(has_value(data, pointer, expected));
}

TEST_P(SpecSample, EventIdIgnoresParameterOrder) {
  const SampleExpectation& sample = GetParam();
  Fields fields = decoded(sample.body);
  Fields reversed(fields.rbegin(), fields.rend());
  Fields changed = fields;
  changed.emplace_back("extraParameter", "1");
  Normalized original, reordered, different;
  ASSERT_TRUE(normalized(sample.body, &original));
  ASSERT_TRUE(normalized(form_encode(reversed), &reordered));
  ASSERT_TRUE(normalized(form_encode(changed), &different));
  EXPECT_EQ(original.event.event_id, reordered.event.event_id);
  EXPECT_NE(original.event.event_id, different.event.event_id);
}

INSTANTIATE_TEST_SUITE_P(Spec, SpecSample, ::testing::ValuesIn(sample_expectations()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------------
// A hand-written callback for every status of every kind.

struct StatusCase {
  std::string name;
  Fields fields;
  Kind kind;
  std::string callback_type;
  std::string status;
  std::string transaction_date;
  std::string callback_date;
};

std::vector<StatusCase> status_cases() {
  std::vector<StatusCase> cases;
  for (const char* status :
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}) {
    cases.push_back({std::string("Netverify_") + status, netverify_status_fields(status),
                     Kind::netverify, "NETVERIFYID", status, "2021-03-04T05:06:07.000Z",
                     "2021-03-04T05:16:07.500Z"});
  }
  for (const char* result : {"PASSED", "FAILED", "INVALID", "EXPIRED"}) {
    cases.push_back({std::string("Authentication_") + result, authentication_status_fields(result),
                     Kind::authentication, "NETVERIFY_AUTHENTICATION", result,
                     "2021-03-04T05:06:07.000Z", "2021-03-04T05:16:07.250Z"});
  }
  for (const char* status : {"UPLOADED", "EXTRACTED", "DISCARDED", ""}) {
    std::string expected = *status ? status : "FAILED";
    cases.push_back({"Document_" + expected, document_status_fields(status), Kind::document,
                     "DOCUMENT_VERIFICATION", expected, "2021-03-04T05:06:07.100Z",
                     "2021-03-04T05:16:07.000Z"});
  }
  return cases;
}

void PrintTo(const StatusCase& c, std::ostream* out) {
  *out << c.name;
}

class EveryStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(EveryStatus, IsPublishedUnderItsKindAndStatus) {
  const StatusCase& c = GetParam();
  Normalized n;
  ASSERT_TRUE(normalized(form_encode(c.fields), &n));
  EXPECT_EQ(n.event.kind, c.kind);
  EXPECT_EQ(n.event.status, c.status);
  EXPECT_TRUE(has_value(n.json, "/callbackType", quoted(c.callback_type)));
  EXPECT_TRUE(has_value(n.json, "/status", quoted(c.status)));
  EXPECT_TRUE(has_value(n.json, "/transactionDate", quoted(c.transaction_date)));
  EXPECT_TRUE(has_value(n.json, "/callbackDate", quoted(c.callback_date)));
  EXPECT_EQ(n.event.callback_date, c.callback_date);
  EXPECT_EQ(warnings_of(n.json), Warnings{});
  EXPECT_TRUE(EventMatchesSchema(n.event.json));
}

INSTANTIATE_TEST_SUITE_P(Statuses, EveryStatus, ::testing::ValuesIn(status_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(DocumentVerification, CanonicalisesTimestampsAndConvertsTheExtractedAddress) {
  Normalized n;
  ASSERT_TRUE(normalized(form_encode(document_status_fields("EXTRACTED")), &n));
  EXPECT_TRUE(has_value(n.json, "/data/timestamp", R"("2021-03-04T05:16:07.000Z")"));
  EXPECT_TRUE(has_value(n.json, "/data/transaction/date", R"("2021-03-04T05:06:07.100Z")"));
  EXPECT_TRUE(has_value(n.json, "/data/document/extractedData/issueDate", R"("2021-01-15")"));
  EXPECT_TRUE(
      has_value(n.json, "/data/document/extractedData/address",
                R"({"line1":"1 Main St","city":"Springfield","subdivision":"US-IL",)"
                R"("postalCode":"62701","countryCode":"USA",)"
                R"("formattedAddress":"1 Main St, Springfield, US-IL 62701, United States"})"));
  EXPECT_TRUE(has_value(n.json, "/merchantReference", R"("scan-9")"));
  EXPECT_TRUE(has_value(n.json, "/customerId", R"("customer-9")"));
}

// ---------------------------------------------------------------------------------------------
// Every documented Netverify parameter.

const std::map<std::string, rapidjson::Type> kJsonValuedNetverifyParameters = {
    {"identityVerification", rapidjson::kObjectType},
    {"rejectReason", rapidjson::kObjectType},
    {"idAddress", rapidjson::kObjectType},
    {"dlCategories", rapidjson::kArrayType},
    {"livenessImages", rapidjson::kArrayType},
};

TEST(NetverifyAllParameters, EveryParameterIsKeptWithItsJsonType) {
  Normalized n;
  ASSERT_TRUE(normalized(netverify_all_parameters(), &n));
  EXPECT_EQ(warnings_of(n.json), Warnings{});
  EXPECT_TRUE(EventMatchesSchema(n.event.json));
  const rapidjson::Value& data = n.json["data"];
  std::vector<std::string> names;
  for (const auto& [name, value] : netverify_all_parameter_fields()) {
    names.push_back(name);
    auto member = data.FindMember(name.c_str());
    ASSERT_NE(member, data.MemberEnd()) << name;
    auto json_valued = kJsonValuedNetverifyParameters.find(name);
    rapidjson::Type expected = json_valued == kJsonValuedNetverifyParameters.end()
                                   ? rapidjson::kStringType
                                   : json_valued->second;
    EXPECT_EQ(member->value.GetType(), expected) << name;
  }
  EXPECT_EQ(names.size(), 63u);
  EXPECT_EQ(member_names(data), names);
}

TEST(NetverifyAllParameters, ValuesAreConvertedAsTheContractSays) {
  Normalized n;
  ASSERT_TRUE(normalized(netverify_all_parameters(), &n));
  const std::vector<std::pair<const char*, std::string>> kExpected = {
      {"/transactionDate", R"("2020-08-17T10:00:00.120Z")"},
      {"/callbackDate", R"("2020-08-17T10:05:00.000Z")"},
      {"/merchantReference", R"("onboarding-2020-08-17-0042")"},
      {"/customerId", R"("customer-4711")"},
      {"/data/transactionDate", R"("2020-08-17T10:00:00.120Z")"},
      {"/data/callbackDate", R"("2020-08-17T10:05:00.000Z")"},
      {"/data/firstAttemptDate", R"("2020-08-17T09:58:12.500Z")"},
      {"/data/idDob", R"("1990-12-09")"},
      {"/data/idExpiry", R"("2028-12-09")"},
      {"/data/issuingDate", R"("2018-12-10")"},
      {"/data/originDob", R"("1990/12/09")"},
      {"/data/idAddress",
       R"({"line1":"150 N Alberny Dr APT. 7","city":"New Mexico","subdivision":"US-AL",)"
       R"("postalCode":"77358-5555","country":"USA","formattedAddress":)"
       R"("150 N Alberny Dr APT. 7, New Mexico, US-AL 77358-5555, United States"})"},
      {"/data/identityVerification",
       R"({"similarity":"MATCH","validity":"TRUE","similarityDecision":"AUTOMATED",)"
       R"("similarityScore":"97"})"},
      {"/data/rejectReason/rejectReasonDetails/1",
       R"({"detailsCode":"1004","detailsDescription":"DOB"})"},
      {"/data/dlCategories/0",
       R"({"category":"B","issueDate":"2015-03-01","expiryDate":"2030-03-01","availability":"yes"})"},
      {"/data/dlCategories/1/isReadable", R"("FALSE")"},
  };
  for (const auto& [pointer, expected] : kExpected)
    EXPECT_TRUE(has_value(n.json, pointer, expected));
  ASSERT_TRUE(n.json["data"]["livenessImages"].IsArray());
  EXPECT_EQ(n.json["data"]["livenessImages"].Size(), 3u);
  EXPECT_EQ(n.event.callback_date, "2020-08-17T10:05:00.000Z");
}

}  // namespace
