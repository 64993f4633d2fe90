// What reconcile knows about each expected transaction, and when to ask Jumio about it. Pure: the
// service feeds it what it reads from Kafka and what the Retrieval API answered, and asks it what
// is due. No I/O, no clock of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
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
  callback::Kind kind = callback::Kind::netverify;
  int32_t partition = -1;  // the expected record's partition
  Time initiated_at;
  int asks = 0;             // asks made so far (restored from the state topic after a restart)
  Time last_asked{};        // when the last one was made
  std::string last_status;  // what Jumio said then (PENDING, DONE, not_found, failed, ...)
  Settlement settled = Settlement::none;
  bool in_flight = false;  // taken by take(), not done() yet
  Time due{};              // pending: when its next ask (or give-up) falls due
};

// What is due now.
struct Due {
  std::string reference;
  callback::Kind kind;
  int32_t partition;
  int ask;       // the ask's number (0-based) = asks made so far; asks() when it is a give-up
  bool give_up;  // the schedule is over: give the reference up
  Time at;       // when it fell due
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

// Every operation costs O(log n) in the references held (plus what it returns or erases): the
// pending references are indexed by their next due time and by initiatedAt, settled ones by
// initiatedAt, early settlements by when they were seen.
//
// The schedule: ask n of a reference is at max(schedule.ask_time(n), last ask + the schedule's gap
// between ask n-1 and ask n). Every step is asked, in order; an ask made late (an outage, a
// backlog) delays the ones after it so that they keep their spacing, and asks == steps made.
// After the last ask, the reference falls due for its give-up at once.
class Ledger {
 public:
  explicit Ledger(Schedule schedule);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // An expected record, from `partition` of the expected topic. A reference already expected
  // keeps its first record. True when this made the earliest due time earlier (or the first).
  bool expect(const std::string& reference, callback::Kind kind, Time initiated_at,
              int32_t partition = -1);
  // A record for the reference on an event topic (callback or retrieval) or the dead-letter
  // topic, seen before or after its expected record, written at `seen_at`. The first settlement
  // counts.
  void settle(const std::string& reference, Settlement how, Time seen_at);
  // The schedule is over for the reference: it is given up.
  void give_up(const std::string& reference);
  // An ask was made: `asks` in all, the last at `at`, Jumio said `status`. Ignored when fewer
  // asks than already known.
  void asked(const std::string& reference, int asks, Time at, const std::string& status);
  // A state record read from the state topic (written at `seen_at`): asked() when the reference
  // is expected, else kept until its expected record comes (the highest `asks` wins).
  void restore(const std::string& reference, int asks, Time at, const std::string& status,
               Time seen_at);
  // Forgets the pending references of these expected partitions (another instance owns them
  // now); what they settled stays counted. O(n): a rebalance is rare.
  void forget_partitions(const std::set<int32_t>& partitions);
  // Drops what matters no more: entries initiated before `horizon`, early settlements and
  // restored state seen before it.
  void prune(Time horizon);

  // The earliest pending reference due at `now` that is not in flight, marked in flight: it is
  // not due again until done(). Nothing when none is due.
  std::optional<Due> take(Time now);
  // The ask of a taken reference ended (after asked(), settle() or give_up()): when it is still
  // pending it is due again at its next time.
  void done(const std::string& reference);
  // When the next ask or give-up falls due, in-flight references aside; nothing when none is.
  std::optional<Time> next_due() const;

  const Entry* find(const std::string& reference) const;
  bool is_settled(const std::string& reference) const;
  Counts counts() const;
  size_t size() const;        // expected references held
  size_t early_size() const;  // settlements and state records held for references not expected

 private:
  struct Index;
  Schedule schedule_;
  std::unique_ptr<Index> index_;
  Counts totals_;  // expected and settled counters (monotonic)
};

}  // namespace jb::reconcile
