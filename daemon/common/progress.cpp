#include "common/progress.h"

#include <algorithm>
#include <mutex>

namespace jb::progress {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<Heartbeat*>& registry() {
  static std::vector<Heartbeat*> heartbeats;
  return heartbeats;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Heartbeat::Heartbeat(std::string name) : name_(std::move(name)), last_ns_(now_ns()) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().push_back(this);
}

Heartbeat::~Heartbeat() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto& heartbeats = registry();
  heartbeats.erase(std::remove(heartbeats.begin(), heartbeats.end(), this), heartbeats.end());
}

void Heartbeat::beat() {
  last_ns_.store(now_ns(), std::memory_order_relaxed);
}

std::chrono::steady_clock::time_point Heartbeat::last() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(last_ns_.load(std::memory_order_relaxed)));
}

std::vector<std::string> stalled(std::chrono::milliseconds limit) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  std::lock_guard<std::mutex> lock(registry_mutex());
  for (const Heartbeat* heartbeat : registry())
    if (now - heartbeat->last() > limit) names.push_back(heartbeat->name());
  return names;
}

}  // namespace jb::progress
