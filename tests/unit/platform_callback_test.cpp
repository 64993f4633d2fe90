// Jumio Platform callbacks (callback/platform.h): detection by body shape, the canonical
// notification, and platform_invalid for what is not well-formed.
#include "callback/platform.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <vector>

#include "callback/event_id.h"
#include "callback/normalize.h"
#include "route/router.h"
#include "support/callbacks.h"
#include "support/platform_callbacks.h"
#include "support/schema.h"
#include "support/schema_check.h"

namespace jb::callback {
namespace {

using test::kSampleAccountId;
using test::kSampleExecutionId;
using test::kSamplePlatformCallback;
using test::platform_callback_with;
using test::platform_callback_with_status;

const auto kReceivedAt =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1714641365123));

Result<Event> normalize_json(const std::string& body,
                             const std::string& content_type = "application/json") {
  return normalize({body, content_type, kReceivedAt});
}

rapidjson::Document parsed(const Event& event) {
  rapidjson::Document json;
  json.Parse(event.json.c_str(), event.json.size());
  return json;
}

// --- the canonical notification ----------------------------------------------------------

TEST(PlatformCallback, SampleBecomesTheCanonicalNotification) {
  auto result = normalize_json(kSamplePlatformCallback);
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  const Event& event = result.value();
  const std::string event_id = callback::event_id({{"workflowExecution.id", kSampleExecutionId},
                                                   {"workflowExecution.status", "PROCESSED"},
                                                   {"callbackSentAt", "2024-05-02T09:16:04.518Z"}});
  EXPECT_EQ(event_id, "c4ad7293-b7c5-8a39-ac65-7fb0aab618e9");
  EXPECT_EQ(event.json,
            R"({"eventId":")" + event_id +
                R"(","schemaVersion":1,"callbackType":"WORKFLOW","status":"PROCESSED",)"
                R"("reference":"22222222-2222-2222-2222-222222222222",)"
                R"("accountId":"11111111-1111-1111-1111-111111111111","definitionKey":"10011",)"
                R"("workflowStatus":"PROCESSED","callbackSentAt":"2024-05-02T09:16:04.518Z",)"
                R"("receivedAt":"2024-05-02T09:16:05.123Z","userReference":"user-8f3a2c",)"
                R"("origin":"callback"})");
  EXPECT_EQ(event.kind, Kind::workflow);
  EXPECT_EQ(event.origin, Origin::callback);
  EXPECT_TRUE(event.notification);
  EXPECT_EQ(event.event_id, event_id);
  EXPECT_EQ(event.status, "PROCESSED");
  EXPECT_EQ(event.reference, kSampleExecutionId);
  EXPECT_EQ(event.callback_date, "2024-05-02T09:16:04.518Z");
  EXPECT_EQ(event.received_at, "2024-05-02T09:16:05.123Z");
  EXPECT_TRUE(event.warnings.empty());
  EXPECT_TRUE(EventMatchesSchema(event.json));
}

TEST(PlatformCallback, OptionalMembersAbsentOrNullAreNull) {
  std::string body = platform_callback_with("/callbackSentAt", nullptr);
  body = [&] {
    rapidjson::Document d;
    d.Parse(body.c_str());
    d.RemoveMember("userReference");
    d["workflowExecution"].RemoveMember("definitionKey");
    return schema::to_json(d);
  }();
  for (const std::string& text :
       {body, platform_callback_with("/userReference", "null"),
        platform_callback_with("/workflowExecution/definitionKey", "null"),
        platform_callback_with("/callbackSentAt", "null")}) {
    auto result = normalize_json(text);
    ASSERT_TRUE(result.ok()) << result.failure().detail;
    EXPECT_TRUE(EventMatchesSchema(result.value().json)) << result.value().json;
  }
  auto result = normalize_json(body);
  ASSERT_TRUE(result.ok());
  auto json = parsed(result.value());
  EXPECT_TRUE(json["definitionKey"].IsNull());
  EXPECT_TRUE(json["callbackSentAt"].IsNull());
  EXPECT_TRUE(json["userReference"].IsNull());
  EXPECT_EQ(result.value().callback_date, "");
}

TEST(PlatformCallback, CallbackSentAtIsRewrittenCanonical) {
  auto result =
      normalize_json(platform_callback_with("/callbackSentAt", R"("2024-02-29T23:59:59Z")"));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_EQ(parsed(result.value())["callbackSentAt"].GetString(),
            std::string("2024-02-29T23:59:59.000Z"));
}

TEST(PlatformCallback, EventIdFollowsExecutionStatusAndSentAtOnly) {
  auto base = normalize_json(kSamplePlatformCallback);
  ASSERT_TRUE(base.ok());
  const std::string id = base.value().event_id;
  // The same announcement, written differently or received later: the same id.
  auto compact = normalize({platform_callback_with("/userReference", R"("other")"), "",
                            kReceivedAt + std::chrono::hours(1)});
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(compact.value().event_id, id);
  // Another status, execution or send time: another id.
  for (const std::string& body :
       {platform_callback_with_status("ACQUIRED"),
        platform_callback_with("/workflowExecution/id",
                               R"("33333333-3333-3333-3333-333333333333")"),
        platform_callback_with("/callbackSentAt", R"("2024-05-02T09:16:04.519Z")")}) {
    auto other = normalize_json(body);
    ASSERT_TRUE(other.ok()) << other.failure().detail;
    EXPECT_NE(other.value().event_id, id) << body;
  }
}

TEST(PlatformCallback, EveryStatusIsAcceptedAndOnlyThreeAreTerminal) {
  const std::vector<std::string> statuses = {
      "PROCESSED",           "SESSION_EXPIRED", "TOKEN_EXPIRED", "INITIATED", "ACQUIRED",
      "ACQUISITION_STARTED", "SOMETHING_NEW",   "processed",     "x"};
  for (const std::string& status : statuses) {
    auto result = normalize_json(platform_callback_with_status(status));
    ASSERT_TRUE(result.ok()) << status << ": " << result.failure().detail;
    EXPECT_EQ(result.value().status, status);
    EXPECT_EQ(parsed(result.value())["workflowStatus"].GetString(), status);
    EXPECT_TRUE(EventMatchesSchema(result.value().json)) << status;
  }
  for (const char* status : {"PROCESSED", "SESSION_EXPIRED", "TOKEN_EXPIRED"})
    EXPECT_TRUE(is_terminal_workflow_status(status)) << status;
  for (const char* status : {"INITIATED", "ACQUIRED", "ACQUISITION_STARTED", "processed", ""})
    EXPECT_FALSE(is_terminal_workflow_status(status)) << status;
}

TEST(PlatformCallback, ForgedHrefsAndUnknownMembersAreNeverStored) {
  std::string body = platform_callback_with("/workflowExecution/href",
                                            R"("https://attacker.example/collect-token")");
  rapidjson::Document d;
  d.Parse(body.c_str());
  d["account"]["href"].SetString("https://attacker.example/account");
  d.AddMember("futureMember", "kept-out", d.GetAllocator());
  d["workflowExecution"].AddMember("credentials", "kept-out-too", d.GetAllocator());
  auto result = normalize_json(schema::to_json(d));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  const std::string& json = result.value().json;
  for (const char* absent :
       {"attacker", "href", "retrieval.amer-1", "futureMember", "kept-out", "credentials"}) {
    EXPECT_EQ(json.find(absent), std::string::npos) << absent << " in " << json;
  }
  EXPECT_TRUE(EventMatchesSchema(json));
}

TEST(PlatformCallback, UnicodeAndControlCharactersSurviveAsJson) {
  auto result = normalize_json(platform_callback_with(
      "/userReference", "\"a\\u0001\\u001d\xC3\xBC\\u2028\xF0\x9F\x98\x80\""));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  auto json = parsed(result.value());
  ASSERT_FALSE(json.HasParseError());
  EXPECT_EQ(json["userReference"].GetString(),
            std::string("a\x01\x1d\xC3\xBC\xE2\x80\xA8\xF0\x9F\x98\x80"));
}

TEST(PlatformCallback, UuidsOfEitherCaseAreAccepted) {
  auto result = normalize_json(
      platform_callback_with("/account/id", R"("ABCDEF00-1111-2222-3333-444455556666")"));
  ASSERT_TRUE(result.ok()) << result.failure().detail;
  EXPECT_EQ(parsed(result.value())["accountId"].GetString(),
            std::string("ABCDEF00-1111-2222-3333-444455556666"));
  EXPECT_TRUE(is_uuid("abcdef00-1111-2222-3333-444455556666"));
  for (const char* text :
       {"", "abcdef00111122223333444455556666", "abcdef00-1111-2222-3333-44445555666",
        "abcdef00-1111-2222-3333-4444555566667", "abcdeg00-1111-2222-3333-444455556666",
        "{abcdef00-1111-2222-3333-44445555666}", "abcdef00_1111-2222-3333-444455556666"}) {
    EXPECT_FALSE(is_uuid(text)) << text;
  }
}

// --- detection by body shape -------------------------------------------------------------

TEST(PlatformDetection, TheBodyDecidesWhateverTheContentType) {
  for (const char* type : {"application/json", "application/json; charset=utf-8", "",
                           "application/x-www-form-urlencoded", "text/plain"}) {
    auto result = normalize_json(kSamplePlatformCallback, type);
    ASSERT_TRUE(result.ok()) << type << ": " << result.failure().detail;
    EXPECT_TRUE(result.value().notification) << type;
  }
  EXPECT_TRUE(is_platform_callback(" \r\n\t{\"workflowExecution\":{}}"));
}

TEST(PlatformDetection, OnlyAJsonObjectWithAnObjectWorkflowExecution) {
  EXPECT_TRUE(is_platform_callback(kSamplePlatformCallback));
  for (const char* body :
       {"", "{}", "[]", R"({"workflowExecution":null})", R"({"workflowExecution":"x"})",
        R"({"workflowExecution":[{}]})", R"({"account":{"workflowExecution":{}}})",
        R"([{"workflowExecution":{}}])", R"({"workflowExecution":{})",
        R"({"workflowExecution":{}} x)", "workflowExecution=%7B%7D",
        R"(callBackType=NETVERIFYID&x={"workflowExecution":{}})",
        R"({"x":"{\"workflowExecution\":{}}"})"}) {
    EXPECT_FALSE(is_platform_callback(body)) << body;
  }
}

TEST(PlatformDetection, NonJsonWithWorkflowExecutionTextTakesTheLegacyPath) {
  // Not JSON: the form path reads it, and it is no legacy callback either.
  auto form = normalize_json("workflowExecution=%7B%22id%22%7D", "");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.failure().reason, DeadLetterReason::unknown_kind);
  auto json = normalize_json(R"({"workflowExecution":{"id":"x"})", "application/json");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.failure().reason, DeadLetterReason::not_form_urlencoded);
}

TEST(PlatformDetection, LegacyCallbacksAreUnchanged) {
  for (const SampleCallback& sample : spec_sample_callbacks()) {
    EXPECT_FALSE(is_platform_callback(sample.body)) << sample.name;
    auto result = normalize_json(sample.body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(result.ok()) << sample.name;
    EXPECT_FALSE(result.value().notification);
    EXPECT_NE(result.value().kind, Kind::workflow);
  }
}

// --- platform_invalid --------------------------------------------------------------------

struct InvalidCase {
  std::string name;
  std::string body;
  std::string detail;  // the start of the detail
  bool keyed_by_execution;
};

class PlatformInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(PlatformInvalid, IsDeadLetteredNamingTheMemberNotItsValue) {
  const InvalidCase& c = GetParam();
  auto result = normalize_platform_callback(c.body, kReceivedAt);
  ASSERT_FALSE(result.ok()) << result.value().json;
  EXPECT_EQ(result.failure().reason, DeadLetterReason::platform_invalid);
  EXPECT_EQ(result.failure().detail.rfind(c.detail, 0), 0u) << result.failure().detail;
  EXPECT_EQ(result.failure().reference, c.keyed_by_execution ? kSampleExecutionId : "");
  for (const char* value : {"SECRET", "attacker", "10011", "user-8f3a2c"})
    EXPECT_EQ(result.failure().detail.find(value), std::string::npos) << result.failure().detail;
  if (is_platform_callback(c.body)) {
    auto through_normalize = normalize_json(c.body);
    ASSERT_FALSE(through_normalize.ok());
    EXPECT_EQ(through_normalize.failure().reason, DeadLetterReason::platform_invalid);
  }
}

std::vector<InvalidCase> invalid_cases() {
  using test::platform_callback_with;
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  std::string nul_byte = kSamplePlatformCallback;
  nul_byte.replace(nul_byte.find("user-8f3a2c"), 4, std::string("us\0r", 4));
  std::string lone_surrogate = kSamplePlatformCallback;
  lone_surrogate.replace(lone_surrogate.find("user-8f3a2c"), 4, "\\udc00");
  std::string bad_utf8 = kSamplePlatformCallback;
  bad_utf8.replace(bad_utf8.find("user-8f3a2c"), 4, "\xC3\x28SE");
  return {
      {"ExecutionAbsent", platform_callback_with("/workflowExecution", nullptr),
       "workflowExecution is absent", false},
      {"ExecutionNotObject", platform_callback_with("/workflowExecution", R"("SECRET")"),
       "workflowExecution is not an object", false},
      {"ExecutionIdAbsent", platform_callback_with("/workflowExecution/id", nullptr),
       "workflowExecution.id is absent", false},
      {"ExecutionIdNumber", platform_callback_with("/workflowExecution/id", "7"),
       "workflowExecution.id is not a string", false},
      {"ExecutionIdNotUuid", platform_callback_with("/workflowExecution/id", R"("SECRET-1")"),
       "workflowExecution.id is not a UUID", false},
      {"ExecutionIdBraced",
       platform_callback_with("/workflowExecution/id",
                              R"("{22222222-2222-2222-2222-222222222222}")"),
       "workflowExecution.id is not a UUID", false},
      {"StatusAbsent", platform_callback_with("/workflowExecution/status", nullptr),
       "workflowExecution.status is absent", true},
      {"StatusEmpty", platform_callback_with("/workflowExecution/status", R"("")"),
       "workflowExecution.status is empty", true},
      {"StatusObject", platform_callback_with("/workflowExecution/status", R"({"SECRET":1})"),
       "workflowExecution.status is not a string", true},
      {"DefinitionKeyNumber", platform_callback_with("/workflowExecution/definitionKey", "10011"),
       "workflowExecution.definitionKey is not a string", true},
      {"AccountAbsent", platform_callback_with("/account", nullptr), "account is absent", true},
      {"AccountArray", platform_callback_with("/account", "[]"), "account is not an object", true},
      {"AccountIdAbsent", platform_callback_with("/account/id", nullptr), "account.id is absent",
       true},
      {"AccountIdNotUuid", platform_callback_with("/account/id", R"("SECRET")"),
       "account.id is not a UUID", true},
      {"SentAtNumber", platform_callback_with("/callbackSentAt", "1714641364"),
       "callbackSentAt is not a string", true},
      {"SentAtNotTimestamp", platform_callback_with("/callbackSentAt", R"("2024-02-30T00:00:00Z")"),
       "callbackSentAt is not a timestamp", true},
      {"SentAtLocalTime", platform_callback_with("/callbackSentAt", R"("2024-05-02 09:16:04")"),
       "callbackSentAt is not a timestamp", true},
      {"UserReferenceNumber", platform_callback_with("/userReference", "42"),
       "userReference is not a string", true},
      {"RepeatedStatus",
       R"({"workflowExecution":{"id":"22222222-2222-2222-2222-222222222222","status":"PROCESSED",)"
       R"("status":"ACQUIRED"},"account":{"id":"11111111-1111-1111-1111-111111111111"}})",
       "workflowExecution has a repeated member", false},
      {"RepeatedTopLevel",
       R"({"workflowExecution":{"id":"22222222-2222-2222-2222-222222222222","status":"PROCESSED"},)"
       R"("account":{"id":"11111111-1111-1111-1111-111111111111"},"account":{"id":"SECRET"}})",
       "the body has a repeated member", false},
      {"NotJson", R"({"workflowExecution":{"id":"SECRET")", "the body is not valid JSON", false},
      {"TrailingGarbage", std::string(kSamplePlatformCallback) + "SECRET",
       "the body is not valid JSON", false},
      {"NotAnObject", "[1]", "the body is not a JSON object", false},
      {"NotUtf8", bad_utf8, "the body is not valid UTF-8", false},
      {"LoneSurrogate", lone_surrogate, "the body has a string that is not UTF-8", false},
      {"NulByte", nul_byte, "the body holds a NUL byte", false},
      {"NulEscape", platform_callback_with("/userReference", R"("SECRET\u0000")"),
       "the body has a NUL character", false},
      {"NulInUnknownMember", platform_callback_with("/future", R"({"a\u0000":1})"),
       "the body has a NUL character", false},
      {"DeepNesting", platform_callback_with("/future", deep.c_str()),
       "the body nests deeper than 32 levels", false},
      {"VeryDeepNesting",
       "{\"workflowExecution\":{},\"x\":" + std::string(100000, '[') + std::string(100000, ']') +
           "}",
       "the body nests deeper than 32 levels", false},
  };
}

INSTANTIATE_TEST_SUITE_P(Cases, PlatformInvalid, testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(PlatformInvalidDeadLetter, HoldsTheBodyWholeAndIsKeyedByAReadableExecutionId) {
  const route::Router router(config::TopicsConfig{});
  const std::string body = platform_callback_with("/account/id", R"("SECRET")");
  auto result = normalize_json(body);
  ASSERT_FALSE(result.ok());
  route::DeadLetterInput input;
  input.body = body;
  input.remote_addr = "127.0.0.1";
  input.content_type = "application/json";
  input.received_at = "2024-05-02T09:16:05.123Z";
  const route::Record record = router.dead_letter_record(result.failure(), input);
  EXPECT_EQ(record.topic, "jumio.deadletter");
  EXPECT_EQ(record.key, kSampleExecutionId);
  rapidjson::Document letter;
  letter.Parse(record.value.c_str());
  EXPECT_EQ(letter["reason"].GetString(), std::string("platform_invalid"));
  EXPECT_EQ(letter["body"].GetString(), body);
  EXPECT_TRUE(MatchesSchema(record.value, "deadletter.schema.json"));
}

// --- routing and reading back ------------------------------------------------------------

TEST(PlatformNotificationRecord, GoesToTheWorkflowCallbacksTopicKeyedByTheExecution) {
  config::TopicsConfig topics;
  topics.workflow_callbacks = "platform-callbacks";
  topics.overrides = {{"workflow.passed", "passed-workflows"}};
  auto result = normalize_json(kSamplePlatformCallback);
  ASSERT_TRUE(result.ok());
  const route::Record record = route::Router(topics).event_record(result.value());
  EXPECT_EQ(record.topic, "platform-callbacks");
  EXPECT_EQ(record.key, kSampleExecutionId);
  EXPECT_EQ(record.value, result.value().json);
  bool saw_type = false;
  for (const auto& [name, value] : record.headers) {
    if (name == "ce_type") {
      EXPECT_EQ(value, "com.jumio.workflow.notification");
      saw_type = true;
    }
    if (name == "ce_time") {
      EXPECT_EQ(value, "2024-05-02T09:16:04.518Z");
    }
    if (name == "ce_id") {
      EXPECT_EQ(value, result.value().event_id);
    }
  }
  EXPECT_TRUE(saw_type);
}

TEST(PlatformNotificationRecord, PrivacyRulesLeaveTheNotificationAsIs) {
  config::PrivacyConfig privacy;
  privacy.drop_fields = {"userReference", "accountId"};
  privacy.netverify_masking = true;
  auto result = normalize_json(kSamplePlatformCallback);
  ASSERT_TRUE(result.ok());
  const route::Record record =
      route::Router(config::TopicsConfig{}, privacy).event_record(result.value());
  EXPECT_EQ(record.value, result.value().json);
}

TEST(PlatformNotificationRecord, ReadsBackWhatWasStored) {
  auto result = normalize_json(kSamplePlatformCallback);
  ASSERT_TRUE(result.ok());
  Notification notification;
  ASSERT_TRUE(parse_notification(result.value().json, &notification));
  EXPECT_EQ(notification.event_id, result.value().event_id);
  EXPECT_EQ(notification.execution_id, kSampleExecutionId);
  EXPECT_EQ(notification.account_id, kSampleAccountId);
  EXPECT_EQ(notification.definition_key, "10011");
  EXPECT_EQ(notification.status, "PROCESSED");

  auto without_key =
      normalize_json(platform_callback_with("/workflowExecution/definitionKey", nullptr));
  ASSERT_TRUE(without_key.ok());
  ASSERT_TRUE(parse_notification(without_key.value().json, &notification));
  EXPECT_EQ(notification.definition_key, "");
}

TEST(PlatformNotificationRecord, RefusesWhatIsNoNotification) {
  auto legacy = normalize_json(spec_sample_callbacks().front().body, "");
  ASSERT_TRUE(legacy.ok());
  Notification notification;
  notification.status = "unchanged";
  const std::string valid = normalize_json(kSamplePlatformCallback).value().json;
  auto replaced = [&valid](const std::string& from, const std::string& to) {
    std::string text = valid;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  for (const std::string& value :
       {legacy.value().json, std::string("not json"), std::string("[]"),
        replaced(R"("callbackType":"WORKFLOW")", R"("callbackType":"NETVERIFYID")"),
        replaced(R"("reference":"22222222)", R"("reference":"x2222222)"),
        replaced(R"("accountId":"11111111-1111-1111-1111-111111111111")", R"("accountId":null)"),
        replaced(R"("workflowStatus":"PROCESSED")", R"("workflowStatus":"")"),
        std::string(100, '[') + std::string(100, ']')}) {
    EXPECT_FALSE(parse_notification(value, &notification)) << value;
  }
  EXPECT_EQ(notification.status, "unchanged");
}

}  // namespace
}  // namespace jb::callback
