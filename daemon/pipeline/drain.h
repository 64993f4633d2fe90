// Publishes spooled records to Kafka in arrival order, with a bounded number in flight, and
// acknowledges each in the spool only once its delivery report says persisted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "kafka/producer.h"
#include "spool/spool.h"

namespace jb::pipeline {

class Drain {
 public:
  // window: most records in flight at once.
  Drain(spool::Spool* spool, kafka::Producer* producer, size_t window = 512);
  ~Drain();

  // Starts the background thread: what the spool holds at start-up is published first.
  void start();
  // Stops taking records and waits up to timeout for those in flight. What is not acknowledged
  // stays in the spool; delivery reports arriving later are still applied.
  void stop(std::chrono::milliseconds timeout);
  // Records published from the spool and acknowledged.
  uint64_t drained() const { return drained_; }

 private:
  void run();
  void publish(spool::Taken taken);
  void delivered(uint64_t id, bool persisted);

  spool::Spool* spool_;
  kafka::Producer* producer_;
  size_t window_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  bool failing_ = false;  // a record came back not persisted: back off before the next batch
  std::atomic<uint64_t> drained_{0};
};

}  // namespace jb::pipeline
