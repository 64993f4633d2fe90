// `jumio-bridge reconcile` as a service: the binary against a fake Jumio Retrieval API over TLS and
// a mock-cluster broker over TCP; the schedule in seconds so each test runs in seconds.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
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
                                << api_.base_url() << "\"\n  token_url: \"" << api_.token_url()
                                << "\"\n  ca_file: \"" << api_.ca_file()
                                << "\"\n  user_agent: \"Jumio-Bridge Tests/1.0\"\n"
                                << "  max_requests_per_second: " << rate
                                << "\n  max_attempts: 2\nreconcile:\n  grace_s: " << grace_s
                                << "\n  schedule_s: " << schedule
                                << "\n  daily_for_days: 0\n  admin_listen: \"127.0.0.1:0\"\n";
  }

  // Started, caught up, and given its partitions of the expected topic (its first group join takes
  // a few seconds; after a kill -9, until the killed member's session expired): asks made from now
  // on are on schedule.
  std::unique_ptr<test::Child> start_reconcile() {
    auto child = std::make_unique<test::Child>(
        std::vector<std::string>{"reconcile", "--config", config_path_});
    EXPECT_TRUE(child->has_written("asking begins", seconds(30)));
    EXPECT_TRUE(child->has_written("expected partitions assigned", seconds(30)));
    if (HasFailure()) ADD_FAILURE() << child->output();
    return child;
  }

  void produce(const route::Record& record) { test::produce_acknowledged(*producer_, {record}); }
  void produce_all(const std::vector<route::Record>& records) {
    test::produce_acknowledged(*producer_, records);
  }

  static route::Record expected_record(const std::string& reference,
                                       std::chrono::system_clock::time_point initiated_at) {
    route::Record record;
    record.topic = "jumio.expected";
    record.key = reference;
    record.value = "{\"reference\":\"" + reference +
                   "\",\"kind\":\"netverify\",\"initiatedAt\":\"" +
                   callback::format_timestamp(initiated_at) + "\"}";
    return record;
  }

  static route::Record callback_record(const std::string& reference) {
    FormFields fields = netverify_status_fields("APPROVED_VERIFIED");
    for (auto& [name, value] : fields)
      if (name == "jumioIdScanReference") value = reference;
    auto event = callback::normalize({form_encode(fields), "application/x-www-form-urlencoded",
                                      std::chrono::system_clock::now()});
    EXPECT_TRUE(event.ok());
    return route::Router(config::TopicsConfig{}).event_record(event.value());
  }

  // The admin port the child logged (before it logged that asking begins).
  static int admin_port(const test::Child& child) {
    const std::string& output = child.output();
    const size_t line = output.find("admin listening");
    const size_t at = line == std::string::npos ? line : output.find("\"port\":", line);
    return at == std::string::npos ? -1 : std::stoi(output.substr(at + 7));
  }

  // The value of one sample line of /metrics ("name{labels}"), -1 when absent.
  static double metric(int port, const std::string& sample) {
    test::RawConnection connection(port);
    connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const std::string body = connection.read_answer(seconds(5)).body;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
    }
    return -1;
  }

  void expect_reference(
      const std::string& reference, const std::string& kind = "netverify",
      std::chrono::system_clock::time_point initiated_at = std::chrono::system_clock::now()) {
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
    auto event = callback::normalize({form_encode(fields), "application/x-www-form-urlencoded",
                                      std::chrono::system_clock::now()});
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
  EXPECT_EQ(test::header_of(published.front(), "ce_source"),
            "urn:jumio-bridge:netverify:retrieval");
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
  api_.script(
      RetrievalEndpoint::scan_status, ref,
      {test::scripted(200, pending), test::scripted(200, pending), test::scripted(200, pending),
       test::scripted(200, test::scan_status_body(ref, "DONE"))});
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
  // The schedule went on where it stopped: PENDING three times, then DONE; the asks the restart
  // delayed keep their spacing.
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
  // The token endpoint's 401 is not retried and ends the service: at most the token requests
  // already in flight (one per worker, and here two references) were sent, and no API request.
  EXPECT_GE(api_.token_requests(), 1u);
  EXPECT_LE(api_.token_requests(), 2u);
  EXPECT_TRUE(api_.requests().empty());
  EXPECT_EQ(reconcile->output().find("not-the-secret"), std::string::npos);
}

TEST_F(Reconcile, UnmappableAnswerIsDeadLetteredAndAnUnfinishedOneIsGivenUp) {
  write_config("[4, 5]", 100);  // both asks after the group assigned the partitions (~3 s)
  const std::string failed = "c0ffee00-0000-4000-8000-000000000020";
  const std::string pending = "c0ffee00-0000-4000-8000-000000000021";
  // A FAILED scan whose details have no document status: it cannot become an event.
  api_.script(RetrievalEndpoint::scan_status, failed,
              {test::scripted(200, test::scan_status_body(failed, "FAILED"))});
  api_.script(RetrievalEndpoint::scan_details, failed,
              {test::scripted(200, test::scan_details_body(failed, "FAILED", ""))});
  api_.script(RetrievalEndpoint::scan_status, pending,
              {test::scripted(200, test::scan_status_body(pending, "PENDING"))});
  auto reconcile = start_reconcile();
  const int port = admin_port(*reconcile);
  expect_reference(failed);
  expect_reference(pending);
  auto letters = test::read_records(cluster_->bootstraps(), {"jumio.deadletter"}, 1, seconds(15));
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters.front().key, failed);
  EXPECT_EQ(test::header_of(letters.front(), "x-deadletter-reason"), "retrieval_invalid");
  rapidjson::Document letter;
  letter.Parse(letters.front().value.c_str());
  EXPECT_STREQ(letter["origin"].GetString(), "retrieval");
  const std::string given_up = reconcile->wait_for_line("reconcile: given up", seconds(15));
  EXPECT_NE(given_up.find(pending), std::string::npos) << given_up;
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(status_requests(pending), 2u);  // the two asks of the schedule, then no more
  EXPECT_EQ(status_requests(failed), 1u);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_given_up_total"), 1);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_settled_total{by=\"deadletter\"}"), 1);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_pending"), 0);
  EXPECT_TRUE(events(1, milliseconds(1500)).empty());
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(15)), 0);
}

TEST_F(Reconcile, TwoInstancesOfOneGroupNeverAskAboutTheSameReference) {
  // The event and state topics have the expected topic's four partitions: each instance reads
  // only the ones that match its share.
  for (const char* topic : {"jumio.netverify.approved_verified", "jumio.reconcile.state"}) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_->mock(), topic, 4, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  write_config("[3]", 100);
  auto first = start_reconcile();
  // The group rebalances: each ends with its share of the expected topic's four partitions.
  auto second = start_reconcile();
  std::this_thread::sleep_for(seconds(2));
  const int first_port = admin_port(*first);
  const int second_port = admin_port(*second);
  std::vector<route::Record> records;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 40; ++i) {
    records.push_back(
        expected_record("c0ffee00-0000-4000-8000-1000000000" + std::to_string(10 + i), now));
  }
  produce_all(records);
  auto published = events(40, seconds(30));
  std::this_thread::sleep_for(seconds(3));
  published = events(41, seconds(3));
  std::map<std::string, int> per_reference;
  for (const auto& record : published) ++per_reference[record.key];
  EXPECT_EQ(published.size(), 40u);
  EXPECT_EQ(per_reference.size(), 40u);
  for (const auto& record : records) {
    EXPECT_EQ(per_reference[record.key], 1) << record.key;
    EXPECT_EQ(api_.request_count(record.key), 2u) << record.key;  // one status, one details
  }
  const double first_reads = metric(first_port, "jumio_bridge_reconcile_settled_partitions");
  const double second_reads = metric(second_port, "jumio_bridge_reconcile_settled_partitions");
  std::cout << "[ figures  ] settled partitions read: " << first_reads << " and " << second_reads
            << " of 8\n";
  EXPECT_EQ(first_reads + second_reads, 8);
  EXPECT_GT(first_reads, 0);
  EXPECT_GT(second_reads, 0);
  first->signal(SIGTERM);
  second->signal(SIGTERM);
  EXPECT_EQ(first->wait(seconds(20)), 0);
  EXPECT_EQ(second->wait(seconds(20)), 0);
}

// The race of a callback that arrives while reconcile asks about its reference: the details take
// 2 s, and the callback's event is written 0.3 s after the status request (ten references) or
// after the details request (ten more). Each reference ends with one event, its callback's.
TEST_F(Reconcile, ACallbackThatArrivesDuringAnAskLeavesOneEventTwentyOfTwenty) {
  write_config("[1, 600]", 100);
  auto reconcile = start_reconcile();
  const int port = admin_port(*reconcile);
  std::vector<std::string> references;
  std::vector<route::Record> records;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 20; ++i) {
    const std::string ref = "c0ffee00-0000-4000-8000-4" + std::to_string(100000000000 + i);
    references.push_back(ref);
    ScriptedAnswer slow;
    slow.delay = milliseconds(2000);
    api_.script(RetrievalEndpoint::scan_details, ref, {slow});
    records.push_back(expected_record(ref, now));
  }
  produce_all(records);
  // Each callback 0.3 s after the request that triggers it.
  std::set<std::string> sent;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (sent.size() < references.size() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& request : api_.requests()) {
      const auto at = std::find(references.begin(), references.end(), request.reference);
      if (at == references.end() || sent.count(request.reference)) continue;
      const bool on_details = (at - references.begin()) % 2 == 1;
      if (request.endpoint !=
          (on_details ? RetrievalEndpoint::scan_details : RetrievalEndpoint::scan_status))
        continue;
      if (std::chrono::steady_clock::now() < request.time + milliseconds(300)) continue;
      callback_arrives(request.reference);
      sent.insert(request.reference);
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(sent.size(), references.size()) << reconcile->output();
  std::this_thread::sleep_for(seconds(4));  // every details answer came and was judged
  auto published = events(references.size() + 1, seconds(10));
  std::map<std::string, int> per_reference;
  for (const auto& record : published) {
    ++per_reference[record.key];
    EXPECT_EQ(test::header_of(record, "ce_source"), "urn:jumio-bridge:netverify") << record.key;
  }
  EXPECT_EQ(published.size(), references.size());
  for (const std::string& ref : references) EXPECT_EQ(per_reference[ref], 1) << ref;
  const double during = metric(port, "jumio_bridge_reconcile_settled_during_ask_total");
  const auto requests = api_.requests();
  const auto details = std::count_if(requests.begin(), requests.end(), [](const auto& r) {
    return r.endpoint == RetrievalEndpoint::scan_details;
  });
  std::cout << "[ figures  ] 20 callbacks during an ask: " << published.size()
            << " events, asks ended by the callback " << during << ", details requests " << details
            << "\n";
  EXPECT_EQ(during, 20);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_published_total"), 0);
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(15)), 0);
}

// One reference whose answers take 20 s holds none of the others: 40 references at 20 requests a
// second get their events in about the 4 s their 80 requests take.
TEST_F(Reconcile, OneSlowReferenceDoesNotHoldTheOthers) {
  // The topics exist, as they do once a bridge has run: none is created (and read) meanwhile.
  for (const char* topic : {"jumio.netverify.approved_verified", "jumio.reconcile.state"}) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_->mock(), topic, 4, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  write_config("[1, 600]", 20);
  auto reconcile = start_reconcile();
  const std::string slow = "c0ffee00-0000-4000-8000-500000000000";
  ScriptedAnswer late;
  late.delay = milliseconds(20000);
  late.body = test::scan_status_body(slow, "DONE");
  api_.script(RetrievalEndpoint::scan_status, slow, {late});
  const auto now = std::chrono::system_clock::now();
  produce(expected_record(slow, now - seconds(1)));  // asked first
  std::vector<route::Record> records;
  for (int i = 0; i < 40; ++i) {
    records.push_back(
        expected_record("c0ffee00-0000-4000-8000-5" + std::to_string(100000000000 + i), now));
  }
  produce_all(records);
  auto published = events(40, seconds(30));
  ASSERT_EQ(published.size(), 40u) << reconcile->output();
  const auto requests = api_.requests();
  auto first = requests.front().time;
  auto last = first;
  for (const auto& request : requests)
    if (request.reference != slow) last = std::max(last, request.time);
  const double took = std::chrono::duration<double>(last - first).count();
  std::cout << "[ figures  ] 40 references and a slow one: their 80 requests in " << took
            << " s (rate limit 20/s)\n";
  for (const auto& record : published) EXPECT_NE(record.key, slow);
  // How long each publish left a callback's event unseen: from the last check to the
  // acknowledgement (the "published" log line's window_ms).
  reconcile->wait_for_line("never printed", milliseconds(200));
  std::vector<int> windows;
  const std::string& output = reconcile->output();
  for (size_t at = output.find("\"window_ms\":"); at != std::string::npos;
       at = output.find("\"window_ms\":", at + 1)) {
    windows.push_back(std::stoi(output.substr(at + 12)));
  }
  ASSERT_EQ(windows.size(), 40u);
  std::sort(windows.begin(), windows.end());
  std::cout << "[ figures  ] the window a callback's event is not seen in: median " << windows[20]
            << " ms, max " << windows.back() << " ms\n";
  EXPECT_LT(took, 15.0);  // long before the slow status answer (20 s) came
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(15)), 0);
}

// Kafka goes away for 8 s just as the first asks begin (some wait for the settled topics, some
// publish): every reference still ends as exactly one event.
TEST_F(Reconcile, AKafkaOutageDuringTheAsksLeavesEachReferenceOneEvent) {
  write_config("[2, 4, 6, 8, 10, 12]", 100);
  auto reconcile = start_reconcile();
  std::vector<route::Record> records;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < 30; ++i) {
    records.push_back(
        expected_record("c0ffee00-0000-4000-8000-6" + std::to_string(100000000000 + i), now));
  }
  produce_all(records);
  std::this_thread::sleep_for(milliseconds(2300));
  rd_kafka_mock_broker_set_down(cluster_->mock(), 1);
  std::this_thread::sleep_for(seconds(8));
  rd_kafka_mock_broker_set_up(cluster_->mock(), 1);
  auto published = events(30, seconds(60));
  std::this_thread::sleep_for(seconds(5));
  published = events(31, seconds(5));
  std::map<std::string, int> per_reference;
  for (const auto& record : published) ++per_reference[record.key];
  EXPECT_EQ(published.size(), 30u) << reconcile->output();
  for (const auto& record : records) EXPECT_EQ(per_reference[record.key], 1) << record.key;
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(20)), 0);
}

TEST_F(Reconcile, RateLimitHoldsWithAThousandPendingReferences) {
  constexpr int kReferences = 1000;
  constexpr int kRate = 100;
  write_config("[1, 600]", kRate);
  std::vector<route::Record> records;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < kReferences; ++i) {
    const std::string ref = "c0ffee00-0000-4000-8000-2" + std::to_string(100000000000 + i);
    api_.script(RetrievalEndpoint::scan_status, ref,
                {test::scripted(200, test::scan_status_body(ref, "PENDING"))});
    records.push_back(expected_record(ref, now));
  }
  auto reconcile = start_reconcile();
  const int port = admin_port(*reconcile);
  produce_all(records);
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (api_.requests().size() < static_cast<size_t>(kReferences) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
  }
  auto requests = api_.requests();
  ASSERT_GE(requests.size(), static_cast<size_t>(kReferences));
  // No one-second window holds more than the rate (the spacing is 1/rate apart).
  size_t busiest = 0;
  for (size_t first = 0, last = 0; last < requests.size(); ++last) {
    while (requests[last].time - requests[first].time >= seconds(1)) ++first;
    busiest = std::max(busiest, last - first + 1);
  }
  // Requests leave 1/rate apart; their arrival times at the server jitter by some milliseconds
  // (more on a loaded machine), so a window may catch a few more than the rate, never many.
  EXPECT_LE(busiest, static_cast<size_t>(kRate + kRate / 10));
  const double took =
      std::chrono::duration<double>(requests[kReferences - 1].time - requests[0].time).count();
  EXPECT_GE(took, (kReferences - 1) / static_cast<double>(kRate) - 0.05);
  std::cout << "[ figures  ] " << kReferences << " pending references: " << requests.size()
            << " requests in " << took << " s, busiest second " << busiest << " (limit " << kRate
            << "/s)\n";
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_pending"), kReferences);
  EXPECT_GE(metric(port, "jumio_bridge_reconcile_api_answers_total{code=\"200\"}"), kReferences);
  EXPECT_GT(metric(port, "jumio_bridge_reconcile_oldest_pending_age_seconds"), 0);
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(20)), 0);
}

// The closing figures of the reconcile issue: 1,200 expected references, a third of whose
// callbacks never arrive.
TEST_F(Reconcile, AThirdOfTheCallbacksNeverArriveAndEveryReferenceEndsAsOneEvent) {
  constexpr int kReferences = 1200;
  // librdkafka's mock cluster keeps about 5 MiB per partition: spread the events.
  for (const char* topic : {"jumio.netverify.approved_verified", "jumio.reconcile.state"}) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_->mock(), topic, 8, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  write_config("[1, 600]", 200, 5);
  auto reconcile = start_reconcile();
  const int port = admin_port(*reconcile);
  std::vector<route::Record> expected;
  std::vector<route::Record> callbacks;
  std::set<std::string> without_callback;
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < kReferences; ++i) {
    const std::string ref = "c0ffee00-0000-4000-8000-3" + std::to_string(100000000000 + i);
    expected.push_back(expected_record(ref, now));
    if (i % 3 == 0) {
      without_callback.insert(ref);
    } else {
      callbacks.push_back(callback_record(ref));
    }
  }
  produce_all(expected);
  produce_all(callbacks);
  // Until reconcile says every reference is settled (reading the topics meanwhile would compete
  // with its publishing for the mock broker).
  const auto deadline = std::chrono::steady_clock::now() + seconds(90);
  while (std::chrono::steady_clock::now() < deadline &&
         !(metric(port, "jumio_bridge_reconcile_pending") == 0 &&
           metric(port, "jumio_bridge_reconcile_expected_total") == kReferences)) {
    reconcile->wait_for_line("not a line it writes", milliseconds(500));  // drains its stdout
  }
  std::this_thread::sleep_for(seconds(2));
  auto published = events(kReferences + 1, seconds(15));

  std::map<std::string, int> per_reference;
  size_t by_retrieval = 0, by_callback = 0;
  for (const auto& record : published) {
    ++per_reference[record.key];
    const bool retrieved =
        test::header_of(record, "ce_source").find(":retrieval") != std::string::npos;
    (retrieved ? by_retrieval : by_callback)++;
    EXPECT_EQ(retrieved, without_callback.count(record.key) == 1) << record.key;
  }
  size_t duplicates = 0;
  for (const auto& [reference, count] : per_reference) duplicates += count - 1;
  const size_t api_calls = api_.requests().size();
  std::cout << "[ figures  ] expected " << kReferences << ", settled by callback " << by_callback
            << ", settled by retrieval " << by_retrieval << ", API calls " << api_calls
            << ", duplicates " << duplicates << ", missing " << kReferences - per_reference.size()
            << "\n";
  ASSERT_EQ(per_reference.size(), static_cast<size_t>(kReferences)) << reconcile->output().substr(
      reconcile->output().size() > 3000 ? reconcile->output().size() - 3000 : 0);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(by_retrieval, without_callback.size());
  EXPECT_EQ(by_callback, kReferences - without_callback.size());
  EXPECT_EQ(api_calls, 2 * without_callback.size());  // a status and the details, each once
  for (const auto& record : api_.requests())
    EXPECT_EQ(without_callback.count(record.reference), 1u) << record.reference;
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_expected_total"), kReferences);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_settled_total{by=\"callback\"}"), by_callback);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_settled_total{by=\"retrieval\"}"), by_retrieval);
  EXPECT_EQ(metric(port, "jumio_bridge_reconcile_pending"), 0);
  reconcile->signal(SIGTERM);
  EXPECT_EQ(reconcile->wait(seconds(20)), 0);
}

}  // namespace
}  // namespace jb
