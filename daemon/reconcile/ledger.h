// What reconcile knows about each expected transaction, and when to ask Jumio about it. Pure: the
// service feeds it what it reads from Kafka and what the Retrieval API answered, and asks it what
// is due. No I/O, no clock of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "callback/event.h"

namespace jb::reconcile {

using Time = std::chrono::system_clock::time_point;

// When to ask: ask n (0-based) is at initiatedAt + grace + steps[n] (Jumio's recommended timings
// are seconds after the transaction: 40, 60, 100, ... 940); after the last step, once a day at
// the same time of day for daily_for_days days; then the reference is given up.
struct Schedule {
  std::chrono::seconds grace{900};
  std::vector<std::chrono::seconds> steps;
  int daily_for_days = 7;

  // The time of ask n, or nothing when the schedule has no ask n.
  std::optional<Time> ask_time(Time initiated_at, int n) const;
  // How many asks the schedule has.
  int asks() const { return static_cast<int>(steps.size()) + daily_for_days; }
  // How long after initiatedAt a reference can still be asked about: the last ask's offset.
  std::chrono::seconds span() const;
};

// How a reference came to be settled.
enum class Settlement { none, callback, retrieval, deadletter, given_up };
std::string_view settlement_name(Settlement settlement);

// One expected reference.
struct Entry {
  std::string reference;
  callback::Kind kind = callback::Kind::netverify;
  Time initiated_at;
  int asks = 0;             // asks made so far (restored from the state topic after a restart)
  Time last_asked{};        // when the last one was made
  std::string last_status;  // what Jumio said then (PENDING, DONE, not_found, failed, ...)
  Settlement settled = Settlement::none;
};

// What is due now.
struct Due {
  std::string reference;
  callback::Kind kind;
  int ask;       // the ask's number (0-based); asks() when it is a give-up
  bool give_up;  // the schedule is over: give the reference up
};

struct Counts {
  uint64_t expected = 0;               // distinct references expected
  uint64_t settled_by_callback = 0;    // of those, settled by a callback's event
  uint64_t settled_by_retrieval = 0;   // by an event from the Retrieval API
  uint64_t settled_by_deadletter = 0;  // dead-lettered (replay owns them)
  uint64_t given_up = 0;
  uint64_t pending = 0;                // expected, not settled, not given up
  std::optional<Time> oldest_pending;  // initiatedAt of the oldest pending reference
};

class Ledger {
 public:
  explicit Ledger(Schedule schedule);

  // An expected record. A reference already expected keeps its first record.
  void expect(const std::string& reference, callback::Kind kind, Time initiated_at);
  // A record for the reference on an event topic (callback or retrieval) or the dead-letter
  // topic, seen before or after its expected record, written at `seen_at`. The first settlement
  // counts.
  void settle(const std::string& reference, Settlement how, Time seen_at);
  // The schedule is over for the reference: it is given up.
  void give_up(const std::string& reference);
  // An ask was made (or is known from the state topic): `asks` in all, the last at `at`. Ask
  // times the schedule had before `at` are skipped: after an outage the next ask is the next one
  // still ahead, not every one missed.
  void asked(const std::string& reference, int asks, Time at, const std::string& status);
  // Forgets expected references the predicate selects (partitions this process no longer owns);
  // what they settled stays counted.
  template <class Predicate>
  void forget_if(Predicate predicate) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.settled == Settlement::none && predicate(it->second)) {
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Drops what matters no more: entries settled or initiated before `horizon`, and settlements of
  // references never expected that were seen before `horizon`.
  void prune(Time horizon);

  // References whose next ask (or give-up) is due at `now`, the earliest first, at most `limit`.
  std::vector<Due> due(Time now, size_t limit) const;
  // When the next ask or give-up falls due; nothing when no reference is pending.
  std::optional<Time> next_due() const;

  const Entry* find(const std::string& reference) const;
  bool is_settled(const std::string& reference) const;
  Counts counts() const;
  size_t size() const { return entries_.size(); }

 private:
  std::optional<Time> next_time(const Entry& entry) const;

  Schedule schedule_;
  std::map<std::string, Entry> entries_;
  // Settlements seen for references not expected (yet): the reference and when it was seen.
  std::map<std::string, std::pair<Settlement, Time>> early_;
  Counts totals_;  // expected and settled counters (monotonic)
};

}  // namespace jb::reconcile
