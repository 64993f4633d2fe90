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
  //
  // With delivery_signal, an eventfd, delivery reports are meant to be run by the caller's own
  // event loop: the fd becomes readable when reports wait and serve_deliveries() runs them. The
  // poll thread then only sweeps every few milliseconds, for reports nobody served (before the
  // event loop starts, after it stops). A report's thread hand-off and wake-up are saved.
  static std::unique_ptr<Producer> create(const std::string& brokers,
                                          const std::map<std::string, std::string>& properties,
                                          std::string* error, int delivery_signal = -1);
  virtual ~Producer() = default;

  // Enqueues the record. on_delivery runs exactly once, on the poll thread or the thread that
  // serves deliveries, when the delivery report arrives. Waits while the local queue is full, up to enqueue_timeout; returns false
  // (on_delivery not called) when the record could not be enqueued.
  virtual bool produce(const route::Record& record, DeliveryCallback on_delivery,
                       std::chrono::milliseconds enqueue_timeout, std::string* error) = 0;
  // Waits up to timeout for outstanding deliveries; returns how many are still outstanding.
  virtual int flush(std::chrono::milliseconds timeout) = 0;
  // True when broker metadata can be fetched within timeout.
  virtual bool reachable(std::chrono::milliseconds timeout) = 0;
  // True once a fatal error (ERR__FATAL) made the producer unusable: it delivers nothing more.
  virtual bool failed() const = 0;
  // Runs the delivery reports waiting now on the calling thread; never blocks. Only useful with
  // a delivery_signal (else the poll thread runs them as they come).
  virtual void serve_deliveries() {}
};

}  // namespace jb::kafka
