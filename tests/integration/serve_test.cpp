// The real serve code over HTTP on port 0, against a mock-cluster broker over TCP.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "callback/form.h"
#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/schema.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  EXPECT_FALSE(document.HasParseError()) << json.substr(0, 200);
  return document;
}

TEST(Serve, PublishesEachSampleToItsTopicWithKeyHeadersAndEvent) {
  test::Bridge bridge;
  struct Case {
    std::string body;
    std::string topic;
    std::string type;
  };
  const Case cases[] = {
      {kSampleNetverifyApproved, "jumio.netverify.approved_verified", "NETVERIFYID"},
      {kSampleNetverifyFraud, "jumio.netverify.denied_fraud", "NETVERIFYID"},
      {kSampleAuthenticationPassed, "jumio.authentication.passed", "NETVERIFY_AUTHENTICATION"},
      {kSampleDocumentUploaded, "jumio.document.uploaded", "DOCUMENT_VERIFICATION"},
      {kSampleDocumentExtracted, "jumio.document.extracted", "DOCUMENT_VERIFICATION"},
      {kSampleDocumentDiscarded, "jumio.document.discarded", "DOCUMENT_VERIFICATION"},
  };
  for (const auto& c : cases) ASSERT_EQ(bridge.post(c.body), 200) << c.topic;

  auto records = bridge.read({"^jumio\\..*"}, std::size(cases));
  ASSERT_EQ(records.size(), std::size(cases));
  for (const auto& c : cases) {
    auto found = std::find_if(records.begin(), records.end(),
                              [&](const auto& r) { return r.topic == c.topic; });
    ASSERT_NE(found, records.end()) << c.topic;
    const auto& record = *found;
    EXPECT_EQ(record.topic, c.topic);
    EXPECT_EQ(record.key, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    auto event = parse(record.value);
    EXPECT_EQ(std::string(event["callbackType"].GetString()), c.type);
    EXPECT_EQ(std::string(event["reference"].GetString()), record.key);
    EXPECT_TRUE(EventMatchesSchema(record.value));
    EXPECT_EQ(test::header(record, "content-type"), "application/json");
    EXPECT_EQ(test::header(record, "ce_specversion"), "1.0");
    EXPECT_EQ(test::header(record, "ce_id"), event["eventId"].GetString());
    EXPECT_EQ(test::header(record, "ce_type"), "com.jumio." + c.topic.substr(6));
    EXPECT_FALSE(test::header(record, "ce_source").empty());
    EXPECT_FALSE(test::header(record, "ce_time").empty());
  }
}

TEST(Serve, DeadLettersAnUnroutableCallbackWholeAndAnswers200) {
  test::Bridge bridge;
  const std::string body =
      "callBackType=NETVERIFYID&jumioIdScanReference=ref-1&verificationStatus=MAYBE";
  ASSERT_EQ(bridge.post(body), 200);
  auto records = bridge.read({"jumio.deadletter"}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "ref-1");
  EXPECT_EQ(test::header(records[0], "x-deadletter-reason"), "unknown_status");
  auto record = parse(records[0].value);
  EXPECT_EQ(std::string(record["body"].GetString()), body);
  EXPECT_EQ(std::string(record["reason"].GetString()), "unknown_status");
  EXPECT_EQ(std::string(record["remoteAddr"].GetString()), "127.0.0.1");
  EXPECT_EQ(record["attempts"].GetInt(), 1);
  EXPECT_TRUE(MatchesSchema(records[0].value, "deadletter.schema.json"));
}

TEST(Serve, AnswersOnlyAfterTheBrokerHasTheRecord) {
  // With the spool's wait longer than the outage, the answer can only come from the broker.
  test::Bridge bridge([](config::Config& c) {
    c.http.delivery_timeout_ms = 30000;
    c.spool.ack_timeout_ms = 20000;
  });
  // Warm up so the producer knows the cluster, then take the broker down.
  ASSERT_EQ(bridge.post(kSampleAuthenticationPassed), 200);
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);

  auto answer = std::async(std::launch::async, [&] { return bridge.post(kSampleNetverifyFraud); });
  EXPECT_EQ(answer.wait_for(seconds(2)), std::future_status::timeout)
      << "answered while the broker could not have the record";
  EXPECT_TRUE(bridge.read({"jumio.netverify.denied_fraud"}, 1, milliseconds(500)).empty());

  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  ASSERT_EQ(answer.get(), 200);
  // The 200 means the broker has it: it is readable at once.
  EXPECT_EQ(bridge.read({"jumio.netverify.denied_fraud"}, 1).size(), 1u);
}

TEST(Serve, Answers503WhenKafkaDoesNotAcknowledgeInTime) {
  test::Bridge bridge([](config::Config& c) { c.http.delivery_timeout_ms = 500; });
  // The first callback also waits for the topic's metadata: allow it a few tries.
  int warm_up = 0;
  int attempts = 0;
  for (; attempts < 10 && warm_up != 200; ++attempts)
    warm_up = bridge.post(kSampleAuthenticationPassed);
  ASSERT_EQ(warm_up, 200);
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  auto client = bridge.client();
  auto result = client.Post(bridge.config().http.path, kSampleNetverifyFraud,
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->get_header_value("Retry-After"), "5");
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  // Every warm-up attempt that was not acknowledged in time, and the callback above.
  EXPECT_NE(metrics->body.find("jumio_bridge_producer_errors_total{error=\"ack_timeout\"} " +
                               std::to_string(attempts) + "\n"),
            std::string::npos)
      << metrics->body;
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
}

TEST(Serve, ClosesConnectionsFromDisallowedAddressesAndPublishesNothing) {
  test::Bridge bridge([](config::Config& c) { c.security.allow = {"10.0.0.0/8"}; });
  EXPECT_EQ(bridge.post(kSampleNetverifyApproved), -1);
  EXPECT_TRUE(bridge.read({"^jumio\\..*"}, 1, milliseconds(1500)).empty());
}

TEST(Serve, AnswersOtherPathsAndMethodsAsHttpRequires) {
  test::Bridge bridge;
  auto client = bridge.client();
  auto other_path = client.Post("/elsewhere", "a=b", "application/x-www-form-urlencoded");
  ASSERT_TRUE(other_path);
  EXPECT_EQ(other_path->status, 404);
  auto get = client.Get(bridge.config().http.path);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto put = client.Put(bridge.config().http.path, "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  auto unknown = client.send([&] {
    httplib::Request request;
    request.method = "BREW";
    request.path = bridge.config().http.path;
    return request;
  }());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 501);
  // The admin endpoints are only on the admin listener.
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    auto on_callbacks = client.Get(path);
    ASSERT_TRUE(on_callbacks);
    EXPECT_EQ(on_callbacks->status, 404) << path;
  }
  auto admin = bridge.admin_client();
  auto health = admin.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto ready = admin.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto head = admin.Head("/metrics");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  auto post_admin = admin.Post("/healthz", "", "text/plain");
  ASSERT_TRUE(post_admin);
  EXPECT_EQ(post_admin->status, 405);
  EXPECT_EQ(post_admin->get_header_value("Allow"), "GET, HEAD");
  auto callback_on_admin = admin.Post(bridge.config().http.path, kSampleNetverifyApproved,
                                      "application/x-www-form-urlencoded");
  ASSERT_TRUE(callback_on_admin);
  EXPECT_EQ(callback_on_admin->status, 404) << "the admin listener never takes a callback";
}

TEST(Serve, RejectsBodiesOverTheLimitWith413AndAcceptsLargeLegitimateCallbacks) {
  test::Bridge bridge([](config::Config& c) { c.http.max_body_bytes = 16384; });
  // A real callback of 12 KiB (Debian's cpp-httplib server refused form bodies over 8 KiB).
  std::string large = std::string(kSampleNetverifyApproved) + "&merchantReportingCriteria=" +
                      std::string(12 * 1024 - std::strlen(kSampleNetverifyApproved), 'x');
  EXPECT_EQ(bridge.post(large), 200);
  EXPECT_EQ(bridge.read({"jumio.netverify.approved_verified"}, 1).size(), 1u);

  std::string oversize = std::string(kSampleNetverifyApproved) + "&x=" + std::string(20000, 'y');
  EXPECT_EQ(bridge.post(oversize), 413);
}

TEST(Serve, CountsCallbacksAndAnswersInMetrics) {
  test::Bridge bridge;
  ASSERT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  ASSERT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  ASSERT_EQ(bridge.post("callBackType=SOMETHING_ELSE&x=1"), 200);
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "jumio_bridge_callbacks_total{type=\"netverify\",status=\"approved_verified\"} 2"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("jumio_bridge_deadletters_total{reason=\"unknown_kind\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("jumio_bridge_http_responses_total{code=\"200\"} 3"),
            std::string::npos);
  // All three were stored through Kafka: three persisted deliveries in the latency histogram.
  EXPECT_NE(metrics->body.find("jumio_bridge_kafka_delivery_seconds_count 3\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("jumio_bridge_kafka_delivery_seconds_bucket{le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_EQ(metrics->body.find("jumio_bridge_producer_errors_total{"), std::string::npos);
}

TEST(Serve, ReloadChangesRoutingWithoutRestart) {
  test::Bridge bridge;
  config::Config changed = bridge.config();
  changed.topics.overrides["netverify.denied_fraud"] = "fraud-alerts";
  bridge.daemon().reload(changed);
  ASSERT_EQ(bridge.post(kSampleNetverifyFraud), 200);
  EXPECT_EQ(bridge.read({"fraud-alerts"}, 1).size(), 1u);
}

}  // namespace
}  // namespace jb
