// Heartbeats of the threads that serve callbacks (HTTP acceptors and readers, Kafka's
// delivery-report thread, the acknowledgement timer). Each loop beats every turn (at least every
// fraction of a second when idle); the systemd watchdog is pinged only while every registered
// thread has beaten recently, so a stuck thread gets the service restarted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace jb::progress {

class Heartbeat {
 public:
  // Registered (and counted as having just beaten) until destroyed.
  explicit Heartbeat(std::string name);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void beat();
  const std::string& name() const { return name_; }
  std::chrono::steady_clock::time_point last() const;

 private:
  std::string name_;
  std::atomic<int64_t> last_ns_;
};

// The names of registered threads silent for longer than `limit`; empty when all made progress.
std::vector<std::string> stalled(std::chrono::milliseconds limit);

}  // namespace jb::progress
