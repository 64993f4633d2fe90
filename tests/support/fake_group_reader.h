// A kafka::GroupReader for unit tests: poll() gives what the test pushed, in order (records,
// assignments, revocations), and nothing (after a millisecond) when there is nothing; commit()
// keeps the positions, or refuses them while told to. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka/reader.h"

namespace jb::test {

class FakeGroupReader : public kafka::GroupReader {
 public:
  std::optional<kafka::GroupEvent> poll(std::chrono::milliseconds, std::string*) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!events_.empty()) {
        kafka::GroupEvent event = std::move(events_.front());
        events_.pop_front();
        return event;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::nullopt;
  }
  void close() override {}
  bool commit(const std::map<int32_t, int64_t>& positions, std::string* error) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (refuse_commits_) {
      *error = "REBALANCE_IN_PROGRESS";
      return false;
    }
    for (const auto& [partition, position] : positions) committed_[partition] = position;
    return true;
  }

  // The group assigns (or, with revoke, takes back) these partitions.
  void assign(std::vector<int32_t> partitions, bool revoke = false) {
    kafka::GroupEvent event;
    event.type = revoke ? kafka::GroupEvent::Type::revoked : kafka::GroupEvent::Type::assigned;
    event.partitions = std::move(partitions);
    push(std::move(event));
  }
  // A record read.
  void write(const std::string& topic, int32_t partition, int64_t offset, const std::string& key,
             std::string value) {
    kafka::GroupEvent event;
    event.record.topic = topic;
    event.record.partition = partition;
    event.record.offset = offset;
    event.record.key = key;
    event.record.value = std::move(value);
    push(std::move(event));
  }
  // The committed position of the partition; -1 when none.
  int64_t committed(int32_t partition) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = committed_.find(partition);
    return found == committed_.end() ? -1 : found->second;
  }
  void refuse_commits(bool refuse) {
    std::lock_guard<std::mutex> lock(mutex_);
    refuse_commits_ = refuse;
  }

 private:
  void push(kafka::GroupEvent event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
  }
  mutable std::mutex mutex_;
  std::deque<kafka::GroupEvent> events_;
  std::map<int32_t, int64_t> committed_;
  bool refuse_commits_ = false;
};

}  // namespace jb::test
