// The JSON Schemas of schemas/: well-formed, every reference resolves, and they accept good
// documents and reject the ones they must.
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/result.h"
#include "common/sha256.h"
#include "route/router.h"
#include "support/schema.h"

namespace {

const char* const kSchemaFiles[] = {
    "event.envelope.schema.json", "event.netverify.schema.json", "event.authentication.schema.json",
    "event.document.schema.json", "deadletter.schema.json",
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
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
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

TEST(SchemaFiles, AMissingSchemaFileIsAFailure) {
  EXPECT_FALSE(MatchesSchema("{}", "no-such.schema.json"));
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
  };
  for (const auto& good : kGood) EXPECT_TRUE(MatchesSchema(good.json, good.schema)) << good.name;
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

const char kNv[] = "event.netverify.schema.json";
const char kAu[] = "event.authentication.schema.json";
const char kDv[] = "event.document.schema.json";
const char kDl[] = "deadletter.schema.json";

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
     "pattern"},
    {"identityVerification left a string", kNetverifyEvent, kNv, "/data/identityVerification",
     R"("{\"similarity\":\"MATCH\"}")", "type"},
    {"idAddress still US format", kNetverifyEvent, kNv, "/data/idAddress/stateCode", R"("US-AL")",
     "allOf"},
    {"idAddress without formattedAddress", kNetverifyEvent, kNv, "/data/idAddress/formattedAddress",
     "", "allOf"},
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
     R"("2014-10-17T06:37:51Z")", "pattern"},
    {"transaction left a string", kDocumentEvent, kDv, "/data/transaction", R"("{}")", "type"},
    {"extractedData address without formattedAddress", kDocumentEvent, kDv,
     "/data/document/extractedData/address/formattedAddress", "", "allOf"},
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
