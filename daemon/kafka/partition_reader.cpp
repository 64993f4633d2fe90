#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "kafka/rdkafka_conf.h"
#include "kafka/rdkafka_message.h"
#include "kafka/reader_handle.h"

namespace jb::kafka {
namespace {

constexpr char kDefaultGroup[] = "jumio-bridge-partition-reader";
// The ends it knows are at most this old (plus a round trip): at_end() relies on it.
constexpr int kFetchWaitMs = 100;
constexpr int kAllTopics = 1;  // rd_kafka_metadata's all_topics

// A partition named without copying its topic: how a message's partition is looked up.
struct PartitionRef {
  std::string_view topic;
  int32_t partition;
};

struct PartitionOrder {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    const int by_topic = std::string_view(a.topic).compare(std::string_view(b.topic));
    return by_topic != 0 ? by_topic < 0 : a.partition < b.partition;
  }
};

struct PartitionState {
  bool reached_end = false;  // a partition end was reported since it was added
  // The offset after the last record polled, or of the last end reported: what
  // rd_kafka_position() would say, kept here so that at_end() need not ask it.
  int64_t position = RD_KAFKA_OFFSET_INVALID;
};

std::string list_error(rd_kafka_error_t* failure, const char* what) {
  ErrorPtr owned(failure);
  return std::string(what) + ": " + rd_kafka_error_name(failure) + ": " +
         rd_kafka_error_string(failure);
}

class RdPartitionReader final : public PartitionReader {
 public:
  explicit RdPartitionReader(HandlePtr handle) : handle_(std::move(handle)) {}
  // Not in any group: closing only stops the fetchers (no LeaveGroup, nothing committed).
  ~RdPartitionReader() override { rd_kafka_consumer_close(handle_.get()); }

  bool add(const std::vector<TopicPartition>& partitions, WallTime since,
           std::string* error) override {
    std::set<TopicPartition> fresh;
    for (const TopicPartition& p : partitions) {
      if (p.topic.empty() || p.partition < 0) {
        if (error) *error = "not a partition: \"" + p.topic + "\" " + std::to_string(p.partition);
        return false;
      }
      if (!partitions_.count(p)) fresh.insert(p);
    }
    PartitionListPtr added(rd_kafka_topic_partition_list_new(static_cast<int>(fresh.size())));
    for (const TopicPartition& p : fresh)
      rd_kafka_topic_partition_list_add(added.get(), p.topic.c_str(), p.partition);
    if (added->cnt == 0) return true;
    seek_to_time(handle_.get(), added.get(), since);
    if (rd_kafka_error_t* failure = rd_kafka_incremental_assign(handle_.get(), added.get())) {
      if (error) *error = list_error(failure, "assign");
      return false;
    }
    for (int i = 0; i < added->cnt; ++i)
      partitions_.emplace(TopicPartition{added->elems[i].topic, added->elems[i].partition},
                          PartitionState{});
    unreached_ += added->cnt;
    return true;
  }

  bool remove(const std::vector<TopicPartition>& partitions, std::string* error) override {
    std::set<TopicPartition> held;
    for (const TopicPartition& p : partitions)
      if (partitions_.count(p)) held.insert(p);
    PartitionListPtr removed(rd_kafka_topic_partition_list_new(static_cast<int>(held.size())));
    for (const TopicPartition& p : held)
      rd_kafka_topic_partition_list_add(removed.get(), p.topic.c_str(), p.partition);
    if (removed->cnt == 0) return true;
    if (rd_kafka_error_t* failure = rd_kafka_incremental_unassign(handle_.get(), removed.get())) {
      if (error) *error = list_error(failure, "unassign");
      return false;
    }
    for (int i = 0; i < removed->cnt; ++i) {
      auto found =
          partitions_.find(PartitionRef{removed->elems[i].topic, removed->elems[i].partition});
      if (!found->second.reached_end) --unreached_;
      if (behind_ == found) behind_ = partitions_.end();
      partitions_.erase(found);
    }
    return true;
  }

  std::optional<ConsumedMessage> poll(std::chrono::milliseconds timeout,
                                      std::string* error) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      MessagePtr message(rd_kafka_consumer_poll(
          handle_.get(), static_cast<int>(std::max<int64_t>(0, left.count()))));
      if (!message) return std::nullopt;
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Returned at once, so that the caller may look at at_end() without waiting.
        if (PartitionState* state = find(message.get())) {
          state->position = message->offset;  // the end's offset
          if (!state->reached_end) --unreached_;
          state->reached_end = true;
        }
        return std::nullopt;
      }
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (message->err != RD_KAFKA_RESP_ERR__TIMED_OUT && error)
          *error = error_name(message->err) + ": " + rd_kafka_message_errstr(message.get());
        return std::nullopt;
      }
      // A record fetched before its partition was removed is dropped.
      if (PartitionState* state = find(message.get())) {
        state->position = message->offset + 1;
        return consumed_message(message.get());
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    }
  }

  bool at_end() override {
    if (unreached_ > 0) return false;
    // Only librdkafka's last fetched end of each partition is read: no request, no allocation.
    // The partition found behind last time is looked at first: it is the likely one still.
    if (behind_ != partitions_.end() && is_behind(*behind_)) return false;
    for (auto it = partitions_.begin(); it != partitions_.end(); ++it) {
      if (is_behind(*it)) {
        behind_ = it;
        return false;
      }
    }
    behind_ = partitions_.end();
    return true;
  }

  bool partition_counts(const std::vector<std::string>& topics, std::chrono::milliseconds timeout,
                        std::map<std::string, int32_t>* counts, std::string* error) override {
    // All topics: a request naming topics could have a broker create them.
    const rd_kafka_metadata_t* answer = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), kAllTopics, nullptr, &answer,
                                                      static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (error) *error = "metadata: " + error_name(err);
      return false;
    }
    MetadataPtr metadata(answer);
    counts->clear();
    for (const std::string& topic : topics) (*counts)[topic] = 0;
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
      auto wanted = counts->find(topic.topic);
      if (wanted != counts->end() && topic.err == RD_KAFKA_RESP_ERR_NO_ERROR)
        wanted->second = topic.partition_cnt;
    }
    return true;
  }

 private:
  PartitionState* find(const rd_kafka_message_t* message) {
    if (!message->rkt) return nullptr;
    auto found =
        partitions_.find(PartitionRef{rd_kafka_topic_name(message->rkt), message->partition});
    return found == partitions_.end() ? nullptr : &found->second;
  }

  // Records are left to read (or none was read yet while the partition holds some).
  bool is_behind(const std::pair<const TopicPartition, PartitionState>& entry) const {
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(handle_.get(), entry.first.topic.c_str(),
                                       entry.first.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return true;
    return high > low && entry.second.position < high;
  }

  HandlePtr handle_;
  using Partitions = std::map<TopicPartition, PartitionState, PartitionOrder>;
  Partitions partitions_;
  size_t unreached_ = 0;  // added partitions whose end was not reported yet
  Partitions::iterator behind_ = partitions_.end();  // where at_end() last found records left
};

}  // namespace

std::unique_ptr<PartitionReader> PartitionReader::create(const ReaderOptions& options,
                                                         std::string* error) {
  HandlePtr handle =
      make_reader_handle(options, options.group.empty() ? kDefaultGroup : options.group, true,
                         kFetchWaitMs, nullptr, nullptr, error);
  if (!handle) return nullptr;
  return std::make_unique<RdPartitionReader>(std::move(handle));
}

}  // namespace jb::kafka
