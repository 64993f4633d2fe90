// The Kafka producer: idempotent, acks=all; the delivery report is the truth.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "route/router.h"

namespace jb::kafka {

// The outcome of one produced record, from its delivery report.
struct Delivery {
  bool persisted = false;  // RD_KAFKA_MSG_STATUS_PERSISTED, no error and an offset: stored
  std::string error;       // librdkafka's error name when not persisted, e.g. "_MSG_TIMED_OUT", or
                      // "persisted_without_offset" (possibly stored: a duplicate-sequence answer)
  int32_t partition = -1;
  int64_t offset = -1;
};

using DeliveryCallback = std::function<void(const Delivery&)>;

class Producer {
 public:
  // brokers: "host:port,..."; properties are passed through (already checked for conflicts with
  // the fixed settings by the config loader). Starts a dedicated poll thread for delivery reports.
  static std::unique_ptr<Producer> create(const std::string& brokers,
                                          const std::map<std::string, std::string>& properties,
                                          std::string* error);
  virtual ~Producer() = default;

  // Enqueues the record. on_delivery runs exactly once, on the poll thread, when the delivery
  // report arrives. Waits while the local queue is full, up to enqueue_timeout; returns false
  // (on_delivery not called) when the record could not be enqueued.
  virtual bool produce(const route::Record& record, DeliveryCallback on_delivery,
                       std::chrono::milliseconds enqueue_timeout, std::string* error) = 0;
  // Waits up to timeout for outstanding deliveries; returns how many are still outstanding.
  virtual int flush(std::chrono::milliseconds timeout) = 0;
  // True when broker metadata can be fetched within timeout.
  virtual bool reachable(std::chrono::milliseconds timeout) = 0;
  // True once a fatal error (ERR__FATAL) made the producer unusable: it delivers nothing more.
  virtual bool failed() const = 0;
};

}  // namespace jb::kafka
