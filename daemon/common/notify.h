// The service manager's notification protocol (sd_notify): readiness, reload, stop and watchdog
// pings. Every call is a no-op when the daemon was not started with NOTIFY_SOCKET.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

namespace jb::notify {

// READY=1 with a STATUS= line: the listener and the producer are up.
void ready(std::string_view status);
// RELOADING=1 with MONOTONIC_USEC=: a config reload has begun; ready() ends it.
void reloading();
// STOPPING=1: shutdown has begun.
void stopping();

// Sends WATCHDOG=1 at half of the manager's WATCHDOG_USEC from its own thread while it lives, but
// only while every thread that serves callbacks shows progress (progress.h): a thread silent for
// longer than the interval (at least a second) holds the pings back, and the manager restarts the
// service once WATCHDOG_USEC passes without one.
class Watchdog {
 public:
  Watchdog();
  // For tests: pings by calling `ping` every `interval`.
  Watchdog(std::chrono::microseconds interval, std::function<void()> ping);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The ping interval; zero when the manager asked for no watchdog (no thread runs then).
  std::chrono::microseconds interval() const { return interval_; }

 private:
  void start(std::function<void()> ping);

  std::chrono::microseconds interval_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace jb::notify
