// `jumio-bridge replay` as an operator runs it: the binary against a mock-cluster broker over TCP
// (found as `kafka.brokers: embedded` through {spool.dir}/embedded-brokers), with dead letters
// written the way the router writes them.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <rapidjson/document.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "kafka/consumer.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "route/deadletter.h"
#include "route/router.h"
#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/process.h"
#include "support/reader.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* const kEventTopics = "jumio\\.(netverify|authentication|document)\\..*";
const char* const kDeadLetterTopic = "jumio.deadletter";

// Bodies today's code accepts, and bodies it still refuses.
std::string approved_body() {
  return kSampleNetverifyApproved;
}
std::string authentication_body() {
  return kSampleAuthenticationPassed;
}
std::string document_body() {
  return form_encode(document_status_fields("EXTRACTED"));
}
std::string fraud_body() {
  return form_encode(netverify_status_fields("DENIED_FRAUD"));
}
std::string unknown_status_body() {
  return "callBackType=NETVERIFYID&jumioIdScanReference=still-bad-1&verificationStatus=MAYBE";
}
std::string invalid_json_body() {
  FormFields fields = netverify_status_fields("APPROVED_VERIFIED");
  for (auto& [name, value] : fields)
    if (name == "identityVerification") value = "{broken";
  return form_encode(fields);
}

callback::Event normalized(const std::string& body) {
  auto result = callback::normalize({body, "", std::chrono::system_clock::now()});
  EXPECT_TRUE(result.ok()) << reason_code(result.failure().reason);
  return result.ok() ? result.value() : callback::Event{};
}

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = kafka::EmbeddedCluster::start(1, &error);
    ASSERT_TRUE(cluster_) << error;
    producer_ = kafka::Producer::create(cluster_->bootstraps(), {}, &error);
    ASSERT_TRUE(producer_) << error;
    dir_ = test::temp_dir("jb-replay");
    std::filesystem::create_directories(dir_ + "/spool");
    std::ofstream(kafka::embedded_address_file(dir_ + "/spool")) << cluster_->bootstraps() << "\n";
    config_path_ = dir_ + "/config.yaml";
    std::ofstream(config_path_) << "kafka:\n  brokers: embedded\nspool:\n  dir: \"" << dir_
                                << "/spool\"\nlog:\n  level: warn\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void produce(const route::Record& record) { test::produce_acknowledged(*producer_, {record}); }

  // A dead letter as the router writes it. With `as_reason`, the body is dead-lettered for that
  // reason whatever today's code says (an older version refused it); else for today's reason.
  void dead_letter(const std::string& body, const std::string& received_at,
                   const std::string& as_reason = "") {
    auto result = callback::normalize({body, "", std::chrono::system_clock::now()});
    Failure failure{DeadLetterReason::unknown_status, "an older version's detail", ""};
    if (!as_reason.empty()) {
      ASSERT_TRUE(parse_reason_code(as_reason, &failure.reason));
      if (result.ok()) failure.reference = result.value().reference;
    } else {
      ASSERT_FALSE(result.ok());
      failure = result.failure();
    }
    route::Router router(config::TopicsConfig{});
    produce(router.dead_letter_record(
        failure, {body, "198.51.100.7", "application/x-www-form-urlencoded", received_at, 1}));
  }

  test::Finished replay(std::vector<std::string> args) {
    args.insert(args.begin(), {"replay", "--config", config_path_});
    return test::run_binary(args, "", seconds(60));
  }

  // Every record now on the topics whose names match `pattern`: read by assigning all their
  // partitions up to the end offsets (no consumer group, so no waiting for a rebalance).
  std::vector<kafka::ConsumedMessage> read_all(const std::string& pattern) {
    std::vector<kafka::ConsumedMessage> messages;
    char message[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster_->bootstraps().c_str(), message,
                      sizeof message);
    rd_kafka_conf_set(conf, "group.id", "replay-test-reader", message, sizeof message);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
    EXPECT_TRUE(rk) << message;
    if (!rk) return messages;
    const rd_kafka_metadata_t* metadata = nullptr;
    EXPECT_EQ(rd_kafka_metadata(rk, 1, nullptr, &metadata, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(8);
    std::map<std::pair<std::string, int32_t>, int64_t> ends;
    for (int t = 0; metadata && t < metadata->topic_cnt; ++t) {
      const std::string topic = metadata->topics[t].topic;
      if (!std::regex_match(topic, std::regex(pattern))) continue;
      for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
        const int32_t partition = metadata->topics[t].partitions[p].id;
        int64_t low = 0, high = 0;
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, 5000);
        if (high <= low) continue;
        ends[{topic, partition}] = high;
        rd_kafka_topic_partition_list_add(assignment, topic.c_str(), partition)->offset = low;
      }
    }
    if (metadata) rd_kafka_metadata_destroy(metadata);
    rd_kafka_assign(rk, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (!ends.empty() && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (!m) continue;
      if (!m->err) {
        kafka::ConsumedMessage out;
        out.topic = rd_kafka_topic_name(m->rkt);
        out.partition = m->partition;
        out.offset = m->offset;
        if (m->key) out.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) out.value.assign(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* headers = nullptr;
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR)
          for (size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i)
            out.headers.emplace_back(
                name, value ? std::string(static_cast<const char*>(value), size) : "");
        auto end = ends.find({out.topic, out.partition});
        if (end != ends.end() && out.offset + 1 >= end->second) ends.erase(end);
        messages.push_back(std::move(out));
      }
      rd_kafka_message_destroy(m);
    }
    EXPECT_TRUE(ends.empty()) << "records left unread on " << pattern;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return messages;
  }

  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<kafka::Producer> producer_;
  std::string dir_;
  std::string config_path_;
};

route::DeadLetter parsed(const kafka::ConsumedMessage& message) {
  route::DeadLetter letter;
  EXPECT_TRUE(route::parse_dead_letter(message.value, &letter)) << message.offset;
  return letter;
}

std::string member(const std::string& json, const char* name) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (!document.IsObject() || !document.HasMember(name) || !document[name].IsString()) return "";
  return document[name].GetString();
}

TEST_F(Replay, PublishesWhatNowSucceedsDeadLettersTheRestAgainAndNothingTwice) {
  const std::string received_at = "2021-03-04T06:00:00.000Z";
  const std::vector<std::string> fixed = {approved_body(), authentication_body(), document_body()};
  for (const auto& body : fixed) dead_letter(body, received_at, "unknown_status");
  dead_letter(unknown_status_body(), received_at);
  dead_letter(invalid_json_body(), received_at);
  produce({kDeadLetterTopic, "k", "not a dead letter", {}});

  const std::string metrics_file = test::temp_dir("jb-replay-metrics") + "/replay.prom";
  auto first = replay({"--metrics-file", metrics_file});
  EXPECT_EQ(first.exit_code, 1) << first.err;
  std::ifstream metrics_in(metrics_file);
  const std::string metrics((std::istreambuf_iterator<char>(metrics_in)),
                            std::istreambuf_iterator<char>());
  for (const char* series : {"jumio_bridge_replay_records_total{result=\"read\"} 6",
                             "jumio_bridge_replay_records_total{result=\"replayed\"} 3",
                             "jumio_bridge_replay_records_total{result=\"still_failing\"} 2",
                             "jumio_bridge_replay_records_total{result=\"invalid\"} 1",
                             "jumio_bridge_replay_reason_records_total{reason=\"unknown_status\","
                             "result=\"replayed\"} 3"})
    EXPECT_NE(metrics.find(series), std::string::npos) << series << "\n" << metrics;
  EXPECT_NE(first.err.find("6 read, 3 replayed, 2 still failing, 0 skipped by filters, "
                           "1 not dead-letter records, 0 not acknowledged"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.err.find("unknown_status: 3 replayed, 1 still failing"), std::string::npos);
  EXPECT_NE(first.err.find("invalid_json: 0 replayed, 1 still failing"), std::string::npos);
  EXPECT_NE(first.out.find("not a dead-letter record, left alone"), std::string::npos);
  EXPECT_NE(first.out.find("-> still failing: invalid_json (attempt 2)"), std::string::npos);

  auto events = read_all(kEventTopics);
  ASSERT_EQ(events.size(), 3u);
  std::set<std::string> expected_ids, ids;
  for (const auto& body : fixed) expected_ids.insert(normalized(body).event_id);
  for (const auto& event : events) {
    ids.insert(member(event.value, "eventId"));
    EXPECT_EQ(member(event.value, "receivedAt"), received_at);
    EXPECT_EQ(test::header(event, "ce_id"), member(event.value, "eventId"));
    EXPECT_NE(first.out.find("-> " + event.topic), std::string::npos) << first.out;
  }
  EXPECT_EQ(ids, expected_ids);

  auto letters = read_all(kDeadLetterTopic);
  ASSERT_EQ(letters.size(), 8u);
  std::multiset<std::string> again;
  for (const auto& message : letters) {
    if (message.value == "not a dead letter") continue;
    const route::DeadLetter letter = parsed(message);
    if (letter.attempts == 1) continue;
    EXPECT_EQ(letter.attempts, 2);
    EXPECT_EQ(letter.received_at, received_at);
    EXPECT_EQ(letter.remote_addr, "198.51.100.7");
    EXPECT_EQ(test::header(message, "x-deadletter-reason"), letter.reason);
    again.insert(letter.reason + " " + letter.body);
  }
  EXPECT_EQ(again, (std::multiset<std::string>{"unknown_status " + unknown_status_body(),
                                               "invalid_json " + invalid_json_body()}));

  // The second run finds only the two dead letters the first one wrote.
  auto second = replay({});
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("2 read, 0 replayed, 2 still failing"), std::string::npos)
      << second.err;
  EXPECT_NE(second.out.find("(attempt 3)"), std::string::npos) << second.out;
  EXPECT_EQ(read_all(kEventTopics).size(), 3u);
  EXPECT_EQ(read_all(kDeadLetterTopic).size(), 10u);
}

TEST_F(Replay, LimitStopsEarlyAndTheNextRunResumesWithoutDuplicates) {
  const std::vector<std::string> bodies = {approved_body(), authentication_body(), document_body(),
                                           fraud_body()};
  for (const auto& body : bodies) dead_letter(body, "2021-03-04T06:00:00Z", "invalid_json");

  auto limited = replay({"--limit", "2"});
  EXPECT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_NE(limited.err.find("stopped at --limit"), std::string::npos) << limited.err;
  EXPECT_NE(limited.err.find(" 2 replayed"), std::string::npos) << limited.err;

  auto rest = replay({});
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_NE(rest.err.find("2 read, 2 replayed"), std::string::npos) << rest.err;

  auto nothing = replay({});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.err.find("0 read, 0 replayed"), std::string::npos) << nothing.err;

  auto events = read_all(kEventTopics);
  std::set<std::string> ids;
  for (const auto& event : events) ids.insert(member(event.value, "eventId"));
  EXPECT_EQ(events.size(), 4u);
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(Replay, InterruptedBySigtermResumesAndPublishesEachEventOnce) {
  constexpr int kCount = 3000;
  for (int i = 0; i < kCount; ++i) {
    FormFields fields = authentication_status_fields("PASSED");
    for (auto& [name, value] : fields)
      if (name == "transactionReference") value = "interrupted-" + std::to_string(i);
    dead_letter(form_encode(fields), "2021-03-04T06:00:00Z", "unknown_status");
  }
  test::Child interrupted({"replay", "--config", config_path_});
  ASSERT_FALSE(interrupted.wait_for_line("-> jumio.authentication.passed", seconds(30)).empty());
  interrupted.signal(SIGTERM);
  interrupted.wait_for_line("the end of its output", seconds(30));
  EXPECT_EQ(interrupted.wait(seconds(30)), 1) << "an interrupted run exits 1";
  size_t taken = 0;
  for (size_t at = interrupted.output().find("-> jumio."); at != std::string::npos;
       at = interrupted.output().find("-> jumio.", at + 1))
    ++taken;
  EXPECT_GT(taken, 0u);
  EXPECT_LT(taken, static_cast<size_t>(kCount)) << "the run ended before it was interrupted";

  auto rest = replay({});
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  auto events = read_all(kEventTopics);
  std::set<std::string> ids;
  for (const auto& event : events) ids.insert(member(event.value, "eventId"));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(events.size(), static_cast<size_t>(kCount)) << "an event was published twice";
}

TEST_F(Replay, DryRunPrintsThePlanAndPublishesAndCommitsNothing) {
  dead_letter(approved_body(), "2021-03-04T06:00:00Z", "unknown_status");
  dead_letter(unknown_status_body(), "2021-03-04T06:00:00Z");

  auto dry = replay({"--dry-run"});
  EXPECT_EQ(dry.exit_code, 1) << dry.err;
  EXPECT_NE(dry.err.find("nothing published or committed"), std::string::npos) << dry.err;
  EXPECT_NE(dry.err.find("2 read, 1 would be replayed, 1 would still fail"), std::string::npos);
  const std::string reference = normalized(approved_body()).reference;
  EXPECT_NE(dry.out.find("reference " + reference +
                         ": unknown_status -> "
                         "jumio.netverify.approved_verified"),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("reference still-bad-1: unknown_status -> still failing: unknown_status"),
            std::string::npos)
      << dry.out;
  EXPECT_TRUE(read_all(kEventTopics).empty());
  EXPECT_EQ(read_all(kDeadLetterTopic).size(), 2u);

  auto real = replay({});  // the dry run committed nothing: everything is still there
  EXPECT_NE(real.err.find("2 read, 1 replayed, 1 still failing"), std::string::npos) << real.err;
  EXPECT_EQ(read_all(kEventTopics).size(), 1u);
}

TEST_F(Replay, FiltersTakeTheirRecordsAndLeaveTheOthersToALaterRun) {
  dead_letter(approved_body(), "2021-01-01T00:00:00Z", "unknown_status");
  dead_letter(authentication_body(), "2021-06-01T00:00:00Z", "invalid_json");
  dead_letter(document_body(), "2021-06-01T00:00:00Z", "unknown_status");

  auto by_reason_and_time =
      replay({"--reason", "unknown_status", "--until", "2021-03-01T01:00:00+01:00"});
  EXPECT_EQ(by_reason_and_time.exit_code, 0) << by_reason_and_time.err;
  EXPECT_NE(by_reason_and_time.err.find("group jumio-bridge-replay-"), std::string::npos);
  EXPECT_NE(by_reason_and_time.err.find("3 read, 1 replayed, 0 still failing, 2 skipped"),
            std::string::npos)
      << by_reason_and_time.err;
  auto events = read_all(kEventTopics);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, "jumio.netverify.approved_verified");

  const std::string reference = normalized(authentication_body()).reference;
  auto by_reference = replay({"--reference", reference, "--since", "2021-06-01"});
  EXPECT_NE(by_reference.err.find("3 read, 1 replayed, 0 still failing, 2 skipped"),
            std::string::npos)
      << by_reference.err;
  EXPECT_EQ(read_all("jumio.authentication.passed").size(), 1u);

  // The default group never moved: a run without filters takes all three (the two replayed
  // above again, with the same eventId).
  auto unfiltered = replay({});
  EXPECT_EQ(unfiltered.exit_code, 0) << unfiltered.err;
  EXPECT_NE(unfiltered.err.find("group jumio-bridge-replay)"), std::string::npos);
  EXPECT_NE(unfiltered.err.find("3 read, 3 replayed"), std::string::npos) << unfiltered.err;
  EXPECT_EQ(read_all("jumio.document.extracted").size(), 1u);
  EXPECT_EQ(read_all(kEventTopics).size(), 5u);
}

TEST(ReplayCli, BadConfigExits78AndBadUsage64) {
  const std::string dir = test::temp_dir("jb-replay");
  const std::string config = dir + "/config.yaml";
  std::ofstream(config) << "topics:\n  deadlettr: x\n";
  auto bad_config = test::run_binary({"replay", "--config", config});
  EXPECT_EQ(bad_config.exit_code, 78);
  EXPECT_NE(bad_config.err.find(":2:"), std::string::npos) << bad_config.err;
  auto bad_time = test::run_binary({"replay", "--config", config, "--since", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 64);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace jb
