#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "callback/statuses.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "route/deadletter.h"
#include "route/router.h"
#include "route/subscription.h"

namespace jb::route {
namespace {

using callback::Kind;

std::string header(const Record& record, const std::string& name) {
  for (const auto& [key, value] : record.headers)
    if (key == name) return value;
  return "<absent>";
}

config::TopicsConfig default_topics() {
  return config::TopicsConfig{};
}

struct TopicCase {
  Kind kind;
  std::string status;
  std::string expected;
};

TEST(RouterTopic, TemplateFillsTypeAndLowerCasedStatus) {
  const TopicCase cases[] = {
      {Kind::netverify, "APPROVED_VERIFIED", "jumio.netverify.approved_verified"},
      {Kind::netverify, "DENIED_FRAUD", "jumio.netverify.denied_fraud"},
      {Kind::authentication, "PASSED", "jumio.authentication.passed"},
      {Kind::document, "EXTRACTED", "jumio.document.extracted"},
      {Kind::document, "FAILED", "jumio.document.failed"},
      {Kind::document, "Mixed_Case", "jumio.document.mixed_case"},
  };
  Router router(default_topics());
  for (const auto& c : cases) EXPECT_EQ(router.topic_for(c.kind, c.status), c.expected) << c.status;
}

TEST(RouterTopic, CustomTemplateReplacesEveryPlaceholder) {
  config::TopicsConfig topics;
  topics.topic_template = "{type}-{status}.v1.{type}";
  Router router(topics);
  EXPECT_EQ(router.topic_for(Kind::authentication, "FAILED"),
            "authentication-failed.v1.authentication");
}

TEST(RouterTopic, OverridesMatchTypeAndLowerCasedStatus) {
  config::TopicsConfig topics;
  topics.overrides = {{"netverify.denied_fraud", "fraud-alerts"},
                      {"authentication.failed", "auth-failures"},
                      {"document.discarded", "documents-discarded"}};
  Router router(topics);
  const TopicCase cases[] = {
      {Kind::netverify, "DENIED_FRAUD", "fraud-alerts"},
      {Kind::authentication, "FAILED", "auth-failures"},
      {Kind::document, "DISCARDED", "documents-discarded"},
      {Kind::document, "DENIED_FRAUD", "jumio.document.denied_fraud"},
      {Kind::netverify, "APPROVED_VERIFIED", "jumio.netverify.approved_verified"},
  };
  for (const auto& c : cases) EXPECT_EQ(router.topic_for(c.kind, c.status), c.expected) << c.status;
}

callback::Event sample_event() {
  callback::Event event;
  event.kind = Kind::netverify;
  event.event_id = "event-1";
  event.status = "DENIED_FRAUD";
  event.reference = "scan-ref-42";
  event.callback_date = "2020-08-17T10:05:00.000Z";
  event.received_at = "2020-08-17T10:05:01.000Z";
  event.json = R"({"eventId":"event-1"})";
  return event;
}

TEST(RouterEventRecord, KeyValueAndCloudEventsHeaders) {
  Router router(default_topics());
  const Record record = router.event_record(sample_event());
  EXPECT_EQ(record.topic, "jumio.netverify.denied_fraud");
  EXPECT_EQ(record.key, "scan-ref-42");
  EXPECT_EQ(record.value, R"({"eventId":"event-1"})");
  const std::map<std::string, std::string> expected = {
      {"content-type", "application/json"},
      {"ce_specversion", "1.0"},
      {"ce_id", "event-1"},
      {"ce_source", "urn:jumio-bridge:netverify"},
      {"ce_type", "com.jumio.netverify.denied_fraud"},
      {"ce_time", "2020-08-17T10:05:00.000Z"},
  };
  EXPECT_EQ(record.headers.size(), expected.size());
  for (const auto& [name, value] : expected) EXPECT_EQ(header(record, name), value) << name;
}

TEST(RouterEventRecord, CeTimeFallsBackToReceivedAt) {
  callback::Event event = sample_event();
  event.callback_date.clear();
  event.kind = Kind::document;
  event.status = "EXTRACTED";
  const Record record = Router(default_topics()).event_record(event);
  EXPECT_EQ(header(record, "ce_time"), "2020-08-17T10:05:01.000Z");
  EXPECT_EQ(header(record, "ce_source"), "urn:jumio-bridge:document");
  EXPECT_EQ(header(record, "ce_type"), "com.jumio.document.extracted");
}

TEST(RouterEventRecord, TypeNamesForEveryKind) {
  const std::pair<Kind, std::string> kinds[] = {{Kind::netverify, "netverify"},
                                                {Kind::authentication, "authentication"},
                                                {Kind::document, "document"}};
  for (const auto& [kind, type] : kinds) {
    callback::Event event = sample_event();
    event.kind = kind;
    event.status = "PASSED";
    const Record record = Router(default_topics()).event_record(event);
    EXPECT_EQ(record.topic, "jumio." + type + ".passed");
    EXPECT_EQ(header(record, "ce_source"), "urn:jumio-bridge:" + type);
  }
}

DeadLetterInput sample_input(std::string_view body) {
  DeadLetterInput input;
  input.body = body;
  input.remote_addr = "127.0.0.1";
  input.content_type = "application/x-www-form-urlencoded";
  input.received_at = "2020-08-17T10:05:01.000Z";
  input.attempts = 2;
  return input;
}

TEST(RouterDeadLetter, Utf8BodyKeepsEveryField) {
  config::TopicsConfig topics;
  topics.deadletter = "dead.letters";
  const std::string body = "verificationStatus=NOPE&name=J\xC3\xBCrgen";
  const Failure failure{DeadLetterReason::unknown_status, "verificationStatus", "scan-ref-42"};
  const Record record = Router(topics).dead_letter_record(failure, sample_input(body));

  EXPECT_EQ(record.topic, "dead.letters");
  EXPECT_EQ(record.key, "scan-ref-42");
  EXPECT_EQ(header(record, "content-type"), "application/json");
  EXPECT_EQ(header(record, "x-deadletter-reason"), "unknown_status");

  rapidjson::Document value;
  value.Parse(record.value.c_str());
  ASSERT_TRUE(value.IsObject()) << record.value;
  EXPECT_EQ(value.MemberCount(), 8u);
  EXPECT_STREQ(value["reason"].GetString(), "unknown_status");
  EXPECT_STREQ(value["detail"].GetString(), "verificationStatus");
  EXPECT_STREQ(value["receivedAt"].GetString(), "2020-08-17T10:05:01.000Z");
  EXPECT_STREQ(value["remoteAddr"].GetString(), "127.0.0.1");
  EXPECT_STREQ(value["contentType"].GetString(), "application/x-www-form-urlencoded");
  EXPECT_EQ(value["body"].GetString(), body);
  EXPECT_FALSE(value.HasMember("bodyBase64"));
  EXPECT_EQ(value["bodySha256"].GetString(), sha256_hex(body));
  EXPECT_EQ(value["attempts"].GetInt(), 2);
}

TEST(RouterDeadLetter, NonUtf8BodyIsBase64AndKeyFallsBackToSha256) {
  const std::string body = "name=J\xFCrgen";  // Latin-1, not UTF-8
  const Failure failure{DeadLetterReason::bad_encoding, "name", ""};
  const Record record = Router(default_topics()).dead_letter_record(failure, sample_input(body));

  EXPECT_EQ(record.topic, "jumio.deadletter");
  EXPECT_EQ(record.key, sha256_hex(body));
  EXPECT_EQ(header(record, "x-deadletter-reason"), "bad_encoding");
  rapidjson::Document value;
  value.Parse(record.value.c_str());
  ASSERT_TRUE(value.IsObject()) << record.value;
  EXPECT_FALSE(value.HasMember("body"));
  EXPECT_EQ(value["bodyBase64"].GetString(), base64_encode(body));
  EXPECT_EQ(value["bodySha256"].GetString(), sha256_hex(body));
}

TEST(DeadLetterParse, RoundTripsUtf8AndBinaryBodies) {
  const std::string bodies[] = {"a=1&b=%20", std::string("nul\0byte", 8), "J\xFCrgen", "",
                                "\xE2\x82\xAC quote\" back\\slash\n"};
  for (const auto& body : bodies) {
    const Failure failure{DeadLetterReason::invalid_json, "identityVerification", "ref-1"};
    const Record record = Router(default_topics()).dead_letter_record(failure, sample_input(body));
    DeadLetter letter;
    ASSERT_TRUE(parse_dead_letter(record.value, &letter)) << record.value;
    EXPECT_EQ(letter.body, body);
    EXPECT_EQ(letter.reason, "invalid_json");
    EXPECT_EQ(letter.detail, "identityVerification");
    EXPECT_EQ(letter.received_at, "2020-08-17T10:05:01.000Z");
    EXPECT_EQ(letter.remote_addr, "127.0.0.1");
    EXPECT_EQ(letter.content_type, "application/x-www-form-urlencoded");
    EXPECT_EQ(letter.body_sha256, sha256_hex(body));
    EXPECT_EQ(letter.attempts, 2);
  }
}

TEST(DeadLetterParse, RoundTripsControlCharactersWhereverTheyAre) {
  // RapidJSON's vectorised writer once let 0x1A-0x1F through inside 16-byte blocks.
  const Failure failure{DeadLetterReason::bad_encoding, "body", "ref-1"};
  for (char control = 1; control < 0x20; ++control) {
    for (size_t at = 0; at < 40; ++at) {
      std::string body(40, 'b');
      body[at] = control;
      const Record record =
          Router(default_topics()).dead_letter_record(failure, sample_input(body));
      for (char c : record.value) {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20u)
            << "byte " << int(control) << " at " << at << " written unescaped";
      }
      DeadLetter letter;
      ASSERT_TRUE(parse_dead_letter(record.value, &letter));
      EXPECT_EQ(letter.body, body);
    }
  }
}

TEST(DeadLetterParse, RejectsMalformedValues) {
  const char* values[] = {
      "not json",
      "[]",
      R"({"body":"x","attempts":1})",
      R"({"reason":1,"body":"x","attempts":1})",
      R"({"reason":"bad_encoding","attempts":1})",
      R"({"reason":"bad_encoding","bodyBase64":"!!!","attempts":1})",
      R"({"reason":"bad_encoding","body":"x"})",
      R"({"reason":"bad_encoding","body":"x","attempts":0})",
      R"({"reason":"bad_encoding","body":"x","attempts":"1"})",
      R"({"reason":"bad_encoding","body":"x","attempts":1,"detail":7})",
  };
  for (const char* value : values) {
    DeadLetter letter;
    EXPECT_FALSE(parse_dead_letter(value, &letter)) << value;
  }
}

TEST(DeadLetterParse, AbsentOptionalFieldsAreEmpty) {
  DeadLetter letter;
  ASSERT_TRUE(
      parse_dead_letter(R"({"reason":"missing_status","body":"x=1","attempts":3})", &letter));
  EXPECT_EQ(letter.body, "x=1");
  EXPECT_EQ(letter.attempts, 3);
  EXPECT_EQ(letter.detail, "");
  EXPECT_EQ(letter.content_type, "");
}

TEST(Utf8, AcceptsWellFormedAndRejectsMalformed) {
  const std::pair<std::string, bool> cases[] = {
      {"", true},
      {"plain ascii", true},
      {"\xC3\xBC", true},
      {"\xE2\x82\xAC", true},
      {"\xF0\x9F\x98\x80", true},
      {std::string("\0", 1), true},
      {"\xFC", false},
      {"\xC3", false},
      {"\xC0\xAF", false},          // overlong '/'
      {"\xE0\x80\xAF", false},      // overlong
      {"\xED\xA0\x80", false},      // surrogate
      {"\xF4\x90\x80\x80", false},  // above U+10FFFF
      {"\xE2\x82", false},          // truncated
      {"\x80", false},              // lone continuation
  };
  for (const auto& [text, valid] : cases) EXPECT_EQ(is_valid_utf8(text), valid) << text;
}

TEST(Utf8, ChecksEveryByteAfterLongPlainRuns) {
  // Plain ASCII is skipped 64, 32 and eight bytes at a time: a bad byte at any offset must still
  // be seen.
  for (size_t prefix = 0; prefix <= 140; ++prefix) {
    const std::string ascii(prefix, 'a');
    EXPECT_TRUE(is_valid_utf8(ascii + "\xC3\xBC" + ascii)) << prefix;
    EXPECT_TRUE(is_valid_utf8(ascii + "\xF0\x9F\x98\x80")) << prefix;
    EXPECT_FALSE(is_valid_utf8(ascii + "\xC3")) << prefix;
    EXPECT_FALSE(is_valid_utf8(ascii + "\x80" + ascii)) << prefix;
    EXPECT_FALSE(is_valid_utf8(ascii + "\xED\xA0\x80" + ascii)) << prefix;
    EXPECT_FALSE(is_valid_utf8(ascii + "\xE2\x82" + ascii)) << prefix;
  }
}

TEST(RoutedTopics, TemplateRegexOverridesNotificationsAndDeadLetter) {
  config::TopicsConfig topics;
  topics.overrides = {{"netverify.denied_fraud", "fraud-alerts"},
                      {"document.failed", "fraud-alerts"},
                      {"authentication.failed", "auth+failures"}};
  topics.workflow_callbacks = "platform-callbacks";
  const std::vector<std::string> expected = {
      R"(^jumio\.(netverify|authentication|document|workflow)\.[a-z0-9_.-]+$)", "auth+failures",
      "fraud-alerts", "platform-callbacks", "jumio.deadletter"};
  EXPECT_EQ(routed_topics(topics), expected);
}

TEST(RoutedTopics, TheDefaultNotificationTopicMatchesTheTemplateRegex) {
  const config::TopicsConfig topics;
  const std::vector<std::string> routed = routed_topics(topics);
  const std::regex pattern(routed.front(), std::regex::extended);
  EXPECT_TRUE(std::regex_match(topics.workflow_callbacks, pattern));
  EXPECT_TRUE(std::regex_match("jumio.workflow.not_executed", pattern));
}

TEST(RoutedTopics, TemplateRegexMatchesExactlyTheRoutedTopics) {
  config::TopicsConfig topics;
  topics.topic_template = "bridge+{status}.{type}";
  const std::string regex = routed_topics(topics).front();
  ASSERT_EQ(regex.front(), '^');
  const std::regex pattern(regex, std::regex::extended);
  const Router router(topics);
  EXPECT_TRUE(std::regex_match(router.topic_for(Kind::netverify, "APPROVED_VERIFIED"), pattern));
  EXPECT_TRUE(std::regex_match(router.topic_for(Kind::document, "EXTRACTED"), pattern));
  EXPECT_TRUE(std::regex_match(router.topic_for(Kind::authentication, "PASSED"), pattern));
  EXPECT_TRUE(std::regex_match(router.topic_for(Kind::workflow, "NOT_EXECUTED"), pattern));
  const char* unrelated[] = {"bridgeXpassed.document", "bridge+passed.documents",
                             "other.bridge+passed.document", "bridge+.document"};
  for (const char* topic : unrelated) EXPECT_FALSE(std::regex_match(topic, pattern)) << topic;
}

constexpr Kind kKinds[] = {Kind::netverify, Kind::authentication, Kind::document, Kind::workflow};

bool sorted_and_unique(const std::vector<std::string>& topics) {
  return std::is_sorted(topics.begin(), topics.end()) &&
         std::adjacent_find(topics.begin(), topics.end()) == topics.end();
}

bool contains(const std::vector<std::string>& topics, const std::string& topic) {
  return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

TEST(RouterEventTopics, EveryKindAndStatusOfTheStatusTable) {
  const Router router(default_topics());
  const std::vector<std::string> topics = router.event_topics();
  EXPECT_TRUE(sorted_and_unique(topics));
  // One topic per status of callback/statuses.h: a status added there is watched here.
  size_t statuses = 0;
  for (Kind kind : kKinds) {
    for (std::string_view status : callback::event_statuses(kind)) {
      ++statuses;
      const std::string topic = router.topic_for(kind, status);
      EXPECT_TRUE(contains(topics, topic)) << topic;
    }
  }
  EXPECT_EQ(topics.size(), statuses);
  for (const char* topic :
       {"jumio.netverify.approved_verified", "jumio.netverify.denied_unsupported_id_country",
        "jumio.netverify.no_id_uploaded", "jumio.authentication.passed",
        "jumio.authentication.expired", "jumio.document.uploaded", "jumio.document.extracted",
        "jumio.document.discarded", "jumio.document.failed", "jumio.workflow.passed",
        "jumio.workflow.rejected", "jumio.workflow.warning", "jumio.workflow.not_executed"}) {
    EXPECT_TRUE(contains(topics, topic)) << topic;
  }
  EXPECT_FALSE(contains(topics, "jumio.deadletter"));
  // Notifications are not events: nothing is settled by them.
  EXPECT_FALSE(contains(topics, "jumio.workflow.callbacks"));
}

TEST(RouterEventTopics, TheStatusTableListsWhatTheCallbacksRoute) {
  EXPECT_EQ(callback::event_statuses(Kind::netverify).size(), 6u);
  EXPECT_EQ(callback::event_statuses(Kind::authentication).size(), 4u);
  // A workflow event's status is its decision.type.
  EXPECT_EQ(callback::event_statuses(Kind::workflow).size(), 4u);
  // Document Verification: each document.status, and FAILED from transaction.status.
  std::set<std::string_view> document(callback::document_statuses().begin(),
                                      callback::document_statuses().end());
  document.insert("FAILED");
  const auto& table = callback::event_statuses(Kind::document);
  EXPECT_EQ(std::set<std::string_view>(table.begin(), table.end()), document);
  EXPECT_EQ(table.size(), document.size());
}

TEST(RouterEventTopics, OverridesReplaceAndAddTopics) {
  config::TopicsConfig topics;
  topics.overrides = {{"netverify.denied_fraud", "fraud-alerts"},
                      {"document.failed", "fraud-alerts"},
                      {"authentication.failed", "auth-failures"},
                      {"netverify.not_a_status", "a-topic-no-status-routes-to"}};
  const Router router(topics);
  const std::vector<std::string> watched = router.event_topics();
  EXPECT_TRUE(sorted_and_unique(watched));
  for (const char* topic : {"fraud-alerts", "auth-failures", "a-topic-no-status-routes-to",
                            "jumio.netverify.approved_verified", "jumio.authentication.passed"}) {
    EXPECT_TRUE(contains(watched, topic)) << topic;
  }
  for (const char* topic :
       {"jumio.netverify.denied_fraud", "jumio.document.failed", "jumio.authentication.failed"}) {
    EXPECT_FALSE(contains(watched, topic)) << topic;
  }
  // 18 statuses, 3 of them overridden onto 2 topics, plus the override no status routes to.
  EXPECT_EQ(watched.size(), Router(default_topics()).event_topics().size() - 3 + 2 + 1);
}

TEST(RouterEventTopics, ATemplateWithoutStatusGivesOneTopicPerKind) {
  config::TopicsConfig topics;
  topics.topic_template = "events.{type}";
  const std::vector<std::string> expected = {"events.authentication", "events.document",
                                             "events.netverify", "events.workflow"};
  EXPECT_EQ(Router(topics).event_topics(), expected);
}

TEST(RouterEventTopics, TheSubscriptionCoversEveryEventTopic) {
  config::TopicsConfig topics;
  topics.overrides = {{"netverify.denied_fraud", "fraud-alerts"},
                      {"workflow.rejected", "manual-review"}};
  topics.workflow_callbacks = "platform-callbacks";
  const std::vector<std::string> routed = routed_topics(topics);
  const std::regex pattern(routed.front(), std::regex::extended);
  std::vector<std::string> written = Router(topics).event_topics();
  written.push_back(topics.workflow_callbacks);
  written.push_back(topics.deadletter);
  for (const std::string& topic : written)
    EXPECT_TRUE(std::regex_match(topic, pattern) || contains(routed, topic)) << topic;
  EXPECT_TRUE(contains(written, "manual-review"));
}

}  // namespace
}  // namespace jb::route

namespace jb::route {
namespace {

TEST(RouterEventRecord, PublishesWithoutWhatPrivacyWithholds) {
  callback::Event event;
  event.kind = callback::Kind::netverify;
  event.status = "APPROVED_VERIFIED";
  event.reference = "ref";
  event.json = R"({"callbackType":"NETVERIFYID","data":{"idCountry":"DEU","idType":"ID_CARD",)"
               R"("idNumber":"X1","idCheckMRZcode":"OK","idFirstName":"A",)"
               R"("idAddress":{"line1":"L","city":"C"}}})";
  config::PrivacyConfig privacy;
  privacy.drop_fields = {"idFirstName", "idAddress.line1"};
  privacy.netverify_masking = true;
  const Record record = Router(config::TopicsConfig{}, privacy).event_record(event);
  EXPECT_EQ(record.value, R"({"callbackType":"NETVERIFYID","data":{"idCountry":"DEU",)"
                          R"("idType":"ID_CARD","idAddress":{"city":"C"}}})");
  EXPECT_EQ(Router(config::TopicsConfig{}).event_record(event).value, event.json);
}

}  // namespace
}  // namespace jb::route
