// A log line for an event that can come in floods (dead letters, refused requests, callbacks not
// stored): the first is logged at once, later ones as one line per interval saying how many came
// since the last line. Exact counts are the metrics' job; each occurrence can still be logged at
// debug level by the caller.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/log.h"

namespace jb::log {

class CountedLog {
 public:
  CountedLog(Level level, std::string message,
             std::chrono::milliseconds interval = std::chrono::seconds(1));

  // Counts one occurrence; when a line is due, writes the message with "count" (occurrences since
  // the last line, this one included) and `fields` (this occurrence's).
  void note(Fields fields);

 private:
  Level level_;
  std::string message_;
  int64_t interval_ms_;
  std::atomic<uint64_t> unlogged_{0};
  std::atomic<int64_t> logged_at_ms_;
};

}  // namespace jb::log
