// The reconcile ledger: the Schedule's ask times, expected records, settlements and restored state
// in either order, what is due (and when), take/done and in-flight references, an outage delaying
// the asks after it, forgetting partitions and pruning; the indexes against a model that scans
// everything; then two simulations of 1,000 references against a stepping clock, one without and
// one with outages and restarts.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "reconcile/ledger.h"

namespace jb::reconcile {
namespace {

using callback::Kind;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr long long kDay = 86400;
constexpr long long kNever = LLONG_MIN;
// 2024-05-01T00:00:00Z.
const Time kT0 = Time{} + seconds{1714521600};

Time at(long long s) {
  return kT0 + seconds{s};
}

// Seconds after kT0 (truncated), or kNever for nothing: readable in failure messages.
long long rel(std::optional<Time> time) {
  if (!time) return kNever;
  return std::chrono::duration_cast<seconds>(*time - kT0).count();
}

std::vector<seconds> secs(std::initializer_list<long long> values) {
  std::vector<seconds> out;
  for (long long value : values) out.emplace_back(value);
  return out;
}

Schedule make_schedule(long long grace, std::initializer_list<long long> steps, int daily) {
  Schedule schedule;
  schedule.grace = seconds{grace};
  schedule.steps = secs(steps);
  schedule.daily_for_days = daily;
  return schedule;
}

// Jumio's recommended timings after a 900 s grace, then 7 daily asks.
Schedule jumio_schedule() {
  return make_schedule(900, {40, 60, 100, 160, 240, 340, 460, 600, 760, 940}, 7);
}

// The offsets (from initiatedAt) of the Jumio schedule's 17 asks.
const std::vector<long long> kJumioOffsets = {940,
                                              960,
                                              1000,
                                              1060,
                                              1140,
                                              1240,
                                              1360,
                                              1500,
                                              1660,
                                              1840,  // grace + steps
                                              1840 + 1 * kDay,
                                              1840 + 2 * kDay,
                                              1840 + 3 * kDay,
                                              1840 + 4 * kDay,
                                              1840 + 5 * kDay,
                                              1840 + 6 * kDay,
                                              1840 + 7 * kDay};

const Settlement kSettlements[] = {Settlement::callback, Settlement::retrieval,
                                   Settlement::deadletter, Settlement::given_up};

uint64_t counted(const Counts& counts, Settlement how) {
  switch (how) {
    case Settlement::callback:
      return counts.settled_by_callback;
    case Settlement::retrieval:
      return counts.settled_by_retrieval;
    case Settlement::deadletter:
      return counts.settled_by_deadletter;
    case Settlement::given_up:
      return counts.given_up;
    case Settlement::none:
      break;
  }
  return 0;
}

uint64_t settled_total(const Counts& counts) {
  return counts.settled_by_callback + counts.settled_by_retrieval + counts.settled_by_deadletter +
         counts.given_up;
}

std::string refs_of(const std::vector<Due>& due) {
  std::string out;
  for (const Due& d : due) {
    if (!out.empty()) out += ' ';
    out += d.reference + ":" + std::to_string(d.ask) + (d.give_up ? "!" : "");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schedule

TEST(ReconcileSchedule, JumioTimingsForEveryAskThenNothing) {
  const Schedule schedule = jumio_schedule();
  ASSERT_EQ(schedule.asks(), 17);
  ASSERT_EQ(kJumioOffsets.size(), 17u);
  for (const Time initiated : {kT0, kT0 + milliseconds{123}, Time{}}) {
    for (int n = 0; n < 17; ++n) {
      auto time = schedule.ask_time(initiated, n);
      ASSERT_TRUE(time.has_value()) << n;
      EXPECT_EQ(*time - initiated, seconds{kJumioOffsets[static_cast<size_t>(n)]}) << n;
    }
    for (int n : {-1, -17, INT_MIN, 17, 18, 100, INT_MAX})
      EXPECT_FALSE(schedule.ask_time(initiated, n).has_value()) << n;
  }
  EXPECT_EQ(schedule.span(), seconds{1840 + 7 * kDay});
}

TEST(ReconcileSchedule, ShapesTable) {
  struct Case {
    const char* name;
    Schedule schedule;
    std::vector<long long> offsets;  // every ask's offset from initiatedAt
    long long span;
  };
  const Case cases[] = {
      {"jumio", jumio_schedule(), kJumioOffsets, 1840 + 7 * kDay},
      {"jumio, no daily asks",
       make_schedule(900, {40, 60, 100, 160, 240, 340, 460, 600, 760, 940}, 0),
       {940, 960, 1000, 1060, 1140, 1240, 1360, 1500, 1660, 1840},
       1840},
      {"no steps, 3 daily",
       make_schedule(900, {}, 3),
       {900 + kDay, 900 + 2 * kDay, 900 + 3 * kDay},
       900 + 3 * kDay},
      {"no steps, no daily", make_schedule(900, {}, 0), {}, 900},
      {"no grace, one step, one daily", make_schedule(0, {5}, 1), {5, 5 + kDay}, 5 + kDay},
      {"no grace, no steps, one daily", make_schedule(0, {}, 1), {kDay}, kDay},
      {"step at 0, no daily", make_schedule(60, {0}, 0), {60}, 60},
      {"two steps, two daily",
       make_schedule(10, {0, 5}, 2),
       {10, 15, 15 + kDay, 15 + 2 * kDay},
       15 + 2 * kDay},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const int count = static_cast<int>(c.offsets.size());
    EXPECT_EQ(c.schedule.asks(), count);
    for (int n = 0; n < count; ++n) {
      auto time = c.schedule.ask_time(kT0, n);
      ASSERT_TRUE(time.has_value()) << n;
      EXPECT_EQ(rel(time), c.offsets[static_cast<size_t>(n)]) << n;
      if (n > 0) {
        EXPECT_GT(*time, *c.schedule.ask_time(kT0, n - 1)) << n;
      }
    }
    for (int n : {-1, count, count + 1, count + 30})
      EXPECT_FALSE(c.schedule.ask_time(kT0, n).has_value()) << n;
    EXPECT_EQ(c.schedule.span().count(), c.span);
    // span() is the last ask's offset when there is one.
    if (count > 0) {
      EXPECT_EQ(kT0 + c.schedule.span(), *c.schedule.ask_time(kT0, count - 1));
    }
  }
}

TEST(ReconcileSchedule, SettlementNames) {
  const std::pair<Settlement, const char*> cases[] = {
      {Settlement::none, "none"},           {Settlement::callback, "callback"},
      {Settlement::retrieval, "retrieval"}, {Settlement::deadletter, "deadletter"},
      {Settlement::given_up, "given_up"},
  };
  for (const auto& [settlement, name] : cases) EXPECT_EQ(settlement_name(settlement), name);
}

// ---------------------------------------------------------------------------------------------
// Expected records and settlements

// What take() hands out at `now`, earliest first, at most `limit`; each is done() again, so the
// ledger is left as it was.
std::vector<Due> due_at(Ledger& ledger, Time now, size_t limit = 1000) {
  std::vector<Due> out;
  while (out.size() < limit) {
    std::optional<Due> due = ledger.take(now);
    if (!due) break;
    out.push_back(*due);
  }
  for (const Due& due : out) ledger.done(due.reference);
  return out;
}

// Takes what is due at `now` (it must be `reference`'s ask or give-up), makes that ask (or gives
// the reference up) at `now`, and ends it.
Due ask_now(Ledger& ledger, Time now, const std::string& reference) {
  std::optional<Due> due = ledger.take(now);
  EXPECT_TRUE(due.has_value()) << reference << " at " << rel(now);
  if (!due) return Due{};
  EXPECT_EQ(due->reference, reference);
  if (due->give_up) {
    ledger.give_up(due->reference);
  } else {
    ledger.asked(due->reference, due->ask + 1, now, "PENDING");
  }
  ledger.done(due->reference);
  return *due;
}

// ---------------------------------------------------------------------------------------------
// Expected records and settlements

TEST(ReconcileLedger, EmptyLedger) {
  Ledger ledger(jumio_schedule());
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_EQ(ledger.early_size(), 0u);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_FALSE(ledger.take(at(100 * kDay)).has_value());
  EXPECT_EQ(ledger.find("a"), nullptr);
  EXPECT_FALSE(ledger.is_settled("a"));
  ledger.done("a");  // nothing taken: nothing happens
  ledger.prune(at(100 * kDay));
  ledger.forget_partitions({0, 1});
  EXPECT_EQ(ledger.size(), 0u);
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 0u);
  EXPECT_EQ(settled_total(counts), 0u);
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(counts.oldest_pending.has_value());
}

TEST(ReconcileLedger, ExpectKeepsTheFirstRecordAndIgnoresDuplicatesAndEmptyReferences) {
  Ledger ledger(jumio_schedule());
  EXPECT_TRUE(ledger.expect("a", Kind::authentication, at(0), 3));
  EXPECT_FALSE(ledger.expect("a", Kind::document, at(500), 1));
  EXPECT_FALSE(ledger.expect("a", Kind::netverify, at(-500), 2));
  EXPECT_FALSE(ledger.expect("", Kind::netverify, at(0)));
  EXPECT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.find(""), nullptr);
  const Entry* entry = ledger.find("a");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->kind, Kind::authentication);
  EXPECT_EQ(entry->partition, 3);
  EXPECT_EQ(entry->initiated_at, at(0));
  EXPECT_EQ(entry->asks, 0);
  EXPECT_EQ(entry->settled, Settlement::none);
  EXPECT_FALSE(entry->in_flight);
  EXPECT_EQ(rel(entry->due), 940);
  EXPECT_FALSE(ledger.is_settled("a"));
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 1u);
  EXPECT_EQ(counts.pending, 1u);
  EXPECT_EQ(rel(counts.oldest_pending), 0);
  // The schedule runs from the first record's initiatedAt, with its kind and partition.
  EXPECT_EQ(rel(ledger.next_due()), 940);
  EXPECT_FALSE(ledger.take(at(940) - nanoseconds{1}).has_value());
  auto due = ledger.take(at(2000));
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->reference, "a");
  EXPECT_EQ(due->kind, Kind::authentication);
  EXPECT_EQ(due->partition, 3);
  EXPECT_EQ(due->ask, 0);
  EXPECT_FALSE(due->give_up);
  EXPECT_EQ(rel(due->at), 940);  // when it fell due, not when it was taken
}

TEST(ReconcileLedger, SettleAfterExpectCountsEachWay) {
  for (Settlement how : kSettlements) {
    SCOPED_TRACE(std::string(settlement_name(how)));
    Ledger ledger(jumio_schedule());
    ledger.expect("a", Kind::netverify, at(0));
    ledger.expect("b", Kind::netverify, at(0));
    ledger.settle("a", how, at(10));
    EXPECT_TRUE(ledger.is_settled("a"));
    EXPECT_FALSE(ledger.is_settled("b"));
    ASSERT_NE(ledger.find("a"), nullptr);
    EXPECT_EQ(ledger.find("a")->settled, how);
    const Counts counts = ledger.counts();
    EXPECT_EQ(counts.expected, 2u);
    EXPECT_EQ(counted(counts, how), 1u);
    EXPECT_EQ(settled_total(counts), 1u);
    EXPECT_EQ(counts.pending, 1u);
    // Only b is ever due.
    for (long long now : {940LL, 1840LL, 1840 + 8 * kDay, 400 * kDay}) {
      const auto due = due_at(ledger, at(now));
      ASSERT_EQ(due.size(), 1u) << now;
      EXPECT_EQ(due[0].reference, "b") << now;
    }
    ledger.settle("b", Settlement::callback, at(20));
    EXPECT_FALSE(ledger.take(at(400 * kDay)).has_value());
    EXPECT_FALSE(ledger.next_due().has_value());
    EXPECT_EQ(ledger.counts().pending, 0u);
    EXPECT_FALSE(ledger.counts().oldest_pending.has_value());
  }
}

TEST(ReconcileLedger, SettlementBeforeTheExpectedRecordCountsWhenTheRecordArrives) {
  for (Settlement how : kSettlements) {
    SCOPED_TRACE(std::string(settlement_name(how)));
    Ledger ledger(jumio_schedule());
    ledger.settle("a", how, at(10));
    EXPECT_TRUE(ledger.is_settled("a"));
    EXPECT_EQ(ledger.find("a"), nullptr);
    EXPECT_EQ(ledger.size(), 0u);
    EXPECT_EQ(ledger.early_size(), 1u);
    Counts counts = ledger.counts();
    EXPECT_EQ(counts.expected, 0u);
    EXPECT_EQ(settled_total(counts), 0u);  // not counted before it is expected
    EXPECT_FALSE(ledger.next_due().has_value());

    EXPECT_FALSE(ledger.expect("a", Kind::document, at(0)));  // settled: no due time
    ASSERT_NE(ledger.find("a"), nullptr);
    EXPECT_EQ(ledger.find("a")->settled, how);
    EXPECT_EQ(ledger.find("a")->kind, Kind::document);
    EXPECT_TRUE(ledger.is_settled("a"));
    EXPECT_EQ(ledger.early_size(), 0u);
    counts = ledger.counts();
    EXPECT_EQ(counts.expected, 1u);
    EXPECT_EQ(counted(counts, how), 1u);
    EXPECT_EQ(settled_total(counts), 1u);
    EXPECT_EQ(counts.pending, 0u);
    EXPECT_FALSE(ledger.next_due().has_value());
    EXPECT_FALSE(ledger.take(at(400 * kDay)).has_value());

    // A duplicate expected record counts neither the reference nor its settlement again.
    ledger.expect("a", Kind::document, at(0));
    counts = ledger.counts();
    EXPECT_EQ(counts.expected, 1u);
    EXPECT_EQ(settled_total(counts), 1u);
    // The early settlement was consumed: pruning early settlements does not unsettle it.
    ledger.prune(at(-10 * kDay));
    EXPECT_TRUE(ledger.is_settled("a"));
  }
}

TEST(ReconcileLedger, FirstSettlementWins) {
  enum class Order { both_after, both_before, first_before };
  for (Order order : {Order::both_after, Order::both_before, Order::first_before}) {
    for (Settlement first : kSettlements) {
      for (Settlement second : kSettlements) {
        if (first == second) continue;
        SCOPED_TRACE(std::string(settlement_name(first)) + " then " +
                     std::string(settlement_name(second)) + " order " +
                     std::to_string(static_cast<int>(order)));
        Ledger ledger(jumio_schedule());
        if (order == Order::both_after) ledger.expect("a", Kind::netverify, at(0));
        ledger.settle("a", first, at(10));
        if (order == Order::first_before) ledger.expect("a", Kind::netverify, at(0));
        ledger.settle("a", second, at(20));
        if (second == Settlement::given_up) ledger.give_up("a");
        if (order == Order::both_before) ledger.expect("a", Kind::netverify, at(0));
        ASSERT_NE(ledger.find("a"), nullptr);
        EXPECT_EQ(ledger.find("a")->settled, first);
        const Counts counts = ledger.counts();
        EXPECT_EQ(counts.expected, 1u);
        EXPECT_EQ(counted(counts, first), 1u);
        EXPECT_EQ(settled_total(counts), 1u);
      }
    }
  }
}

TEST(ReconcileLedger, EarlySettlementKeepsTheFirstSeenTime) {
  // The second early settlement neither replaces the first nor its time: pruning at a horizon
  // between the two drops it.
  Ledger ledger(jumio_schedule());
  ledger.settle("a", Settlement::callback, at(100));
  ledger.settle("a", Settlement::retrieval, at(5000));
  EXPECT_EQ(ledger.early_size(), 1u);
  ledger.prune(at(200));
  EXPECT_FALSE(ledger.is_settled("a"));
  EXPECT_EQ(ledger.early_size(), 0u);
  ledger.expect("a", Kind::netverify, at(0));
  EXPECT_FALSE(ledger.is_settled("a"));
  EXPECT_EQ(ledger.counts().pending, 1u);
  EXPECT_EQ(settled_total(ledger.counts()), 0u);
}

TEST(ReconcileLedger, IgnoresNoneSettlementsEmptyReferencesAndUnknownGiveUps) {
  Ledger ledger(jumio_schedule());
  ledger.settle("early", Settlement::none, at(0));
  EXPECT_FALSE(ledger.is_settled("early"));
  ledger.settle("", Settlement::callback, at(0));
  EXPECT_FALSE(ledger.is_settled(""));
  ledger.give_up("unknown");
  EXPECT_FALSE(ledger.is_settled("unknown"));
  ledger.restore("", 3, at(0), "PENDING", at(0));
  ledger.restore("negative", -1, at(0), "PENDING", at(0));
  EXPECT_EQ(ledger.early_size(), 0u);
  ledger.expect("early", Kind::netverify, at(0));
  ledger.expect("unknown", Kind::netverify, at(0));
  ledger.expect("late", Kind::netverify, at(0));
  ledger.settle("late", Settlement::none, at(5));
  for (const char* reference : {"early", "unknown", "late"}) {
    EXPECT_FALSE(ledger.is_settled(reference)) << reference;
    EXPECT_EQ(ledger.find(reference)->settled, Settlement::none) << reference;
  }
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 3u);
  EXPECT_EQ(settled_total(counts), 0u);
  EXPECT_EQ(counts.pending, 3u);
}

TEST(ReconcileLedger, CountsPendingAndOldestPending) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(300));
  ledger.expect("b", Kind::document, at(100));
  ledger.expect("c", Kind::authentication, at(200));
  ledger.expect("d", Kind::netverify, at(50));
  ledger.expect("e", Kind::netverify, at(400));
  ledger.settle("d", Settlement::callback, at(60));  // the oldest, but settled
  ledger.settle("b", Settlement::retrieval, at(2000));
  ledger.give_up("e");
  ledger.settle("f", Settlement::deadletter, at(10));  // not expected (yet): not counted

  struct Step {
    const char* what;
    uint64_t expected, callback, retrieval, deadletter, given_up, pending;
    long long oldest;
  };
  auto check = [&](const Step& step) {
    SCOPED_TRACE(step.what);
    const Counts counts = ledger.counts();
    EXPECT_EQ(counts.expected, step.expected);
    EXPECT_EQ(counts.settled_by_callback, step.callback);
    EXPECT_EQ(counts.settled_by_retrieval, step.retrieval);
    EXPECT_EQ(counts.settled_by_deadletter, step.deadletter);
    EXPECT_EQ(counts.given_up, step.given_up);
    EXPECT_EQ(counts.pending, step.pending);
    EXPECT_EQ(rel(counts.oldest_pending), step.oldest);
  };
  check({"start", 5, 1, 1, 0, 1, 2, 200});
  ledger.settle("c", Settlement::deadletter, at(2100));
  check({"c settled", 5, 1, 1, 1, 1, 1, 300});
  ledger.expect("f", Kind::netverify, at(0));
  check({"f expected", 6, 1, 1, 2, 1, 1, 300});
  // Taken (in flight) is still pending.
  ASSERT_TRUE(ledger.take(at(400 * kDay)).has_value());
  check({"a in flight", 6, 1, 1, 2, 1, 1, 300});
  ledger.give_up("a");
  check({"a given up", 6, 1, 1, 2, 2, 0, kNever});
  ledger.done("a");
  check({"a done", 6, 1, 1, 2, 2, 0, kNever});
  ledger.expect("g", Kind::netverify, at(-5));
  check({"g expected", 7, 1, 1, 2, 2, 1, -5});
}

// ---------------------------------------------------------------------------------------------
// What is due

TEST(ReconcileLedger, TakeHandsOutTheEarliestFirstThenByReference) {
  // Asks at initiatedAt + 10 and + 15; then give up.
  Ledger ledger(make_schedule(10, {0, 5}, 0));
  ledger.expect("b", Kind::netverify, at(0), 1);     // ask 0 at 10
  ledger.expect("a", Kind::document, at(0), 2);      // ask 0 at 10 (ties with b: a first)
  ledger.expect("c", Kind::authentication, at(-3));  // ask 0 at 7
  ledger.expect("d", Kind::netverify, at(2));        // ask 0 at 12
  ledger.expect("e", Kind::netverify, at(100));      // not yet
  ledger.expect("g", Kind::document, at(-10));       // asked twice: give-up due at 6
  ledger.asked("g", 1, at(0), "PENDING");
  ledger.asked("g", 2, at(6), "PENDING");
  ledger.expect("h", Kind::netverify, at(-8));  // asked once at 2: ask 1 at max(7, 2 + 5) = 7
  ledger.asked("h", 1, at(2), "PENDING");
  ledger.expect("s", Kind::netverify, at(-100));  // settled: never due
  ledger.settle("s", Settlement::callback, at(-50));

  struct Case {
    long long now;
    size_t limit;
    std::vector<std::tuple<const char*, Kind, int, bool, long long>> want;
  };
  const Case cases[] = {
      {5, 100, {}},
      {6, 100, {{"g", Kind::document, 2, true, 6}}},
      {7,
       100,
       {{"g", Kind::document, 2, true, 6},
        {"c", Kind::authentication, 0, false, 7},
        {"h", Kind::netverify, 1, false, 7}}},
      {12,
       100,
       {{"g", Kind::document, 2, true, 6},
        {"c", Kind::authentication, 0, false, 7},
        {"h", Kind::netverify, 1, false, 7},
        {"a", Kind::document, 0, false, 10},
        {"b", Kind::netverify, 0, false, 10},
        {"d", Kind::netverify, 0, false, 12}}},
      {12,
       4,
       {{"g", Kind::document, 2, true, 6},
        {"c", Kind::authentication, 0, false, 7},
        {"h", Kind::netverify, 1, false, 7},
        {"a", Kind::document, 0, false, 10}}},
      {12, 1, {{"g", Kind::document, 2, true, 6}}},
      {12, 0, {}},
      {1000, 2, {{"g", Kind::document, 2, true, 6}, {"c", Kind::authentication, 0, false, 7}}},
  };
  for (const Case& c : cases) {
    const auto due = due_at(ledger, at(c.now), c.limit);
    SCOPED_TRACE("now " + std::to_string(c.now) + " limit " + std::to_string(c.limit) + ": " +
                 refs_of(due));
    ASSERT_EQ(due.size(), c.want.size());
    for (size_t i = 0; i < due.size(); ++i) {
      EXPECT_EQ(due[i].reference, std::get<0>(c.want[i])) << i;
      EXPECT_EQ(due[i].kind, std::get<1>(c.want[i])) << i;
      EXPECT_EQ(due[i].ask, std::get<2>(c.want[i])) << i;
      EXPECT_EQ(due[i].give_up, std::get<3>(c.want[i])) << i;
      EXPECT_EQ(rel(due[i].at), std::get<4>(c.want[i])) << i;
    }
  }
  EXPECT_EQ(due_at(ledger, at(12))[3].partition, 2);
  // Taken and done without an ask: as it was.
  EXPECT_EQ(due_at(ledger, at(12)).size(), 6u);
  EXPECT_EQ(ledger.find("g")->asks, 2);
  EXPECT_EQ(rel(ledger.next_due()), 6);
}

TEST(ReconcileLedger, ATakenReferenceIsInFlightUntilDone) {
  Ledger ledger(make_schedule(10, {0, 5}, 0));  // asks at +10, +15
  ledger.expect("a", Kind::netverify, at(0));
  ledger.expect("b", Kind::netverify, at(1));
  ledger.expect("c", Kind::netverify, at(2));

  auto a = ledger.take(at(20));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->reference, "a");
  EXPECT_TRUE(ledger.find("a")->in_flight);
  // Not handed out again, not in next_due(), still pending.
  EXPECT_EQ(rel(ledger.next_due()), 11);
  EXPECT_EQ(ledger.counts().pending, 3u);
  auto b = ledger.take(at(20));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->reference, "b");
  auto c = ledger.take(at(20));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->reference, "c");
  EXPECT_FALSE(ledger.take(at(100 * kDay)).has_value());
  EXPECT_FALSE(ledger.next_due().has_value());

  // An ask made while in flight keeps it out until done(), then it is due at its next time.
  ledger.asked("a", 1, at(20), "PENDING");
  EXPECT_EQ(ledger.find("a")->asks, 1);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_FALSE(ledger.take(at(100 * kDay)).has_value());
  ledger.done("a");
  EXPECT_FALSE(ledger.find("a")->in_flight);
  EXPECT_EQ(rel(ledger.next_due()), 25);  // max(15, 20 + 5)
  ledger.done("a");                       // a second done() changes nothing
  EXPECT_EQ(due_at(ledger, at(100 * kDay)).size(), 1u);

  // Settled or given up while in flight: done() does not make it due again.
  ledger.settle("b", Settlement::callback, at(21));
  ledger.give_up("c");
  ledger.done("b");
  ledger.done("c");
  EXPECT_FALSE(ledger.find("b")->in_flight);
  EXPECT_FALSE(ledger.find("c")->in_flight);
  const auto due = due_at(ledger, at(100 * kDay));
  ASSERT_EQ(due.size(), 1u) << refs_of(due);
  EXPECT_EQ(due[0].reference, "a");
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.pending, 1u);
  EXPECT_EQ(counts.settled_by_callback, 1u);
  EXPECT_EQ(counts.given_up, 1u);

  // Done without an ask (it failed): due again at once, at the same time.
  auto again = ledger.take(at(30));
  ASSERT_TRUE(again.has_value());
  ledger.done("a");
  EXPECT_EQ(rel(ledger.next_due()), 25);
}

TEST(ReconcileLedger, ExpectReportsWhenTheEarliestDueTimeMovesEarlier) {
  Ledger ledger(make_schedule(10, {0}, 0));                    // ask 0 at +10
  EXPECT_TRUE(ledger.expect("a", Kind::netverify, at(100)));   // the first: 110
  EXPECT_FALSE(ledger.expect("b", Kind::netverify, at(200)));  // later
  EXPECT_FALSE(ledger.expect("c", Kind::netverify, at(100)));  // the same time
  EXPECT_TRUE(ledger.expect("d", Kind::netverify, at(50)));    // earlier: 60
  EXPECT_FALSE(ledger.expect("d", Kind::netverify, at(0)));    // a duplicate
  EXPECT_EQ(rel(ledger.next_due()), 60);
  ledger.settle("e", Settlement::callback, at(1));
  EXPECT_FALSE(ledger.expect("e", Kind::netverify, at(0)));  // settled already
  EXPECT_EQ(rel(ledger.next_due()), 60);
  // The earliest in flight is not the earliest due time any more.
  ASSERT_TRUE(ledger.take(at(60)).has_value());
  EXPECT_EQ(rel(ledger.next_due()), 110);
  EXPECT_TRUE(ledger.expect("f", Kind::netverify, at(80)));  // 90: before 110, after d's 60
  EXPECT_EQ(rel(ledger.next_due()), 90);
  // Restored asks count: g's give-up is due at its last ask, long ago.
  ledger.restore("g", 1, at(-500), "PENDING", at(-500));
  EXPECT_TRUE(ledger.expect("g", Kind::netverify, at(80)));
  EXPECT_EQ(rel(ledger.next_due()), -500);
}

TEST(ReconcileLedger, WalksTheWholeJumioScheduleThenGivesUpOnce) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0));
  for (int n = 0; n < 17; ++n) {
    SCOPED_TRACE(n);
    const long long when = kJumioOffsets[static_cast<size_t>(n)];
    EXPECT_EQ(rel(ledger.next_due()), when);
    EXPECT_FALSE(ledger.take(at(when) - nanoseconds{1}).has_value());
    const Due due = ask_now(ledger, at(when), "a");
    EXPECT_EQ(due.ask, n);
    EXPECT_FALSE(due.give_up);
    EXPECT_EQ(ledger.find("a")->asks, n + 1);
    EXPECT_EQ(ledger.find("a")->last_asked, at(when));
  }
  // Given up right after the last ask.
  const long long last = kJumioOffsets.back();
  EXPECT_EQ(rel(ledger.next_due()), last);
  EXPECT_EQ(ledger.counts().pending, 1u);
  const Due due = ask_now(ledger, at(last), "a");
  EXPECT_TRUE(due.give_up);
  EXPECT_EQ(due.ask, 17);
  EXPECT_FALSE(ledger.take(at(last + 100 * kDay)).has_value());
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.find("a")->settled, Settlement::given_up);
  EXPECT_EQ(ledger.find("a")->asks, 17);
  // A callback after the give-up changes nothing, nor does a second give-up.
  ledger.settle("a", Settlement::callback, at(last + 1));
  ledger.give_up("a");
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.given_up, 1u);
  EXPECT_EQ(counts.settled_by_callback, 0u);
  EXPECT_EQ(counts.pending, 0u);
}

TEST(ReconcileLedger, ASettledReferenceIsNeverDue) {
  // Settled after k asks (k = 0: before the first; 17: after the last, before the give-up).
  for (int k : {0, 1, 5, 10, 11, 16, 17}) {
    for (Settlement how : kSettlements) {
      SCOPED_TRACE("after " + std::to_string(k) + " asks, " + std::string(settlement_name(how)));
      Ledger ledger(jumio_schedule());
      ledger.expect("a", Kind::netverify, at(0));
      for (int n = 0; n < k; ++n)
        ledger.asked("a", n + 1, at(kJumioOffsets[static_cast<size_t>(n)]), "PENDING");
      ledger.settle("a", how, at(k == 0 ? 1 : kJumioOffsets[static_cast<size_t>(k - 1)] + 1));
      EXPECT_FALSE(ledger.next_due().has_value());
      for (long long now : {0LL, 940LL, 1840LL, 1840 + 3 * kDay, 1840 + 7 * kDay, 365 * kDay})
        EXPECT_FALSE(ledger.take(at(now)).has_value()) << now;
      // A later state record (asks known from the state topic) does not make it due again.
      ledger.asked("a", k + 1, at(2 * kDay), "DONE");
      ledger.restore("a", k + 2, at(2 * kDay), "DONE", at(2 * kDay));
      EXPECT_EQ(ledger.find("a")->asks, k + 2);
      EXPECT_FALSE(ledger.next_due().has_value());
      EXPECT_FALSE(ledger.take(at(365 * kDay)).has_value());
    }
  }
}

TEST(ReconcileLedger, AskedWithAnOlderCountIsIgnored) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0));
  ledger.asked("a", 3, at(1000), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 1060);

  ledger.asked("a", 2, at(5000), "DONE");  // older state record
  const Entry* entry = ledger.find("a");
  EXPECT_EQ(entry->asks, 3);
  EXPECT_EQ(entry->last_asked, at(1000));
  EXPECT_EQ(entry->last_status, "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 1060);

  ledger.asked("a", 0, at(6000), "x");
  EXPECT_EQ(ledger.find("a")->asks, 3);
  EXPECT_EQ(ledger.find("a")->last_status, "PENDING");

  ledger.asked("a", 3, at(1001), "not_found");  // the same count: taken
  EXPECT_EQ(ledger.find("a")->asks, 3);
  EXPECT_EQ(ledger.find("a")->last_asked, at(1001));
  EXPECT_EQ(ledger.find("a")->last_status, "not_found");
  EXPECT_EQ(rel(ledger.next_due()), 1061);  // a second after the schedule: the gap is kept

  ledger.asked("a", 4, at(1060), "PENDING");  // a newer one
  EXPECT_EQ(ledger.find("a")->asks, 4);
  EXPECT_EQ(rel(ledger.next_due()), 1140);

  // Unknown references are ignored: nothing is created.
  ledger.asked("b", 5, at(1000), "PENDING");
  EXPECT_EQ(ledger.find("b"), nullptr);
  EXPECT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.early_size(), 0u);
  ledger.expect("b", Kind::netverify, at(0));
  EXPECT_EQ(ledger.find("b")->asks, 0);
}

// ---------------------------------------------------------------------------------------------
// An outage delays the asks after it; none is skipped

TEST(ReconcileLedger, AnOutageDelaysTheFollowingAsksAndSkipsNone) {
  const auto O = [](int n) { return kJumioOffsets[static_cast<size_t>(n)]; };
  struct Case {
    const char* name;
    int asks;       // restored from the state topic, the last at its scheduled time
    long long now;  // when the service is back
  };
  const Case cases[] = {
      {"never asked, back after 5 steps", 0, O(5) + 7},
      {"never asked, back exactly on a step", 0, O(5)},
      {"asked once, back after step 7", 1, O(7) + 1},
      {"asked 3 times, back exactly at step 9", 3, O(9)},
      {"steps done, back in the daily asks", 10, O(12) + 3600},
      {"asked twice, back after the last daily ask", 2, O(16) + 10},
      {"asked 16 times, back a little late", 16, O(16) + 5},
      {"asked 16 times, back a week late", 16, O(16) + 7 * kDay},
      {"never asked, back a year late", 0, 365 * kDay},
      {"back on time", 4, O(4)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Ledger ledger(jumio_schedule());
    ledger.expect("a", Kind::document, at(0));
    if (c.asks > 0) ledger.asked("a", c.asks, at(O(c.asks - 1)), "PENDING");
    EXPECT_EQ(rel(ledger.next_due()), O(c.asks));  // the first missed one, in the past

    // Every remaining step is asked, in order, each late by the outage: the spacing is kept.
    const long long delay = c.now - O(c.asks);
    long long now = c.now;
    for (int n = c.asks; n < 17; ++n) {
      SCOPED_TRACE(n);
      EXPECT_EQ(rel(ledger.next_due()), n == c.asks ? O(n) : O(n) + delay);
      if (n > c.asks) {
        EXPECT_FALSE(ledger.take(at(now) - nanoseconds{1}).has_value());
      }
      const Due due = ask_now(ledger, at(now), "a");
      EXPECT_EQ(due.ask, n);
      EXPECT_FALSE(due.give_up);
      if (n + 1 < 17) now = O(n + 1) + delay;
    }
    EXPECT_EQ(ledger.find("a")->asks, 17);  // asks == steps
    // Then given up at once, a delay after the schedule's last ask.
    EXPECT_EQ(rel(ledger.next_due()), O(16) + delay);
    const Due due = ask_now(ledger, at(O(16) + delay), "a");
    EXPECT_TRUE(due.give_up);
    EXPECT_EQ(due.ask, 17);
    EXPECT_FALSE(ledger.next_due().has_value());
  }
}

TEST(ReconcileLedger, AfterARestartEachReferenceIsAskedEveryRemainingStepOnce) {
  // 50 references restored with 1..10 asks, the last long ago: when back, each is asked once at
  // once, then every remaining step follows, spaced as the schedule spaces them.
  const Schedule schedule = jumio_schedule();
  Ledger ledger(schedule);
  std::map<std::string, std::vector<Time>> asked;
  for (int i = 0; i < 50; ++i) {
    const std::string reference = "r" + std::to_string(i);
    ledger.expect(reference, Kind::netverify, at(i));
    const int asks = 1 + i % 10;
    ledger.restore(reference, asks, at(i + kJumioOffsets[static_cast<size_t>(asks - 1)]), "PENDING",
                   at(i + kJumioOffsets[static_cast<size_t>(asks - 1)]));
    asked[reference].resize(static_cast<size_t>(asks));
  }
  const Time back = at(2 * kDay + 5000);
  const auto first = due_at(ledger, back);
  ASSERT_EQ(first.size(), 50u);
  std::map<std::string, int> seen;
  for (const Due& d : first) EXPECT_EQ(++seen[d.reference], 1) << d.reference;

  Time now = back;
  size_t given_up = 0;
  while (!::testing::Test::HasFailure()) {
    std::optional<Due> due = ledger.take(now);
    if (!due) {
      if (!ledger.next_due()) break;
      ASSERT_GT(*ledger.next_due(), now);
      now = *ledger.next_due();
      continue;
    }
    std::vector<Time>& times = asked[due->reference];
    SCOPED_TRACE(due->reference + " ask " + std::to_string(due->ask));
    if (due->give_up) {
      EXPECT_EQ(times.size(), 17u);
      EXPECT_EQ(now, times.back());
      ledger.give_up(due->reference);
      ++given_up;
    } else {
      ASSERT_EQ(due->ask, static_cast<int>(times.size()));  // in order, none skipped
      if (now != back) {
        const auto gap =
            *schedule.ask_time(at(0), due->ask) - *schedule.ask_time(at(0), due->ask - 1);
        EXPECT_EQ(now - times.back(), gap);
      }
      times.push_back(now);
      ledger.asked(due->reference, due->ask + 1, now, "PENDING");
    }
    ledger.done(due->reference);
  }
  EXPECT_EQ(given_up, 50u);
  for (const auto& item : asked) EXPECT_EQ(ledger.find(item.first)->asks, 17) << item.first;
  EXPECT_EQ(ledger.counts().pending, 0u);
}

TEST(ReconcileLedger, EmptyScheduleGivesUpAfterTheGrace) {
  Ledger ledger(make_schedule(900, {}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.expect("b", Kind::netverify, at(10));
  ledger.settle("b", Settlement::callback, at(20));
  EXPECT_EQ(rel(ledger.next_due()), 900);
  EXPECT_FALSE(ledger.take(at(899)).has_value());
  const Due due = ask_now(ledger, at(900), "a");
  EXPECT_TRUE(due.give_up);
  EXPECT_EQ(due.ask, 0);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.counts().given_up, 1u);
}

TEST(ReconcileLedger, NoDailyAsksGivesUpAfterTheLastStep) {
  Ledger ledger(make_schedule(900, {40, 60}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.asked("a", 1, at(940), "PENDING");
  ledger.asked("a", 2, at(960), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 960);
  const Due due = ask_now(ledger, at(960), "a");
  EXPECT_TRUE(due.give_up);
  EXPECT_EQ(due.ask, 2);
}

TEST(ReconcileLedger, GiveUpReportsTheScheduleAsksWhenMoreWereRestored) {
  // The state topic knows 5 asks (a longer schedule before a configuration change); the schedule
  // now has 2: the reference is given up, and the give-up's ask is asks() (ledger.h: "asks() when
  // it is a give-up"), not the restored count.
  Ledger ledger(make_schedule(900, {40, 60}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.asked("a", 5, at(2 * kDay), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 2 * kDay);
  const Due due = ask_now(ledger, at(2 * kDay), "a");
  EXPECT_TRUE(due.give_up);
  EXPECT_EQ(due.ask, 2);
}

// ---------------------------------------------------------------------------------------------
// Restored state

TEST(ReconcileLedger, StateRestoredBeforeTheExpectedRecordIsAppliedWhenItComes) {
  Ledger ledger(jumio_schedule());
  // The highest asks wins, whatever the order.
  ledger.restore("a", 2, at(960), "PENDING", at(961));
  ledger.restore("a", 4, at(1100), "not_found", at(1101));
  ledger.restore("a", 3, at(1000), "PENDING", at(1001));
  EXPECT_EQ(ledger.find("a"), nullptr);
  EXPECT_FALSE(ledger.is_settled("a"));
  EXPECT_EQ(ledger.early_size(), 1u);
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_FALSE(ledger.next_due().has_value());

  EXPECT_TRUE(ledger.expect("a", Kind::document, at(0)));
  EXPECT_EQ(ledger.early_size(), 0u);
  const Entry* entry = ledger.find("a");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->asks, 4);
  EXPECT_EQ(entry->last_asked, at(1100));
  EXPECT_EQ(entry->last_status, "not_found");
  EXPECT_EQ(entry->settled, Settlement::none);
  // Ask 4 (at 1140 by the schedule) a gap of 80 s after the last ask at 1100.
  EXPECT_EQ(rel(ledger.next_due()), 1180);
  EXPECT_EQ(ledger.counts().pending, 1u);

  // A settlement and a state record, both before the expected record: settled, asks known.
  ledger.restore("b", 1, at(940), "PENDING", at(941));
  ledger.settle("b", Settlement::callback, at(950));
  EXPECT_TRUE(ledger.is_settled("b"));
  EXPECT_EQ(ledger.early_size(), 1u);
  EXPECT_FALSE(ledger.expect("b", Kind::netverify, at(0)));
  EXPECT_EQ(ledger.find("b")->settled, Settlement::callback);
  EXPECT_EQ(ledger.find("b")->asks, 1);
  EXPECT_EQ(ledger.counts().settled_by_callback, 1u);
  EXPECT_EQ(rel(ledger.next_due()), 1180);
}

TEST(ReconcileLedger, StateRestoredAfterTheExpectedRecordIsAnAsk) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0));
  ledger.restore("a", 2, at(970), "PENDING", at(971));
  EXPECT_EQ(ledger.early_size(), 0u);
  EXPECT_EQ(ledger.find("a")->asks, 2);
  EXPECT_EQ(ledger.find("a")->last_asked, at(970));
  EXPECT_EQ(rel(ledger.next_due()), 1010);             // max(1000, 970 + 40)
  ledger.restore("a", 1, at(5000), "DONE", at(5001));  // older: ignored
  EXPECT_EQ(ledger.find("a")->asks, 2);
  EXPECT_EQ(ledger.find("a")->last_status, "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 1010);
}

TEST(ReconcileLedger, RestoredStateIsPrunedByWhenItWasFirstSeen) {
  Ledger ledger(jumio_schedule());
  ledger.restore("a", 1, at(940), "PENDING", at(1000));
  ledger.restore("a", 2, at(960), "PENDING", at(3000));  // seen later: a keeps 1000
  ledger.restore("b", 1, at(940), "PENDING", at(3000));
  ledger.settle("b", Settlement::retrieval, at(500));  // seen earlier: b now counts from 500
  ledger.restore("c", 1, at(940), "PENDING", at(2000));
  EXPECT_EQ(ledger.early_size(), 3u);
  ledger.prune(at(1500));
  EXPECT_EQ(ledger.early_size(), 1u);
  EXPECT_FALSE(ledger.is_settled("b"));
  // What was pruned is not applied; what was kept is.
  ledger.expect("a", Kind::netverify, at(1600));
  ledger.expect("c", Kind::netverify, at(1600));
  EXPECT_EQ(ledger.find("a")->asks, 0);
  EXPECT_EQ(ledger.find("c")->asks, 1);
  ledger.prune(at(1600));
  EXPECT_EQ(ledger.early_size(), 0u);
  EXPECT_EQ(ledger.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Forgetting and pruning

TEST(ReconcileLedger, ForgetPartitionsDropsOnlyTheirPendingEntries) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0), 0);
  ledger.expect("b", Kind::document, at(10), 1);
  ledger.expect("c", Kind::document, at(20), 1);
  ledger.expect("d", Kind::authentication, at(30), 2);
  ledger.expect("e", Kind::document, at(40), 2);
  ledger.expect("f", Kind::document, at(-5), 2);
  ledger.expect("g", Kind::document, at(50), 3);
  ledger.settle("b", Settlement::callback, at(15));
  ledger.give_up("d");
  ledger.settle("e", Settlement::deadletter, at(45));
  auto taken = ledger.take(at(935));  // f, in flight when forgotten
  ASSERT_TRUE(taken.has_value());
  ASSERT_EQ(taken->reference, "f");

  ledger.forget_partitions({});
  EXPECT_EQ(ledger.size(), 7u);
  ledger.forget_partitions({1, 2, 7});
  EXPECT_EQ(ledger.size(), 5u);
  EXPECT_NE(ledger.find("a"), nullptr);  // another partition
  EXPECT_NE(ledger.find("g"), nullptr);
  EXPECT_EQ(ledger.find("c"), nullptr);  // pending: forgotten
  EXPECT_EQ(ledger.find("f"), nullptr);  // in flight: forgotten as well
  for (const char* settled : {"b", "d", "e"}) {
    ASSERT_NE(ledger.find(settled), nullptr) << settled;
    EXPECT_TRUE(ledger.is_settled(settled)) << settled;
  }
  Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 7u);  // what was expected and settled stays counted
  EXPECT_EQ(counts.settled_by_callback, 1u);
  EXPECT_EQ(counts.settled_by_deadletter, 1u);
  EXPECT_EQ(counts.given_up, 1u);
  EXPECT_EQ(counts.pending, 2u);
  EXPECT_EQ(rel(counts.oldest_pending), 0);
  EXPECT_EQ(rel(ledger.next_due()), 940);
  // The forgotten in-flight one's ask ends: nothing comes back.
  ledger.asked("f", 1, at(935), "PENDING");
  ledger.done("f");
  EXPECT_EQ(ledger.find("f"), nullptr);
  const auto due = due_at(ledger, at(365 * kDay));
  EXPECT_EQ(refs_of(due), "a:0 g:0");

  ledger.forget_partitions({0, 3});
  EXPECT_EQ(ledger.size(), 3u);
  counts = ledger.counts();
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(counts.oldest_pending.has_value());
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_FALSE(ledger.take(at(365 * kDay)).has_value());

  // A forgotten reference's settlement seen later waits for its expected record again.
  ledger.settle("c", Settlement::retrieval, at(3000));
  EXPECT_TRUE(ledger.is_settled("c"));
  ledger.expect("c", Kind::document, at(20), 1);
  EXPECT_EQ(ledger.find("c")->settled, Settlement::retrieval);
}

TEST(ReconcileLedger, PruneDropsEntriesAndEarlySettlementsBeforeTheHorizon) {
  Ledger ledger(jumio_schedule());
  ledger.expect("p0", Kind::netverify, at(0));    // pending, before the horizon
  ledger.expect("s10", Kind::netverify, at(10));  // settled, before
  ledger.settle("s10", Settlement::callback, at(11));
  ledger.expect("p20", Kind::netverify, at(20));  // pending, at the horizon: kept
  ledger.expect("s30", Kind::netverify, at(30));  // settled, after: kept
  ledger.settle("s30", Settlement::retrieval, at(31));
  ledger.expect("p40", Kind::netverify, at(40));         // pending, after: kept
  ledger.settle("e5", Settlement::callback, at(5));      // early, seen before: dropped
  ledger.settle("e20", Settlement::deadletter, at(20));  // early, seen at the horizon: kept
  ledger.settle("e25", Settlement::retrieval, at(25));   // early, seen after: kept
  ledger.prune(at(20));

  EXPECT_EQ(ledger.size(), 3u);
  EXPECT_EQ(ledger.early_size(), 2u);
  EXPECT_EQ(ledger.find("p0"), nullptr);
  EXPECT_EQ(ledger.find("s10"), nullptr);
  EXPECT_NE(ledger.find("p20"), nullptr);
  EXPECT_NE(ledger.find("s30"), nullptr);
  EXPECT_NE(ledger.find("p40"), nullptr);
  EXPECT_FALSE(ledger.is_settled("e5"));
  EXPECT_TRUE(ledger.is_settled("e20"));
  EXPECT_TRUE(ledger.is_settled("e25"));
  EXPECT_TRUE(ledger.is_settled("s30"));

  Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 5u);  // counters are monotonic
  EXPECT_EQ(counts.settled_by_callback, 1u);
  EXPECT_EQ(counts.settled_by_retrieval, 1u);
  EXPECT_EQ(counts.pending, 2u);
  EXPECT_EQ(rel(counts.oldest_pending), 20);
  EXPECT_EQ(rel(ledger.next_due()), 20 + 940);  // p0's ask at 940 is gone

  ledger.expect("e5", Kind::netverify, at(21));
  ledger.expect("e20", Kind::netverify, at(22));
  ledger.expect("e25", Kind::netverify, at(23));
  EXPECT_FALSE(ledger.is_settled("e5"));
  EXPECT_EQ(ledger.find("e20")->settled, Settlement::deadletter);
  EXPECT_EQ(ledger.find("e25")->settled, Settlement::retrieval);
  counts = ledger.counts();
  EXPECT_EQ(counts.expected, 8u);
  EXPECT_EQ(counts.settled_by_deadletter, 1u);
  EXPECT_EQ(counts.settled_by_retrieval, 2u);
  EXPECT_EQ(counts.pending, 3u);

  // An in-flight entry pruned: its done() brings nothing back.
  auto taken = ledger.take(at(2000));
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->reference, "p20");
  ledger.prune(at(21));
  EXPECT_EQ(ledger.find("p20"), nullptr);
  ledger.done("p20");
  EXPECT_EQ(ledger.find("p20"), nullptr);
  EXPECT_EQ(ledger.counts().pending, 2u);
  EXPECT_EQ(rel(ledger.counts().oldest_pending), 21);

  // Everything goes at a late horizon; counters stay.
  ledger.prune(at(kDay));
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_EQ(ledger.early_size(), 0u);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.counts().expected, 8u);
  EXPECT_EQ(ledger.counts().pending, 0u);
}

TEST(ReconcileLedger, PruneAtTheSpanKeepsWhatCanStillBeAsked) {
  // One reference initiated each hour for 10 days; pruning at now - span() leaves exactly those
  // whose schedule has not ended, pending or settled.
  const Schedule schedule = jumio_schedule();
  Ledger ledger(schedule);
  for (int h = 0; h < 240; ++h) {
    const std::string reference = "h" + std::to_string(h);
    ledger.expect(reference, Kind::netverify, at(h * 3600));
    if (h % 3 == 0) ledger.settle(reference, Settlement::callback, at(h * 3600 + 60));
    ledger.settle("early" + std::to_string(h), Settlement::callback, at(h * 3600));
  }
  const Time now = at(240 * 3600);
  const Time horizon = now - schedule.span();
  ledger.prune(horizon);
  size_t kept = 0;
  for (int h = 0; h < 240; ++h) {
    const bool keep = at(h * 3600) >= horizon;
    EXPECT_EQ(ledger.find("h" + std::to_string(h)) != nullptr, keep) << h;
    EXPECT_EQ(ledger.is_settled("early" + std::to_string(h)), keep) << h;
    if (keep) ++kept;
  }
  EXPECT_EQ(ledger.size(), kept);
  EXPECT_EQ(ledger.early_size(), kept);
  EXPECT_GT(kept, 50u);
  EXPECT_LT(kept, 240u);
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 240u);
  EXPECT_EQ(counts.settled_by_callback, 80u);
  ASSERT_TRUE(counts.oldest_pending.has_value());
  EXPECT_GE(*counts.oldest_pending, horizon);
  // A second prune at the same horizon erases nothing.
  ledger.prune(horizon);
  EXPECT_EQ(ledger.size(), kept);
}

TEST(ReconcileLedger, NextDueIsTheEarliestAskOrGiveUp) {
  Ledger ledger(make_schedule(10, {0, 5}, 1));  // asks at +10, +15, +15+1d
  EXPECT_FALSE(ledger.next_due().has_value());
  ledger.expect("s", Kind::netverify, at(-50));
  ledger.settle("s", Settlement::callback, at(-49));
  EXPECT_FALSE(ledger.next_due().has_value());
  ledger.expect("a", Kind::netverify, at(100));
  EXPECT_EQ(rel(ledger.next_due()), 110);
  ledger.expect("b", Kind::netverify, at(50));
  EXPECT_EQ(rel(ledger.next_due()), 60);
  ledger.asked("b", 1, at(60), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 65);
  ledger.asked("b", 2, at(65), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 110);  // a's first ask before b's daily one
  ledger.settle("a", Settlement::retrieval, at(105));
  EXPECT_EQ(rel(ledger.next_due()), 65 + kDay);
  ledger.asked("b", 3, at(65 + kDay + 2), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 65 + kDay + 2);  // the give-up, right after the last ask
  ledger.give_up("b");
  EXPECT_FALSE(ledger.next_due().has_value());
}

// ---------------------------------------------------------------------------------------------
// The indexes against a model that scans everything, over random operations.

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

struct ModelEntry {
  Kind kind = Kind::netverify;
  int32_t partition = -1;
  Time initiated_at;
  int asks = 0;
  Time last_asked{};
  std::string last_status;
  Settlement settled = Settlement::none;
  bool in_flight = false;
};

struct ModelEarly {
  Time seen;
  Settlement settled = Settlement::none;
  int asks = -1;
  Time last_asked{};
  std::string last_status;
};

// The Ledger's contract (ledger.h), written as plainly as can be: maps and full scans.
struct Model {
  Schedule schedule;
  std::map<std::string, ModelEntry> entries;
  std::map<std::string, ModelEarly> early;
  Counts totals;

  Time due(const ModelEntry& e) const {
    if (e.asks >= schedule.asks())
      return e.asks > 0 ? e.last_asked : e.initiated_at + schedule.grace;
    const Time scheduled = *schedule.ask_time(e.initiated_at, e.asks);
    if (e.asks == 0) return scheduled;
    const Time spaced = e.last_asked + (scheduled - *schedule.ask_time(e.initiated_at, e.asks - 1));
    return std::max(scheduled, spaced);
  }
  // The earliest pending reference not in flight: (due, reference).
  std::optional<std::pair<Time, std::string>> earliest() const {
    std::optional<std::pair<Time, std::string>> best;
    for (const auto& [reference, e] : entries) {
      if (e.settled != Settlement::none || e.in_flight) continue;
      std::pair<Time, std::string> candidate{due(e), reference};
      if (!best || candidate < *best) best = candidate;
    }
    return best;
  }
  void count(Settlement how) {
    if (how == Settlement::callback) ++totals.settled_by_callback;
    if (how == Settlement::retrieval) ++totals.settled_by_retrieval;
    if (how == Settlement::deadletter) ++totals.settled_by_deadletter;
    if (how == Settlement::given_up) ++totals.given_up;
  }
  ModelEarly& early_record(const std::string& reference, Time seen) {
    auto [it, inserted] = early.try_emplace(reference);
    if (inserted || seen < it->second.seen) it->second.seen = seen;
    return it->second;
  }
  bool expect(const std::string& reference, Kind kind, Time initiated, int32_t partition) {
    if (reference.empty() || entries.count(reference)) return false;
    const auto before = earliest();
    ModelEntry e;
    e.kind = kind;
    e.partition = partition;
    e.initiated_at = initiated;
    ++totals.expected;
    auto held = early.find(reference);
    if (held != early.end()) {
      if (held->second.asks >= 0) {
        e.asks = held->second.asks;
        e.last_asked = held->second.last_asked;
        e.last_status = held->second.last_status;
      }
      e.settled = held->second.settled;
      count(e.settled);
      early.erase(held);
    }
    entries[reference] = e;
    const auto after = earliest();
    return after && (!before || after->first < before->first);
  }
  void settle(const std::string& reference, Settlement how, Time seen) {
    auto it = entries.find(reference);
    if (it == entries.end()) {
      ModelEarly& held = early_record(reference, seen);
      if (held.settled == Settlement::none) held.settled = how;
      return;
    }
    if (it->second.settled != Settlement::none) return;
    it->second.settled = how;
    count(how);
  }
  void asked(const std::string& reference, int asks, Time at, const std::string& status) {
    auto it = entries.find(reference);
    if (it == entries.end() || asks < it->second.asks) return;
    it->second.asks = asks;
    it->second.last_asked = at;
    it->second.last_status = status;
  }
  void restore(const std::string& reference, int asks, Time at, const std::string& status,
               Time seen) {
    if (entries.count(reference)) return asked(reference, asks, at, status);
    ModelEarly& held = early_record(reference, seen);
    if (asks < held.asks) return;
    held.asks = asks;
    held.last_asked = at;
    held.last_status = status;
  }
  std::optional<Due> take(Time now) {
    const auto first = earliest();
    if (!first || first->first > now) return std::nullopt;
    ModelEntry& e = entries[first->second];
    e.in_flight = true;
    const bool over = e.asks >= schedule.asks();
    return Due{first->second, e.kind,      e.partition, over ? schedule.asks() : e.asks,
               over,          first->first};
  }
  void done(const std::string& reference) {
    auto it = entries.find(reference);
    if (it != entries.end()) it->second.in_flight = false;
  }
  void forget(const std::set<int32_t>& partitions) {
    for (auto it = entries.begin(); it != entries.end();) {
      if (it->second.settled == Settlement::none && partitions.count(it->second.partition))
        it = entries.erase(it);
      else
        ++it;
    }
  }
  void prune(Time horizon) {
    for (auto it = entries.begin(); it != entries.end();)
      it = it->second.initiated_at < horizon ? entries.erase(it) : std::next(it);
    for (auto it = early.begin(); it != early.end();)
      it = it->second.seen < horizon ? early.erase(it) : std::next(it);
  }
  Counts counts() const {
    Counts counts = totals;
    for (const auto& [reference, e] : entries) {
      if (e.settled != Settlement::none) continue;
      ++counts.pending;
      if (!counts.oldest_pending || e.initiated_at < *counts.oldest_pending)
        counts.oldest_pending = e.initiated_at;
    }
    return counts;
  }
};

void expect_same_due(const std::optional<Due>& got, const std::optional<Due>& want) {
  ASSERT_EQ(got.has_value(), want.has_value());
  if (!got) return;
  EXPECT_EQ(got->reference, want->reference);
  EXPECT_EQ(got->kind, want->kind);
  EXPECT_EQ(got->partition, want->partition);
  EXPECT_EQ(got->ask, want->ask);
  EXPECT_EQ(got->give_up, want->give_up);
  EXPECT_EQ(got->at, want->at);
}

void expect_same_state(const Ledger& ledger, const Model& model,
                       const std::vector<std::string>& names) {
  const std::optional<Time> next = ledger.next_due();
  const auto earliest = model.earliest();
  EXPECT_EQ(rel(next), rel(earliest ? std::optional<Time>(earliest->first) : std::nullopt));
  EXPECT_EQ(next.has_value(), earliest.has_value());
  if (next && earliest) {
    EXPECT_EQ(*next, earliest->first);
  }
  const Counts got = ledger.counts();
  const Counts want = model.counts();
  EXPECT_EQ(got.expected, want.expected);
  EXPECT_EQ(got.settled_by_callback, want.settled_by_callback);
  EXPECT_EQ(got.settled_by_retrieval, want.settled_by_retrieval);
  EXPECT_EQ(got.settled_by_deadletter, want.settled_by_deadletter);
  EXPECT_EQ(got.given_up, want.given_up);
  EXPECT_EQ(got.pending, want.pending);
  EXPECT_EQ(got.oldest_pending, want.oldest_pending);
  EXPECT_EQ(ledger.size(), model.entries.size());
  EXPECT_EQ(ledger.early_size(), model.early.size());
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Entry* entry = ledger.find(name);
    auto it = model.entries.find(name);
    ASSERT_EQ(entry != nullptr, it != model.entries.end());
    if (!entry) {
      auto held = model.early.find(name);
      EXPECT_EQ(ledger.is_settled(name),
                held != model.early.end() && held->second.settled != Settlement::none);
      continue;
    }
    const ModelEntry& e = it->second;
    EXPECT_EQ(entry->kind, e.kind);
    EXPECT_EQ(entry->partition, e.partition);
    EXPECT_EQ(entry->initiated_at, e.initiated_at);
    EXPECT_EQ(entry->asks, e.asks);
    EXPECT_EQ(entry->last_asked, e.last_asked);
    EXPECT_EQ(entry->last_status, e.last_status);
    EXPECT_EQ(entry->settled, e.settled);
    EXPECT_EQ(entry->in_flight, e.in_flight);
    if (e.settled == Settlement::none) {
      EXPECT_EQ(entry->due, model.due(e));
    }
    EXPECT_EQ(ledger.is_settled(name), e.settled != Settlement::none);
  }
}

TEST(ReconcileLedgerProperty, IndexesAgreeWithAModelThatScansEverything) {
  // A short schedule (asks at +5, +8, +12, then give up) and times a few seconds apart, so that
  // due times tie often and references go through their whole life many times over.
  const Schedule schedule = make_schedule(5, {0, 3, 7}, 0);
  Model model{schedule, {}, {}, {}};
  Ledger ledger(schedule);
  std::mt19937_64 rng(17);
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("r" + std::to_string(i));
  const char* statuses[] = {"PENDING", "DONE", "not_found", "failed"};
  const Settlement ways[] = {Settlement::callback, Settlement::retrieval, Settlement::deadletter};

  long long now = 0;
  std::map<std::string, int> taken_ops;
  uint64_t takes = 0, give_ups_taken = 0, expect_earlier = 0, pruned = 0, forgotten = 0;
  for (int op = 0; op < 20000 && !::testing::Test::HasFailure(); ++op) {
    const std::string& name = names[static_cast<size_t>(uniform(rng, 0, 39))];
    const int what = uniform(rng, 0, 99);
    SCOPED_TRACE("op " + std::to_string(op) + " (" + std::to_string(what) + ") " + name + " at " +
                 std::to_string(now));
    if (what < 20) {
      const Kind kind = static_cast<Kind>(uniform(rng, 0, 2));
      const Time initiated = at(now + uniform(rng, -25, 3));
      const int32_t partition = uniform(rng, 0, 3);
      const bool want = model.expect(name, kind, initiated, partition);
      EXPECT_EQ(ledger.expect(name, kind, initiated, partition), want);
      if (want) ++expect_earlier;
    } else if (what < 27) {
      const Settlement how = ways[uniform(rng, 0, 2)];
      const Time seen = at(now + uniform(rng, -10, 10));
      model.settle(name, how, seen);
      ledger.settle(name, how, seen);
    } else if (what < 30) {
      if (model.entries.count(name)) model.settle(name, Settlement::given_up, at(now));
      ledger.give_up(name);
    } else if (what < 38) {
      auto it = model.entries.find(name);
      const int asks = (it == model.entries.end() ? 0 : it->second.asks) + uniform(rng, -1, 2);
      const Time when = at(now + uniform(rng, -6, 2));
      const char* status = statuses[uniform(rng, 0, 3)];
      model.asked(name, asks, when, status);
      ledger.asked(name, asks, when, status);
    } else if (what < 45) {
      const int asks = uniform(rng, 0, 4);
      const Time when = at(now + uniform(rng, -8, 0));
      const Time seen = at(now + uniform(rng, -8, 2));
      const char* status = statuses[uniform(rng, 0, 3)];
      model.restore(name, asks, when, status, seen);
      ledger.restore(name, asks, when, status, seen);
    } else if (what < 70) {
      // A worker: takes what is due, and sometimes asks (or gives up) before done().
      const std::optional<Due> want = model.take(at(now));
      const std::optional<Due> got = ledger.take(at(now));
      expect_same_due(got, want);
      if (got) {
        ++takes;
        taken_ops[got->reference] = op;
        if (got->give_up) ++give_ups_taken;
      }
    } else if (what < 85) {
      // An ask ends: usually the one taken longest ago, sometimes any reference.
      std::string reference = name;
      if (!taken_ops.empty() && uniform(rng, 0, 4) > 0) {
        reference = taken_ops.begin()->first;
        for (const auto& [taken, when] : taken_ops)
          if (when < taken_ops[reference]) reference = taken;
      }
      auto it = model.entries.find(reference);
      if (it != model.entries.end() && it->second.in_flight && uniform(rng, 0, 2) > 0) {
        if (it->second.asks >= schedule.asks()) {
          model.settle(reference, Settlement::given_up, at(now));
          ledger.give_up(reference);
        } else {
          const int asks = it->second.asks + 1;
          model.asked(reference, asks, at(now), "PENDING");
          ledger.asked(reference, asks, at(now), "PENDING");
        }
      }
      model.done(reference);
      ledger.done(reference);
      taken_ops.erase(reference);
    } else if (what < 87) {
      std::set<int32_t> partitions;
      for (int32_t p = 0; p < 4; ++p)
        if (uniform(rng, 0, 3) == 0) partitions.insert(p);
      const size_t before = model.entries.size();
      model.forget(partitions);
      ledger.forget_partitions(partitions);
      forgotten += before - model.entries.size();
    } else if (what < 90) {
      const Time horizon = at(now - uniform(rng, 5, 30));
      const size_t before = model.entries.size() + model.early.size();
      model.prune(horizon);
      ledger.prune(horizon);
      pruned += before - model.entries.size() - model.early.size();
    } else {
      now += uniform(rng, 0, 3);
    }
    expect_same_state(ledger, model, {name});
    if (op % 500 == 0) expect_same_state(ledger, model, names);
  }
  // Drain: everything still pending comes out in the same order.
  for (const auto& item : taken_ops) {
    model.done(item.first);
    ledger.done(item.first);
  }
  for (;;) {
    const std::optional<Due> want = model.take(at(now + 1000));
    const std::optional<Due> got = ledger.take(at(now + 1000));
    expect_same_due(got, want);
    if (!got || !want || ::testing::Test::HasFailure()) break;
  }
  // The operations reached every path.
  EXPECT_GT(takes, 1000u);
  EXPECT_GT(give_ups_taken, 50u);
  EXPECT_GT(expect_earlier, 100u);
  EXPECT_GT(pruned, 100u);
  EXPECT_GT(forgotten, 20u);
  EXPECT_GT(model.counts().given_up, 50u);
  std::printf(
      "[ model ] %llu takes (%llu give-ups), %llu expects made the earliest earlier, %llu "
      "pruned, %llu forgotten\n",
      static_cast<unsigned long long>(takes), static_cast<unsigned long long>(give_ups_taken),
      static_cast<unsigned long long>(expect_earlier), static_cast<unsigned long long>(pruned),
      static_cast<unsigned long long>(forgotten));
}

// ---------------------------------------------------------------------------------------------
// Simulations: 1,000 references, a clock stepping from one due time or Kafka record to the next.

struct Ref {
  std::string name;
  Kind kind = Kind::netverify;
  Time initiated_at;
  Time arrives;                   // the expected record is read
  std::optional<Time> duplicate;  // a second expected record (another kind and initiatedAt)
  std::optional<Time> settles;    // a settlement is read (never when nothing)
  Settlement how = Settlement::none;
  // What happened.
  std::vector<std::pair<int, Time>> asks;  // (ask, when)
  std::optional<Time> given_up;
};

struct Record {
  Time at;
  int type;  // 0 expected, 1 duplicate expected, 2 settlement
  size_t ref;
};

std::vector<Ref> make_refs(std::mt19937_64& rng, const Schedule& schedule, size_t count) {
  std::vector<Ref> refs(count);
  const Settlement ways[] = {Settlement::callback, Settlement::retrieval, Settlement::deadletter};
  const auto span_ms = std::chrono::duration_cast<milliseconds>(schedule.span()).count();
  for (size_t i = 0; i < count; ++i) {
    Ref& r = refs[i];
    r.name = "ref-" + std::to_string(rng() % 1000000) + "-" + std::to_string(i);
    r.kind = static_cast<Kind>(uniform(rng, 0, 2));
    r.initiated_at = kT0 + seconds{uniform(rng, 0, 2 * kDay)} + milliseconds{uniform(rng, 0, 999)};
    // The expected record is read before the first ask is due.
    const auto first_ms = std::chrono::duration_cast<milliseconds>(
                              *schedule.ask_time(r.initiated_at, 0) - r.initiated_at)
                              .count();
    r.arrives = r.initiated_at + milliseconds{uniform(rng, 0, static_cast<int>(first_ms) - 1)};
    if (uniform(rng, 0, 9) == 0) r.duplicate = r.arrives + seconds{uniform(rng, 1, 3 * kDay)};
    const int shape = uniform(rng, 0, 99);
    if (shape < 20) continue;  // never settled
    r.how = ways[uniform(rng, 0, 2)];
    if (shape < 40) {
      // The callback arrives quickly: often before the expected record.
      r.settles = r.initiated_at + milliseconds{uniform(rng, 0, 120000)};
    } else if (shape < 50) {
      // Exactly at an ask's time: settled first, so that ask is not made.
      r.settles = *schedule.ask_time(r.initiated_at, uniform(rng, 0, schedule.asks() - 1));
    } else {
      // Any time, including after the give-up.
      r.settles =
          r.initiated_at +
          milliseconds{static_cast<long long>(std::uniform_real_distribution<double>(0, 1)(rng) *
                                              static_cast<double>(span_ms + kDay * 1000))};
    }
  }
  return refs;
}

std::vector<Record> make_records(const std::vector<Ref>& refs) {
  std::vector<Record> records;
  for (size_t i = 0; i < refs.size(); ++i) {
    records.push_back({refs[i].arrives, 0, i});
    if (refs[i].duplicate) records.push_back({*refs[i].duplicate, 1, i});
    if (refs[i].settles) records.push_back({*refs[i].settles, 2, i});
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.at < b.at; });
  return records;
}

Kind other_kind(Kind kind) {
  return kind == Kind::netverify ? Kind::document : Kind::netverify;
}

// When the next ask (or the give-up) of a reference is due, by the schedule's rule: ask n at
// max(ask_time(n), last ask + the schedule's gap before ask n); the give-up at the last ask.
Time expected_due(const Schedule& schedule, const Ref& r) {
  const int n = static_cast<int>(r.asks.size());
  if (n >= schedule.asks())
    return r.asks.empty() ? r.initiated_at + schedule.grace : r.asks.back().second;
  const Time scheduled = *schedule.ask_time(r.initiated_at, n);
  if (n == 0) return scheduled;
  return std::max(scheduled,
                  r.asks.back().second + (scheduled - *schedule.ask_time(r.initiated_at, n - 1)));
}

// Takes up to `limit` references due at `now` (all in flight at once, as several workers hold
// them), checking they come earliest first, ties by reference.
std::vector<Due> take_batch(Ledger& ledger, Time now, size_t limit) {
  std::vector<Due> batch;
  while (batch.size() < limit) {
    std::optional<Due> due = ledger.take(now);
    if (!due) break;
    EXPECT_LE(due->at, now);
    if (!batch.empty()) {
      const Due& last = batch.back();
      EXPECT_TRUE(last.at < due->at || (last.at == due->at && last.reference < due->reference))
          << refs_of(batch) << " then " << due->reference;
    }
    batch.push_back(*due);
  }
  return batch;
}

TEST(ReconcileLedgerProperty, ThousandReferencesAreAskedExactlyOnScheduleThenGivenUpOnce) {
  const Schedule schedule = jumio_schedule();
  std::mt19937_64 rng(20240501);
  std::vector<Ref> refs = make_refs(rng, schedule, 1000);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < refs.size(); ++i) index[refs[i].name] = i;
  const std::vector<Record> records = make_records(refs);

  Ledger ledger(schedule);
  size_t next_record = 0;
  Time now = records.front().at;
  bool stepped_to_due = false;
  uint64_t steps = 0;
  while (!::testing::Test::HasFailure()) {
    ++steps;
    // What Kafka has by now.
    for (; next_record < records.size() && records[next_record].at <= now; ++next_record) {
      const Record& record = records[next_record];
      const Ref& r = refs[record.ref];
      if (record.type == 0) ledger.expect(r.name, r.kind, r.initiated_at);
      if (record.type == 1)
        ledger.expect(r.name, other_kind(r.kind), r.initiated_at + std::chrono::hours{1});
      if (record.type == 2) ledger.settle(r.name, r.how, *r.settles);
    }
    // Everything due now, in batches of random size.
    bool any = false;
    for (;;) {
      const size_t limit = static_cast<size_t>(uniform(rng, 1, 64));
      const std::vector<Due> due = take_batch(ledger, now, limit);
      if (due.empty()) break;
      any = true;
      for (const Due& d : due) {
        Ref& r = refs[index.at(d.reference)];
        SCOPED_TRACE(r.name + " ask " + std::to_string(d.ask) + " at " + std::to_string(rel(now)));
        ASSERT_LE(r.arrives, now);
        EXPECT_EQ(d.kind, r.kind);
        EXPECT_EQ(d.at, expected_due(schedule, r));
        ASSERT_FALSE(r.given_up.has_value());
        // Never after the settlement.
        ASSERT_TRUE(!r.settles || *r.settles > now);
        ASSERT_FALSE(ledger.is_settled(r.name));
        if (d.give_up) {
          EXPECT_EQ(d.ask, schedule.asks());
          EXPECT_EQ(static_cast<int>(r.asks.size()), schedule.asks());
          EXPECT_EQ(now, *schedule.ask_time(r.initiated_at, schedule.asks() - 1));
          r.given_up = now;
          ledger.give_up(r.name);
        } else {
          // Asks in order, each exactly at its time: not before, and not late.
          EXPECT_EQ(d.ask, static_cast<int>(r.asks.size()));
          ASSERT_LT(d.ask, schedule.asks());
          EXPECT_EQ(*schedule.ask_time(r.initiated_at, d.ask), now);
          r.asks.emplace_back(d.ask, now);
          ledger.asked(r.name, d.ask + 1, now, "PENDING");
        }
        ledger.done(r.name);
      }
    }
    if (stepped_to_due) {
      EXPECT_TRUE(any) << "next_due() promised something at " << rel(now);
    }
    const std::optional<Time> next_due = ledger.next_due();
    if (next_due) {
      ASSERT_GT(*next_due, now);
    }
    // Asserted above at the next step: when next_due() alone chose it, something is due then.
    stepped_to_due =
        next_due && (next_record == records.size() || *next_due < records[next_record].at);
    std::optional<Time> next = next_due;
    if (next_record < records.size() && (!next || records[next_record].at < *next))
      next = records[next_record].at;
    if (!next) break;
    ASSERT_FALSE(ledger.take(*next - nanoseconds{1}).has_value());
    now = *next;
  }
  ASSERT_EQ(next_record, records.size());

  uint64_t want_asks = 0, got_asks = 0, want_given_up = 0, partly = 0, never_asked = 0;
  std::map<Settlement, uint64_t> want_settled;
  for (const Ref& r : refs) {
    SCOPED_TRACE(r.name);
    int expected_asks = 0;
    for (int n = 0; n < schedule.asks(); ++n)
      if (!r.settles || *schedule.ask_time(r.initiated_at, n) < *r.settles) ++expected_asks;
    EXPECT_EQ(static_cast<int>(r.asks.size()), expected_asks);
    want_asks += static_cast<uint64_t>(expected_asks);
    got_asks += r.asks.size();
    if (expected_asks == 0) ++never_asked;
    if (expected_asks > 0 && expected_asks < schedule.asks()) ++partly;
    const Time last = *schedule.ask_time(r.initiated_at, schedule.asks() - 1);
    const bool give_up = !r.settles || *r.settles > last;
    EXPECT_EQ(r.given_up.has_value(), give_up);
    if (give_up) {
      EXPECT_EQ(r.given_up, last);
      ++want_given_up;
    } else {
      ++want_settled[r.how];
    }
    const Entry* entry = ledger.find(r.name);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->initiated_at, r.initiated_at);  // the duplicate did not replace it
    EXPECT_EQ(entry->kind, r.kind);
    EXPECT_EQ(entry->settled, give_up ? Settlement::given_up : r.how);
    EXPECT_EQ(entry->asks, static_cast<int>(r.asks.size()));
  }
  EXPECT_EQ(got_asks, want_asks);
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, refs.size());
  EXPECT_EQ(counts.settled_by_callback, want_settled[Settlement::callback]);
  EXPECT_EQ(counts.settled_by_retrieval, want_settled[Settlement::retrieval]);
  EXPECT_EQ(counts.settled_by_deadletter, want_settled[Settlement::deadletter]);
  EXPECT_EQ(counts.given_up, want_given_up);
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(counts.oldest_pending.has_value());
  EXPECT_FALSE(ledger.next_due().has_value());
  // The simulation covered every path.
  EXPECT_GT(want_given_up, 150u);
  EXPECT_GT(partly, 200u);
  EXPECT_GT(never_asked, 100u);
  std::printf(
      "[ simulated ] %llu clock steps, %llu asks, %llu given up, %llu never asked, "
      "%llu partly asked\n",
      static_cast<unsigned long long>(steps), static_cast<unsigned long long>(got_asks),
      static_cast<unsigned long long>(want_given_up), static_cast<unsigned long long>(never_asked),
      static_cast<unsigned long long>(partly));
}

// The same with outages: the clock skips [down, up); at `up` the service restarts with a new
// Ledger restored from what Kafka has (expected records, settlements, give-ups in order; its
// state records of asks in any order, some before the expected records, some after), then
// catches up: every step is asked, in order, those after an outage late by as much.
TEST(ReconcileLedgerProperty, OutagesAndRestartsDelayTheFollowingAsksAndSkipNone) {
  const Schedule schedule = jumio_schedule();
  std::mt19937_64 rng(77);
  std::vector<Ref> refs = make_refs(rng, schedule, 1000);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < refs.size(); ++i) index[refs[i].name] = i;
  const std::vector<Record> records = make_records(refs);

  // Outages, merged when they overlap.
  std::vector<std::pair<Time, Time>> outages;
  const long long lengths[] = {45, 600, 3600, 6 * 3600, 2 * kDay};
  for (int i = 0; i < 12; ++i) {
    const Time down = kT0 + seconds{uniform(rng, 600, 11 * kDay)};
    outages.emplace_back(down, down + seconds{lengths[i % 5] + uniform(rng, 0, 30)});
  }
  std::sort(outages.begin(), outages.end());
  std::vector<std::pair<Time, Time>> merged;
  for (const auto& outage : outages) {
    if (!merged.empty() && outage.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, outage.second);
    else
      merged.push_back(outage);
  }
  auto up_after = [&](Time time) -> std::optional<Time> {
    for (const auto& [down, up] : merged)
      if (down <= time && time < up) return up;
    return std::nullopt;
  };

  // What Kafka keeps: the ledger's inputs in order, and the state records of asks.
  struct Input {
    int type;  // 0 expect, 1 settle, 2 give up
    std::string reference;
    Kind kind;
    Time at;
    Settlement how;
  };
  std::vector<Input> inputs;
  struct State {
    std::string reference;
    int asks;
    Time at;
  };
  std::vector<State> states;

  auto ledger = std::make_unique<Ledger>(schedule);
  auto feed = [](Ledger& into, const Input& input) {
    if (input.type == 0) into.expect(input.reference, input.kind, input.at);
    if (input.type == 1) into.settle(input.reference, input.how, input.at);
    if (input.type == 2) into.give_up(input.reference);
  };

  size_t next_record = 0;
  Time now = records.front().at - seconds{1};
  uint64_t restarts = 0, late_asks = 0, shifted = 0, asks = 0, given_up = 0;
  while (!::testing::Test::HasFailure()) {
    std::optional<Time> next = ledger->next_due();
    if (next_record < records.size() && (!next || records[next_record].at < *next))
      next = records[next_record].at;
    if (!next) break;
    ASSERT_GT(*next, now);
    ASSERT_FALSE(ledger->take(*next - nanoseconds{1}).has_value());
    // Down before then? Back at `up`, restored.
    std::optional<Time> up;
    for (const auto& outage : merged)
      if (outage.first > now && outage.first <= *next) {
        up = outage.second;
        break;
      }
    if (up) {
      now = *up;
      ++restarts;
      ledger = std::make_unique<Ledger>(schedule);
      std::vector<State> shuffled = states;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      const size_t before = static_cast<size_t>(uniform(rng, 0, static_cast<int>(shuffled.size())));
      for (size_t i = 0; i < before; ++i) {
        const State& state = shuffled[i];
        ledger->restore(state.reference, state.asks, state.at, "PENDING", state.at);
      }
      for (const Input& input : inputs) feed(*ledger, input);
      for (size_t i = before; i < shuffled.size(); ++i) {
        const State& state = shuffled[i];
        ledger->restore(state.reference, state.asks, state.at, "PENDING", state.at);
      }
      for (const Ref& r : refs) {
        const Entry* entry = ledger->find(r.name);
        if (!entry) continue;
        EXPECT_EQ(entry->asks, static_cast<int>(r.asks.size())) << r.name;
        if (!r.asks.empty()) {
          EXPECT_EQ(entry->last_asked, r.asks.back().second) << r.name;
        }
      }
    } else {
      now = *next;
    }
    for (; next_record < records.size() && records[next_record].at <= now; ++next_record) {
      const Record& record = records[next_record];
      const Ref& r = refs[record.ref];
      Input input;
      if (record.type == 0) input = {0, r.name, r.kind, r.initiated_at, Settlement::none};
      if (record.type == 1)
        input = {0, r.name, other_kind(r.kind), r.initiated_at + std::chrono::hours{1},
                 Settlement::none};
      if (record.type == 2) input = {1, r.name, r.kind, *r.settles, r.how};
      feed(*ledger, input);
      inputs.push_back(input);
    }
    for (;;) {
      const size_t limit = static_cast<size_t>(uniform(rng, 1, 64));
      const std::vector<Due> due = take_batch(*ledger, now, limit);
      if (due.empty()) break;
      for (const Due& d : due) {
        Ref& r = refs[index.at(d.reference)];
        SCOPED_TRACE(r.name + " ask " + std::to_string(d.ask) + " at " + std::to_string(rel(now)));
        ASSERT_LE(r.arrives, now);
        EXPECT_EQ(d.kind, r.kind);
        ASSERT_FALSE(r.given_up.has_value());
        ASSERT_TRUE(!r.settles || *r.settles > now);  // never after the settlement
        ASSERT_FALSE(ledger->is_settled(r.name));
        ASSERT_FALSE(up_after(now).has_value());  // never while down
        // Due by the rule; made then, or at once when back if the service was down then.
        const Time due_time = expected_due(schedule, r);
        EXPECT_EQ(d.at, due_time);
        if (due_time != now) {
          EXPECT_EQ(up_after(due_time), now);
          ++late_asks;
        }
        if (d.give_up) {
          // Only once every step was asked, right after the last one.
          EXPECT_EQ(static_cast<int>(r.asks.size()), schedule.asks());
          EXPECT_EQ(d.ask, schedule.asks());
          ASSERT_FALSE(r.asks.empty());
          EXPECT_EQ(now, r.asks.back().second);
          r.given_up = now;
          ++given_up;
          ledger->give_up(r.name);
          ledger->done(r.name);
          inputs.push_back({2, r.name, r.kind, now, Settlement::given_up});
          continue;
        }
        // Every step in order: none skipped, none repeated.
        ASSERT_EQ(d.ask, static_cast<int>(r.asks.size()));
        const Time scheduled = *schedule.ask_time(r.initiated_at, d.ask);
        EXPECT_LE(scheduled, now);  // never early
        if (due_time > scheduled) ++shifted;
        if (!r.asks.empty()) {
          EXPECT_GT(now, r.asks.back().second);  // one ask at a time
        }
        r.asks.emplace_back(d.ask, now);
        ++asks;
        ledger->asked(r.name, d.ask + 1, now, "PENDING");
        ledger->done(r.name);
        states.push_back({r.name, d.ask + 1, now});
      }
    }
  }
  ASSERT_EQ(next_record, records.size());

  // Every reference ended: given up, or settled before its next ask could be made.
  std::map<Settlement, uint64_t> want_settled;
  for (const Ref& r : refs) {
    SCOPED_TRACE(r.name);
    if (r.given_up) continue;
    ASSERT_TRUE(r.settles.has_value()) << "neither settled nor given up";
    ++want_settled[r.how];
    const int next = static_cast<int>(r.asks.size());
    ASSERT_LT(next, schedule.asks()) << "schedule over, not given up";
    const Time due_time = expected_due(schedule, r);
    if (due_time >= *r.settles) continue;
    // Due before the settlement yet not made: only when down then, and back after it.
    const std::optional<Time> up = up_after(due_time);
    ASSERT_TRUE(up.has_value()) << "ask " << next << " at " << rel(due_time) << " missed";
    EXPECT_GE(*up, *r.settles);
  }
  const Counts counts = ledger->counts();
  EXPECT_EQ(counts.expected, refs.size());
  EXPECT_EQ(counts.settled_by_callback, want_settled[Settlement::callback]);
  EXPECT_EQ(counts.settled_by_retrieval, want_settled[Settlement::retrieval]);
  EXPECT_EQ(counts.settled_by_deadletter, want_settled[Settlement::deadletter]);
  EXPECT_EQ(counts.given_up, given_up);
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(ledger->next_due().has_value());
  // The outages mattered.
  EXPECT_GE(restarts, 3u);
  EXPECT_GT(late_asks, 50u);
  EXPECT_GT(shifted, 50u);
  std::printf(
      "[ simulated ] %llu restarts, %llu asks (%llu late after an outage, %llu delayed by an "
      "earlier one), %llu given up\n",
      static_cast<unsigned long long>(restarts), static_cast<unsigned long long>(asks),
      static_cast<unsigned long long>(late_asks), static_cast<unsigned long long>(shifted),
      static_cast<unsigned long long>(given_up));
}

}  // namespace
}  // namespace jb::reconcile
