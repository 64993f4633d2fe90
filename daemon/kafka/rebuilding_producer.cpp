#include "kafka/rebuilding_producer.h"

#include "common/log.h"
#include "kafka/rdkafka_conf.h"

namespace jb::kafka {
namespace {

constexpr std::chrono::milliseconds kWatchInterval{50};
constexpr std::chrono::milliseconds kRetryAfterFailedBuild{1000};

}  // namespace

std::unique_ptr<RebuildingProducer> RebuildingProducer::create(Factory factory,
                                                               std::string* error) {
  std::unique_ptr<RebuildingProducer> producer(new RebuildingProducer(std::move(factory)));
  std::shared_ptr<Producer> first = producer->factory_(error);
  if (!first) return nullptr;
  producer->current_ = std::move(first);
  producer->watcher_ = std::thread([raw = producer.get()] { raw->watch(); });
  return producer;
}

RebuildingProducer::~RebuildingProducer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

std::shared_ptr<Producer> RebuildingProducer::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

void RebuildingProducer::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kWatchInterval);
    if (stopping_ || !current_->failed()) continue;
    lock.unlock();
    rebuild();
    lock.lock();
  }
}

void RebuildingProducer::rebuild() {
  std::string error;
  std::shared_ptr<Producer> replacement = factory_(&error);
  if (!replacement) {
    log::error("kafka producer cannot be rebuilt", {{"error", error}});
    std::this_thread::sleep_for(kRetryAfterFailedBuild);
    return;
  }
  std::shared_ptr<Producer> retired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    retired = std::move(current_);
    current_ = std::move(replacement);
  }
  const uint64_t count = ++rebuilds_;
  log::warn("kafka producer rebuilt after a fatal error",
            {{"error", error_name(RD_KAFKA_RESP_ERR__FATAL)}, {"rebuilds", count}});
  // Callers still inside the old producer finish first; its records are then failed and reported,
  // here, so no request thread waits for the old producer's shutdown.
  while (retired.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  retired.reset();
}

bool RebuildingProducer::produce(const route::Record& record, DeliveryCallback on_delivery,
                                 std::chrono::milliseconds enqueue_timeout, std::string* error) {
  return current()->produce(record, std::move(on_delivery), enqueue_timeout, error);
}

void RebuildingProducer::serve_deliveries() {
  current()->serve_deliveries();
}

int RebuildingProducer::flush(std::chrono::milliseconds timeout) {
  return current()->flush(timeout);
}

bool RebuildingProducer::reachable(std::chrono::milliseconds timeout) {
  return current()->reachable(timeout);
}

bool RebuildingProducer::failed() const {
  return current()->failed();
}

}  // namespace jb::kafka
