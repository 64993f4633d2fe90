#include "pipeline/drain.h"

#include "common/log.h"

namespace jb::pipeline {
namespace {

constexpr std::chrono::milliseconds kTakeWait{100};
constexpr std::chrono::milliseconds kBackoff{250};

}  // namespace

Drain::Drain(spool::Spool* spool, kafka::Producer* producer, size_t window)
    : spool_(spool), producer_(producer), window_(window) {}

Drain::~Drain() {
  stop(std::chrono::milliseconds(0));
}

void Drain::start() {
  thread_ = std::thread([this] { run(); });
}

void Drain::run() {
  bool was_empty = spool_->depth() == 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (failing_) {
      failing_ = false;
      changed_.wait_for(lock, kBackoff, [&] { return stopping_; });
      continue;
    }
    if (in_flight_ >= window_) {
      changed_.wait_for(lock, kTakeWait);
      continue;
    }
    const size_t room = window_ - in_flight_;
    lock.unlock();
    const uint64_t depth = spool_->depth();
    if (depth == 0 && !was_empty) log::info("spool drained");
    if (depth > 0 && was_empty)
      log::info("draining the spool", {{"records", depth}});
    was_empty = depth == 0;
    std::vector<spool::Taken> batch = spool_->take(room, kTakeWait);
    lock.lock();
    in_flight_ += batch.size();
    lock.unlock();
    for (spool::Taken& taken : batch) publish(std::move(taken));
    lock.lock();
  }
}

void Drain::publish(spool::Taken taken) {
  std::string error;
  const uint64_t id = taken.id;
  const bool queued = producer_->produce(
      taken.spooled.record,
      [this, id](const kafka::Delivery& delivery) { delivered(id, delivery.persisted); }, kTakeWait,
      &error);
  if (!queued) delivered(id, false);
}

void Drain::delivered(uint64_t id, bool persisted) {
  if (persisted) {
    spool_->acknowledge(id);
    ++drained_;
  } else {
    spool_->release(id);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  --in_flight_;
  if (!persisted) failing_ = true;
  changed_.notify_all();
}

void Drain::stop(std::chrono::milliseconds timeout) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::unique_lock<std::mutex> lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return in_flight_ == 0; }))
    log::warn("spooled records still in flight at shutdown; they stay in the spool",
              {{"count", in_flight_}});
}

}  // namespace jb::pipeline
