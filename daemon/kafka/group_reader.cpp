#include <librdkafka/rdkafka.h>

#include <cstring>
#include <deque>

#include "common/log.h"
#include "kafka/rdkafka_conf.h"
#include "kafka/rdkafka_message.h"
#include "kafka/reader_handle.h"

namespace jb::kafka {
namespace {

// New records of the group's topic may wait this long for a fetch: nothing depends on reading
// them at once, and an idle group then costs a fifth of the fetches.
constexpr int kFetchWaitMs = 500;

std::vector<int32_t> partition_ids(const rd_kafka_topic_partition_list_t* partitions) {
  std::vector<int32_t> ids;
  ids.reserve(static_cast<size_t>(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) ids.push_back(partitions->elems[i].partition);
  return ids;
}

class RdGroupReader final : public GroupReader {
 public:
  RdGroupReader(std::string topic, std::function<WallTime()> since)
      : topic_(std::move(topic)), since_(std::move(since)) {}
  ~RdGroupReader() override { close(); }

  bool open(const ReaderOptions& options, std::string* error) {
    handle_ =
        make_reader_handle(options, options.group, false, kFetchWaitMs, rebalance, this, error);
    if (!handle_) return false;
    PartitionListPtr subscription(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(subscription.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle_.get(), subscription.get());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (error) *error = "subscribe: " + error_name(err);
    return false;
  }

  std::optional<GroupEvent> poll(std::chrono::milliseconds timeout, std::string* error) override {
    if (queued_.empty() && !closed_) {
      // Assignments and revocations are queued by rebalance(), during this call.
      MessagePtr message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
      if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        GroupEvent event;
        event.record = consumed_message(message.get());
        queued_.push_back(std::move(event));
      } else if (message && message->err != RD_KAFKA_RESP_ERR__TIMED_OUT &&
                 message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (error)
          *error = error_name(message->err) + ": " + rd_kafka_message_errstr(message.get());
        return std::nullopt;
      }
    }
    if (queued_.empty()) return std::nullopt;
    GroupEvent next = std::move(queued_.front());
    queued_.pop_front();
    return next;
  }

  bool commit(const std::map<int32_t, int64_t>& positions, std::string* error) override {
    if (positions.empty()) return true;
    if (closed_) {
      if (error) *error = "closed";
      return false;
    }
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
    for (const auto& [partition, position] : positions)
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = position;
    const rd_kafka_resp_err_t err = rd_kafka_commit(handle_.get(), list.get(), 0);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (error) *error = "commit: " + error_name(err);
    return false;
  }

  void close() override {
    if (closed_ || !handle_) return;
    closed_ = true;
    // Revokes the partitions through rebalance() (queued for poll()), then leaves the group.
    if (const rd_kafka_resp_err_t err = rd_kafka_consumer_close(handle_.get()))
      log::warn("kafka: group reader close", {{"topic", topic_}, {"error", error_name(err)}});
  }

 private:
  static void rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<RdGroupReader*>(opaque)->on_rebalance(handle, err, partitions);
  }

  void on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                    rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(handle), "COOPERATIVE") == 0;
    GroupEvent event;
    event.partitions = partition_ids(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (since_) seek_to_time(handle, partitions, since_());
      std::string failure;
      if (cooperative) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_assign(handle, partitions)) {
          failure = rd_kafka_error_name(error);
          rd_kafka_error_destroy(error);
        }
      } else if (const rd_kafka_resp_err_t assigned = rd_kafka_assign(handle, partitions)) {
        failure = error_name(assigned);
      }
      if (!failure.empty()) {
        log::warn("kafka: group reader cannot assign", {{"topic", topic_}, {"error", failure}});
        return;
      }
      event.type = GroupEvent::Type::assigned;
      queued_.push_back(std::move(event));
      return;
    }
    // Revoked, lost, or a rebalance error: the partitions are no longer this member's.
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
      log::warn("kafka: group rebalance failed", {{"topic", topic_}, {"error", error_name(err)}});
    event.type = GroupEvent::Type::revoked;
    if (!event.partitions.empty()) queued_.push_back(std::move(event));
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(handle, partitions))
        rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(handle, nullptr);
    }
  }

  const std::string topic_;
  const std::function<WallTime()> since_;
  std::deque<GroupEvent> queued_;  // filled by rebalance() during poll() and close()
  bool closed_ = false;
  HandlePtr handle_;  // last: destroyed first, while what rebalance() touches still exists
};

}  // namespace

std::unique_ptr<GroupReader> GroupReader::create(const ReaderOptions& options,
                                                 const std::string& topic,
                                                 std::function<WallTime()> since,
                                                 std::string* error) {
  if (options.group.empty() || topic.empty()) {
    if (error) *error = "a group reader needs a group and a topic";
    return nullptr;
  }
  auto reader = std::make_unique<RdGroupReader>(topic, std::move(since));
  if (!reader->open(options, error)) return nullptr;
  return reader;
}

}  // namespace jb::kafka
