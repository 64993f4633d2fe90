#include "common/counted_log.h"

#include <limits>

namespace jb::log {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CountedLog::CountedLog(Level level, std::string message, std::chrono::milliseconds interval)
    : level_(level),
      message_(std::move(message)),
      interval_ms_(interval.count()),
      logged_at_ms_(std::numeric_limits<int64_t>::min() / 2) {}

void CountedLog::note(Fields fields) {
  unlogged_.fetch_add(1);
  const int64_t now = now_ms();
  int64_t logged_at = logged_at_ms_.load();
  if (now - logged_at < interval_ms_ || !logged_at_ms_.compare_exchange_strong(logged_at, now))
    return;
  write(level_, message_, {{"count", unlogged_.exchange(0)}}, fields);
}

}  // namespace jb::log
