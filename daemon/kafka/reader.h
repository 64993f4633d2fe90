// Readers of Kafka topics for long-running services (reconcile): a group reader of one topic, and a
// reader of chosen partitions outside any group. Both are built on kafka/'s configuration (the
// user's properties through set_property, librdkafka's logs routed to common/log.h), commit
// nothing, and read from a time on rather than from committed offsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/consumer.h"

namespace jb::kafka {

using WallTime = std::chrono::system_clock::time_point;

struct TopicPartition {
  std::string topic;
  int32_t partition = -1;
  bool operator<(const TopicPartition& other) const {
    return topic != other.topic ? topic < other.topic : partition < other.partition;
  }
  bool operator==(const TopicPartition& other) const {
    return topic == other.topic && partition == other.partition;
  }
};

struct ReaderOptions {
  std::string brokers;
  std::map<std::string, std::string> properties;  // the user's kafka.properties, passed through
  // GroupReader: the consumer group; PartitionReader: only its group.id (unused).
  std::string group;
};

// Reads the partitions it is given, outside any consumer group. One thread at a time.
class PartitionReader {
 public:
  static std::unique_ptr<PartitionReader> create(const ReaderOptions& options, std::string* error);
  virtual ~PartitionReader() = default;

  // Starts reading these partitions from the first record written at or after `since`. When the
  // broker cannot look up offsets by time (librdkafka's mock cluster), from their start: records
  // older than `since` then come too, and are the caller's to skip. A partition already read is
  // left as it is.
  virtual bool add(const std::vector<TopicPartition>& partitions, WallTime since,
                   std::string* error) = 0;
  // Stops reading these partitions.
  virtual bool remove(const std::vector<TopicPartition>& partitions, std::string* error) = 0;
  // The next record of an added partition, or nothing after `timeout` (sooner when it passed a
  // partition's end, so that at_end can be asked at once). Partition ends are not records (see
  // at_end); other errors are written to *error.
  virtual std::optional<ConsumedMessage> poll(std::chrono::milliseconds timeout,
                                              std::string* error) = 0;
  // True when every added partition was read to its end at least once since it was added, and
  // no record the reader knows of is left unread in any of them.
  virtual bool at_end() = 0;
  // Each topic's partition count (0 when the topic does not exist); false when the cluster did
  // not answer within `timeout`.
  virtual bool partition_counts(const std::vector<std::string>& topics,
                                std::chrono::milliseconds timeout,
                                std::map<std::string, int32_t>* counts, std::string* error) = 0;
};

// What a GroupReader's poll gives: a record, or a change of the partitions the group assigned.
struct GroupEvent {
  enum class Type { record, assigned, revoked };
  Type type = Type::record;
  ConsumedMessage record;           // Type::record
  std::vector<int32_t> partitions;  // Type::assigned, Type::revoked
};

// Reads one topic in a consumer group. Each partition the group assigns is read from the first
// record written at or after since() (called at the assignment; from the start when the broker
// cannot look times up), or, without since, from the group's committed position (the start when
// none). Assignments and revocations come out of poll() in order with the records. One thread at a
// time.
class GroupReader {
 public:
  static std::unique_ptr<GroupReader> create(const ReaderOptions& options, const std::string& topic,
                                             std::function<WallTime()> since, std::string* error);
  virtual ~GroupReader() = default;

  // The next event, or nothing after `timeout`; errors (not timeouts) are written to *error.
  virtual std::optional<GroupEvent> poll(std::chrono::milliseconds timeout, std::string* error) = 0;
  // Leaves the group (the destructor does too); the revocation it causes comes out of poll().
  virtual void close() = 0;
  // Commits the group's position in these partitions (partition -> the next offset to read),
  // waiting for the broker's answer. False with *error when it refused or did not answer.
  virtual bool commit(const std::map<int32_t, int64_t>& positions, std::string* error) {
    (void)positions;
    if (error) *error = "this reader does not commit";
    return false;
  }
};

// The partition a Java, kafkajs or librdkafka murmur2 producer chooses for a key among
// `partitions` (librdkafka's own murmur2 partitioner; what the bridge's producer uses).
int32_t murmur2_partition(std::string_view key, int32_t partitions);

}  // namespace jb::kafka
