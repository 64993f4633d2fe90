#include "common/notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/progress.h"

namespace jb::notify {
namespace {

constexpr std::chrono::milliseconds kShortestStall{1000};

}  // namespace

void ready(std::string_view status) {
  std::string message = "READY=1\nSTATUS=" + std::string(status);
  sd_notify(0, message.c_str());
}

void reloading() {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  std::string message =
      "RELOADING=1\nSTATUS=reloading the config\nMONOTONIC_USEC=" + std::to_string(now.count());
  sd_notify(0, message.c_str());
}

void stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing requests and flushing Kafka");
}

Watchdog::Watchdog() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  interval_ = std::chrono::microseconds(usec / 2);
  start([] { sd_notify(0, "WATCHDOG=1"); });
}

Watchdog::Watchdog(std::chrono::microseconds interval, std::function<void()> ping)
    : interval_(interval) {
  start(std::move(ping));
}

void Watchdog::start(std::function<void()> ping) {
  // Loops beat every turn, at least every 200 ms when idle: a second of silence is a stall.
  const auto limit =
      std::max(std::chrono::duration_cast<std::chrono::milliseconds>(interval_), kShortestStall);
  thread_ = std::thread([this, ping = std::move(ping), limit] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      const std::vector<std::string> stalled = progress::stalled(limit);
      if (stalled.empty()) {
        ping();
      } else {
        std::string names;
        for (const std::string& name : stalled) names += (names.empty() ? "" : ", ") + name;
        log::error("watchdog not pinged: threads that serve callbacks are stalled",
                   {{"threads", names}});
      }
      wake_.wait_for(lock, interval_, [this] { return stop_; });
    }
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace jb::notify
