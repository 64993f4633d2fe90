// kafka/reader.h against librdkafka's mock cluster: the partition reader reads what it was given
// and knows when it has read it all; the group reader reports its share of the group in order
// with the records; murmur2_partition is the partition Kafka's producers choose.
//
// The mock cluster cannot look offsets up by time (it answers -1): the readers then start at each
// partition's beginning, so records older than `since` are delivered, and skipping them is the
// caller's work. ReadsFromTheStartWhenTheClusterCannotLookUpTimes pins that down.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "kafka/reader.h"
#include "support/load.h"

namespace jb::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = 100ms;
constexpr auto kReadWait = 10s;
// The mock coordinator answers a new group's first JoinGroup after 3 s and a rejoin after
// session.timeout.ms less 1 s; a loaded machine adds to both.
constexpr auto kGroupWait = 45s;

std::unique_ptr<EmbeddedCluster> start_cluster() {
  std::string error;
  auto cluster = EmbeddedCluster::start(1, &error);
  EXPECT_TRUE(cluster) << error;
  return cluster;
}

void create_topic(EmbeddedCluster& cluster, const std::string& topic, int partitions) {
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster.mock(), topic.c_str(), partitions, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
}

// A key that murmur2 puts in `partition` of `partitions`.
std::string key_in(int32_t partition, int32_t partitions, const std::string& prefix = "ref") {
  for (int i = 0;; ++i) {
    std::string key = prefix + "-" + std::to_string(i);
    if (murmur2_partition(key, partitions) == partition) return key;
  }
}

// Writes records and waits (bounded) for every acknowledgement.
class Writer {
 public:
  explicit Writer(const EmbeddedCluster& cluster) {
    std::string error;
    producer_ = Producer::create(cluster.bootstraps(), {{"linger.ms", "1"}}, &error);
    EXPECT_TRUE(producer_) << error;
  }

  // Each record's delivery: {key, partition}, partition -1 when not stored.
  std::vector<std::pair<std::string, int32_t>> write(const std::string& topic,
                                                     const std::vector<std::string>& keys) {
    auto reports = std::make_shared<Reports>();
    for (const std::string& key : keys) {
      std::string error;
      const bool enqueued = producer_->produce(
          route::Record{topic, key, "value of " + key, {}},
          [reports, key](const Delivery& delivery) {
            std::lock_guard<std::mutex> lock(reports->mutex);
            reports->done.emplace_back(key, delivery.persisted ? delivery.partition : -1);
            reports->changed.notify_all();
          },
          2s, &error);
      EXPECT_TRUE(enqueued) << error;
    }
    std::unique_lock<std::mutex> lock(reports->mutex);
    EXPECT_TRUE(
        reports->changed.wait_for(lock, 10s, [&] { return reports->done.size() == keys.size(); }));
    return reports->done;
  }

  // Writes one record to each partition named, keyed so that murmur2 puts it there.
  void write_to(const std::string& topic, int32_t partitions, const std::vector<int32_t>& which,
                const std::string& prefix) {
    std::vector<std::string> keys;
    for (int32_t p : which)
      keys.push_back(key_in(p, partitions, prefix + "-p" + std::to_string(p)));
    for (const auto& [key, partition] : write(topic, keys))
      EXPECT_EQ(partition, murmur2_partition(key, partitions)) << key;
  }

 private:
  struct Reports {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::pair<std::string, int32_t>> done;
  };
  std::unique_ptr<Producer> producer_;
};

std::unique_ptr<PartitionReader> make_partition_reader(const EmbeddedCluster& cluster) {
  ReaderOptions options;
  options.brokers = cluster.bootstraps();
  options.properties = {{"linger.ms", "5"}};  // a producer property: left out, not refused
  std::string error;
  auto reader = PartitionReader::create(options, &error);
  EXPECT_TRUE(reader) << error;
  return reader;
}

std::vector<TopicPartition> partitions_of(const std::string& topic, std::vector<int32_t> ids) {
  std::vector<TopicPartition> out;
  for (int32_t id : ids) out.push_back({topic, id});
  return out;
}

// Polls until at_end() (bounded); the records read on the way.
std::vector<ConsumedMessage> read_to_end(PartitionReader& reader,
                                         Clock::duration wait = kReadWait) {
  std::vector<ConsumedMessage> records;
  const auto deadline = Clock::now() + wait;
  while (!reader.at_end()) {
    if (Clock::now() > deadline) {
      ADD_FAILURE() << "not at the end after " << records.size() << " records";
      break;
    }
    std::string error;
    if (auto record = reader.poll(kPoll, &error)) records.push_back(std::move(*record));
    EXPECT_EQ(error, "");
  }
  return records;
}

// Polls for `wait`; every record read.
std::vector<ConsumedMessage> read_for(PartitionReader& reader, Clock::duration wait) {
  std::vector<ConsumedMessage> records;
  const auto deadline = Clock::now() + wait;
  while (Clock::now() < deadline) {
    std::string error;
    if (auto record = reader.poll(kPoll, &error)) records.push_back(std::move(*record));
  }
  return records;
}

std::multiset<int32_t> partitions_read(const std::vector<ConsumedMessage>& records) {
  std::multiset<int32_t> out;
  for (const ConsumedMessage& record : records) out.insert(record.partition);
  return out;
}

TEST(PartitionReader, ReadsOnlyThePartitionsAdded) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 4);
  Writer writer(*cluster);
  writer.write_to("events", 4, {0, 1, 2, 3}, "first");

  auto reader = make_partition_reader(*cluster);
  std::string error;
  ASSERT_TRUE(
      reader->add(partitions_of("events", {1, 3}), std::chrono::system_clock::now() - 1h, &error))
      << error;
  EXPECT_FALSE(reader->at_end()) << "at the end before any partition end was reported";
  const auto records = read_to_end(*reader);
  EXPECT_EQ(partitions_read(records), (std::multiset<int32_t>{1, 3}));
  for (const ConsumedMessage& record : records) {
    EXPECT_EQ(record.topic, "events");
    EXPECT_EQ(record.key,
              key_in(record.partition, 4, "first-p" + std::to_string(record.partition)));
    EXPECT_EQ(record.value, "value of " + record.key);
  }
  EXPECT_TRUE(read_for(*reader, 500ms).empty());
}

TEST(PartitionReader, AtEndOnlyOnceEveryRecordWasReadAndAgainAfterNewOnes) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 2);
  Writer writer(*cluster);
  for (int round = 0; round < 3; ++round)
    writer.write_to("events", 2, {0, 1}, "r" + std::to_string(round));

  auto reader = make_partition_reader(*cluster);
  std::string error;
  ASSERT_TRUE(
      reader->add(partitions_of("events", {0, 1}), std::chrono::system_clock::now() - 1h, &error))
      << error;
  EXPECT_EQ(read_to_end(*reader).size(), 6u);  // at_end turned true only after the sixth

  writer.write_to("events", 2, {0, 0}, "later");
  // The reader learns of the new end from its next fetch; nothing is polled meanwhile.
  const auto deadline = Clock::now() + 5s;
  while (reader->at_end() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(reader->at_end()) << "still at the end with two records unread";
  const auto later = read_to_end(*reader);
  EXPECT_EQ(partitions_read(later), (std::multiset<int32_t>{0, 0}));
  EXPECT_TRUE(reader->at_end());
}

TEST(PartitionReader, EmptyPartitionsAreAtTheirEndOnceReported) {
  auto cluster = start_cluster();
  create_topic(*cluster, "quiet", 3);
  auto reader = make_partition_reader(*cluster);
  EXPECT_TRUE(reader->at_end()) << "no partitions: nothing to read";
  std::string error;
  ASSERT_TRUE(
      reader->add(partitions_of("quiet", {0, 1, 2}), std::chrono::system_clock::now(), &error))
      << error;
  EXPECT_FALSE(reader->at_end());
  EXPECT_TRUE(read_to_end(*reader).empty());
}

TEST(PartitionReader, RemovedPartitionGivesNoMoreRecordsAndIsReadAgainWhenAddedBack) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 2);
  Writer writer(*cluster);
  writer.write_to("events", 2, {0, 1}, "before");
  auto reader = make_partition_reader(*cluster);
  std::string error;
  const auto since = std::chrono::system_clock::now() - 1h;
  ASSERT_TRUE(reader->add(partitions_of("events", {0, 1}), since, &error)) << error;
  EXPECT_EQ(partitions_read(read_to_end(*reader)), (std::multiset<int32_t>{0, 1}));

  ASSERT_TRUE(reader->remove(partitions_of("events", {1}), &error)) << error;
  EXPECT_TRUE(reader->remove(partitions_of("events", {1}), &error)) << "removing twice: " << error;
  writer.write_to("events", 2, {0, 1}, "after");
  auto records = read_for(*reader, 1500ms);
  EXPECT_EQ(partitions_read(records), (std::multiset<int32_t>{0}));
  EXPECT_TRUE(reader->at_end());

  // Added again: read from `since` again (the start, on the mock cluster), end not yet reported.
  ASSERT_TRUE(reader->add(partitions_of("events", {1}), since, &error)) << error;
  EXPECT_FALSE(reader->at_end());
  EXPECT_EQ(partitions_read(read_to_end(*reader)), (std::multiset<int32_t>{1, 1}));
}

TEST(PartitionReader, AddingAPartitionAlreadyReadLeavesItAsItIs) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 1);
  Writer writer(*cluster);
  writer.write_to("events", 1, {0, 0}, "once");
  auto reader = make_partition_reader(*cluster);
  std::string error;
  const auto since = std::chrono::system_clock::now() - 1h;
  ASSERT_TRUE(reader->add(partitions_of("events", {0}), since, &error)) << error;
  EXPECT_EQ(read_to_end(*reader).size(), 2u);
  ASSERT_TRUE(reader->add(partitions_of("events", {0, 0}), since, &error)) << error;
  EXPECT_TRUE(reader->at_end());
  EXPECT_TRUE(read_for(*reader, 500ms).empty()) << "read again from the start";
}

TEST(PartitionReader, ReadsFromTheStartWhenTheClusterCannotLookUpTimes) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 1);
  Writer writer(*cluster);
  writer.write_to("events", 1, {0}, "old");
  auto reader = make_partition_reader(*cluster);
  std::string error;
  // Every record is older than `since`: a real broker would start after them.
  ASSERT_TRUE(
      reader->add(partitions_of("events", {0}), std::chrono::system_clock::now() + 1h, &error))
      << error;
  const auto records = read_to_end(*reader);
  ASSERT_EQ(records.size(), 1u) << "the mock cluster now looks times up: update this test";
  EXPECT_EQ(records[0].offset, 0);
}

TEST(PartitionReader, PartitionCountsOfExistingAndMissingTopics) {
  auto cluster = start_cluster();
  create_topic(*cluster, "three", 3);
  create_topic(*cluster, "one", 1);
  auto reader = make_partition_reader(*cluster);
  std::map<std::string, int32_t> counts;
  std::string error;
  ASSERT_TRUE(reader->partition_counts({"three", "one", "missing"}, 5s, &counts, &error)) << error;
  EXPECT_EQ(counts, (std::map<std::string, int32_t>{{"three", 3}, {"one", 1}, {"missing", 0}}));
  // Asking did not create it.
  ASSERT_TRUE(reader->partition_counts({"missing"}, 5s, &counts, &error)) << error;
  EXPECT_EQ(counts, (std::map<std::string, int32_t>{{"missing", 0}}));
}

TEST(PartitionReader, PartitionCountsFailWhenTheClusterIsDown) {
  auto cluster = start_cluster();
  auto reader = make_partition_reader(*cluster);
  rd_kafka_mock_broker_set_down(cluster->mock(), 1);
  std::map<std::string, int32_t> counts;
  std::string error;
  EXPECT_FALSE(reader->partition_counts({"any"}, 1s, &counts, &error));
  EXPECT_NE(error, "");
}

TEST(PartitionReader, RefusedPropertyIsNamed) {
  ReaderOptions options;
  options.brokers = "127.0.0.1:1";
  options.properties = {{"no.such.property", "1"}};
  std::string error;
  EXPECT_FALSE(PartitionReader::create(options, &error));
  EXPECT_NE(error.find("no.such.property"), std::string::npos) << error;
}

TEST(PartitionReader, InvalidPartitionIsRefused) {
  auto cluster = start_cluster();
  auto reader = make_partition_reader(*cluster);
  std::string error;
  EXPECT_FALSE(reader->add({{"", 0}}, std::chrono::system_clock::now(), &error));
  EXPECT_NE(error, "");
  EXPECT_FALSE(reader->add({{"events", -1}}, std::chrono::system_clock::now(), &error));
  EXPECT_TRUE(reader->at_end()) << "nothing was added";
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Prints what at_end() costs with 1,000 partitions read to their end (asked every 100-200 ms).
TEST(PartitionReader, AtEndWithAThousandPartitions) {
  auto cluster = start_cluster();
  std::vector<TopicPartition> all;
  for (int t = 0; t < 10; ++t) {
    const std::string topic = "events." + std::to_string(t);
    create_topic(*cluster, topic, 100);
    for (int32_t p = 0; p < 100; ++p) all.push_back({topic, p});
  }
  Writer writer(*cluster);
  writer.write_to("events.0", 100, {0, 50, 99}, "some");
  auto reader = make_partition_reader(*cluster);
  std::string error;
  ASSERT_TRUE(reader->add(all, std::chrono::system_clock::now() - 1h, &error)) << error;
  const auto started = Clock::now();
  EXPECT_EQ(read_to_end(*reader, 30s).size(), 3u);
  const auto read_in = Clock::now() - started;

  constexpr int kCalls = 2000;
  int at_end = 0;
  const auto wall = Clock::now();
  const double cpu = thread_cpu_seconds();
  for (int i = 0; i < kCalls; ++i) at_end += reader->at_end() ? 1 : 0;
  const double cpu_us = (thread_cpu_seconds() - cpu) * 1e6 / kCalls;
  const double wall_us =
      std::chrono::duration<double, std::micro>(Clock::now() - wall).count() / kCalls;
  EXPECT_EQ(at_end, kCalls);
  std::printf(
      "[ figures  ] 1000 partitions: at their end after %.2f s; at_end() %.0f us of CPU "
      "(%.0f us wall) a call\n",
      std::chrono::duration<double>(read_in).count(), cpu_us, wall_us);
}

// --- GroupReader ---------------------------------------------------------------------------

std::unique_ptr<GroupReader> make_group_reader(const EmbeddedCluster& cluster,
                                               const std::string& group, const std::string& topic,
                                               std::atomic<int>* since_calls = nullptr) {
  ReaderOptions options;
  options.brokers = cluster.bootstraps();
  options.group = group;
  // A rejoin is answered after session.timeout.ms less 1 s: short, to keep the tests short.
  options.properties = {{"session.timeout.ms", "3000"},
                        {"heartbeat.interval.ms", "500"},
                        {"max.poll.interval.ms", "10000"}};
  std::string error;
  auto reader = GroupReader::create(
      options, topic,
      [since_calls] {
        if (since_calls) ++*since_calls;
        return std::chrono::system_clock::now() - 1h;
      },
      &error);
  EXPECT_TRUE(reader) << error;
  return reader;
}

// What one member saw: the partitions it holds, and the records, in the order they came.
struct Member {
  explicit Member(std::unique_ptr<GroupReader> r) : reader(std::move(r)) {}

  std::unique_ptr<GroupReader> reader;
  std::set<int32_t> held;
  std::vector<GroupEvent> events;

  void poll_once() {
    std::string error;
    auto event = reader->poll(kPoll, &error);
    if (!event) return;
    if (event->type == GroupEvent::Type::assigned) {
      for (int32_t p : event->partitions) EXPECT_TRUE(held.insert(p).second) << p;
    } else if (event->type == GroupEvent::Type::revoked) {
      for (int32_t p : event->partitions) EXPECT_EQ(held.erase(p), 1u) << p;
    } else {
      EXPECT_EQ(held.count(event->record.partition), 1u) << "a record of a partition not held";
    }
    events.push_back(std::move(*event));
  }

  size_t records() const {
    size_t n = 0;
    for (const GroupEvent& event : events) n += event.type == GroupEvent::Type::record ? 1 : 0;
    return n;
  }
};

TEST(GroupReader, AloneItHoldsEveryPartitionReadsItsRecordsAndGivesThemBackOnClose) {
  auto cluster = start_cluster();
  create_topic(*cluster, "expected", 3);
  Writer writer(*cluster);
  writer.write_to("expected", 3, {0, 1, 2}, "alone");
  std::atomic<int> since_calls{0};
  Member member{make_group_reader(*cluster, "alone", "expected", &since_calls)};
  ASSERT_TRUE(member.reader);

  const auto deadline = Clock::now() + kGroupWait;
  while (member.records() < 3 && Clock::now() < deadline) member.poll_once();
  ASSERT_EQ(member.records(), 3u);
  ASSERT_FALSE(member.events.empty());
  EXPECT_EQ(member.events.front().type, GroupEvent::Type::assigned);
  EXPECT_EQ(member.held, (std::set<int32_t>{0, 1, 2}));
  EXPECT_GE(since_calls.load(), 1);

  member.reader->close();
  member.reader->close();  // once is enough; twice does nothing more
  member.poll_once();
  ASSERT_EQ(member.events.back().type, GroupEvent::Type::revoked);
  EXPECT_TRUE(member.held.empty());
  std::string error;
  EXPECT_FALSE(member.reader->poll(kPoll, &error)) << "an event after close";
}

// The second member joins once the first holds everything: the first gives its partitions back,
// and each is assigned a share, read again from since() (the start, on the mock cluster).
TEST(GroupReader, ASecondMemberTakesAShare) {
  auto cluster = start_cluster();
  create_topic(*cluster, "expected", 4);
  Writer writer(*cluster);
  writer.write_to("expected", 4, {0, 1, 2, 3}, "shared");
  Member first{make_group_reader(*cluster, "shared", "expected")};
  ASSERT_TRUE(first.reader);
  const auto alone_deadline = Clock::now() + kGroupWait;
  while (first.held.size() < 4 && Clock::now() < alone_deadline) first.poll_once();
  ASSERT_EQ(first.held.size(), 4u);

  Member second{make_group_reader(*cluster, "shared", "expected")};
  ASSERT_TRUE(second.reader);
  auto shared = [&] {
    std::set<int32_t> both = first.held;
    both.insert(second.held.begin(), second.held.end());
    return !first.held.empty() && !second.held.empty() && both.size() == 4 &&
           first.held.size() + second.held.size() == 4;
  };
  const auto deadline = Clock::now() + kGroupWait;
  while (!shared() && Clock::now() < deadline) {
    first.poll_once();
    second.poll_once();
  }
  ASSERT_TRUE(shared()) << "first holds " << first.held.size() << ", second " << second.held.size();
  EXPECT_TRUE(std::any_of(first.events.begin(), first.events.end(), [](const GroupEvent& e) {
    return e.type == GroupEvent::Type::revoked;
  })) << "the first member never gave its partitions back";

  // The partitions with a record read since the member's last assignment.
  auto read_since_assigned = [](const Member& m) {
    std::set<int32_t> seen;
    for (const GroupEvent& e : m.events) {
      if (e.type == GroupEvent::Type::assigned) seen.clear();
      if (e.type == GroupEvent::Type::record) seen.insert(e.record.partition);
    }
    return seen;
  };
  const auto read_deadline = Clock::now() + kReadWait;
  while (
      !(read_since_assigned(first) == first.held && read_since_assigned(second) == second.held) &&
      Clock::now() < read_deadline) {
    first.poll_once();
    second.poll_once();
  }
  EXPECT_EQ(read_since_assigned(first), first.held);
  EXPECT_EQ(read_since_assigned(second), second.held);
}

TEST(GroupReader, NeedsAGroupAndATopic) {
  ReaderOptions options;
  options.brokers = "127.0.0.1:1";
  std::string error;
  EXPECT_FALSE(GroupReader::create(
      options, "expected", [] { return WallTime(); }, &error));
  EXPECT_NE(error, "");
  options.group = "g";
  EXPECT_FALSE(GroupReader::create(
      options, "", [] { return WallTime(); }, &error));
  EXPECT_TRUE(GroupReader::create(options, "expected", nullptr, &error)) << error;
}

TEST(GroupReader, WithoutAStartTimeItReadsFromTheCommittedPosition) {
  auto cluster = start_cluster();
  create_topic(*cluster, "notifications", 1);
  Writer writer(*cluster);
  writer.write("notifications", {"a", "b", "c", "d"});
  ReaderOptions options;
  options.brokers = cluster->bootstraps();
  options.group = "committing";
  options.properties = {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "500"}};
  // Reads until `count` records came (or 30 s); the first one's offset and the last's.
  auto read = [&](size_t count, std::vector<std::string>* keys) {
    std::string error;
    auto reader = GroupReader::create(options, "notifications", nullptr, &error);
    EXPECT_TRUE(reader) << error;
    const auto deadline = Clock::now() + 30s;
    while (keys->size() < count && Clock::now() < deadline) {
      auto event = reader->poll(kPoll, &error);
      if (event && event->type == GroupEvent::Type::record) keys->push_back(event->record.key);
    }
    return reader;
  };
  std::vector<std::string> first;
  auto reader = read(4, &first);
  EXPECT_EQ(first, (std::vector<std::string>{"a", "b", "c", "d"}));  // nothing committed: all
  std::string error;
  ASSERT_TRUE(reader->commit({{0, 2}}, &error)) << error;  // "a" and "b" are done
  reader->close();
  reader.reset();
  std::vector<std::string> second;
  reader = read(2, &second);
  EXPECT_EQ(second, (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(reader->commit({}, &error));  // nothing to commit is no error
}

// --- murmur2_partition ---------------------------------------------------------------------

TEST(Murmur2Partition, MatchesKafkasTestVectors) {
  // Kafka's clients UtilsTest.testMurmur2: the signed 32-bit murmur2 of each key.
  const std::map<std::string, int32_t> vectors = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  constexpr int32_t kMax = 0x7fffffff;
  for (const auto& [key, hash] : vectors) {
    const int32_t positive = hash & kMax;  // Kafka's Utils.toPositive
    // Among 2^31 - 1 partitions the partition is the positive hash itself (none here is 2^31 - 1).
    EXPECT_EQ(murmur2_partition(key, kMax), positive) << key;
    EXPECT_EQ(murmur2_partition(key, 12), positive % 12) << key;
    EXPECT_EQ(murmur2_partition(key, 1), 0) << key;
  }
}

TEST(Murmur2Partition, NoPartitionsGivesMinusOne) {
  EXPECT_EQ(murmur2_partition("foobar", 0), -1);
  EXPECT_EQ(murmur2_partition("foobar", -3), -1);
}

TEST(Murmur2Partition, IsThePartitionTheProducerChooses) {
  auto cluster = start_cluster();
  create_topic(*cluster, "events", 12);
  Writer writer(*cluster);
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(test::load_reference(0x5eed1e55, i));
  const auto delivered = writer.write("events", keys);
  ASSERT_EQ(delivered.size(), keys.size());
  std::set<int32_t> used;
  for (const auto& [key, partition] : delivered) {
    ASSERT_GE(partition, 0) << key << " not stored";
    EXPECT_EQ(murmur2_partition(key, 12), partition) << key;
    used.insert(partition);
  }
  EXPECT_EQ(used.size(), 12u) << "200 keys should reach every partition";
}

}  // namespace
}  // namespace jb::kafka
