// `jumio-bridge reconcile` as a service: the binary against a fake Jumio Retrieval API over TLS and
// a mock-cluster broker over TCP; the schedule in seconds so each test runs in seconds.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "route/router.h"
#include "support/callbacks.h"
#include "support/fake_retrieval_api.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/reader.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::RetrievalEndpoint;
using test::ScriptedAnswer;

const char* const kEventTopics = "^jumio\\.(netverify|authentication|document)\\..*";

ScriptedAnswer answer(int status, std::string body) {
  ScriptedAnswer scripted;
  scripted.status = status;
  scripted.body = std::move(body);
  return scripted;
}

std::string header(const kafka::ConsumedMessage& message, const std::string& name) {
  for (const auto& [key, value] : message.headers)
    if (key == name) return value;
  return "";
}

class Reconcile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.running());
    std::string error;
    cluster_ = kafka::EmbeddedCluster::start(1, &error);
    ASSERT_TRUE(cluster_) << error;
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_->mock(), "jumio.expected", 4, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    producer_ = kafka::Producer::create(cluster_->bootstraps(), {}, &error);
    ASSERT_TRUE(producer_) << error;
    dir_ = test::temp_dir("jb-reconcile");
    std::filesystem::create_directories(dir_ + "/spool");
    std::ofstream(kafka::embedded_address_file(dir_ + "/spool")) << cluster_->bootstraps() << "\n";
    write_config("[1, 2, 3]", 100);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN", api_.options().api_token.c_str(), 1);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", api_.options().api_secret.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN");
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET");
    std::filesystem::remove_all(dir_);
  }

  void write_config(const std::string& schedule, int rate, int grace_s = 0) {
    config_path_ = dir_ + "/config.yaml";
    std::ofstream(config_path_) << "kafka:\n  brokers: embedded\nspool:\n  dir: \"" << dir_
                                << "/spool\"\nlog:\n  level: info\nretrieval:\n  base_url: \""
                                << api_.base_url() << "\"\n  ca_file: \"" << api_.ca_file()
                                << "\"\n  user_agent: \"Jumio-Bridge Tests/1.0\"\n"
                                << "  max_requests_per_second: " << rate
                                << "\n  max_attempts: 2\nreconcile:\n  grace_s: " << grace_s
                                << "\n  schedule_s: " << schedule
                                << "\n  daily_for_days: 0\n  admin_listen: \"127.0.0.1:0\"\n";
  }

  std::unique_ptr<test::Child> start_reconcile() {
    auto child = std::make_unique<test::Child>(
        std::vector<std::string>{"reconcile", "--config", config_path_});
    EXPECT_NE(child->wait_for_line("asking begins", seconds(20)), "");
    if (HasFailure()) ADD_FAILURE() << child->output();
    return child;
  }

  void produce(const route::Record& record) {
    auto promise = std::make_shared<std::promise<bool>>();
    auto acked = promise->get_future();
    std::string error;
    ASSERT_TRUE(producer_->produce(
        record, [promise](const kafka::Delivery& d) { promise->set_value(d.persisted); },
        seconds(5), &error))
        << error;
    ASSERT_EQ(acked.wait_for(seconds(10)), std::future_status::ready);
    ASSERT_TRUE(acked.get());
  }

  void expect_reference(const std::string& reference, const std::string& kind = "netverify",
                        std::chrono::system_clock::time_point initiated_at =
                            std::chrono::system_clock::now()) {
    route::Record record;
    record.topic = "jumio.expected";
    record.key = reference;
    record.value = "{\"reference\":\"" + reference + "\",\"kind\":\"" + kind +
                   "\",\"initiatedAt\":\"" + callback::format_timestamp(initiated_at) + "\"}";
    produce(record);
  }

  // The callback's event for the reference, published as the daemon publishes it.
  void callback_arrives(const std::string& reference) {
    FormFields fields = netverify_status_fields("APPROVED_VERIFIED");
    for (auto& [name, value] : fields)
      if (name == "jumioIdScanReference") value = reference;
    auto event = callback::normalize(
        {form_encode(fields), "application/x-www-form-urlencoded", std::chrono::system_clock::now()});
    ASSERT_TRUE(event.ok());
    produce(route::Router(config::TopicsConfig{}).event_record(event.value()));
  }

  std::vector<kafka::ConsumedMessage> events(size_t count, milliseconds timeout) {
    return test::read_records(cluster_->bootstraps(), {kEventTopics}, count, timeout);
  }

  size_t status_requests(const std::string& reference) {
    size_t count = 0;
    for (const auto& request : api_.requests())
      if (request.reference == reference && request.endpoint == RetrievalEndpoint::scan_status)
        ++count;
    return count;
  }

  test::FakeRetrievalApi api_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<kafka::Producer> producer_;
  std::string dir_;
  std::string config_path_;
};

TEST_F(Reconcile, ExpectedWithoutCallbackIsPublishedOnceFromTheRetrievalApi) {
  auto reconcile = start_reconcile();
  const std::string ref = "c0ffee00-0000-4000-8000-000000000001";
  expect_reference(ref);
  auto published = events(1, seconds(15));
  reconcile->wait_for_line("never printed", milliseconds(100));
  ASSERT_EQ(published.size(), 1u) << reconcile->output();
  EXPECT_EQ(published.front().key, ref);
  EXPECT_EQ(header(published.front(), "ce_source"), "urn:jumio-bridge:netverify:retrieval");
  // Past the whole schedule: still one event, and one status ask and one details request.
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(events(2, seconds(2)).size(), 1u);
  EXPECT_EQ(api_.request_count(ref), 2u);
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(15)), 0);
}

TEST_F(Reconcile, ExpectedWithACallbackMakesNoApiCall) {
  write_config("[1, 2, 3]", 100, 2);
  auto reconcile = start_reconcile();
  const std::string early = "c0ffee00-0000-4000-8000-000000000002";
  const std::string late = "c0ffee00-0000-4000-8000-000000000003";
  callback_arrives(early);  // the callback before the expected record
  expect_reference(early);
  expect_reference(late);
  callback_arrives(late);  // within the grace (the first ask is 3 s after initiatedAt)
  std::this_thread::sleep_for(seconds(7));
  EXPECT_EQ(api_.request_count(early), 0u);
  EXPECT_EQ(api_.request_count(late), 0u);
  EXPECT_EQ(events(3, seconds(2)).size(), 2u);  // only the two callbacks' events
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(15)), 0);
}

TEST_F(Reconcile, KilledMidScheduleResumesAndPublishesExactlyOnce) {
  // Asks 4 and 5 s after initiatedAt, then from 25 s on: a restarted instance rejoins the group
  // once the killed one's session expired (about 10 s) and still has asks ahead.
  write_config("[4, 5, 25, 27, 29, 31]", 100);
  const std::string ref = "c0ffee00-0000-4000-8000-000000000004";
  const std::string pending = test::scan_status_body(ref, "PENDING");
  api_.script(RetrievalEndpoint::scan_status, ref,
              {answer(200, pending), answer(200, pending), answer(200, pending),
               answer(200, test::scan_status_body(ref, "DONE"))});
  auto first = start_reconcile();
  expect_reference(ref);
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (status_requests(ref) < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(50));
  ASSERT_GE(status_requests(ref), 2u);
  first->signal(SIGKILL);
  first->wait(seconds(5));
  const size_t before_restart = status_requests(ref);

  auto second = start_reconcile();
  auto published = events(1, seconds(45));
  second->wait_for_line("never printed", milliseconds(100));
  ASSERT_EQ(published.size(), 1u) << second->output();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(events(2, seconds(2)).size(), 1u);
  // The schedule went on where it stopped: PENDING three times, then DONE. An ask whose state
  // record the kill lost is not made again: the next one is the next still ahead.
  EXPECT_EQ(status_requests(ref), 4u) << "before the restart: " << before_restart;
  EXPECT_EQ(api_.request_count(ref), 5u);  // and the details once
  second->signal(SIGTERM);
  EXPECT_EQ(second->wait(seconds(15)), 0);
}

TEST_F(Reconcile, RefusedCredentialsStopTheServiceWithExit78AndNoRetryStorm) {
  setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", "not-the-secret", 1);
  auto reconcile = start_reconcile();
  expect_reference("c0ffee00-0000-4000-8000-000000000005");
  expect_reference("c0ffee00-0000-4000-8000-000000000006");
  EXPECT_EQ(reconcile->wait(seconds(15)), 78);
  EXPECT_EQ(api_.requests().size(), 1u);
  EXPECT_EQ(reconcile->output().find("not-the-secret"), std::string::npos);
}

}  // namespace
}  // namespace jb
