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

// An eventfd that becomes readable when delivery reports wait, so that an event loop (the HTTP
// readers) serves them itself, on the thread that writes the answers, instead of a thread of the
// producer's own waking for each batch of reports.
class DeliverySignal {
 public:
  // backstop: how often the producer's own thread serves the reports that wait, for when the
  // event loop has stopped or is busy.
  explicit DeliverySignal(std::chrono::milliseconds backstop = std::chrono::milliseconds(10));
  ~DeliverySignal();
  DeliverySignal(const DeliverySignal&) = delete;
  DeliverySignal& operator=(const DeliverySignal&) = delete;
  int fd() const { return fd_; }
  std::chrono::milliseconds backstop() const { return backstop_; }
  // Consumes the readiness. Called before the reports are served: one that arrives after is
  // signalled again.
  void clear() const;

 private:
  int fd_;
  std::chrono::milliseconds backstop_;
};

class Producer {
 public:
  // brokers: "host:port,..."; properties are passed through (already checked for conflicts with
  // the fixed settings by the config loader). Starts a thread that serves delivery reports as
  // they arrive; with a signal (which must outlive the producer), the signal's fd turns readable
  // when reports wait and the event loop calls serve_deliveries(), while the thread serves what
  // waits only every signal->backstop().
  static std::unique_ptr<Producer> create(const std::string& brokers,
                                          const std::map<std::string, std::string>& properties,
                                          std::string* error,
                                          const DeliverySignal* signal = nullptr);
  virtual ~Producer() = default;

  // Enqueues the record. on_delivery runs exactly once, when the delivery report is served: on
  // the producer's thread, or on the caller of serve_deliveries(). Waits while the local queue is
  // full, up to enqueue_timeout; returns false (on_delivery not called) when the record could not
  // be enqueued.
  virtual bool produce(const route::Record& record, DeliveryCallback on_delivery,
                       std::chrono::milliseconds enqueue_timeout, std::string* error) = 0;
  // Runs the delivery reports that wait now, on the calling thread; does not wait for more.
  virtual void serve_deliveries() = 0;
  // Waits up to timeout for outstanding deliveries; returns how many are still outstanding.
  virtual int flush(std::chrono::milliseconds timeout) = 0;
  // True when broker metadata can be fetched within timeout.
  virtual bool reachable(std::chrono::milliseconds timeout) = 0;
  // True once a fatal error (ERR__FATAL) made the producer unusable: it delivers nothing more.
  virtual bool failed() const = 0;
};

}  // namespace jb::kafka
