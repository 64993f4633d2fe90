// Retrieval API answers -> canonical events, built from the sample responses of Jumio's Retrieval
// API guide (docs/retrieval.md has the mapping table).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "callback/timestamp.h"
#include "retrieval/mapping.h"
#include "support/schema.h"

namespace jb::retrieval {
namespace {

using callback::Kind;

const auto kReceived = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

// "Retrieving details" sample (ID verification), with the verification object of "Retrieving
// verification data only" (its commas restored) and an address in Raw format.
const std::string kNetverifyDetails = R"({
    "timestamp": "2019-03-20T16:25:38.663Z",
    "scanReference": "3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11",
    "document": {
        "type": "DRIVING_LICENSE",
        "dob": "1990-01-01",
        "expiry": "2022-12-31",
        "firstName": "FIRST NAME",
        "issuingCountry": "AUT",
        "issuingDate": "2013-01-01",
        "lastName": "LAST NAME",
        "number": "123456789",
        "status": "APPROVED_VERIFIED",
        "address": {"line1": "12345 EASY STREET", "city": "CITY", "postalCode": "1010",
                    "country": "AUT", "formattedAddress": "12345 EASY STREET, 1010 CITY"}
    },
    "transaction": {
        "clientIp": "10.0.0.1",
        "customerId": "CUSTOMERID",
        "date": "2019-01-01T11:01:10.227Z",
        "merchantReportingCriteria": "YOURREPORTINGCRITERIA",
        "merchantScanReference": "YOURSCANREFERENCE",
        "source": "WEB_UPLOAD",
        "status": "DONE"
    },
    "verification": {
        "additionalChecks": {
            "addressValidation": {"searchResults": "POSITIVE_RESULT"},
            "faceSearchFindings": {"status": "DONE", "findings": ["a", "b"]}
        },
        "identityVerification": {"similarity": "MATCH", "validity": "TRUE"},
        "mrzCheck": "NOT_AVAILABLE"
    },
    "facemap": {
        "classifier": "facemap",
        "href": "https://netverify.com/api/netverify/v2/scans/3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11/data/facemap"
    }
})";

// "Error (not readable ID)" verification sample inside a details answer.
const std::string kNetverifyNotReadable = R"({
    "timestamp": "2019-03-01T11:51:39.876Z",
    "scanReference": "5e0b7c51-6f1d-4c1e-8f5b-2a9d3c4b5a6e",
    "document": {"status": "ERROR_NOT_READABLE_ID", "type": "PASSPORT", "issuingCountry": "USA"},
    "transaction": {"date": "2019-03-01T11:40:00.000Z", "source": "SDK", "status": "DONE",
                    "merchantScanReference": "M-2"},
    "verification": {
        "mrzCheck": "OK",
        "rejectReason": {"rejectReasonCode": "201", "rejectReasonDescription": "NO_DOCUMENT"}
    }
})";

// "Authentication retrieval" sample: transactionDate without a zone, as the guide prints it.
const std::string kAuthentication = R"({
	"transactionReference": "7f3e2d1c-0b9a-4876-9543-210fedcba987",
	"enrollmentTransactionReference": "3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11",
	"transactionResult": "PASSED",
    "scanSource": "SDK",
    "transactionDate": "2019-05-23T14:32:27.534",
    "images": [
        {
            "classifier": "face",
            "href": "https://netverify.com/api/netverify/v2/authentications/7f3e2d1c-0b9a-4876-9543-210fedcba987/images/face"
        }
    ],
    "livenessImages": [
        "https://netverify.com/api/netverify/v2/authentications/7f3e2d1c-0b9a-4876-9543-210fedcba987/images/liveness/1",
        "https://netverify.com/api/netverify/v2/authentications/7f3e2d1c-0b9a-4876-9543-210fedcba987/images/liveness/2"
    ]
})";

// Document Verification "Retrieving details", bank statement (BS).
const std::string kDocumentBankStatement = R"({
    "scanReference": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "timestamp": "2019-01-01T15:32:22.606Z",
    "document": {
        "status": "EXTRACTED",
        "type": "BS",
        "extractedData": {
            "firstName": "FULL NAME",
            "signatureAvailable": false,
            "extractedData": "{\"city\":\"CITY\",\"addressFormat\":\"RAW\",\"postalCode\":\"12345\",\"accountNumber\":\"123456789\",\"subdivision\":\"XX\",\"firstName\":\"FULL NAME\",\"issueDate\":\"2019-01-01\",\"line1\":\"12345 EASY STREET\"}"
        },
        "country": "USA",
        "originalDocument": "https://retrieval.netverify.com/api/netverify/v2/documents/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/original"
    },
    "transaction": {
        "status": "DONE",
        "merchantScanReference": "YOURSCANREFERENCE",
        "customerId": "CUSTOMERID",
        "source": "DOC_UPLOAD"
    }
})";

// Social Security card (SSC): first and last name stay apart.
const std::string kDocumentSocialSecurityCard = R"({
    "scanReference": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "timestamp": "2019-01-01T15:40:49.124Z",
    "document": {
        "status": "EXTRACTED",
        "type": "SSC",
        "extractedData": {
            "firstName": "FIRST NAME",
            "lastName": "LAST NAME",
            "ssn": "123-45-6789",
            "signatureAvailable": false,
            "extractedData": "{\"lastName\":\"LAST NAME\",\"firstName\":\"FIRST NAME\",\"signaturePresent\":\"true\",\"ssn\":\"123-45-6789\"}"
        },
        "country": "USA"
    },
    "transaction": {"status": "DONE", "merchantScanReference": "YOURSCANREFERENCE",
                    "customerId": "CUSTOMERID", "source": "DOC_UPLOAD"}
})";

// Credit card (CC): the expiry as MM/YY.
const std::string kDocumentCreditCard = R"({
    "scanReference": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
    "timestamp": "2019-01-01T15:42:31.858Z",
    "document": {
        "status": "EXTRACTED",
        "type": "CC",
        "extractedData": {
            "firstName": "FULL NAME",
            "signatureAvailable": false,
            "extractedData": "{\"expiryDate\":\"02/24\",\"firstName\":\"FULL NAME\",\"pan\":\"XXXXXXXXXXXX1234\"}"
        },
        "country": "AUT"
    },
    "transaction": {"status": "DONE", "merchantScanReference": "YOURSCANREFERENCE",
                    "customerId": "CUSTOMERID", "source": "DOC_UPLOAD"}
})";

const std::string kDocumentFailed = R"({
    "scanReference": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b",
    "timestamp": "2019-01-01T16:02:25.646Z",
    "transaction": {"status": "FAILED", "merchantScanReference": "M-3", "customerId": "C-3",
                    "source": "DOC_API"}
})";

rapidjson::Document parsed(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  return document;
}

std::string text_at(const rapidjson::Document& document, const char* pointer) {
  const rapidjson::Value* value = rapidjson::Pointer(pointer).Get(document);
  if (value == nullptr) return "<absent>";
  if (!value->IsString()) return "<not a string>";
  return value->GetString();
}

bool has_warning(const callback::Event& event, const std::string& field) {
  for (const auto& warning : event.warnings)
    if (warning.field == field) return true;
  return false;
}

callback::Event event_of(Kind kind, const std::string& answer) {
  auto result = event_of_answer(kind, answer, kReceived);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.failure().detail);
  if (!result.ok()) return {};
  EXPECT_TRUE(EventMatchesSchema(result.value().json)) << result.value().json;
  return result.value();
}

TEST(RetrievalMapping, NetverifyDetailsUseTheCallbackParameterNames) {
  callback::Event event = event_of(Kind::netverify, kNetverifyDetails);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(event.origin, callback::Origin::retrieval);
  EXPECT_EQ(text_at(json, "/origin"), "retrieval");
  EXPECT_EQ(event.status, "APPROVED_VERIFIED");
  EXPECT_EQ(event.reference, "3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11");
  EXPECT_EQ(text_at(json, "/callbackType"), "NETVERIFYID");
  EXPECT_EQ(text_at(json, "/merchantReference"), "YOURSCANREFERENCE");
  EXPECT_EQ(text_at(json, "/customerId"), "CUSTOMERID");
  EXPECT_EQ(text_at(json, "/transactionDate"), "2019-01-01T11:01:10.227Z");
  EXPECT_EQ(text_at(json, "/callbackDate"), "2019-03-20T16:25:38.663Z");
  EXPECT_EQ(text_at(json, "/data/idFirstName"), "FIRST NAME");
  EXPECT_EQ(text_at(json, "/data/idLastName"), "LAST NAME");
  EXPECT_EQ(text_at(json, "/data/idDob"), "1990-01-01");
  EXPECT_EQ(text_at(json, "/data/idExpiry"), "2022-12-31");
  EXPECT_EQ(text_at(json, "/data/idNumber"), "123456789");
  EXPECT_EQ(text_at(json, "/data/idType"), "DRIVING_LICENSE");
  EXPECT_EQ(text_at(json, "/data/idCountry"), "AUT");
  EXPECT_EQ(text_at(json, "/data/idScanStatus"), "SUCCESS");
  EXPECT_EQ(text_at(json, "/data/idScanSource"), "WEB_UPLOAD");
  EXPECT_EQ(text_at(json, "/data/idCheckMRZcode"), "N/A");
  EXPECT_EQ(text_at(json, "/data/clientIp"), "10.0.0.1");
  EXPECT_EQ(text_at(json, "/data/merchantIdScanReference"), "YOURSCANREFERENCE");
  EXPECT_EQ(text_at(json, "/data/identityVerification/similarity"), "MATCH");
  EXPECT_EQ(text_at(json, "/data/facemap"),
            "https://netverify.com/api/netverify/v2/scans/3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11/"
            "data/facemap");
  // The address is converted as a callback's: closed Raw object with our formattedAddress.
  EXPECT_EQ(text_at(json, "/data/idAddress/line1"), "12345 EASY STREET");
  EXPECT_EQ(text_at(json, "/data/idAddress/formattedAddress"),
            "12345 EASY STREET, CITY, 1010, Austria");
  // No callback parameter has additionalChecks: kept under its own name, as JSON text.
  EXPECT_NE(text_at(json, "/data/additionalChecks").find("POSITIVE_RESULT"), std::string::npos);
  EXPECT_TRUE(has_warning(event, "additionalChecks"));
  // The idCheck* parameters the Retrieval API never returns are not reported missing.
  EXPECT_FALSE(has_warning(event, "idCheckHologram"));
  EXPECT_FALSE(has_warning(event, "idCheckSignature"));
}

TEST(RetrievalMapping, NetverifyRejectReasonAndErrorStatus) {
  callback::Event event = event_of(Kind::netverify, kNetverifyNotReadable);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(event.status, "ERROR_NOT_READABLE_ID");
  EXPECT_EQ(text_at(json, "/data/idScanStatus"), "ERROR");
  EXPECT_EQ(text_at(json, "/data/rejectReason/rejectReasonCode"), "201");
  EXPECT_EQ(text_at(json, "/data/idCheckMRZcode"), "OK");
  EXPECT_EQ(text_at(json, "/customerId"), "<not a string>");  // null: no customerId
}

TEST(RetrievalMapping, AuthenticationSampleGetsItsZoneAndImages) {
  callback::Event event = event_of(Kind::authentication, kAuthentication);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(event.status, "PASSED");
  EXPECT_EQ(event.reference, "7f3e2d1c-0b9a-4876-9543-210fedcba987");
  EXPECT_EQ(text_at(json, "/callbackType"), "NETVERIFY_AUTHENTICATION");
  EXPECT_EQ(text_at(json, "/transactionDate"), "2019-05-23T14:32:27.534Z");
  EXPECT_EQ(text_at(json, "/data/scanSource"), "SDK");
  EXPECT_EQ(text_at(json, "/data/enrollmentTransactionReference"),
            "3b6c8a6f-0f3a-4e8e-9a3e-5b2c1d0e9f11");
  EXPECT_NE(text_at(json, "/data/idScanImageFace").find("/images/face"), std::string::npos);
  EXPECT_NE(text_at(json, "/data/livenessImages/1").find("/liveness/2"), std::string::npos);
  // No timestamp in the answer: callbackDate is null and not reported missing.
  EXPECT_EQ(text_at(json, "/callbackDate"), "<not a string>");
  EXPECT_TRUE(event.warnings.empty()) << event.json;
}

TEST(RetrievalMapping, DocumentBankStatementAddressBecomesRaw) {
  callback::Event event = event_of(Kind::document, kDocumentBankStatement);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(event.status, "EXTRACTED");
  EXPECT_EQ(text_at(json, "/callbackType"), "DOCUMENT_VERIFICATION");
  EXPECT_EQ(text_at(json, "/merchantReference"), "YOURSCANREFERENCE");
  EXPECT_EQ(text_at(json, "/callbackDate"), "2019-01-01T15:32:22.606Z");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/name"), "FULL NAME");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/firstName"), "<absent>");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/accountNumber"), "123456789");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/issueDate"), "2019-01-01");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/address/line1"), "12345 EASY STREET");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/address/subdivision"), "XX");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/address/addressFormat"), "<absent>");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/address/formattedAddress"),
            "12345 EASY STREET, CITY, XX 12345");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/extractedData"), "<absent>");
  EXPECT_FALSE(has_warning(event, "transaction.date"));
  EXPECT_FALSE(has_warning(event, "document.images"));
}

TEST(RetrievalMapping, DocumentSocialSecurityCardKeepsFirstAndLastName) {
  callback::Event event = event_of(Kind::document, kDocumentSocialSecurityCard);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(text_at(json, "/data/document/extractedData/firstName"), "FIRST NAME");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/lastName"), "LAST NAME");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/ssn"), "123-45-6789");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/name"), "<absent>");
}

TEST(RetrievalMapping, DocumentCreditCardExpiryBecomesTheLastDayOfItsMonth) {
  callback::Event event = event_of(Kind::document, kDocumentCreditCard);
  rapidjson::Document json = parsed(event.json);
  EXPECT_EQ(text_at(json, "/data/document/extractedData/expiryDate"), "2024-02-29");
  EXPECT_EQ(text_at(json, "/data/document/extractedData/pan"), "XXXXXXXXXXXX1234");
}

TEST(RetrievalMapping, DocumentFailedTransactionRoutesAsFailed) {
  callback::Event event = event_of(Kind::document, kDocumentFailed);
  EXPECT_EQ(event.status, "FAILED");
}

TEST(RetrievalMapping, EventIdIgnoresTheAnswerTimeButNotTheResult) {
  auto first = event_of(Kind::netverify, kNetverifyDetails);
  std::string later = kNetverifyDetails;
  later.replace(later.find("2019-03-20T16:25:38.663Z"), 24, "2019-03-21T09:00:00.000Z");
  auto second = event_of(Kind::netverify, later);
  EXPECT_EQ(first.event_id, second.event_id);
  std::string other = kNetverifyDetails;
  other.replace(other.find("\"APPROVED_VERIFIED\""), 19, "\"DENIED_FRAUD\"");
  auto third = event_of(Kind::netverify, other);
  EXPECT_NE(first.event_id, third.event_id);
  // A callback with the same content is a different event: its id covers what the callback had.
  EXPECT_NE(first.json.find("\"origin\":\"retrieval\""), std::string::npos);
}

struct StatusCase {
  const char* name;
  Kind kind;
  const char* answer;
  bool ok;
  Progress progress;
};

class StatusAnswers : public ::testing::TestWithParam<StatusCase> {};

TEST_P(StatusAnswers, ReadAsTheGuideLists) {
  const StatusCase& c = GetParam();
  auto status = read_status_answer(c.kind, c.answer);
  ASSERT_EQ(status.ok(), c.ok) << (status.ok() ? status.value().status : status.failure().detail);
  if (c.ok) {
    EXPECT_EQ(status.value().progress, c.progress);
  } else {
    EXPECT_EQ(status.failure().reason, DeadLetterReason::retrieval_invalid);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Retrieval, StatusAnswers,
    ::testing::Values(
        StatusCase{
            "ScanPending", Kind::netverify,
            R"({"timestamp":"2019-01-01T16:23:55.039Z","scanReference":"r","status":"PENDING"})",
            true, Progress::pending},
        StatusCase{
            "ScanDone", Kind::netverify,
            R"({"timestamp":"2019-01-01T16:23:55.039Z","scanReference":"r","status":"DONE"})", true,
            Progress::final},
        StatusCase{"ScanFailed", Kind::netverify, R"({"status":"FAILED"})", true, Progress::final},
        StatusCase{"DocumentDone", Kind::document, R"({"status":"DONE"})", true, Progress::final},
        StatusCase{"AuthenticationStarted", Kind::authentication,
                   R"({"transactionResult":"STARTED"})", true, Progress::pending},
        StatusCase{"AuthenticationCreated", Kind::authentication,
                   R"({"transactionResult":"CREATED"})", true, Progress::pending},
        StatusCase{"AuthenticationExpired", Kind::authentication,
                   R"({"transactionResult":"EXPIRED"})", true, Progress::final},
        StatusCase{"UnknownStatus", Kind::netverify, R"({"status":"MAYBE"})", false,
                   Progress::pending},
        StatusCase{"NoStatus", Kind::document, R"({"scanReference":"r"})", false,
                   Progress::pending},
        StatusCase{"NotJson", Kind::netverify, "<html>busy</html>", false, Progress::pending},
        StatusCase{"NotAnObject", Kind::netverify, R"(["DONE"])", false, Progress::pending}),
    [](const ::testing::TestParamInfo<StatusCase>& info) { return info.param.name; });

struct InvalidCase {
  const char* name;
  Kind kind;
  std::string answer;
  const char* detail_contains;
};

class InvalidAnswers : public ::testing::TestWithParam<InvalidCase> {};

// What cannot become an event is retrieval_invalid, with a detail naming the part at fault and
// never a value from the answer.
TEST_P(InvalidAnswers, AreRetrievalInvalidWithoutPersonalData) {
  const InvalidCase& c = GetParam();
  auto result = event_of_answer(c.kind, c.answer, kReceived);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().reason, DeadLetterReason::retrieval_invalid);
  EXPECT_NE(result.failure().detail.find(c.detail_contains), std::string::npos)
      << result.failure().detail;
  for (const char* personal : {"FIRST NAME", "LAST NAME", "1990-02-30", "123456789", "EASY"})
    EXPECT_EQ(result.failure().detail.find(personal), std::string::npos) << result.failure().detail;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Retrieval, InvalidAnswers,
    ::testing::Values(
        InvalidCase{"NotJson", Kind::netverify, "{\"scanReference\": ", "not valid JSON"},
        InvalidCase{"Array", Kind::document, "[]", "not a JSON object"},
        InvalidCase{"NoReference", Kind::netverify,
                    replaced(kNetverifyDetails, "\"scanReference\"", "\"scanRef\""),
                    "scanReference"},
        InvalidCase{"DocumentNotObject", Kind::netverify,
                    R"({"scanReference":"r","document":"FIRST NAME","transaction":{}})",
                    "document"},
        InvalidCase{"NoVerificationStatus", Kind::netverify,
                    replaced(kNetverifyDetails, "\"status\": \"APPROVED_VERIFIED\",", ""),
                    "missing_status"},
        InvalidCase{"ImpossibleDateOfBirth", Kind::netverify,
                    replaced(kNetverifyDetails, "1990-01-01", "1990-02-30"), "invalid_date"},
        InvalidCase{"UnknownStatus", Kind::netverify,
                    replaced(kNetverifyDetails, "APPROVED_VERIFIED", "LOOKS_FINE"),
                    "unknown_status"},
        InvalidCase{"AuthenticationWithoutResult", Kind::authentication,
                    replaced(kAuthentication, "\"transactionResult\": \"PASSED\",", ""),
                    "missing_status"},
        // The guide's credit-card details sample, as printed, breaks a line inside a string.
        InvalidCase{"NestedExtractedDataNotJson", Kind::document,
                    replaced(kDocumentCreditCard, "\\\"pan\\\":\\\"XXXXXXXXXXXX1234\\\"}",
                             "\\\"pan\\\":\\\"XXXXXXXXXXXX1234\\\""),
                    "extractedData"},
        InvalidCase{"DocumentDoneWithoutDocument", Kind::document,
                    replaced(kDocumentFailed, "\"FAILED\"", "\"DONE\""), "missing_status"},
        InvalidCase{"WrongKind", Kind::document, kAuthentication, "scanReference"},
        InvalidCase{"NulInTheReference", Kind::authentication,
                    replaced(kAuthentication, "\"7f3e2d1c-0b9a-4876-9543-210fedcba987\",",
                             "\"7f3e2d1c\\u0000x\","),
                    "NUL"},
        InvalidCase{"NulInANestedMember", Kind::netverify,
                    replaced(kNetverifyDetails, "\"CITY\"", "\"CI\\u0000TY\""), "NUL"},
        InvalidCase{"DeeperThanAnyAnswer", Kind::netverify,
                    "{\"scanReference\":\"r\",\"x\":" + std::string(100000, '[') +
                        std::string(100000, ']') + "}",
                    "nests deeper"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

TEST(RetrievalMapping, ControlCharactersInNestedObjectsSurvive) {
  // RapidJSON's vectorised writer once let 0x1A-0x1F through inside 16-byte blocks, so the
  // transaction object, written again as a callback parameter, was not JSON.
  for (int control = 1; control < 0x20; ++control) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", control);
    const std::string answer =
        replaced(kDocumentFailed, "\"M-3\"", "\"M-3-merchant-" + std::string(escaped) + "-ref\"");
    auto result = event_of_answer(Kind::document, answer, kReceived);
    ASSERT_TRUE(result.ok()) << control << ": " << result.failure().detail;
    rapidjson::Document json = parsed(result.value().json);
    EXPECT_EQ(text_at(json, "/merchantReference"),
              "M-3-merchant-" + std::string(1, static_cast<char>(control)) + "-ref");
  }
}

TEST(RetrievalMapping, KindNames) {
  Kind kind;
  ASSERT_TRUE(parse_kind("netverify", &kind));
  EXPECT_EQ(kind, Kind::netverify);
  ASSERT_TRUE(parse_kind("document", &kind));
  EXPECT_EQ(kind, Kind::document);
  ASSERT_TRUE(parse_kind("authentication", &kind));
  EXPECT_EQ(kind, Kind::authentication);
  EXPECT_FALSE(parse_kind("NETVERIFYID", &kind));
  EXPECT_FALSE(parse_kind("", &kind));
}

}  // namespace
}  // namespace jb::retrieval
