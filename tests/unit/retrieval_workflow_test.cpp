// Jumio Platform workflow details answers -> workflow events (daemon/retrieval/workflow.h), from
// the platform reference's samples (tests/support/platform_answers.h).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/kind.h"
#include "common/json_writer.h"
#include "retrieval/workflow.h"
#include "route/router.h"
#include "support/platform_answers.h"
#include "support/schema.h"

namespace jb::retrieval {
namespace {

using test::DetailsOptions;
using test::workflow_details_body;

const auto kReceived = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
const std::string kAccount = "11111111-1111-1111-1111-111111111111";
const std::string kExecution = "22222222-2222-2222-2222-222222222222";

rapidjson::Document parsed(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  EXPECT_FALSE(document.HasParseError()) << json;
  return document;
}

const rapidjson::Value& at(const rapidjson::Document& document, const char* pointer) {
  const rapidjson::Value* value = rapidjson::Pointer(pointer).Get(document);
  static const rapidjson::Value kMissing("<missing>");
  return value != nullptr ? *value : kMissing;
}

std::string string_at(const rapidjson::Document& document, const char* pointer) {
  const rapidjson::Value& value = at(document, pointer);
  if (value.IsNull()) return "<null>";
  return value.IsString() ? value.GetString() : "<not a string>";
}

callback::Event event_of(const std::string& answer, const std::string& execution = kExecution,
                         const std::string& account = kAccount) {
  auto result = workflow_event(answer, execution, account, kReceived);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.failure().detail) << "\n" << answer;
  if (!result.ok()) {
    callback::Event none;
    none.kind = callback::Kind::workflow;
    return none;
  }
  EXPECT_TRUE(EventMatchesSchema(result.value().json)) << result.value().json;
  return result.value();
}

// Every string value of the answer of 8 bytes or more: none may appear in a failure detail.
void collect_strings(const rapidjson::Value& value, std::vector<std::string>* out) {
  if (value.IsString() && value.GetStringLength() >= 8) out->emplace_back(value.GetString());
  if (value.IsObject())
    for (const auto& member : value.GetObject()) collect_strings(member.value, out);
  if (value.IsArray())
    for (const auto& item : value.GetArray()) collect_strings(item, out);
}

void expect_invalid(const std::string& answer, const std::string& detail_part,
                    const std::string& execution = kExecution,
                    const std::string& account = kAccount) {
  auto result = workflow_event(answer, execution, account, kReceived);
  ASSERT_FALSE(result.ok()) << answer;
  EXPECT_EQ(result.failure().reason, DeadLetterReason::retrieval_invalid);
  EXPECT_NE(result.failure().detail.find(detail_part), std::string::npos)
      << result.failure().detail;
  rapidjson::Document document;
  document.Parse(answer.c_str(), answer.size());
  std::vector<std::string> values;
  if (!document.HasParseError()) collect_strings(document, &values);
  for (const auto& value : values)
    EXPECT_EQ(result.failure().detail.find(value), std::string::npos)
        << "the detail repeats a value: " << result.failure().detail;
}

TEST(WorkflowEvent, EveryDecisionTypeHasItsStatusAndTopic) {
  config::TopicsConfig topics;
  topics.overrides["workflow.rejected"] = "kyc.workflow.rejected";
  route::Router router(topics);
  const std::pair<const char*, const char*> expected[] = {
      {"PASSED", "jumio.workflow.passed"},
      {"REJECTED", "kyc.workflow.rejected"},
      {"WARNING", "jumio.workflow.warning"},
      {"NOT_EXECUTED", "jumio.workflow.not_executed"},
  };
  for (const auto& [type, topic] : expected) {
    DetailsOptions options;
    options.decision_type = type;
    options.decision_label = type;
    const callback::Event event = event_of(workflow_details_body(kAccount, kExecution, options));
    EXPECT_EQ(event.kind, callback::Kind::workflow);
    EXPECT_EQ(event.origin, callback::Origin::retrieval);
    EXPECT_FALSE(event.notification);
    EXPECT_EQ(event.status, type);
    EXPECT_EQ(event.reference, kExecution);
    const route::Record record = router.event_record(event);
    EXPECT_EQ(record.topic, topic) << type;
    EXPECT_EQ(record.key, kExecution);
    std::string ce_type, ce_source;
    for (const auto& [name, value] : record.headers) {
      if (name == "ce_type") ce_type = value;
      if (name == "ce_source") ce_source = value;
    }
    const std::string topic_name = topic;
    EXPECT_EQ(ce_type, "com.jumio.workflow." + topic_name.substr(topic_name.rfind('.') + 1));
    EXPECT_EQ(ce_source, "urn:jumio-bridge:workflow:retrieval");
    const auto document = parsed(event.json);
    EXPECT_EQ(string_at(document, "/callbackType"), "WORKFLOW");
    EXPECT_EQ(string_at(document, "/origin"), "retrieval");
    EXPECT_EQ(string_at(document, "/status"), type);
    EXPECT_EQ(string_at(document, "/data/decision/type"), type);
  }
}

TEST(WorkflowEvent, Sample10011MapsEnvelopeDecisionAndEveryCapability) {
  const callback::Event event = event_of(workflow_details_body(kAccount, kExecution));
  const auto document = parsed(event.json);
  EXPECT_EQ(string_at(document, "/reference"), kExecution);
  EXPECT_EQ(string_at(document, "/merchantReference"), "onboarding-4711");
  EXPECT_EQ(string_at(document, "/customerId"), "user-8f3a2c");
  EXPECT_EQ(string_at(document, "/transactionDate"), "2024-05-02T09:14:03.120Z");
  EXPECT_EQ(string_at(document, "/callbackDate"), "2024-05-02T09:16:02.884Z");
  EXPECT_EQ(event.callback_date, "2024-05-02T09:16:02.884Z");
  EXPECT_EQ(string_at(document, "/receivedAt"), "2023-11-14T22:13:20.000Z");
  EXPECT_TRUE(at(document, "/warnings").IsArray() && at(document, "/warnings").Empty());
  EXPECT_EQ(string_at(document, "/data/accountId"), kAccount);
  EXPECT_EQ(string_at(document, "/data/definitionKey"), "10011");
  EXPECT_EQ(string_at(document, "/data/workflowStatus"), "PROCESSED");
  EXPECT_EQ(string_at(document, "/data/startedAt"), "2024-05-02T09:15:41.007Z");
  EXPECT_EQ(string_at(document, "/data/decision/label"), "PASSED");
  EXPECT_DOUBLE_EQ(at(document, "/data/decision/riskScore").GetDouble(), 12.5);

  const rapidjson::Value& capabilities = at(document, "/data/capabilities");
  ASSERT_TRUE(capabilities.IsObject());
  const std::pair<const char*, rapidjson::SizeType> counts[] = {
      {"usability", 3u},  {"imageChecks", 1u}, {"extraction", 1u},
      {"dataChecks", 1u}, {"liveness", 1u},    {"similarity", 1u}};
  EXPECT_EQ(capabilities.MemberCount(), std::size(counts));
  for (const auto& [name, count] : counts) {
    ASSERT_TRUE(capabilities.HasMember(name)) << name;
    const rapidjson::Value& entries = capabilities[name];
    ASSERT_EQ(entries.Size(), count) << name;
    for (const auto& entry : entries.GetArray()) {
      EXPECT_STREQ(entry["decision"]["type"].GetString(), "PASSED") << name;
      EXPECT_TRUE(entry["id"].IsString()) << name;
      EXPECT_GE(entry["credentials"].Size(), 1u) << name;
      for (const auto& credential : entry["credentials"].GetArray()) {
        EXPECT_TRUE(credential["id"].IsString() && credential["category"].IsString()) << name;
        EXPECT_FALSE(credential.HasMember("parts")) << name;
      }
    }
  }
  EXPECT_EQ(string_at(document, "/data/capabilities/similarity/0/decision/label"), "MATCH");
  EXPECT_EQ(string_at(document, "/data/capabilities/usability/1/credentials/0/category"), "SELFIE");
  EXPECT_EQ(at(document, "/data/capabilities/liveness/0/data/predictedAge").GetInt(), 34);
  EXPECT_EQ(string_at(document, "/data/capabilities/imageChecks/0/data/faceSearchFindings/status"),
            "DONE");
  EXPECT_TRUE(at(document, "/data/capabilities/dataChecks/0/data").IsNull());
  // The extraction's data is the event's extractedData, not repeated under capabilities.
  EXPECT_TRUE(at(document, "/data/capabilities/extraction/0/data").IsNull());
  EXPECT_EQ(string_at(document, "/data/extractedData/documentNumber"), "D1234567");
  EXPECT_EQ(string_at(document, "/data/extractedData/dateOfBirth"), "1990-01-01");
  EXPECT_EQ(string_at(document, "/data/extractedData/dateOfBirthParts/year"), "1990");
}

TEST(WorkflowEvent, AddressBecomesRawWithOurFormattedAddress) {
  const auto document = parsed(event_of(workflow_details_body(kAccount, kExecution)).json);
  const rapidjson::Value& address = at(document, "/data/extractedData/address");
  ASSERT_TRUE(address.IsObject());
  const std::pair<const char*, const char*> expected[] = {
      {"line1", "123 SAMPLE ST"},
      {"line2", "APT 4"},
      {"city", "SACRAMENTO"},
      {"subdivision", "CA"},
      {"postalCode", "95814"},
      {"country", "USA"},
      {"formattedAddress", "123 SAMPLE ST, APT 4, SACRAMENTO, CA 95814, United States"},
  };
  EXPECT_EQ(address.MemberCount(), std::size(expected));
  for (const auto& [name, value] : expected) {
    ASSERT_TRUE(address.HasMember(name)) << name;
    EXPECT_STREQ(address[name].GetString(), value) << name;
  }
}

TEST(WorkflowEvent, AddressMembersOfNoFormatAreWarnedAndLeftOut) {
  DetailsOptions options;
  std::string answer = workflow_details_body(kAccount, kExecution, options);
  const std::string from = R"("country":"USA")";
  answer.replace(answer.find(from), from.size(), from + R"(,"planet":"EARTH")");
  const callback::Event event = event_of(answer);
  ASSERT_EQ(event.warnings.size(), 1u);
  EXPECT_EQ(event.warnings[0].field, "extractedData.address.planet");
  EXPECT_EQ(event.warnings[0].problem, "unknown_parameter");
  const auto document = parsed(event.json);
  EXPECT_FALSE(at(document, "/data/extractedData/address").HasMember("planet"));
}

TEST(WorkflowEvent, Sample10013CarriesTheExtraCapabilitiesWithoutTheScreeningLink) {
  DetailsOptions options;
  options.definition_key = "10013";
  const auto document = parsed(event_of(workflow_details_body(kAccount, kExecution, options)).json);
  EXPECT_EQ(string_at(document, "/data/definitionKey"), "10013");
  for (const char* name : {"/data/capabilities/watchlistScreening/0/decision/label",
                           "/data/capabilities/addressValidation/0/decision/label",
                           "/data/capabilities/proofOfResidency/0/decision/label",
                           "/data/capabilities/drivingLicenseVerification/0/decision/label"}) {
    EXPECT_EQ(string_at(document, name), "OK") << name;
  }
  const rapidjson::Value& screening = at(document, "/data/capabilities/watchlistScreening/0/data");
  ASSERT_TRUE(screening.IsObject());
  EXPECT_FALSE(screening.HasMember("searchResultUrl"));
  EXPECT_STREQ(screening["searchDate"].GetString(), "2024-05-02T09:16:01.000Z");
  EXPECT_STREQ(screening["searchStatus"].GetString(), "DONE");
  EXPECT_EQ(screening["searchResults"].GetInt(), 0);
}

TEST(WorkflowEvent, NoLinkOfTheAnswerReachesTheEvent) {
  DetailsOptions options;
  options.definition_key = "10013";
  options.extra_capabilities = {
      {"newCapability",
       R"([{"id": "66666666-0000-0000-0000-0000000000ff", "reportHref": "https://a.example/r",
            "decision": {"type": "PASSED", "details": {"label": "OK"}},
            "data": {"reportUrl": "https://a.example/x", "nested": {"link": "http://a.example/y"},
                     "list": ["https://a.example/z", "kept"]}}])"}};
  const std::string answer = workflow_details_body(kAccount, kExecution, options);
  ASSERT_NE(answer.find("https://"), std::string::npos);
  const callback::Event event = event_of(answer);
  EXPECT_EQ(event.json.find("http://"), std::string::npos) << event.json;
  EXPECT_EQ(event.json.find("https://"), std::string::npos) << event.json;
  EXPECT_EQ(event.json.find("jumio.ai"), std::string::npos) << event.json;
  EXPECT_EQ(event.json.find("validFaceMapForAuthentication"), std::string::npos);
  EXPECT_EQ(event.json.find("\"parts\""), std::string::npos);
  EXPECT_EQ(event.json.find("\"steps\""), std::string::npos);
  const auto document = parsed(event.json);
  EXPECT_EQ(string_at(document, "/data/capabilities/newCapability/0/data/list/0"), "kept");
}

TEST(WorkflowEvent, MissingEmptyAndUnknownCapabilities) {
  DetailsOptions none;
  none.capabilities = false;
  auto document = parsed(event_of(workflow_details_body(kAccount, kExecution, none)).json);
  EXPECT_TRUE(at(document, "/data/capabilities").IsObject());
  EXPECT_EQ(at(document, "/data/capabilities").MemberCount(), 0u);
  EXPECT_TRUE(at(document, "/data/extractedData").IsNull());

  std::string answer = workflow_details_body(kAccount, kExecution, none);
  answer.insert(answer.size() - 1, R"(,"capabilities":{})");
  document = parsed(event_of(answer).json);
  EXPECT_EQ(at(document, "/data/capabilities").MemberCount(), 0u);

  DetailsOptions unknown;
  unknown.extra_capabilities = {{"ageEstimation",
                                 R"([{"id": "66666666-0000-0000-0000-0000000000aa",
            "credentials": [{"id": "33333333-3333-3333-3333-bbbbbbbbbbbb", "category": "SELFIE",
                             "parts": [{"classifier": "FACE"}]}],
            "decision": {"type": "SOMETHING_NEW", "details": {"label": "NEVER_SEEN"}},
            "data": {"estimate": 41}}])"},
                                {"usability", "[]"}};
  document = parsed(event_of(workflow_details_body(kAccount, kExecution, unknown)).json);
  EXPECT_EQ(string_at(document, "/data/capabilities/ageEstimation/0/id"),
            "66666666-0000-0000-0000-0000000000aa");
  EXPECT_EQ(string_at(document, "/data/capabilities/ageEstimation/0/decision/type"),
            "SOMETHING_NEW");
  EXPECT_EQ(string_at(document, "/data/capabilities/ageEstimation/0/decision/label"), "NEVER_SEEN");
  EXPECT_EQ(string_at(document, "/data/capabilities/ageEstimation/0/credentials/0/category"),
            "SELFIE");
  EXPECT_EQ(at(document, "/data/capabilities/ageEstimation/0/data/estimate").GetInt(), 41);
  EXPECT_EQ(at(document, "/data/capabilities/usability").Size(), 0u);

  // An entry without decision, credentials or data keeps the shape, with nulls.
  DetailsOptions bare;
  bare.extra_capabilities = {{"liveness", R"([{}])"}};
  document = parsed(event_of(workflow_details_body(kAccount, kExecution, bare)).json);
  EXPECT_TRUE(at(document, "/data/capabilities/liveness/0/id").IsNull());
  EXPECT_TRUE(at(document, "/data/capabilities/liveness/0/decision/type").IsNull());
  EXPECT_EQ(at(document, "/data/capabilities/liveness/0/credentials").Size(), 0u);
}

TEST(WorkflowEvent, TokenExpiredSampleIsNotExecuted) {
  const std::string account = "33333333-3333-3333-3333-333333333333";
  const std::string execution = "44444444-4444-4444-4444-444444444444";
  const callback::Event event = event_of(
      workflow_details_body(account, execution, test::token_expired_details()), execution, account);
  EXPECT_EQ(event.status, "NOT_EXECUTED");
  EXPECT_EQ(route::Router(config::TopicsConfig{}).event_record(event).topic,
            "jumio.workflow.not_executed");
  const auto document = parsed(event.json);
  EXPECT_EQ(string_at(document, "/data/decision/label"), "TOKEN_EXPIRED");
  EXPECT_DOUBLE_EQ(at(document, "/data/decision/riskScore").GetDouble(), -1.0);
  EXPECT_EQ(string_at(document, "/data/workflowStatus"), "TOKEN_EXPIRED");
  EXPECT_EQ(string_at(document, "/callbackDate"), "<null>");
  EXPECT_EQ(string_at(document, "/merchantReference"), "<null>");
  EXPECT_EQ(string_at(document, "/customerId"), "<null>");
  EXPECT_EQ(string_at(document, "/data/completedAt"), "<null>");
  EXPECT_EQ(string_at(document, "/transactionDate"), "2024-05-02T09:31:12.004Z");
}

TEST(WorkflowEvent, OldLayoutDecisionIsTheFallback) {
  DetailsOptions legacy;
  legacy.legacy_layout = true;
  legacy.decision_type = "WARNING";
  legacy.decision_label = "WARNING";
  EXPECT_EQ(event_of(workflow_details_body(kAccount, kExecution, legacy)).status, "WARNING");

  // Both present: the top level wins.
  std::string answer = workflow_details_body(kAccount, kExecution, legacy);
  answer.insert(answer.size() - 1, R"(,"decision":{"type":"REJECTED","details":{"label":"X"}})");
  EXPECT_EQ(event_of(answer).status, "REJECTED");
}

TEST(WorkflowEvent, EventIdFollowsExecutionAndDecisionOnly) {
  const std::string base = workflow_details_body(kAccount, kExecution);
  const std::string id = event_of(base).event_id;
  EXPECT_EQ(workflow_event(base, kExecution, kAccount, kReceived + std::chrono::hours(5))
                .value()
                .event_id,
            id);
  DetailsOptions unrelated;
  unrelated.risk_score = 30;
  unrelated.definition_key = "10013";
  unrelated.workflow_status = "SESSION_EXPIRED";
  unrelated.capabilities = false;
  EXPECT_EQ(event_of(workflow_details_body(kAccount, kExecution, unrelated)).event_id, id);
  std::string later = base;
  const std::string completed = "2024-05-02T09:16:02.884Z";
  later.replace(later.find(completed), completed.size(), "2024-05-03T10:00:00Z");
  EXPECT_EQ(event_of(later).event_id, id);

  DetailsOptions rejected;
  rejected.decision_type = "REJECTED";
  rejected.decision_label = "REJECTED";
  EXPECT_NE(event_of(workflow_details_body(kAccount, kExecution, rejected)).event_id, id);
  DetailsOptions relabelled;
  relabelled.decision_label = "OTHER";
  EXPECT_NE(event_of(workflow_details_body(kAccount, kExecution, relabelled)).event_id, id);
  const std::string other = "22222222-2222-2222-2222-222222222223";
  EXPECT_NE(event_of(workflow_details_body(kAccount, other), other).event_id, id);
}

TEST(WorkflowEvent, AnotherExecutionOrAccountIsInvalid) {
  const std::string answer = workflow_details_body(kAccount, kExecution);
  expect_invalid(answer, "workflow.id", "22222222-2222-2222-2222-222222222299");
  expect_invalid(answer, "account.id", kExecution, "11111111-1111-1111-1111-111111111199");
  expect_invalid(answer, "not a UUID", "not-a-uuid");
  // Case differences of the same UUID are the same id.
  const std::string lower = "abcdef00-2222-4222-8222-222222222222";
  const std::string upper = "ABCDEF00-2222-4222-8222-222222222222";
  EXPECT_TRUE(
      workflow_event(workflow_details_body(kAccount, lower), upper, kAccount, kReceived).ok());
}

TEST(WorkflowEvent, AnswersThatCannotBecomeAnEventAreInvalidWithoutValues) {
  expect_invalid("not json at all", "not valid JSON");
  expect_invalid("[1, 2]", "not a JSON object");
  expect_invalid(R"({"workflow": "user-secret-value"})", "workflow is absent or not an object");
  DetailsOptions options;
  std::string answer = workflow_details_body(kAccount, kExecution, options);
  rapidjson::Document document = parsed(answer);
  document.RemoveMember("decision");
  rapidjson::StringBuffer buffer;
  jb::SafeJsonWriter writer(buffer);
  document.Accept(writer);
  expect_invalid(buffer.GetString(), "decision is absent");

  DetailsOptions unknown_type;
  unknown_type.decision_type = "MAYBE_LATER_SOMETIME";
  expect_invalid(workflow_details_body(kAccount, kExecution, unknown_type), "decision.type");

  auto replaced = [&answer](const std::string& from, const std::string& to) {
    std::string out = answer;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  expect_invalid(replaced(R"("dateOfBirth":"1990-01-01")", R"("dateOfBirth":"01.01.1990 secret")"),
                 "capabilities.extraction[0].data.dateOfBirth is not a YYYY-MM-DD date");
  expect_invalid(
      replaced(R"("createdAt":"2024-05-02T09:14:03.120Z")", R"("createdAt":"yesterday morning")"),
      "createdAt is not a");
  expect_invalid(replaced(R"("city":"SACRAMENTO")", R"("city":["SACRAMENTO-CITY"])"),
                 "address.city is not a string");
  expect_invalid(replaced(R"("usability":[)", R"("usability":{"x":"secret-value"},"u":[)"),
                 "capabilities.usability is not an array");
  expect_invalid(replaced(R"({"score":12.5})", R"({"score":"12.5-high"})"), "risk.score");
}

TEST(WorkflowEvent, DropFieldsApplyThroughTheRouter) {
  config::PrivacyConfig privacy;
  privacy.drop_fields = {"extractedData.documentNumber", "extractedData.address",
                         "capabilities.liveness"};
  route::Router router(config::TopicsConfig{}, privacy);
  const callback::Event event = event_of(workflow_details_body(kAccount, kExecution));
  const route::Record record = router.event_record(event);
  const auto document = parsed(record.value);
  EXPECT_FALSE(at(document, "/data/extractedData").HasMember("documentNumber"));
  EXPECT_FALSE(at(document, "/data/extractedData").HasMember("address"));
  EXPECT_FALSE(at(document, "/data/capabilities").HasMember("liveness"));
  EXPECT_EQ(string_at(document, "/data/extractedData/lastName"), "DOE");
  EXPECT_EQ(record.value.find("D1234567"), std::string::npos);
  EXPECT_TRUE(EventMatchesSchema(record.value)) << record.value;
}

// privacy.netverify_masking: the masking table, read for extractedData's issuingCountry x type,
// withholds the workflow event's members of the same meaning.
TEST(WorkflowEvent, NetverifyMaskingAppliesToTheExtractedDocument) {
  config::PrivacyConfig privacy;
  privacy.netverify_masking = true;
  route::Router router(config::TopicsConfig{}, privacy);
  DetailsOptions korean;
  korean.extra_capabilities = {{"extraction",
                                R"([{"id": "66666666-0000-0000-0000-000000000005",
            "decision": {"type": "PASSED", "details": {"label": "OK"}},
            "data": {"type": "ID_CARD", "issuingCountry": "KOR", "documentNumber": "900101-1234567",
                     "dateOfBirth": "1990-01-01", "personalNumber": "P-12345",
                     "dateOfBirthParts": {"year": "1990", "month": "01", "day": "01"},
                     "lastName": "KIM"}}])"}};
  auto document = parsed(
      router.event_record(event_of(workflow_details_body(kAccount, kExecution, korean))).value);
  const rapidjson::Value& extracted = at(document, "/data/extractedData");
  EXPECT_FALSE(extracted.HasMember("documentNumber"));  // idNumber
  EXPECT_FALSE(extracted.HasMember("dateOfBirth"));     // idDob
  EXPECT_FALSE(extracted.HasMember("dateOfBirthParts"));
  EXPECT_TRUE(extracted.HasMember("personalNumber"));  // not masked for KOR ID_CARD
  EXPECT_STREQ(extracted["lastName"].GetString(), "KIM");

  // A US driving licence is not in the table: nothing is withheld.
  document =
      parsed(router.event_record(event_of(workflow_details_body(kAccount, kExecution))).value);
  EXPECT_EQ(string_at(document, "/data/extractedData/documentNumber"), "D1234567");
  EXPECT_EQ(string_at(document, "/data/extractedData/dateOfBirth"), "1990-01-01");
}

TEST(WorkflowStatus, ReadsTheStatusOfTheExecutionAskedFor) {
  for (const char* status : {"INITIATED", "ACQUIRED", "PROCESSED", "SESSION_EXPIRED",
                             "TOKEN_EXPIRED", "SOMETHING_NEW"}) {
    auto result =
        read_workflow_status(test::workflow_status_body(kAccount, kExecution, status), kExecution);
    ASSERT_TRUE(result.ok()) << status;
    EXPECT_EQ(result.value(), status);
  }
  auto other = read_workflow_status(test::workflow_status_body(kAccount, kExecution, "PROCESSED"),
                                    "22222222-2222-2222-2222-222222222299");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure().reason, DeadLetterReason::retrieval_invalid);
  for (const char* answer : {"", "{", "[]", R"({"workflowExecution": {"id": 7}})",
                             R"({"workflowExecution": {"id": "22222222-2222-2222-2222-222222222222",
                                  "status": ""}})"}) {
    auto result = read_workflow_status(answer, kExecution);
    ASSERT_FALSE(result.ok()) << answer;
    EXPECT_EQ(result.failure().reason, DeadLetterReason::retrieval_invalid);
  }
}

}  // namespace
}  // namespace jb::retrieval
