// Jumio Platform callbacks on the serve endpoint, with the real daemon over HTTP on port 0 against
// a mock-cluster broker: stored as notifications on topics.workflow_callbacks before the 200,
// dead-lettered whole as platform_invalid when not well-formed, legacy callbacks unchanged beside.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>

#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/platform_callbacks.h"
#include "support/reader.h"
#include "support/schema.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::kSampleAccountId;
using test::kSampleExecutionId;
using test::kSamplePlatformCallback;

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  EXPECT_FALSE(document.HasParseError()) << json.substr(0, 200);
  return document;
}

TEST(PlatformServe, StoresTheNotificationKeyedByTheExecutionBeforeAnswering) {
  test::Bridge bridge;
  ASSERT_EQ(bridge.post(kSamplePlatformCallback, "application/json"), 200);
  auto records = bridge.read({"jumio.workflow.callbacks"}, 1);
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records[0];
  EXPECT_EQ(record.key, kSampleExecutionId);
  EXPECT_TRUE(EventMatchesSchema(record.value)) << record.value;
  auto notification = parse(record.value);
  EXPECT_EQ(std::string(notification["callbackType"].GetString()), "WORKFLOW");
  EXPECT_EQ(std::string(notification["workflowStatus"].GetString()), "PROCESSED");
  EXPECT_EQ(std::string(notification["accountId"].GetString()), kSampleAccountId);
  EXPECT_EQ(std::string(notification["origin"].GetString()), "callback");
  EXPECT_EQ(record.value.find("href"), std::string::npos) << record.value;
  EXPECT_EQ(test::header(record, "ce_type"), "com.jumio.workflow.notification");
  EXPECT_EQ(test::header(record, "ce_id"), notification["eventId"].GetString());
  EXPECT_EQ(test::header(record, "ce_source"), "urn:jumio-bridge:workflow");
  EXPECT_EQ(test::header(record, "ce_time"), "2024-05-02T09:16:04.518Z");
  // Nothing else: no event topic and no dead letter. Once the notification has come through the
  // pattern (every matching partition is assigned by then), nothing more arrives.
  test::Reader everything(bridge.broker().bootstraps(), {"^jumio\\..*"});
  auto first = everything.poll(seconds(15));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key, kSampleExecutionId);
  EXPECT_FALSE(everything.poll(milliseconds(1500)));
}

TEST(PlatformServe, TheBodyDecidesWhateverTheContentTypeAndTheTopicIsConfigurable) {
  test::Bridge bridge(
      [](config::Config& c) { c.topics.workflow_callbacks = "kyx.platform-callbacks"; });
  for (const char* type : {"application/json", "application/json; charset=UTF-8", "text/plain",
                           "application/x-www-form-urlencoded"}) {
    ASSERT_EQ(bridge.post(kSamplePlatformCallback, type), 200) << type;
  }
  auto client = bridge.client();
  auto without_type = client.Post(bridge.config().http.path, kSamplePlatformCallback, "");
  ASSERT_TRUE(without_type);
  EXPECT_EQ(without_type->status, 200);
  auto records = bridge.read({"kyx.platform-callbacks"}, 5);
  ASSERT_EQ(records.size(), 5u);
  for (const auto& record : records) EXPECT_EQ(record.key, kSampleExecutionId);
  // The same announcement five times: the same eventId, for consumers to drop duplicates.
  const std::string first = test::header(records[0], "ce_id");
  for (const auto& record : records) EXPECT_EQ(test::header(record, "ce_id"), first);
}

TEST(PlatformServe, DeadLettersAMalformedOneWholeAsPlatformInvalidAndAnswers200) {
  test::Bridge bridge;
  const std::string body = test::platform_callback_with("/account/id", R"("not-an-account-id")");
  ASSERT_EQ(bridge.post(body, "application/json"), 200);
  auto records = bridge.read({"jumio.deadletter"}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, kSampleExecutionId);
  EXPECT_EQ(test::header(records[0], "x-deadletter-reason"), "platform_invalid");
  auto letter = parse(records[0].value);
  EXPECT_EQ(std::string(letter["reason"].GetString()), "platform_invalid");
  EXPECT_EQ(std::string(letter["detail"].GetString()), "account.id is not a UUID");
  EXPECT_EQ(std::string(letter["body"].GetString()), body);
  EXPECT_EQ(std::string(letter["contentType"].GetString()), "application/json");
  EXPECT_TRUE(MatchesSchema(records[0].value, "deadletter.schema.json"));
  EXPECT_TRUE(bridge.read({"jumio.workflow.callbacks"}, 1, milliseconds(1000)).empty());
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("jumio_bridge_deadletters_total{reason=\"platform_invalid\"} 1"),
            std::string::npos)
      << metrics->body;
}

TEST(PlatformServe, LegacyAndPlatformCallbacksShareTheEndpoint) {
  test::Bridge bridge;
  ASSERT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  ASSERT_EQ(bridge.post(test::platform_callback_with_status("ACQUIRED"), "application/json"), 200);
  ASSERT_EQ(bridge.post(kSampleAuthenticationPassed), 200);
  auto records = bridge.read({"^jumio\\..*"}, 3);
  ASSERT_EQ(records.size(), 3u);
  auto on = [&records](const std::string& topic) {
    return std::count_if(records.begin(), records.end(),
                         [&](const auto& r) { return r.topic == topic; });
  };
  EXPECT_EQ(on("jumio.netverify.approved_verified"), 1);
  EXPECT_EQ(on("jumio.authentication.passed"), 1);
  EXPECT_EQ(on("jumio.workflow.callbacks"), 1);
  for (const auto& record : records) EXPECT_TRUE(EventMatchesSchema(record.value)) << record.topic;
  // A JSON body that is no platform callback is what it was before: not a form.
  ASSERT_EQ(bridge.post(R"({"scanReference":"x"})", "application/json"), 200);
  auto letters = bridge.read({"jumio.deadletter"}, 1);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(test::header(letters[0], "x-deadletter-reason"), "not_form_urlencoded");
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("jumio_bridge_callbacks_total{type=\"workflow\",status=\"acquired\"} 1"),
      std::string::npos)
      << metrics->body;
}

TEST(PlatformServe, AnswersOnlyAfterTheBrokerHasTheNotification) {
  test::Bridge bridge([](config::Config& c) {
    c.http.delivery_timeout_ms = 30000;
    c.spool.ack_timeout_ms = 20000;
  });
  ASSERT_EQ(bridge.post(kSamplePlatformCallback, "application/json"), 200);
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  const std::string expired = test::platform_callback_with_status("TOKEN_EXPIRED");
  auto answer =
      std::async(std::launch::async, [&] { return bridge.post(expired, "application/json"); });
  EXPECT_EQ(answer.wait_for(seconds(2)), std::future_status::timeout)
      << "answered while the broker could not have the record";
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  ASSERT_EQ(answer.get(), 200);
  auto records = bridge.read({"jumio.workflow.callbacks"}, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(std::string(parse(records[1].value)["workflowStatus"].GetString()), "TOKEN_EXPIRED");
}

TEST(PlatformServe, WithKafkaDownTheNotificationIsSpooledAnsweredAndPublishedLater) {
  test::Bridge bridge([](config::Config& c) { c.spool.ack_timeout_ms = 300; });
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(bridge.post(kSamplePlatformCallback, "application/json"), 200);
  // Kafka's acknowledgement was waited for (spool.ack_timeout_ms), then the fsynced spool answered.
  const auto waited = std::chrono::steady_clock::now() - posted;
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(waited, seconds(5));
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  auto records = bridge.read({"jumio.workflow.callbacks"}, 1, seconds(30));
  ASSERT_EQ(records.size(), 1u) << "the spooled notification is published once Kafka is back";
  EXPECT_EQ(records[0].key, kSampleExecutionId);
  EXPECT_EQ(std::string(parse(records[0].value)["accountId"].GetString()), kSampleAccountId);
}

TEST(PlatformServe, UndocumentedStatusesAreStoredAndCountedAsOther) {
  test::Bridge bridge;
  for (const char* status : {"ACQUISITION_STARTED", "SOMETHING_NEW", "yet-another"}) {
    ASSERT_EQ(bridge.post(test::platform_callback_with_status(status), "application/json"), 200)
        << status;
  }
  auto records = bridge.read({"jumio.workflow.callbacks"}, 3);
  ASSERT_EQ(records.size(), 3u);
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(
      metrics->body.find("jumio_bridge_callbacks_total{type=\"workflow\",status=\"other\"} 3"),
      std::string::npos)
      << metrics->body;
  EXPECT_EQ(metrics->body.find("something_new"), std::string::npos);
}

}  // namespace
}  // namespace jb
