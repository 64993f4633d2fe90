// The JSON Schemas of schemas/: well-formed, every reference resolves, and they accept good
// documents and reject the ones they must.
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>

#include <cstdio>
#include <memory>
#include <random>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/internal/regex.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/platform.h"
#include "callback/timestamp.h"
#include "common/result.h"
#include "common/sha256.h"
#include "route/router.h"
#include "support/schema.h"
#include "support/schema_check.h"

namespace {

const char* const kSchemaFiles[] = {
    "event.envelope.schema.json",       "event.netverify.schema.json",
    "event.authentication.schema.json", "event.document.schema.json",
    "deadletter.schema.json",           "notification.workflow.schema.json",
    "event.workflow.schema.json",
};

std::string read_schema(const std::string& file) {
  std::ifstream in(std::string(JB_SOURCE_DIR "/schemas/") + file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char kNetverifyEvent[] = R"({
  "eventId": "0f8fad5b-d9cb-869f-a165-70867728950e",
  "schemaVersion": 1,
  "callbackType": "NETVERIFYID",
  "status": "APPROVED_VERIFIED",
  "reference": "4f2b1e54-9c3a-4d1e-8b7f-2a6c5d9e0f13",
  "merchantReference": "onboarding-42",
  "customerId": null,
  "transactionDate": "2020-08-17T10:00:00.120Z",
  "callbackDate": null,
  "receivedAt": "2020-08-17T10:06:07.890Z",
  "warnings": [{"field": "callbackDate", "problem": "missing_required"}],
  "data": {
    "callBackType": "NETVERIFYID",
    "jumioIdScanReference": "4f2b1e54-9c3a-4d1e-8b7f-2a6c5d9e0f13",
    "verificationStatus": "APPROVED_VERIFIED",
    "idScanStatus": "SUCCESS",
    "transactionDate": "2020-08-17T10:00:00.120Z",
    "firstAttemptDate": "2020-08-17T09:58:12.500Z",
    "idDob": "1990-12-09",
    "idAddress": {"line1": "150 N Alberny Dr APT. 7", "city": "New Mexico", "subdivision": "US-AL",
                  "postalCode": "77358-5555", "country": "USA",
                  "formattedAddress": "150 N Alberny Dr APT. 7, New Mexico, US-AL 77358-5555, United States"},
    "identityVerification": {"similarity": "MATCH", "validity": true},
    "rejectReason": {"rejectReasonCode": "100", "rejectReasonDescription": "MANIPULATED_DOCUMENT",
                     "rejectReasonDetails": [{"detailsCode": "1001", "detailsDescription": "PHOTO"}]},
    "dlCategories": [{"category": "B", "issueDate": "2015-03-01", "isReadable": "FALSE"}],
    "livenessImages": ["https://netverify.com/liveness/1", "https://netverify.com/liveness/2"],
    "merchantIdScanReference": "onboarding-42",
    "someFutureParameter": "kept as sent"
  }
})";

const char kAuthenticationEvent[] = R"({
  "eventId": "1b4e28ba-2fa1-81d2-883f-0016d3cca427",
  "schemaVersion": 1,
  "callbackType": "NETVERIFY_AUTHENTICATION",
  "status": "PASSED",
  "reference": "6d1f2c3b-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
  "merchantReference": null,
  "customerId": "user-7",
  "transactionDate": "2019-05-29T08:37:24.344Z",
  "callbackDate": "2019-05-30T08:37:35.822Z",
  "receivedAt": "2019-05-30T08:37:36.000Z",
  "warnings": [],
  "data": {
    "scanSource": "SDK",
    "transactionReference": "6d1f2c3b-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
    "callBackType": "NETVERIFY_AUTHENTICATION",
    "transactionResult": "PASSED",
    "livenessImages": ["https://netverify.com/liveness/1"],
    "idScanImageFace": "https://netverify.com/face",
    "callbackDate": "2019-05-30T08:37:35.822Z",
    "transactionDate": "2019-05-29T08:37:24.344Z",
    "userReference": "user-7"
  }
})";

const char kDocumentEvent[] = R"({
  "eventId": "9a7b3c1d-5e6f-8a0b-9c1d-2e3f4a5b6c7d",
  "schemaVersion": 1,
  "callbackType": "DOCUMENT_VERIFICATION",
  "status": "EXTRACTED",
  "reference": "7e57d004-2b97-4e7a-b45f-5387367791cd",
  "merchantReference": "YOURSCANREFERENCE",
  "customerId": "CUSTOMERID",
  "transactionDate": "2014-10-17T06:37:51.969Z",
  "callbackDate": "2017-06-06T12:06:49.016Z",
  "receivedAt": "2017-06-06T12:06:50.000Z",
  "warnings": [{"field": "document.extractedData.issueDate", "problem": "unknown_value"}],
  "data": {
    "timestamp": "2017-06-06T12:06:49.016Z",
    "scanReference": "7e57d004-2b97-4e7a-b45f-5387367791cd",
    "document": {"type": "UB", "country": "USA", "status": "EXTRACTED",
                 "images": ["https://retrieval.netverify.com/pages/1"],
                 "extractedData": {"name": "JANE DOE", "issueDate": "N/A", "signatureAvailable": true,
                                   "address": {"line1": "1 Main St", "city": "Springfield",
                                               "countryCode": "USA",
                                               "formattedAddress": "1 Main St, Springfield, United States"}}},
    "transaction": {"customerId": "CUSTOMERID", "date": "2014-10-17T06:37:51.969Z",
                    "merchantScanReference": "YOURSCANREFERENCE", "source": "DOC_SDK", "status": "DONE"}
  }
})";

const char kNotification[] = R"({
  "eventId": "3c5a7e2b-91d4-8f06-a1b2-c3d4e5f60718", "schemaVersion": 1, "callbackType": "WORKFLOW",
  "status": "PROCESSED", "reference": "22222222-2222-2222-2222-222222222222",
  "accountId": "11111111-1111-1111-1111-111111111111", "definitionKey": "10011",
  "workflowStatus": "PROCESSED", "callbackSentAt": "2024-05-02T09:16:04.518Z",
  "receivedAt": "2024-05-02T09:16:05.123Z", "userReference": "user-8f3a2c", "origin": "callback"
})";

const char kDeadLetterWithBody[] = R"({
  "reason": "unknown_status", "detail": "verificationStatus", "receivedAt": "2020-08-17T10:06:07.890Z",
  "remoteAddr": "127.0.0.1", "contentType": "application/x-www-form-urlencoded",
  "body": "callBackType=NETVERIFYID&verificationStatus=MAYBE",
  "bodySha256": "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730", "attempts": 1
})";

const char kDeadLetterWithBase64[] = R"({
  "reason": "bad_encoding", "detail": "idFirstName", "receivedAt": "2020-08-17T10:06:07.890Z",
  "remoteAddr": "::1", "contentType": "", "bodyBase64": "aWRGaXJzdE5hbWU9/w==",
  "bodySha256": "0000000000000000000000000000000000000000000000000000000000000000", "attempts": 3
})";

const char kNv[] = "event.netverify.schema.json";
const char kAu[] = "event.authentication.schema.json";
const char kDv[] = "event.document.schema.json";
const char kDl[] = "deadletter.schema.json";

// `document` with the member at `pointer` replaced by `value_json`, or removed when it is empty.
std::string mutated(const char* document, const char* pointer, const char* value_json) {
  rapidjson::Document doc;
  doc.Parse(document);
  if (*value_json == '\0') {
    rapidjson::Pointer(pointer).Erase(doc);
  } else {
    rapidjson::Document value(&doc.GetAllocator());
    value.Parse(value_json);
    rapidjson::Pointer(pointer).Set(doc, value);
  }
  rapidjson::StringBuffer buffer;
  jb::schema::JsonWriter writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

TEST(SchemaFiles, AreDraft04JsonObjects) {
  for (const char* file : kSchemaFiles) {
    SCOPED_TRACE(file);
    rapidjson::Document schema;
    schema.Parse(read_schema(file).c_str());
    ASSERT_FALSE(schema.HasParseError());
    ASSERT_TRUE(schema.IsObject());
    ASSERT_TRUE(schema.HasMember("$schema"));
    EXPECT_STREQ(schema["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
    EXPECT_TRUE(schema.HasMember("title"));
  }
}

// RapidJSON (like most validators) silently accepts anything where a $ref does not resolve.
void expect_references_resolve(const rapidjson::Value& value, const std::string& file,
                               const rapidjson::Document& schema) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) expect_references_resolve(item, file, schema);
    return;
  }
  if (!value.IsObject()) return;
  for (const auto& member : value.GetObject()) {
    if (member.name == "$ref" && member.value.IsString()) {
      std::string ref = member.value.GetString();
      size_t hash = ref.find('#');
      ASSERT_NE(hash, std::string::npos) << file << ": " << ref << " needs a '#' fragment";
      rapidjson::Document target_file;
      const rapidjson::Document* target = &schema;
      if (hash > 0) {
        target_file.Parse(read_schema(ref.substr(0, hash)).c_str());
        ASSERT_FALSE(target_file.HasParseError()) << file << ": " << ref;
        target = &target_file;
      }
      rapidjson::Pointer pointer(ref.substr(hash + 1).c_str());
      ASSERT_TRUE(pointer.IsValid()) << file << ": " << ref;
      EXPECT_NE(pointer.Get(*target), nullptr) << file << ": " << ref << " does not resolve";
    }
    expect_references_resolve(member.value, file, schema);
  }
}

TEST(SchemaFiles, EveryReferenceResolves) {
  for (const char* file : kSchemaFiles) {
    rapidjson::Document schema;
    schema.Parse(read_schema(file).c_str());
    ASSERT_FALSE(schema.HasParseError()) << file;
    expect_references_resolve(schema, file, schema);
  }
}

// RapidJSON silently drops a pattern it cannot compile; every pattern of schemas/ must compile.
void expect_patterns_compile(const rapidjson::Value& value, const std::string& file) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) expect_patterns_compile(item, file);
    return;
  }
  if (!value.IsObject()) return;
  for (const auto& member : value.GetObject()) {
    if (member.name == "pattern" && member.value.IsString()) {
      rapidjson::internal::Regex regex(member.value.GetString());
      EXPECT_TRUE(regex.IsValid()) << file << ": " << member.value.GetString();
    }
    expect_patterns_compile(member.value, file);
  }
}

TEST(SchemaFiles, EveryPatternCompilesInRapidJson) {
  for (const char* file : kSchemaFiles) {
    rapidjson::Document schema;
    schema.Parse(read_schema(file).c_str());
    ASSERT_FALSE(schema.HasParseError()) << file;
    expect_patterns_compile(schema, file);
  }
}

// The pattern at `pointer` of a schema file, compiled as RapidJSON's SchemaValidator compiles it.
std::unique_ptr<rapidjson::internal::Regex> schema_pattern(const char* file, const char* pointer) {
  rapidjson::Document schema;
  schema.Parse(read_schema(file).c_str());
  const rapidjson::Value* pattern = rapidjson::Pointer(pointer).Get(schema);
  if (pattern == nullptr || !pattern->IsString()) return nullptr;
  return std::make_unique<rapidjson::internal::Regex>(pattern->GetString());
}

std::string four_digits(int value) {
  std::string text = std::to_string(value);
  return std::string(4 - text.size(), '0') + text;
}

std::string two_digits(int value) {
  return value < 10 ? "0" + std::to_string(value) : std::to_string(value);
}

// The schema's dates are exactly the daemon's: every date the daemon accepts matches, and nothing
// else (months 00-13, days 00-32, leap years around 1900, 2000 and 2100, years 0000 and 9999).
TEST(SchemaFiles, DatePatternIsTheDaemonsDateCheck) {
  auto date = schema_pattern("event.envelope.schema.json", "/definitions/calendarDate/pattern");
  ASSERT_TRUE(date && date->IsValid());
  std::vector<int> years = {0, 1, 4, 96, 100, 400, 1600, 1700, 9996, 9999};
  for (int year = 1890; year <= 2110; ++year) years.push_back(year);
  int accepted = 0;
  for (int year : years) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 32; ++day) {
        std::string text = four_digits(year) + "-" + two_digits(month) + "-" + two_digits(day);
        bool daemon = jb::callback::is_valid_date(text);
        ASSERT_EQ(date->Search(text.c_str()), daemon) << text;
        accepted += daemon ? 1 : 0;
      }
    }
  }
  // Leap days: 0000, 0004, 0096, 0400, 1600, 9996 and the 53 of 1890-2110 (not 1900, 2100).
  EXPECT_EQ(accepted, 365 * static_cast<int>(years.size()) + 59);
}

// A canonical timestamp matches the schema's pattern exactly when the daemon would write it.
TEST(SchemaFiles, TimestampPatternIsTheDaemonsTimestampCheck) {
  auto timestamp = schema_pattern("event.envelope.schema.json", "/definitions/timestamp/pattern");
  ASSERT_TRUE(timestamp && timestamp->IsValid());
  const char* const kDates[] = {"2020-08-17", "2000-02-29", "1900-02-29", "2021-02-29",
                                "2020-04-31", "2020-12-31", "2020-13-01", "0000-01-01"};
  for (const char* day : kDates) {
    for (int hour = 0; hour <= 25; ++hour) {
      for (int minute : {0, 30, 59, 60, 99}) {
        for (int second : {0, 59, 60, 61}) {
          std::string text = std::string(day) + "T" + two_digits(hour) + ":" + two_digits(minute) +
                             ":" + two_digits(second) + ".123Z";
          std::string canonical;
          bool daemon = jb::callback::canonical_timestamp(text, &canonical) && canonical == text;
          ASSERT_EQ(timestamp->Search(text.c_str()), daemon) << text;
        }
      }
    }
  }
  for (const char* text :
       {"2020-08-17T10:00:00Z", "2020-08-17T10:00:00.1Z", "2020-08-17T10:00:00.1234Z",
        "2020-08-17 10:00:00.123Z", "2020-08-17T10:00:00.123z", "2020-08-17T10:00:00.123+00:00",
        " 2020-08-17T10:00:00.123Z"}) {
    EXPECT_FALSE(timestamp->Search(text)) << text;
  }
}

// remoteAddr's patterns accept exactly what inet_pton reads (the allowlist admits no other client
// address), over hand-picked and random strings.
TEST(SchemaFiles, IpAddressPatternsAreInetPton) {
  auto v4 = schema_pattern("deadletter.schema.json", "/definitions/ipAddress/anyOf/0/pattern");
  auto v6 = schema_pattern("deadletter.schema.json", "/definitions/ipAddress/anyOf/1/pattern");
  ASSERT_TRUE(v4 && v4->IsValid() && v6 && v6->IsValid());
  std::vector<std::string> candidates = {"1.2.3.4",
                                         "01.2.3.4",
                                         "256.1.1.1",
                                         "1.2.3",
                                         "1.2.3.4.5",
                                         "0.0.0.0",
                                         "255.255.255.255",
                                         "::",
                                         "::1",
                                         "1::",
                                         "1:2:3:4:5:6:7:8",
                                         "1:2:3:4:5:6:7::",
                                         "::2:3:4:5:6:7:8",
                                         "::ffff:1.2.3.4",
                                         "1:2:3:4:5:6:1.2.3.4",
                                         "1::1.2.3.4",
                                         "1:2:3:4:5:6:7:1.2.3.4",
                                         "1:::2",
                                         "1:2:3:4:5:6:7:8:9",
                                         ":1::",
                                         "1::2::3",
                                         "fe80::1%eth0",
                                         "FFFF::",
                                         "12345::",
                                         "::01.2.3.4",
                                         ":::",
                                         "",
                                         "1:2:3:4:5::1.2.3.4",
                                         "1:2:3:4:5:6::1.2.3.4",
                                         "[::1]",
                                         "::1 ",
                                         "abcd:ef01::"};
  std::mt19937 random(13);
  const std::string alphabet = "0123456789abcdefABCDEF:.";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int length = 1 + static_cast<int>(random() % 20);
    for (int c = 0; c < length; ++c) text.push_back(alphabet[random() % alphabet.size()]);
    candidates.push_back(text);
  }
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::string> groups(1 + random() % 9);
    for (auto& group : groups) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%x", static_cast<unsigned>(random() % 0x10000));
      group = std::string(hex).substr(0, 1 + random() % 4);
    }
    size_t gap = random() % 2 ? random() % (groups.size() + 1) : groups.size() + 1;
    std::string text;
    for (size_t g = 0; g <= groups.size(); ++g) {
      if (g == gap) text += "::";
      if (g == groups.size()) break;
      if (!text.empty() && text.back() != ':') text += ":";
      text += groups[g];
    }
    if (random() % 5 == 0) {
      if (!text.empty() && text.back() != ':') text += ":";
      text += std::to_string(random() % 300) + "." + std::to_string(random() % 300) + "." +
              std::to_string(random() % 300) + "." + std::to_string(random() % 300);
    }
    candidates.push_back(text);
  }
  int v6_accepted = 0;
  for (const std::string& text : candidates) {
    unsigned char buffer[16];
    bool is_v4 = inet_pton(AF_INET, text.c_str(), buffer) == 1;
    bool is_v6 = inet_pton(AF_INET6, text.c_str(), buffer) == 1;
    ASSERT_EQ(v4->Search(text.c_str()), is_v4) << text;
    ASSERT_EQ(v6->Search(text.c_str()), is_v6) << text;
    v6_accepted += is_v6 ? 1 : 0;
  }
  EXPECT_GT(v6_accepted, 5000);
}

TEST(SchemaFiles, AMissingSchemaFileIsAFailure) {
  EXPECT_FALSE(MatchesSchema("{}", "no-such.schema.json"));
}

// A definition can be named on its own (the address fuzz target checks Raw addresses so).
TEST(SchemaFiles, ADefinitionCanBeValidatedOnItsOwn) {
  const std::string kAddress = "event.envelope.schema.json#/definitions/rawAddressWithCountry";
  EXPECT_TRUE(MatchesSchema(R"({"city":"Graz","country":"AUT","formattedAddress":"Graz, Austria"})",
                            kAddress));
  EXPECT_FALSE(
      MatchesSchema(R"({"city":"Graz","formattedAddress":"Graz","zip":"8010"})", kAddress));
  EXPECT_FALSE(MatchesSchema(R"({"countryCode":"AUT","formattedAddress":"Austria"})", kAddress));
  EXPECT_FALSE(MatchesSchema(R"("Graz")", kAddress));
  EXPECT_TRUE(MatchesSchema(R"({"countryCode":"AUT","formattedAddress":"Austria"})",
                            "event.envelope.schema.json#/definitions/rawAddressWithCountryCode"));
}

struct GoodDocument {
  const char* name;
  const char* json;
  const char* schema;
};

TEST(Schemas, AcceptGoodDocuments) {
  const GoodDocument kGood[] = {
      {"netverify", kNetverifyEvent, "event.netverify.schema.json"},
      {"authentication", kAuthenticationEvent, "event.authentication.schema.json"},
      {"document", kDocumentEvent, "event.document.schema.json"},
      {"netverify as envelope", kNetverifyEvent, "event.envelope.schema.json"},
      {"document as envelope", kDocumentEvent, "event.envelope.schema.json"},
      {"dead letter with body", kDeadLetterWithBody, "deadletter.schema.json"},
      {"dead letter with bodyBase64", kDeadLetterWithBase64, "deadletter.schema.json"},
      {"notification", kNotification, "notification.workflow.schema.json"},
  };
  for (const auto& good : kGood) EXPECT_TRUE(MatchesSchema(good.json, good.schema)) << good.name;
}

// A good document with one change that must still be accepted.
struct GoodVariant {
  const char* what;
  const char* document;
  const char* schema;
  std::vector<std::pair<const char*, const char*>> changes;  // pointer, value JSON ("" removes)
};

std::string changed(const GoodVariant& variant) {
  std::string json = variant.document;
  for (const auto& [pointer, value] : variant.changes) json = mutated(json.c_str(), pointer, value);
  return json;
}

TEST(Schemas, AcceptWhatTheDaemonWrites) {
  const GoodVariant kVariants[] = {
      {"receivedAt on February 29 of a leap year",
       kNetverifyEvent,
       kNv,
       {{"/receivedAt", R"("2024-02-29T23:59:59.999Z")"}}},
      {"receivedAt on February 29 of 2000",
       kNetverifyEvent,
       kNv,
       {{"/receivedAt", R"("2000-02-29T00:00:00.000Z")"}}},
      {"idDob on February 29 of a leap year",
       kNetverifyEvent,
       kNv,
       {{"/data/idDob", R"("1996-02-29")"}}},
      {"idDob in year 0000 (RFC 3339 allows it; so does the daemon)",
       kNetverifyEvent,
       kNv,
       {{"/data/idDob", R"("0000-02-29")"}}},
      {"idDob N/A", kNetverifyEvent, kNv, {{"/data/idDob", R"("N/A")"}}},
      {"a parameter with an empty name",
       kNetverifyEvent,
       kNv,
       {{"/data/", R"("x")"}, {"/warnings/1", R"({"field":"","problem":"unknown_parameter"})"}}},
      {"dlCategories as one object",
       kNetverifyEvent,
       kNv,
       {{"/data/dlCategories", R"({"category":"B","expiryDate":"N/A"})"}}},
      {"null members inside JSON parameters",
       kNetverifyEvent,
       kNv,
       {{"/data/identityVerification/similarity", "null"},
        {"/data/identityVerification/similarityScore", "null"},
        {"/data/rejectReason/rejectReasonDetails", "null"},
        {"/data/dlCategories/0/issueDate", "null"},
        {"/data/dlCategories/0/isReadable", "null"}}},
      {"similarityScore a number or a boolean",
       kNetverifyEvent,
       kNv,
       {{"/data/identityVerification/similarityScore", "0.93"},
        {"/data/identityVerification/validity", "false"}}},
      {"every Raw address member",
       kNetverifyEvent,
       kNv,
       {{"/data/idAddress",
         R"({"line1":"a","line2":"b","line3":"c","line4":"d","line5":"e","city":"f",)"
         R"("subdivision":"g","postalCode":"h","country":"AUT",)"
         R"("formattedAddress":"a, b, c, d, e, f, g h, Austria"})"}}},
      {"an empty Raw address",
       kNetverifyEvent,
       kNv,
       {{"/data/idAddress", R"({"formattedAddress":""})"}}},
      {"authentication idScanImageFace parsed",
       kAuthenticationEvent,
       kAu,
       {{"/data/idScanImageFace", R"(["https://netverify.com/face"])"}}},
      {"document FAILED with an empty document.status",
       kDocumentEvent,
       kDv,
       {{"/status", R"("FAILED")"},
        {"/data/transaction/status", R"("FAILED")"},
        {"/data/document/status", R"("")"}}},
      {"document FAILED with a null document.status",
       kDocumentEvent,
       kDv,
       {{"/status", R"("FAILED")"},
        {"/data/transaction/status", R"("FAILED")"},
        {"/data/document/status", "null"}}},
      {"document FAILED without a document",
       kDocumentEvent,
       kDv,
       {{"/status", R"("FAILED")"},
        {"/data/transaction/status", R"("FAILED")"},
        {"/data/document", ""}}},
      {"document with null members",
       kDocumentEvent,
       kDv,
       {{"/transactionDate", "null"},
        {"/data/transaction/date", "null"},
        {"/data/document/images", "null"},
        {"/data/document/extractedData/address", "null"},
        {"/data/document/extractedData/issueDate", "null"}}},
      {"remoteAddr IPv6",
       kDeadLetterWithBody,
       kDl,
       {{"/remoteAddr", R"("2001:db8::8a2e:370:7334")"}}},
      {"remoteAddr IPv4-mapped IPv6",
       kDeadLetterWithBody,
       kDl,
       {{"/remoteAddr", R"("::ffff:192.0.2.128")"}}},
      {"remoteAddr IPv6 in upper case",
       kDeadLetterWithBody,
       kDl,
       {{"/remoteAddr", R"("FE80::1")"}}},
      {"bodyBase64 empty", kDeadLetterWithBase64, kDl, {{"/bodyBase64", R"("")"}}},
  };
  for (const auto& variant : kVariants) {
    std::string json = changed(variant);
    EXPECT_TRUE(MatchesSchema(json, variant.schema)) << variant.what << ": " << json;
  }
}

// The envelope repeats what data holds; JSON Schema cannot compare two members, so
// EventMatchesSchema checks it (jb::schema::consistency_error) after the schema.
TEST(Schemas, EventMatchesSchemaChecksTheEnvelopeAgainstData) {
  const GoodVariant kDisagreeing[] = {
      {"reference", kNetverifyEvent, kNv, {{"/reference", R"("another-reference")"}}},
      {"data reference",
       kAuthenticationEvent,
       kAu,
       {{"/data/transactionReference", R"("another-reference")"}}},
      {"merchantReference", kNetverifyEvent, kNv, {{"/merchantReference", R"("other")"}}},
      {"merchantReference null while data has it",
       kNetverifyEvent,
       kNv,
       {{"/merchantReference", "null"}}},
      {"customerId", kAuthenticationEvent, kAu, {{"/customerId", R"("user-8")"}}},
      {"customerId while data has none", kNetverifyEvent, kNv, {{"/customerId", R"("c-1")"}}},
      {"transactionDate",
       kDocumentEvent,
       kDv,
       {{"/transactionDate", R"("2014-10-17T06:37:51.970Z")"}}},
      {"callbackDate", kDocumentEvent, kDv, {{"/data/timestamp", R"("2017-06-06T12:06:49.017Z")"}}},
      {"callbackDate set while data has none",
       kNetverifyEvent,
       kNv,
       {{"/callbackDate", R"("2020-08-17T10:00:00.120Z")"}}},
  };
  for (const auto& variant : kDisagreeing) {
    std::string json = changed(variant);
    EXPECT_TRUE(MatchesSchema(json, variant.schema)) << variant.what;
    ::testing::AssertionResult result = EventMatchesSchema(json);
    EXPECT_FALSE(result) << variant.what;
    EXPECT_NE(std::string(result.message()).find("envelope"), std::string::npos)
        << variant.what << ": " << result.message();
  }
  EXPECT_TRUE(EventMatchesSchema(mutated(kDocumentEvent, "/data/transaction/merchantScanReference",
                                         "null")) == false);
  EXPECT_TRUE(EventMatchesSchema(
      mutated(mutated(kDocumentEvent, "/data/transaction/merchantScanReference", "null").c_str(),
              "/merchantReference", "null")));
}

TEST(Schemas, EventMatchesSchemaPicksTheSchemaOfTheCallbackType) {
  EXPECT_TRUE(EventMatchesSchema(kNetverifyEvent));
  EXPECT_TRUE(EventMatchesSchema(kAuthenticationEvent));
  EXPECT_TRUE(EventMatchesSchema(kDocumentEvent));
  EXPECT_FALSE(EventMatchesSchema(mutated(kDocumentEvent, "/callbackType", R"("NETVERIFYID")")));
  EXPECT_FALSE(EventMatchesSchema(mutated(kDocumentEvent, "/callbackType", R"("OTHER")")));
  EXPECT_FALSE(EventMatchesSchema(mutated(kDocumentEvent, "/callbackType", "")));
  EXPECT_FALSE(EventMatchesSchema("not json"));
}

TEST(Schemas, NotJsonIsAFailure) {
  EXPECT_FALSE(MatchesSchema("{\"eventId\":", "event.netverify.schema.json"));
}

// A good document with one change, and the keyword that must reject it.
struct BadDocument {
  const char* what;
  const char* document;
  const char* schema;
  const char* pointer;
  const char* value_json;  // empty: remove the member
  const char* keyword;
};

void PrintTo(const BadDocument& bad, std::ostream* out) {
  *out << bad.what;
}

class SchemasReject : public ::testing::TestWithParam<BadDocument> {};

TEST_P(SchemasReject, NamingTheKeyword) {
  const BadDocument& bad = GetParam();
  std::string json = mutated(bad.document, bad.pointer, bad.value_json);
  ::testing::AssertionResult result = MatchesSchema(json, bad.schema);
  ASSERT_FALSE(result) << bad.what;
  EXPECT_NE(std::string(result.message()).find(std::string("'") + bad.keyword + "'"),
            std::string::npos)
      << bad.what << ": " << result.message();
}

// "no eventId" -> "NoEventId": a readable test name for each row.
std::string row_name(const ::testing::TestParamInfo<BadDocument>& info) {
  std::string name;
  bool upper = true;
  for (const char* c = info.param.what; *c != '\0'; ++c) {
    if (!std::isalnum(static_cast<unsigned char>(*c))) {
      upper = true;
      continue;
    }
    name.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*c))) : *c);
    upper = false;
  }
  return name;
}

const BadDocument kBadEvents[] = {
    {"no eventId", kNetverifyEvent, kNv, "/eventId", "", "required"},
    {"upper-case eventId", kNetverifyEvent, kNv, "/eventId",
     R"("0F8FAD5B-D9CB-869F-A165-70867728950E")", "pattern"},
    {"eventId not UUIDv8", kNetverifyEvent, kNv, "/eventId",
     R"("0f8fad5b-d9cb-469f-a165-70867728950e")", "pattern"},
    {"extra envelope member", kNetverifyEvent, kNv, "/topic", R"("jumio.netverify")",
     "additionalProperties"},
    {"schemaVersion 2", kNetverifyEvent, kNv, "/schemaVersion", "2", "enum"},
    {"receivedAt without milliseconds", kNetverifyEvent, kNv, "/receivedAt",
     R"("2020-08-17T10:06:07Z")", "pattern"},
    {"receivedAt with two fractional digits", kNetverifyEvent, kNv, "/receivedAt",
     R"("2020-08-17T10:06:07.89Z")", "pattern"},
    {"receivedAt with an offset", kNetverifyEvent, kNv, "/receivedAt",
     R"("2020-08-17T10:06:07.890+00:00")", "pattern"},
    {"transactionDate with a space", kNetverifyEvent, kNv, "/transactionDate",
     R"("2020-08-17 10:00:00.120Z")", "anyOf"},
    {"callbackDate absent instead of null", kAuthenticationEvent, kAu, "/callbackDate", "",
     "required"},
    {"merchantReference a number", kNetverifyEvent, kNv, "/merchantReference", "42", "type"},
    {"empty reference", kNetverifyEvent, kNv, "/reference", R"("")", "minLength"},
    {"status of another kind", kNetverifyEvent, kNv, "/status", R"("PASSED")", "enum"},
    {"callbackType of another kind", kAuthenticationEvent, kAu, "/callbackType", R"("NETVERIFYID")",
     "enum"},
    {"unknown warning problem", kNetverifyEvent, kNv, "/warnings/0/problem", R"("odd")", "enum"},
    {"warning without field", kNetverifyEvent, kNv, "/warnings/0/field", "", "required"},
    {"data not an object", kNetverifyEvent, kNv, "/data", R"("x")", "type"},
    {"data timestamp not canonical", kNetverifyEvent, kNv, "/data/firstAttemptDate",
     R"("2020-08-17T09:58:12.5Z")", "pattern"},
    {"data date in another format", kNetverifyEvent, kNv, "/data/idDob", R"("09.12.1990")",
     "anyOf"},
    {"identityVerification left a string", kNetverifyEvent, kNv, "/data/identityVerification",
     R"("{\"similarity\":\"MATCH\"}")", "type"},
    {"idAddress still US format", kNetverifyEvent, kNv, "/data/idAddress/stateCode", R"("US-AL")",
     "additionalProperties"},
    {"idAddress without formattedAddress", kNetverifyEvent, kNv, "/data/idAddress/formattedAddress",
     "", "required"},
    {"livenessImages a string", kNetverifyEvent, kNv, "/data/livenessImages",
     R"("https://netverify.com/liveness/1")", "type"},
    {"rejectReason code a number", kNetverifyEvent, kNv, "/data/rejectReason/rejectReasonCode",
     "100", "type"},
    {"plain parameter not a string", kNetverifyEvent, kNv, "/data/idScanStatus", "true", "type"},
    {"authentication livenessImages of numbers", kAuthenticationEvent, kAu,
     "/data/livenessImages/0", "1", "type"},
    {"document status FAILED inside the document", kDocumentEvent, kDv, "/data/document/status",
     R"("FAILED")", "enum"},
    {"transaction.date not canonical", kDocumentEvent, kDv, "/data/transaction/date",
     R"("2014-10-17T06:37:51Z")", "anyOf"},
    {"transaction left a string", kDocumentEvent, kDv, "/data/transaction", R"("{}")", "type"},
    {"extractedData address without formattedAddress", kDocumentEvent, kDv,
     "/data/document/extractedData/address/formattedAddress", "", "anyOf"},

    // What issue #13 found the schemas accepting, and more of the same.
    {"receivedAt not a real date-time", kNetverifyEvent, kNv, "/receivedAt",
     R"("2024-13-45T25:61:61.000Z")", "pattern"},
    {"receivedAt at hour 24", kNetverifyEvent, kNv, "/receivedAt", R"("2020-08-17T24:00:00.000Z")",
     "pattern"},
    {"receivedAt at second 60", kNetverifyEvent, kNv, "/receivedAt",
     R"("2016-12-31T23:59:60.000Z")", "pattern"},
    {"receivedAt on February 29 of a common year", kNetverifyEvent, kNv, "/receivedAt",
     R"("2021-02-29T10:00:00.000Z")", "pattern"},
    {"receivedAt on February 29 of 1900", kNetverifyEvent, kNv, "/receivedAt",
     R"("1900-02-29T10:00:00.000Z")", "pattern"},
    {"receivedAt with a lower-case t", kNetverifyEvent, kNv, "/receivedAt",
     R"("2020-08-17t10:06:07.890Z")", "pattern"},
    {"callbackDate on April 31", kAuthenticationEvent, kAu, "/callbackDate",
     R"("2019-04-31T08:37:35.822Z")", "anyOf"},
    {"data timestamp at minute 60", kNetverifyEvent, kNv, "/data/firstAttemptDate",
     R"("2020-08-17T09:60:12.500Z")", "pattern"},
    {"idDob February 31", kNetverifyEvent, kNv, "/data/idDob", R"("1990-02-31")", "anyOf"},
    {"idDob month 13", kNetverifyEvent, kNv, "/data/idDob", R"("1990-13-01")", "anyOf"},
    {"idDob day 00", kNetverifyEvent, kNv, "/data/idDob", R"("1990-12-00")", "anyOf"},
    {"idDob without dashes", kNetverifyEvent, kNv, "/data/idDob", R"("19901209")", "anyOf"},
    {"dlCategories issueDate June 31", kNetverifyEvent, kNv, "/data/dlCategories/0/issueDate",
     R"("2015-06-31")", "anyOf"},
    {"extractedData expiryDate February 29 of a common year", kDocumentEvent, kDv,
     "/data/document/extractedData/expiryDate", R"("2023-02-29")", "anyOf"},
    {"extra member in a Raw idAddress", kNetverifyEvent, kNv, "/data/idAddress/floor", R"("3")",
     "additionalProperties"},
    {"EU province in a Raw idAddress", kNetverifyEvent, kNv, "/data/idAddress/province",
     R"("Steiermark")", "additionalProperties"},
    {"countryCode in a Netverify idAddress", kNetverifyEvent, kNv, "/data/idAddress/countryCode",
     R"("USA")", "additionalProperties"},
    {"empty part in a Raw idAddress", kNetverifyEvent, kNv, "/data/idAddress/line1", R"("")",
     "minLength"},
    {"extra member in extractedData address", kDocumentEvent, kDv,
     "/data/document/extractedData/address/note", R"("rear")", "anyOf"},
    {"netverify data empty", kNetverifyEvent, kNv, "/data", "{}", "required"},
    {"netverify data without verificationStatus", kNetverifyEvent, kNv, "/data/verificationStatus",
     "", "required"},
    {"netverify data without jumioIdScanReference", kNetverifyEvent, kNv,
     "/data/jumioIdScanReference", "", "required"},
    {"netverify data without callBackType", kNetverifyEvent, kNv, "/data/callBackType", "",
     "required"},
    {"netverify data with an empty jumioIdScanReference", kNetverifyEvent, kNv,
     "/data/jumioIdScanReference", R"("")", "minLength"},
    {"netverify status disagrees with verificationStatus", kNetverifyEvent, kNv, "/status",
     R"("DENIED_FRAUD")", "oneOf"},
    {"netverify verificationStatus disagrees with status", kNetverifyEvent, kNv,
     "/data/verificationStatus", R"("NO_ID_UPLOADED")", "oneOf"},
    {"unknown parameter not a string", kNetverifyEvent, kNv, "/data/someFutureParameter",
     R"({"a":1})", "type"},
    {"similarityScore an object", kNetverifyEvent, kNv,
     "/data/identityVerification/similarityScore", R"({"a":1})", "anyOf"},
    {"authentication data empty", kAuthenticationEvent, kAu, "/data", "{}", "required"},
    {"authentication status disagrees with transactionResult", kAuthenticationEvent, kAu, "/status",
     R"("FAILED")", "oneOf"},
    {"authentication merchantReference not null", kAuthenticationEvent, kAu, "/merchantReference",
     R"("m-1")", "type"},
    {"authentication idScanImageFace an array of numbers", kAuthenticationEvent, kAu,
     "/data/idScanImageFace", "[1]", "anyOf"},
    {"document data empty", kDocumentEvent, kDv, "/data", "{}", "required"},
    {"document status disagrees with document.status", kDocumentEvent, kDv, "/status",
     R"("UPLOADED")", "oneOf"},
    {"document status FAILED while the transaction is DONE", kDocumentEvent, kDv, "/status",
     R"("FAILED")", "oneOf"},
    {"document DONE without a document", kDocumentEvent, kDv, "/data/document", "", "oneOf"},
    {"document DONE with an empty document.status", kDocumentEvent, kDv, "/data/document/status",
     R"("")", "oneOf"},
    {"document transaction without status", kDocumentEvent, kDv, "/data/transaction/status", "",
     "required"},
    {"document data with callBackType", kDocumentEvent, kDv, "/data/callBackType",
     R"("NETVERIFYID")", "not"},
};
INSTANTIATE_TEST_SUITE_P(Events, SchemasReject, ::testing::ValuesIn(kBadEvents), row_name);

const BadDocument kBadDeadLetters[] = {
    {"both body and bodyBase64", kDeadLetterWithBody, kDl, "/bodyBase64", R"("YQ==")", "oneOf"},
    {"neither body nor bodyBase64", kDeadLetterWithBody, kDl, "/body", "", "oneOf"},
    {"unknown reason", kDeadLetterWithBody, kDl, "/reason", R"("too_slow")", "enum"},
    {"attempts 0", kDeadLetterWithBody, kDl, "/attempts", "0", "minimum"},
    {"attempts not an integer", kDeadLetterWithBody, kDl, "/attempts", "1.5", "type"},
    {"short bodySha256", kDeadLetterWithBody, kDl, "/bodySha256", R"("abc123")", "pattern"},
    {"upper-case bodySha256", kDeadLetterWithBody, kDl, "/bodySha256",
     R"("7D865E959B2466918C9863AFCA942D0FB89D7C9AC0C99BAFC3749504DED97730")", "pattern"},
    {"bodyBase64 not base64", kDeadLetterWithBase64, kDl, "/bodyBase64", R"("not base64!")",
     "pattern"},
    {"receivedAt not canonical", kDeadLetterWithBody, kDl, "/receivedAt",
     R"("2020-08-17T10:06:07Z")", "pattern"},
    {"no detail", kDeadLetterWithBody, kDl, "/detail", "", "required"},
    {"no contentType", kDeadLetterWithBody, kDl, "/contentType", "", "required"},
    {"extra member", kDeadLetterWithBody, kDl, "/reference", R"("abc")", "additionalProperties"},
    {"remoteAddr not an ip", kDeadLetterWithBody, kDl, "/remoteAddr", R"("not an ip")", "anyOf"},
    {"remoteAddr empty", kDeadLetterWithBody, kDl, "/remoteAddr", R"("")", "anyOf"},
    {"remoteAddr with a port", kDeadLetterWithBody, kDl, "/remoteAddr", R"("127.0.0.1:8080")",
     "anyOf"},
    {"remoteAddr IPv4 with a leading zero", kDeadLetterWithBody, kDl, "/remoteAddr",
     R"("127.0.0.01")", "anyOf"},
    {"remoteAddr IPv4 octet 256", kDeadLetterWithBody, kDl, "/remoteAddr", R"("10.0.0.256")",
     "anyOf"},
    {"remoteAddr IPv6 with two ::", kDeadLetterWithBody, kDl, "/remoteAddr", R"("1::2::3")",
     "anyOf"},
    {"remoteAddr IPv6 in brackets", kDeadLetterWithBody, kDl, "/remoteAddr", R"("[::1]")", "anyOf"},
    {"receivedAt not a real date", kDeadLetterWithBody, kDl, "/receivedAt",
     R"("2020-02-30T10:06:07.890Z")", "pattern"},
    {"bodyBase64 with bad padding", kDeadLetterWithBase64, kDl, "/bodyBase64", R"("YQ=")",
     "pattern"},
};
INSTANTIATE_TEST_SUITE_P(DeadLetters, SchemasReject, ::testing::ValuesIn(kBadDeadLetters),
                         row_name);

TEST(Schemas, DeadLetterReasonsAreExactlyTheReasonCodes) {
  rapidjson::Document schema;
  schema.Parse(read_schema(kDl).c_str());
  ASSERT_FALSE(schema.HasParseError());
  const rapidjson::Value* reasons_in_schema =
      rapidjson::Pointer("/properties/reason/enum").Get(schema);
  ASSERT_NE(reasons_in_schema, nullptr);
  std::vector<std::string> in_schema;
  for (const auto& code : reasons_in_schema->GetArray()) in_schema.push_back(code.GetString());

  size_t count = 0;
  const jb::DeadLetterReason* reasons = jb::all_reasons(&count);
  std::vector<std::string> in_code;
  for (size_t i = 0; i < count; ++i) in_code.emplace_back(jb::reason_code(reasons[i]));
  EXPECT_EQ(in_schema, in_code);
}

struct DeadLetterCase {
  const char* what;
  std::string body;
  const char* content_type;
  int attempts;
  const char* body_member;  // the member that must carry the body
};

TEST(Schemas, RouterDeadLetterRecordsMatchTheSchema) {
  const DeadLetterCase kCases[] = {
      {"UTF-8 body", "callBackType=NETVERIFYID&verificationStatus=MAYBE",
       "application/x-www-form-urlencoded", 1, "body"},
      {"UTF-8 body with non-ASCII", "idFirstName=J\xC3\xA9r\xC3\xB4me", "", 2, "body"},
      {"empty body", "", "text/plain", 1, "body"},
      {"body not UTF-8", "idFirstName=\xFF\xFE", "application/x-www-form-urlencoded", 3,
       "bodyBase64"},
      {"body with a NUL byte", std::string("a=\0b", 4), "application/x-www-form-urlencoded", 1,
       "body"},
  };
  jb::route::Router router(jb::config::TopicsConfig{});
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.what);
    jb::Failure failure{jb::DeadLetterReason::bad_encoding, "idFirstName", ""};
    jb::route::DeadLetterInput input;
    input.body = c.body;
    input.remote_addr = "127.0.0.1";
    input.content_type = c.content_type;
    input.received_at = "2020-08-17T10:06:07.890Z";
    input.attempts = c.attempts;
    jb::route::Record record = router.dead_letter_record(failure, input);
    EXPECT_TRUE(MatchesSchema(record.value, kDl));
    rapidjson::Document value;
    value.Parse(record.value.c_str());
    ASSERT_TRUE(value.IsObject());
    EXPECT_TRUE(value.HasMember(c.body_member));
    ASSERT_TRUE(value.HasMember("bodySha256"));
    EXPECT_EQ(value["bodySha256"].GetString(), jb::sha256_hex(c.body));
  }
}

}  // namespace

namespace {

TEST(Schemas, NotificationTakesEveryNullableMemberAsNullAndAnyStatus) {
  const char* const kNotificationSchema = "notification.workflow.schema.json";
  for (const char* pointer : {"/definitionKey", "/callbackSentAt", "/userReference"})
    EXPECT_TRUE(MatchesSchema(mutated(kNotification, pointer, "null"), kNotificationSchema))
        << pointer;
  EXPECT_TRUE(MatchesSchema(mutated(kNotification, "/status", R"("ACQUISITION_STARTED")"),
                            kNotificationSchema));
  const std::pair<const char*, const char*> kRejected[] = {
      {"/href", R"("https://retrieval.amer-1.jumio.ai/x")"},
      {"/reference", R"("2222")"},
      {"/accountId", "null"},
      {"/workflowStatus", R"("")"},
      {"/callbackSentAt", R"("2024-05-02T09:16:04Z")"},
      {"/origin", R"("retrieval")"},
      {"/callbackType", R"("NETVERIFYID")"},
      {"/definitionKey", "10011"},
      {"/userReference", ""},
  };
  for (const auto& [pointer, value] : kRejected)
    EXPECT_FALSE(MatchesSchema(mutated(kNotification, pointer, value), kNotificationSchema))
        << pointer << " " << value;
}

TEST(Schemas, NotificationUuidPatternIsTheDaemonsUuidCheck) {
  auto uuid = schema_pattern("notification.workflow.schema.json", "/definitions/uuid/pattern");
  ASSERT_TRUE(uuid && uuid->IsValid());
  for (const char* text :
       {"22222222-2222-2222-2222-222222222222", "ABCDEF00-1111-2222-3333-444455556666",
        "abcdef00-1111-2222-3333-444455556666", "", "abcdef00111122223333444455556666",
        "abcdef00-1111-2222-3333-44445555666", "abcdef00-1111-2222-3333-4444555566667",
        "abcdeg00-1111-2222-3333-444455556666", "{abcdef00-1111-2222-3333-444455556666}",
        " abcdef00-1111-2222-3333-444455556666"}) {
    EXPECT_EQ(uuid->Search(text), jb::callback::is_uuid(text)) << text;
  }
}

}  // namespace

namespace {

// The workflow event's uuid pattern is the mapping's own id check: an id it refuses cannot be a
// reference, and the pattern takes every id the platform callback reader takes.
TEST(Schemas, WorkflowEventUuidPatternIsTheDaemonsUuidCheck) {
  auto uuid = schema_pattern("event.workflow.schema.json", "/definitions/uuid/pattern");
  ASSERT_TRUE(uuid && uuid->IsValid());
  for (const char* text :
       {"22222222-2222-2222-2222-222222222222", "ABCDEF00-1111-2222-3333-444455556666", "",
        "abcdef00111122223333444455556666", "abcdeg00-1111-2222-3333-444455556666",
        " abcdef00-1111-2222-3333-444455556666"}) {
    EXPECT_EQ(uuid->Search(text), jb::callback::is_uuid(text)) << text;
  }
}

}  // namespace
