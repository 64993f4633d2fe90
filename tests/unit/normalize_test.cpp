#include "callback/normalize.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "normalize_fixtures.h"

namespace jb::callback {
namespace {

using namespace fixtures;

// --- kind and status ---------------------------------------------------------------------

struct StatusCase {
  Fields fields;
  std::string callback_type;
  std::string status;
};

class StatusTest : public testing::TestWithParam<StatusCase> {};

TEST_P(StatusTest, DetectsKindAndRoutingStatus) {
  auto result = normalize_fields(GetParam().fields);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  auto json = parsed(result.value());
  EXPECT_EQ(json["callbackType"].GetString(), GetParam().callback_type);
  EXPECT_EQ(json["status"].GetString(), GetParam().status);
  EXPECT_EQ(result.value().status, GetParam().status);
  EXPECT_EQ(result.value().reference, kReference);
  EXPECT_EQ(json["reference"].GetString(), std::string(kReference));
}

std::string transaction_with_status(const std::string& status) {
  std::string text = kTransaction;
  text.replace(text.find("\"DONE\""), 6, "\"" + status + "\"");
  return text;
}

std::string document_with_status(const std::string& status) {
  std::string text = kDocument;
  text.replace(text.find("\"EXTRACTED\""), 11, "\"" + status + "\"");
  return text;
}

std::vector<StatusCase> status_cases() {
  std::vector<StatusCase> cases;
  for (const char* status :
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}) {
    cases.push_back({with(kNetverify, "verificationStatus", status), "NETVERIFYID", status});
  }
  for (const char* status : {"PASSED", "FAILED", "INVALID", "EXPIRED"}) {
    cases.push_back(
        {with(kAuthentication, "transactionResult", status), "NETVERIFY_AUTHENTICATION", status});
  }
  for (const char* status : {"UPLOADED", "EXTRACTED", "DISCARDED"}) {
    cases.push_back({with(kDocumentVerification, "document", document_with_status(status)),
                     "DOCUMENT_VERIFICATION", status});
  }
  cases.push_back({with(without(kDocumentVerification, "document"), "transaction",
                        transaction_with_status("FAILED")),
                   "DOCUMENT_VERIFICATION", "FAILED"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EachKind, StatusTest, testing::ValuesIn(status_cases()));

TEST(NormalizeTest, CompleteCallbacksHaveNoWarnings) {
  for (const auto& fields : {kNetverify, kAuthentication, kDocumentVerification}) {
    auto result = normalize_fields(fields);
    ASSERT_TRUE(result.ok()) << result.failure().detail;
    EXPECT_TRUE(result.value().warnings.empty()) << result.value().json;
    EXPECT_EQ(parsed(result.value())["warnings"].Size(), 0u);
  }
}

// --- dead letters ------------------------------------------------------------------------

struct DeadLetterCase {
  std::string name;
  std::string body;
  std::string content_type;
  DeadLetterReason reason;
  bool carries_reference;
};

class DeadLetterTest : public testing::TestWithParam<DeadLetterCase> {};

TEST_P(DeadLetterTest, FailsWithReason) {
  auto result = normalize_body(GetParam().body, GetParam().content_type);
  ASSERT_FALSE(result.ok()) << result.value().json;
  EXPECT_EQ(reason_code(result.failure().reason), reason_code(GetParam().reason))
      << result.failure().detail;
  EXPECT_EQ(result.failure().reference, GetParam().carries_reference ? kReference : "");
  EXPECT_FALSE(result.failure().detail.empty());
}

// A JSON object of `count` members "m0".."m{count-1}", then one member named `repeated` when
// given: small objects are checked pair by pair for a repeated name, large ones sorted.
std::string object_of_members(int count, const std::string& repeated = "") {
  std::string object = "{";
  for (int i = 0; i < count; ++i) object += "\"m" + std::to_string(i) + "\":\"x\",";
  if (!repeated.empty()) object += "\"" + repeated + "\":\"y\",";
  object.back() = '}';
  return object;
}

std::vector<DeadLetterCase> dead_letter_cases() {
  using R = DeadLetterReason;
  const std::string nv = body_of(kNetverify);
  auto dv_transaction = [](const std::string& t) {
    return body_of(with(kDocumentVerification, "transaction", t));
  };
  auto dv_document = [](const std::string& d) {
    return body_of(with(kDocumentVerification, "document", d));
  };
  return {
      {"json_content_type", nv, "application/json", R::not_form_urlencoded, true},
      {"multipart", nv, "multipart/form-data; boundary=x", R::not_form_urlencoded, true},
      {"bad_escape", nv + "&idNumber=%G1", "", R::bad_encoding, true},
      {"invalid_utf8", nv + "&idFirstName=%C3%28", "", R::bad_encoding, true},
      {"duplicate", nv + "&callBackType=NETVERIFYID", "", R::duplicate_parameter, true},
      {"unknown_callback_type", body_of(with(kNetverify, "callBackType", "OTHER")), "",
       R::unknown_kind, true},
      {"dv_without_transaction", body_of(without(kDocumentVerification, "transaction")), "",
       R::unknown_kind, true},
      {"empty_body", "", "", R::unknown_kind, false},
      {"no_reference", body_of(without(kNetverify, "jumioIdScanReference")), "",
       R::missing_reference, false},
      {"empty_reference", body_of(with(kAuthentication, "transactionReference", "")), "",
       R::missing_reference, false},
      {"no_status", body_of(without(kNetverify, "verificationStatus")), "", R::missing_status,
       true},
      {"empty_result", body_of(with(kAuthentication, "transactionResult", "")), "",
       R::missing_status, true},
      {"dv_done_without_document", body_of(without(kDocumentVerification, "document")), "",
       R::missing_status, true},
      {"dv_document_without_status", dv_document(R"({"type":"SSC","country":"USA","images":[]})"),
       "", R::missing_status, true},
      {"dv_transaction_without_status", dv_transaction(R"({"date":"2014-10-17T06:37:51Z"})"), "",
       R::missing_status, true},
      {"netverify_unknown_status", body_of(with(kNetverify, "verificationStatus", "APPROVED")), "",
       R::unknown_status, true},
      {"authentication_unknown_status", body_of(with(kAuthentication, "transactionResult", "OK")),
       "", R::unknown_status, true},
      {"dv_pending", dv_transaction(transaction_with_status("PENDING")), "", R::unknown_status,
       true},
      {"dv_document_unknown", dv_document(document_with_status("LOST")), "", R::unknown_status,
       true},
      {"address_not_json", nv + "&idAddress=not-json", "", R::invalid_json, true},
      {"address_array", nv + "&idAddress=%5B%5D", "", R::invalid_json, true},
      {"address_member_number", nv + "&idAddress=" + percent_encode(R"({"zip":5})"), "",
       R::invalid_json, true},
      {"identity_array", nv + "&identityVerification=%5B1%5D", "", R::invalid_json, true},
      {"reject_code_number", nv + "&rejectReason=" + percent_encode(R"({"rejectReasonCode":100})"),
       "", R::invalid_json, true},
      {"reject_details_strings",
       nv + "&rejectReason=" + percent_encode(R"({"rejectReasonDetails":["x"]})"), "",
       R::invalid_json, true},
      {"dl_categories_string", nv + "&dlCategories=%22B%22", "", R::invalid_json, true},
      {"liveness_numbers", nv + "&livenessImages=%5B1%2C2%5D", "", R::invalid_json, true},
      {"liveness_not_json", body_of(with(kAuthentication, "livenessImages", "http://x")), "",
       R::invalid_json, true},
      {"face_bad_json", body_of(with(kAuthentication, "idScanImageFace", "[\"x\"")), "",
       R::invalid_json, true},
      {"dv_transaction_array", dv_transaction("[]"), "", R::invalid_json, true},
      {"dv_images_object", dv_document(R"({"status":"UPLOADED","images":{}})"), "", R::invalid_json,
       true},
      {"dv_trailing_garbage", dv_transaction(std::string(kTransaction) + "x"), "", R::invalid_json,
       true},
      {"dv_repeated_member", dv_transaction(R"({"status":"DONE","status":"FAILED"})"), "",
       R::invalid_json, true},
      {"repeated_member_of_sixteen",
       nv + "&rejectReason=" + percent_encode(object_of_members(15, "m7")), "", R::invalid_json,
       true},
      {"repeated_member_of_forty",
       nv + "&rejectReason=" + percent_encode(object_of_members(39, "m0")), "", R::invalid_json,
       true},
      {"lone_surrogate", nv + "&identityVerification=" + percent_encode(R"({"x":"\udc00"})"), "",
       R::invalid_json, true},
      {"deep_nesting", body_of(with(kAuthentication, "idScanImageFace", nested(100))), "",
       R::invalid_json, true},
      {"deep_nesting_unknown_member",
       nv + "&rejectReason=" + percent_encode("{\"x\":" + nested(100000) + "}"), "",
       R::invalid_json, true},
      // RapidJSON's full-precision number path crashed on this (found by fuzzing).
      {"long_number",
       nv + "&idAddress=" + percent_encode("{\"city\":0." + std::string(400, '0') + "1}"), "",
       R::invalid_json, true},
      {"many_fraction_digits",
       body_of(with(kNetverify, "transactionDate",
                    "2020-01-01T00:00:00." + std::string(40, '9') + "Z")),
       "", R::invalid_timestamp, true},
      {"bad_transaction_date", body_of(with(kNetverify, "transactionDate", "2020-02-30T00:00:00Z")),
       "", R::invalid_timestamp, true},
      {"bad_first_attempt", nv + "&firstAttemptDate=2020-01-01T00%3A00%3A00.0001Z", "",
       R::invalid_timestamp, true},
      {"dv_bad_date", dv_transaction(R"({"status":"DONE","date":"yesterday"})"), "",
       R::invalid_timestamp, true},
      {"dv_bad_timestamp", body_of(with(kDocumentVerification, "timestamp", "2017-06-06")), "",
       R::invalid_timestamp, true},
      {"bad_dob", nv + "&idDob=1990-02-30", "", R::invalid_date, true},
      {"bad_expiry", nv + "&idExpiry=31.12.2022", "", R::invalid_date, true},
      {"bad_dl_issue",
       nv + "&dlCategories=" + percent_encode(R"([{"category":"B","issueDate":"x"}])"), "",
       R::invalid_date, true},
      {"dv_bad_extracted_date",
       dv_document(R"({"status":"EXTRACTED","extractedData":{"issueDate":"2019-13-01"}})"), "",
       R::invalid_date, true},
      // Platform callbacks: read by their body whatever the Content-Type.
      {"platform_empty_execution", R"({"workflowExecution":{}})", "application/json",
       R::platform_invalid, false},
      {"platform_execution_id_not_uuid",
       R"({"workflowExecution":{"id":"x","status":"PROCESSED"},)"
       R"("account":{"id":"11111111-1111-1111-1111-111111111111"}})",
       "", R::platform_invalid, false},
  };
}

INSTANTIATE_TEST_SUITE_P(Reasons, DeadLetterTest, testing::ValuesIn(dead_letter_cases()),
                         [](const auto& info) { return info.param.name; });

// Every reason a callback body can have; retrieval_invalid comes only from Retrieval API answers
// (retrieval_mapping_test).
TEST(DeadLetterTest, EveryReasonIsProducedByATableEntry) {
  size_t count = 0;
  const DeadLetterReason* reasons = all_reasons(&count);
  auto cases = dead_letter_cases();
  for (size_t i = 0; i < count; ++i) {
    if (reasons[i] == DeadLetterReason::retrieval_invalid) continue;
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const DeadLetterCase& c) {
      return c.reason == reasons[i];
    })) << reason_code(reasons[i]);
  }
}

TEST(DeadLetterTest, DetailNeverContainsTheValue) {
  auto result = normalize_fields(with(kNetverify, "idDob", "SECRET-12"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.failure().detail.find("idDob"), std::string::npos);
  EXPECT_EQ(result.failure().detail.find("SECRET"), std::string::npos);
}

// The counterpart of repeated_member_of_*: distinct names, small and large, are not repeats.
TEST(NormalizeTest, ObjectsOfDistinctMemberNamesAreNotRepeats) {
  for (int count : {1, 2, 16, 17, 40}) {
    auto result = normalize_body(body_of(kNetverify) +
                                 "&rejectReason=" + percent_encode(object_of_members(count)));
    ASSERT_TRUE(result.ok()) << count << ": " << result.failure().detail;
    EXPECT_TRUE(has_warning(result.value(), "rejectReason.m0", "unknown_parameter")) << count;
  }
}

TEST(ContentTypeTest, AcceptsFormWithParametersInAnyCase) {
  for (const char* type :
       {"", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded;charset=utf-8"}) {
    EXPECT_TRUE(normalize_body(body_of(kNetverify), type).ok()) << type;
  }
}

// --- warnings ----------------------------------------------------------------------------

}  // namespace
}  // namespace jb::callback
