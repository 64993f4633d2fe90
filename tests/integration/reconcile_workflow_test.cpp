// Jumio Platform callbacks end to end: posted to a running bridge (serve, in process, on a
// mock-cluster broker over TCP), stored as notifications, and turned into workflow events by the
// `jumio-bridge reconcile` binary against a fake Jumio platform (OAuth2 token endpoint and
// Retrieval API v1 over TLS), whatever fails in between.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "callback/timestamp.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "support/bridge.h"
#include "support/fake_platform.h"
#include "support/platform_callbacks.h"
#include "support/process.h"
#include "support/reader.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::PlatformEndpoint;

const char* const kWorkflowEvents = "^jumio\\.workflow\\.(passed|rejected|warning|not_executed)$";

std::string execution(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "22222222-2222-4222-a222-%012d", n);
  return id;
}

// The sample platform callback for another execution (and status).
std::string callback_for(const std::string& execution_id, const std::string& status = "PROCESSED") {
  std::string body =
      test::platform_callback_with("/workflowExecution/id", ("\"" + execution_id + "\"").c_str());
  const std::string quoted = "\"" + status + "\"";
  // platform_callback_with takes one pointer at a time: the status on top of the id.
  const std::string marker = "\"status\":\"PROCESSED\"";
  const size_t at = body.find(marker);
  if (at != std::string::npos) body.replace(at, marker.size(), "\"status\":" + quoted);
  return body;
}

class ReconcileWorkflow : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(platform_.running());
    bridge_ = std::make_unique<test::Bridge>();
    dir_ = test::temp_dir("jb-reconcile-workflow");
    std::filesystem::create_directories(dir_ + "/spool");
    // kafka.brokers: embedded, pointing at the bridge's cluster (and a short session timeout,
    // so an instance started after a kill -9 gets the partitions within seconds).
    std::ofstream(kafka::embedded_address_file(dir_ + "/spool"))
        << bridge_->broker().bootstraps() << "\n";
    write_config(100);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN", platform_.options().client_id.c_str(), 1);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", platform_.options().client_secret.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN");
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET");
    std::filesystem::remove_all(dir_);
  }

  void write_config(int rate) {
    config_path_ = dir_ + "/config.yaml";
    std::ofstream(config_path_) << "kafka:\n  brokers: embedded\nspool:\n  dir: \"" << dir_
                                << "/spool\"\nlog:\n  level: info\nretrieval:\n"
                                << "  platform_base_url: \"" << platform_.base_url() << "\"\n"
                                << "  token_url: \"" << platform_.token_url() << "\"\n"
                                << "  ca_file: \"" << platform_.ca_file() << "\"\n"
                                << "  user_agent: \"Jumio-Bridge Tests/1.0\"\n"
                                << "  max_requests_per_second: " << rate << "\n"
                                << "  max_attempts: 2\n  timeout_ms: 3000\n"
                                << "reconcile:\n  grace_s: 0\n  schedule_s: [1, 2]\n"
                                << "  daily_for_days: 0\n  admin_listen: \"127.0.0.1:0\"\n";
  }

  // Started and given its partitions of the workflow callbacks topic.
  std::unique_ptr<test::Child> start_reconcile() {
    auto child = std::make_unique<test::Child>(
        std::vector<std::string>{"reconcile", "--config", config_path_});
    EXPECT_TRUE(child->has_written("workflow callback partitions assigned", seconds(40)))
        << child->output();
    return child;
  }
  static void stop(test::Child& child) {
    child.signal(SIGTERM);
    EXPECT_EQ(child.wait(seconds(15)), 0) << child.output();
  }

  void post(const std::string& body) { ASSERT_EQ(bridge_->post(body, "application/json"), 200); }

  std::vector<kafka::ConsumedMessage> events(size_t count, milliseconds timeout) {
    return bridge_->read({kWorkflowEvents}, count, timeout);
  }
  // The events of one execution among the first `count` workflow events.
  std::vector<kafka::ConsumedMessage> events_of(const std::string& execution_id, size_t count,
                                                milliseconds timeout) {
    std::vector<kafka::ConsumedMessage> out;
    for (auto& event : events(count, timeout))
      if (event.key == execution_id) out.push_back(std::move(event));
    return out;
  }
  size_t details_requests(const std::string& execution_id, int status = -1) const {
    size_t count = 0;
    for (const auto& request : platform_.requests()) {
      if (request.execution == execution_id && request.endpoint == PlatformEndpoint::details &&
          (status < 0 || request.status == status))
        ++count;
    }
    return count;
  }
  template <class Predicate>
  static bool eventually(Predicate predicate, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }

  test::FakePlatform platform_;
  std::unique_ptr<test::Bridge> bridge_;
  std::string dir_;
  std::string config_path_;
};

TEST_F(ReconcileWorkflow, APlatformCallbackBecomesExactlyOneWorkflowEvent) {
  auto reconcile = start_reconcile();
  post(test::kSamplePlatformCallback);
  const auto stored = bridge_->read({"jumio.workflow.callbacks"}, 1, seconds(10));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].key, test::kSampleExecutionId);

  auto published = events(1, seconds(20));
  ASSERT_EQ(published.size(), 1u) << reconcile->output();
  const auto& event = published[0];
  EXPECT_EQ(event.topic, "jumio.workflow.passed");
  EXPECT_EQ(event.key, test::kSampleExecutionId);
  EXPECT_EQ(test::header_of(event, "ce_source"), "urn:jumio-bridge:workflow:retrieval");
  EXPECT_NE(event.value.find("\"status\":\"PASSED\""), std::string::npos) << event.value;
  EXPECT_NE(event.value.find("\"callbackType\":\"WORKFLOW\""), std::string::npos);
  EXPECT_NE(event.value.find("\"origin\":\"retrieval\""), std::string::npos);
  EXPECT_EQ(event.value.find("https://"), std::string::npos) << "no URL of the answer";

  // Jumio repeats the callback: nothing more is fetched or published.
  post(test::kSamplePlatformCallback);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(events(2, seconds(2)).size(), 1u);
  EXPECT_EQ(details_requests(test::kSampleExecutionId), 1u);
  for (const auto& request : platform_.requests()) {
    EXPECT_EQ(request.authorization, test::AuthorizationKind::bearer);
    EXPECT_TRUE(request.token_valid);
    EXPECT_EQ(request.user_agent, "Jumio-Bridge Tests/1.0");
    EXPECT_EQ(request.endpoint, PlatformEndpoint::details);  // a notification needs no status
  }
  EXPECT_EQ(platform_.tokens_issued(), 1u);
  // No token and no personal data in reconcile's output.
  for (const auto& token : platform_.token_requests())
    EXPECT_EQ(reconcile->output().find(token.token), std::string::npos);
  EXPECT_EQ(reconcile->output().find("SACRAMENTO"), std::string::npos);
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, EveryDecisionGoesToItsTopicAndOtherStatusesFetchNothing) {
  const std::pair<const char*, const char*> decisions[] = {
      {"PASSED", "jumio.workflow.passed"},
      {"REJECTED", "jumio.workflow.rejected"},
      {"WARNING", "jumio.workflow.warning"},
      {"NOT_EXECUTED", "jumio.workflow.not_executed"}};
  for (int i = 0; i < 4; ++i) {
    test::DetailsOptions details;
    details.decision_type = decisions[i].first;
    details.decision_label = decisions[i].first;
    if (i == 3) details = test::token_expired_details();
    platform_.set_workflow(execution(i), i == 3 ? "TOKEN_EXPIRED" : "PROCESSED", details);
  }
  auto reconcile = start_reconcile();
  for (int i = 0; i < 4; ++i)
    post(callback_for(execution(i), i == 3 ? "TOKEN_EXPIRED" : "PROCESSED"));
  post(callback_for(execution(9), "INITIATED"));
  post(callback_for(execution(10), "ACQUIRED"));
  auto published = events(4, seconds(20));
  ASSERT_EQ(published.size(), 4u) << reconcile->output();
  std::map<std::string, std::string> topics;
  for (const auto& event : published) topics[event.key] = event.topic;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(topics[execution(i)], decisions[i].second) << i;
  EXPECT_EQ(platform_.request_count(execution(9)), 0u);
  EXPECT_EQ(platform_.request_count(execution(10)), 0u);
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, AForgedHrefIsNeverFollowed) {
  test::FakePlatform attacker;
  ASSERT_TRUE(attacker.running());
  auto reconcile = start_reconcile();
  const std::string forged_href = "\"" + attacker.base_url() + "/api/v1/accounts/" +
                                  test::kSampleAccountId + "/workflow-executions/" +
                                  test::kSampleExecutionId + "\"";
  std::string body = test::platform_callback_with("/workflowExecution/href", forged_href.c_str());
  post(body);
  ASSERT_EQ(events(1, seconds(20)).size(), 1u) << reconcile->output();
  EXPECT_EQ(details_requests(test::kSampleExecutionId), 1u);  // asked at the configured base
  EXPECT_TRUE(attacker.requests().empty());
  EXPECT_TRUE(attacker.token_requests().empty());
  const auto stored = bridge_->read({"jumio.workflow.callbacks"}, 1, seconds(5));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].value.find("127.0.0.1"), std::string::npos) << "the href is not stored";
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, AnApiOutageWhileCallbacksKeepArrivingDelaysEveryEventAndLosesNone) {
  auto reconcile = start_reconcile();
  platform_.set_outage(test::FakePlatform::Outage::unavailable);
  for (int i = 0; i < 20; ++i) {
    post(callback_for(execution(100 + i)));  // serve answers 200: it never calls Jumio
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(eventually([&] { return platform_.requests().size() >= 40; }, seconds(20)));
  EXPECT_TRUE(events(1, seconds(1)).empty());
  platform_.set_outage(test::FakePlatform::Outage::none);
  auto published = events(20, seconds(60));
  ASSERT_EQ(published.size(), 20u) << reconcile->output();
  std::set<std::string> keys;
  for (const auto& event : published) keys.insert(event.key);
  EXPECT_EQ(keys.size(), 20u);
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(events(21, seconds(2)).size(), 20u);
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, KilledBetweenFetchAndPublishTheNextInstancePublishesTheSameEvent) {
  // The details answer takes 3 s: reconcile is killed while it waits for it.
  platform_.script(PlatformEndpoint::details, test::kSampleExecutionId,
                   {[] {
                      test::ScriptedAnswer slow;
                      slow.delay = seconds(3);
                      return slow;
                    }(),
                    test::ScriptedAnswer{}});
  auto first = start_reconcile();
  post(test::kSamplePlatformCallback);
  ASSERT_TRUE(
      eventually([&] { return details_requests(test::kSampleExecutionId) == 1; }, seconds(20)))
      << first->output();
  first->signal(SIGKILL);
  first->wait(seconds(5));
  std::this_thread::sleep_for(seconds(4));  // the slow answer went to a dead process
  EXPECT_TRUE(events(1, seconds(1)).empty());

  auto second = start_reconcile();
  auto published = events_of(test::kSampleExecutionId, 1, seconds(30));
  ASSERT_EQ(published.size(), 1u) << second->output();
  const std::string event_id = test::header_of(published[0], "ce_id");
  EXPECT_FALSE(event_id.empty());
  // Killed again right after the event was acknowledged, perhaps before its offset was
  // committed: a third instance publishes nothing new, or the same event again.
  second->signal(SIGKILL);
  second->wait(seconds(5));
  auto third = start_reconcile();
  std::this_thread::sleep_for(seconds(3));
  const auto all = events(3, seconds(2));
  ASSERT_GE(all.size(), 1u);
  ASSERT_LE(all.size(), 2u);
  for (const auto& event : all) EXPECT_EQ(test::header_of(event, "ce_id"), event_id);
  stop(*third);
}

TEST_F(ReconcileWorkflow, ExpiredAndRevokedTokensAreReplacedWithoutLosingAnEvent) {
  platform_.set_token_lifetime(seconds(2));
  auto reconcile = start_reconcile();
  for (int i = 0; i < 3; ++i) {
    post(callback_for(execution(200 + i)));
    ASSERT_EQ(events(static_cast<size_t>(i + 1), seconds(20)).size(), static_cast<size_t>(i + 1));
    std::this_thread::sleep_for(milliseconds(1500));
  }
  EXPECT_GE(platform_.tokens_issued(), 2u);  // renewed before (or as) the first one expired
  // A long-lived token from now on: once the short ones expired, the next event gets one.
  platform_.set_token_lifetime(seconds(3600));
  std::this_thread::sleep_for(milliseconds(2100));
  post(callback_for(execution(205)));
  ASSERT_EQ(events(4, seconds(20)).size(), 4u) << reconcile->output();
  platform_.revoke_tokens();  // the cached token is refused: 401, a new token, one retry
  post(callback_for(execution(210)));
  ASSERT_EQ(events(5, seconds(20)).size(), 5u) << reconcile->output();
  EXPECT_EQ(details_requests(execution(210), 401), 1u);
  EXPECT_EQ(details_requests(execution(210), 200), 1u);
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, TooManyRequestsWaitsForRetryAfter) {
  test::ScriptedAnswer too_many = test::scripted(
      429, R"({"title":"Too Many Requests","status":429,"detail":"Request limit exceeded"})");
  too_many.headers = {{"Retry-After", "1"}};
  platform_.script(PlatformEndpoint::details, test::kSampleExecutionId,
                   {too_many, test::ScriptedAnswer{}});
  auto reconcile = start_reconcile();
  post(test::kSamplePlatformCallback);
  ASSERT_EQ(events(1, seconds(20)).size(), 1u) << reconcile->output();
  std::vector<test::PlatformRequest> asked;
  for (const auto& request : platform_.requests())
    if (request.endpoint == PlatformEndpoint::details) asked.push_back(request);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].status, 429);
  EXPECT_EQ(asked[1].status, 200);
  EXPECT_GE(asked[1].time - asked[0].time, milliseconds(900));
  stop(*reconcile);
}

TEST_F(ReconcileWorkflow, AForbiddenAnswerStopsReconcileWith78AndTheNotificationWaits) {
  platform_.script(PlatformEndpoint::details, test::kSampleExecutionId,
                   {test::scripted(403, R"({"message":"Forbidden"})")});
  auto first = start_reconcile();
  post(test::kSamplePlatformCallback);
  EXPECT_EQ(first->wait(seconds(20)), 78) << first->output();
  EXPECT_EQ(platform_.tokens_issued(), 1u) << "a 403 is not a token problem";
  EXPECT_TRUE(events(1, seconds(1)).empty());
  // The credentials fixed: the notification was not committed, and its event comes.
  platform_.script(PlatformEndpoint::details, test::kSampleExecutionId, {test::ScriptedAnswer{}});
  auto second = start_reconcile();
  ASSERT_EQ(events(1, seconds(30)).size(), 1u) << second->output();
  stop(*second);
}

TEST_F(ReconcileWorkflow, AnExpectedWorkflowWithoutACallbackIsAskedOnTheStatusEndpoint) {
  // One execution whose callback never comes, still running at the first ask; one whose
  // callback comes: its workflow event settles it, and its status is never asked.
  const std::string missed = execution(300);
  const std::string called = execution(301);
  platform_.script(
      PlatformEndpoint::status, missed,
      {test::scripted(200, test::workflow_status_body(test::kSampleAccountId, missed, "ACQUIRED")),
       test::scripted(200,
                      test::workflow_status_body(test::kSampleAccountId, missed, "PROCESSED"))});
  ASSERT_EQ(rd_kafka_mock_topic_create(bridge_->broker().mock(), "jumio.expected", 4, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  auto reconcile = start_reconcile();
  ASSERT_TRUE(reconcile->has_written("expected partitions assigned", seconds(30)));
  post(callback_for(called));
  ASSERT_EQ(events_of(called, 1, seconds(20)).size(), 1u) << reconcile->output();
  std::string error;
  auto producer = kafka::Producer::create(bridge_->broker().bootstraps(), {}, &error);
  ASSERT_TRUE(producer) << error;
  const std::string initiated = callback::format_timestamp(std::chrono::system_clock::now());
  std::vector<route::Record> expected;
  for (const std::string& id : {missed, called}) {
    expected.push_back({"jumio.expected",
                        id,
                        R"({"reference":")" + id + R"(","kind":"workflow","accountId":")" +
                            test::kSampleAccountId + R"(","initiatedAt":")" + initiated + R"("})",
                        {}});
  }
  test::produce_acknowledged(*producer, expected);
  // schedule_s [1, 2]: ACQUIRED at the first ask, PROCESSED at the second, then the details.
  auto published = events_of(missed, 2, seconds(30));  // the two events: `called`'s and this
  ASSERT_EQ(published.size(), 1u) << reconcile->output();
  EXPECT_EQ(published[0].topic, "jumio.workflow.passed");
  size_t status_asks = 0;
  for (const auto& request : platform_.requests()) {
    if (request.execution == called) {
      EXPECT_NE(request.endpoint, PlatformEndpoint::status);
    }
    if (request.execution == missed && request.endpoint == PlatformEndpoint::status) ++status_asks;
  }
  EXPECT_EQ(status_asks, 2u);
  EXPECT_EQ(details_requests(missed), 1u);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(events(3, seconds(2)).size(), 2u);  // one event each
  stop(*reconcile);
}

}  // namespace
}  // namespace jb
