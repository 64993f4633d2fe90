// A producer that survives fatal errors: librdkafka 2.0.2's idempotent producer can turn a retried
// batch into a fatal OUT_OF_ORDER_SEQUENCE_NUMBER (librdkafka #4438, fixed in 2.3.0). When the
// current producer reports ERR__FATAL, a watcher thread builds a new one and retires the old one;
// the old one's undelivered records get failed delivery reports, so their owners spool them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kafka/producer.h"

namespace jb::kafka {

class RebuildingProducer final : public Producer {
 public:
  using Factory = std::function<std::unique_ptr<Producer>(std::string* error)>;

  // Builds the first producer with factory; nullptr with *error when that fails.
  static std::unique_ptr<RebuildingProducer> create(Factory factory, std::string* error);
  ~RebuildingProducer() override;

  // Refused with "_FATAL" while the current producer has failed and its successor is not built.
  bool produce(const route::Record& record, DeliveryCallback on_delivery,
               std::chrono::milliseconds enqueue_timeout, std::string* error) override;
  // Serves the current producer's reports; a retired one's are served by its own thread.
  void serve_deliveries() override;
  int flush(std::chrono::milliseconds timeout) override;
  bool reachable(std::chrono::milliseconds timeout) override;
  bool failed() const override;
  // How many times a failed producer was replaced.
  uint64_t rebuilds() const { return rebuilds_; }

 private:
  explicit RebuildingProducer(Factory factory) : factory_(std::move(factory)) {}
  std::shared_ptr<Producer> current() const;
  void watch();
  void rebuild();

  Factory factory_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Producer> current_;
  std::thread watcher_;
  bool stopping_ = false;
  std::atomic<uint64_t> rebuilds_{0};
};

}  // namespace jb::kafka
