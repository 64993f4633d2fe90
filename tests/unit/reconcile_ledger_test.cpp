// The reconcile ledger: the Schedule's ask times, expected records and settlements in either order,
// what is due (and when), catch-up after an outage, forgetting and pruning; then two simulations of
// 1,000 references against a stepping clock, one without and one with outages and restarts.
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

TEST(ReconcileLedger, EmptyLedger) {
  Ledger ledger(jumio_schedule());
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_TRUE(ledger.due(at(100 * kDay), 100).empty());
  EXPECT_EQ(ledger.find("a"), nullptr);
  EXPECT_FALSE(ledger.is_settled("a"));
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 0u);
  EXPECT_EQ(settled_total(counts), 0u);
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(counts.oldest_pending.has_value());
}

TEST(ReconcileLedger, ExpectKeepsTheFirstRecordAndIgnoresDuplicatesAndEmptyReferences) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::authentication, at(0));
  ledger.expect("a", Kind::document, at(500));
  ledger.expect("a", Kind::netverify, at(-500));
  ledger.expect("", Kind::netverify, at(0));
  EXPECT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.find(""), nullptr);
  const Entry* entry = ledger.find("a");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->reference, "a");
  EXPECT_EQ(entry->kind, Kind::authentication);
  EXPECT_EQ(entry->initiated_at, at(0));
  EXPECT_EQ(entry->asks, 0);
  EXPECT_EQ(entry->settled, Settlement::none);
  EXPECT_FALSE(ledger.is_settled("a"));
  const Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 1u);
  EXPECT_EQ(counts.pending, 1u);
  EXPECT_EQ(rel(counts.oldest_pending), 0);
  // The schedule runs from the first record's initiatedAt, with its kind.
  EXPECT_EQ(rel(ledger.next_due()), 940);
  EXPECT_TRUE(ledger.due(at(939), 10).empty());
  auto due = ledger.due(at(940), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, Kind::authentication);
  EXPECT_EQ(due[0].ask, 0);
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
      for (const Due& d : ledger.due(at(now), 100)) EXPECT_EQ(d.reference, "b") << now;
    }
    ledger.settle("b", Settlement::callback, at(20));
    EXPECT_TRUE(ledger.due(at(400 * kDay), 100).empty());
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
    Counts counts = ledger.counts();
    EXPECT_EQ(counts.expected, 0u);
    EXPECT_EQ(settled_total(counts), 0u);  // not counted before it is expected
    EXPECT_FALSE(ledger.next_due().has_value());

    ledger.expect("a", Kind::document, at(0));
    ASSERT_NE(ledger.find("a"), nullptr);
    EXPECT_EQ(ledger.find("a")->settled, how);
    EXPECT_EQ(ledger.find("a")->kind, Kind::document);
    EXPECT_TRUE(ledger.is_settled("a"));
    counts = ledger.counts();
    EXPECT_EQ(counts.expected, 1u);
    EXPECT_EQ(counted(counts, how), 1u);
    EXPECT_EQ(settled_total(counts), 1u);
    EXPECT_EQ(counts.pending, 0u);
    EXPECT_FALSE(ledger.next_due().has_value());
    EXPECT_TRUE(ledger.due(at(400 * kDay), 100).empty());

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
  ledger.prune(at(200));
  EXPECT_FALSE(ledger.is_settled("a"));
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
  ledger.give_up("a");
  check({"a given up", 6, 1, 1, 2, 2, 0, kNever});
  ledger.expect("g", Kind::netverify, at(-5));
  check({"g expected", 7, 1, 1, 2, 2, 1, -5});
}

// ---------------------------------------------------------------------------------------------
// What is due

TEST(ReconcileLedger, DueIsEarliestFirstThenByReferenceWithinTheLimit) {
  // Asks at initiatedAt + 10 and + 15; then give up.
  Ledger ledger(make_schedule(10, {0, 5}, 0));
  ledger.expect("b", Kind::netverify, at(0));        // ask 0 at 10
  ledger.expect("a", Kind::document, at(0));         // ask 0 at 10 (ties with b: a first)
  ledger.expect("c", Kind::authentication, at(-3));  // ask 0 at 7
  ledger.expect("d", Kind::netverify, at(2));        // ask 0 at 12
  ledger.expect("e", Kind::netverify, at(100));      // not yet
  ledger.expect("g", Kind::document, at(-10));       // asked twice: give-up due at 6
  ledger.asked("g", 1, at(0), "PENDING");
  ledger.asked("g", 2, at(6), "PENDING");
  ledger.expect("h", Kind::netverify, at(-8));  // asked once: ask 1 at 7 (ties with c)
  ledger.asked("h", 1, at(2), "PENDING");
  ledger.expect("s", Kind::netverify, at(-100));  // settled: never due
  ledger.settle("s", Settlement::callback, at(-50));

  struct Case {
    long long now;
    size_t limit;
    std::vector<std::tuple<const char*, Kind, int, bool>> want;
  };
  const Case cases[] = {
      {5, 100, {}},
      {6, 100, {{"g", Kind::document, 2, true}}},
      {7,
       100,
       {{"g", Kind::document, 2, true},
        {"c", Kind::authentication, 0, false},
        {"h", Kind::netverify, 1, false}}},
      {12,
       100,
       {{"g", Kind::document, 2, true},
        {"c", Kind::authentication, 0, false},
        {"h", Kind::netverify, 1, false},
        {"a", Kind::document, 0, false},
        {"b", Kind::netverify, 0, false},
        {"d", Kind::netverify, 0, false}}},
      {12,
       4,
       {{"g", Kind::document, 2, true},
        {"c", Kind::authentication, 0, false},
        {"h", Kind::netverify, 1, false},
        {"a", Kind::document, 0, false}}},
      {12, 1, {{"g", Kind::document, 2, true}}},
      {12, 0, {}},
      {1000, 2, {{"g", Kind::document, 2, true}, {"c", Kind::authentication, 0, false}}},
  };
  for (const Case& c : cases) {
    const auto due = ledger.due(at(c.now), c.limit);
    SCOPED_TRACE("now " + std::to_string(c.now) + " limit " + std::to_string(c.limit) + ": " +
                 refs_of(due));
    ASSERT_EQ(due.size(), c.want.size());
    for (size_t i = 0; i < due.size(); ++i) {
      EXPECT_EQ(due[i].reference, std::get<0>(c.want[i])) << i;
      EXPECT_EQ(due[i].kind, std::get<1>(c.want[i])) << i;
      EXPECT_EQ(due[i].ask, std::get<2>(c.want[i])) << i;
      EXPECT_EQ(due[i].give_up, std::get<3>(c.want[i])) << i;
    }
  }
  // due() is pure: nothing changed.
  EXPECT_EQ(ledger.due(at(12), 100).size(), 6u);
  EXPECT_EQ(ledger.find("g")->asks, 2);
  EXPECT_EQ(rel(ledger.next_due()), 6);
}

TEST(ReconcileLedger, WalksTheWholeJumioScheduleThenGivesUpOnce) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0));
  for (int n = 0; n < 17; ++n) {
    SCOPED_TRACE(n);
    const long long when = kJumioOffsets[static_cast<size_t>(n)];
    EXPECT_EQ(rel(ledger.next_due()), when);
    EXPECT_TRUE(ledger.due(at(when) - nanoseconds{1}, 10).empty());
    const auto due = ledger.due(at(when), 10);
    ASSERT_EQ(due.size(), 1u) << refs_of(due);
    EXPECT_EQ(due[0].reference, "a");
    EXPECT_EQ(due[0].ask, n);
    EXPECT_FALSE(due[0].give_up);
    ledger.asked("a", n + 1, at(when), "PENDING");
    EXPECT_EQ(ledger.find("a")->asks, n + 1);
    EXPECT_EQ(ledger.find("a")->last_asked, at(when));
  }
  // Given up right after the last ask.
  const long long last = kJumioOffsets.back();
  EXPECT_EQ(rel(ledger.next_due()), last);
  auto due = ledger.due(at(last), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].give_up);
  EXPECT_EQ(due[0].ask, 17);
  EXPECT_EQ(ledger.counts().pending, 1u);
  ledger.give_up("a");
  EXPECT_TRUE(ledger.due(at(last + 100 * kDay), 10).empty());
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.find("a")->settled, Settlement::given_up);
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
        EXPECT_TRUE(ledger.due(at(now), 100).empty()) << now;
      // A later state record (asks known from the state topic) does not make it due again.
      ledger.asked("a", k + 1, at(2 * kDay), "DONE");
      EXPECT_FALSE(ledger.next_due().has_value());
      EXPECT_TRUE(ledger.due(at(365 * kDay), 100).empty());
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

  ledger.asked("a", 4, at(1060), "PENDING");  // a newer one
  EXPECT_EQ(ledger.find("a")->asks, 4);
  EXPECT_EQ(rel(ledger.next_due()), 1140);

  // Unknown references are ignored: nothing is created.
  ledger.asked("b", 5, at(1000), "PENDING");
  EXPECT_EQ(ledger.find("b"), nullptr);
  EXPECT_EQ(ledger.size(), 1u);
  ledger.expect("b", Kind::netverify, at(0));
  EXPECT_EQ(ledger.find("b")->asks, 0);
}

// ---------------------------------------------------------------------------------------------
// Catch-up after an outage

TEST(ReconcileLedger, OneCatchUpAskAfterAnOutageThenTheNextStepStillAhead) {
  const auto O = [](int n) { return kJumioOffsets[static_cast<size_t>(n)]; };
  struct Case {
    const char* name;
    int asks;        // restored from the state topic, the last at its scheduled time
    long long now;   // when the service is back
    long long next;  // next_due after the catch-up ask; kNever: given up at once
    int later;       // asks still to come after the catch-up ask
  };
  const Case cases[] = {
      {"never asked, back after 5 steps", 0, O(5) + 7, O(6), 11},
      {"never asked, back exactly on a step", 0, O(5), O(6), 11},
      {"asked once, back after step 7", 1, O(7) + 1, O(8), 9},
      {"asked 3 times, back exactly at step 9", 3, O(9), O(10), 7},
      {"steps done, back in the daily asks", 10, O(12) + 3600, O(13), 4},
      {"asked twice, back after the last daily ask", 2, O(16) + 10, kNever, 0},
      {"asked 16 times, back a little late", 16, O(16) + 5, kNever, 0},
      {"asked 16 times, back a week late", 16, O(16) + 7 * kDay, kNever, 0},
      {"never asked, back a year late", 0, 365 * kDay, kNever, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Ledger ledger(jumio_schedule());
    ledger.expect("a", Kind::document, at(0));
    if (c.asks > 0) ledger.asked("a", c.asks, at(O(c.asks - 1)), "PENDING");
    EXPECT_EQ(rel(ledger.next_due()), O(c.asks));  // the first missed one, in the past

    // Exactly one ask due now, the first missed one.
    auto due = ledger.due(at(c.now), 100);
    ASSERT_EQ(due.size(), 1u) << refs_of(due);
    EXPECT_EQ(due[0].reference, "a");
    EXPECT_EQ(due[0].kind, Kind::document);
    EXPECT_EQ(due[0].ask, c.asks);
    EXPECT_FALSE(due[0].give_up);
    ledger.asked("a", due[0].ask + 1, at(c.now), "PENDING");

    if (c.next == kNever) {
      // The whole schedule was missed: given up now, not asked again.
      EXPECT_EQ(rel(ledger.next_due()), c.now);
      due = ledger.due(at(c.now), 100);
      ASSERT_EQ(due.size(), 1u) << refs_of(due);
      EXPECT_TRUE(due[0].give_up);
      EXPECT_EQ(due[0].ask, 17);
      continue;
    }
    // Not every missed one: the next is the next step still ahead.
    EXPECT_EQ(rel(ledger.next_due()), c.next);
    EXPECT_TRUE(ledger.due(at(c.now), 100).empty());
    EXPECT_TRUE(ledger.due(at(c.next) - nanoseconds{1}, 100).empty());
    // Then the rest of the schedule, one ask per step, then the give-up.
    int later = 0;
    Time now = at(c.next);
    for (;;) {
      due = ledger.due(now, 100);
      ASSERT_EQ(due.size(), 1u) << refs_of(due);
      if (due[0].give_up) break;
      EXPECT_EQ(ledger.find("a")->settled, Settlement::none);
      EXPECT_EQ(*jumio_schedule().ask_time(at(0), due[0].ask), now);
      ledger.asked("a", due[0].ask + 1, now, "PENDING");
      ++later;
      ASSERT_TRUE(ledger.next_due().has_value());
      now = *ledger.next_due();
    }
    EXPECT_EQ(later, c.later);
    EXPECT_EQ(now, at(O(16)));
  }
}

TEST(ReconcileLedger, CatchUpAsksEachReferenceOnceAfterARestart) {
  // 50 references restored with 1..10 asks, the last long ago: one ask each when back.
  Ledger ledger(jumio_schedule());
  for (int i = 0; i < 50; ++i) {
    const std::string reference = "r" + std::to_string(i);
    ledger.expect(reference, Kind::netverify, at(i));
    const int asks = 1 + i % 10;
    ledger.asked(reference, asks, at(i + kJumioOffsets[static_cast<size_t>(asks - 1)]), "PENDING");
  }
  const Time back = at(2 * kDay + 5000);  // after the first two daily asks of every reference
  auto due = ledger.due(back, 1000);
  ASSERT_EQ(due.size(), 50u);
  std::map<std::string, int> seen;
  for (const Due& d : due) {
    EXPECT_EQ(++seen[d.reference], 1) << d.reference;
    EXPECT_FALSE(d.give_up);
    EXPECT_EQ(d.ask, ledger.find(d.reference)->asks);
    ledger.asked(d.reference, d.ask + 1, back, "PENDING");
  }
  EXPECT_TRUE(ledger.due(back, 1000).empty());
  // Each one's next ask is its third daily ask (n = 12): the missed ones are skipped.
  for (int i = 0; i < 50; ++i) {
    const Entry* entry = ledger.find("r" + std::to_string(i));
    EXPECT_EQ(entry->last_asked, back);
  }
  EXPECT_EQ(rel(ledger.next_due()), kJumioOffsets[12]);
  due = ledger.due(at(kJumioOffsets[12] + 49), 1000);
  ASSERT_EQ(due.size(), 50u);
  for (const Due& d : due) EXPECT_EQ(d.ask, 12) << d.reference;
}

TEST(ReconcileLedger, EmptyScheduleGivesUpAfterTheGrace) {
  Ledger ledger(make_schedule(900, {}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.expect("b", Kind::netverify, at(10));
  ledger.settle("b", Settlement::callback, at(20));
  EXPECT_EQ(rel(ledger.next_due()), 900);
  EXPECT_TRUE(ledger.due(at(899), 10).empty());
  auto due = ledger.due(at(900), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].reference, "a");
  EXPECT_TRUE(due[0].give_up);
  EXPECT_EQ(due[0].ask, 0);
  ledger.give_up("a");
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.counts().given_up, 1u);
}

TEST(ReconcileLedger, NoDailyAsksGivesUpAfterTheLastStep) {
  Ledger ledger(make_schedule(900, {40, 60}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.asked("a", 1, at(940), "PENDING");
  ledger.asked("a", 2, at(960), "PENDING");
  EXPECT_EQ(rel(ledger.next_due()), 960);
  auto due = ledger.due(at(960), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].give_up);
  EXPECT_EQ(due[0].ask, 2);
}

TEST(ReconcileLedger, GiveUpReportsTheScheduleAsksWhenMoreWereRestored) {
  // The state topic knows 5 asks (a longer schedule before a configuration change); the schedule
  // now has 2: the reference is given up, and the give-up's ask is asks() (ledger.h: "asks() when
  // it is a give-up"), not the restored count.
  Ledger ledger(make_schedule(900, {40, 60}, 0));
  ledger.expect("a", Kind::netverify, at(0));
  ledger.asked("a", 5, at(2 * kDay), "PENDING");
  auto due = ledger.due(at(2 * kDay), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].give_up);
  EXPECT_EQ(due[0].ask, 2);
}

// ---------------------------------------------------------------------------------------------
// Forgetting and pruning

TEST(ReconcileLedger, ForgetIfOnlyDropsUnsettledEntries) {
  Ledger ledger(jumio_schedule());
  ledger.expect("a", Kind::netverify, at(0));
  ledger.expect("b", Kind::document, at(10));
  ledger.expect("c", Kind::document, at(20));
  ledger.expect("d", Kind::authentication, at(30));
  ledger.expect("e", Kind::document, at(40));
  ledger.settle("b", Settlement::callback, at(15));
  ledger.give_up("d");
  ledger.settle("e", Settlement::deadletter, at(45));

  int calls = 0;
  ledger.forget_if([&](const Entry& entry) {
    ++calls;
    return entry.kind != Kind::netverify;
  });
  EXPECT_EQ(ledger.size(), 4u);
  EXPECT_NE(ledger.find("a"), nullptr);  // not selected
  EXPECT_EQ(ledger.find("c"), nullptr);  // selected, unsettled: forgotten
  for (const char* settled : {"b", "d", "e"}) {
    ASSERT_NE(ledger.find(settled), nullptr) << settled;
    EXPECT_TRUE(ledger.is_settled(settled)) << settled;
  }
  Counts counts = ledger.counts();
  EXPECT_EQ(counts.expected, 5u);  // what was expected and settled stays counted
  EXPECT_EQ(counts.settled_by_callback, 1u);
  EXPECT_EQ(counts.settled_by_deadletter, 1u);
  EXPECT_EQ(counts.given_up, 1u);
  EXPECT_EQ(counts.pending, 1u);
  EXPECT_EQ(rel(counts.oldest_pending), 0);
  EXPECT_GE(calls, 2);  // at least a and c were offered

  ledger.forget_if([](const Entry&) { return true; });
  EXPECT_EQ(ledger.size(), 3u);
  EXPECT_EQ(ledger.find("a"), nullptr);
  counts = ledger.counts();
  EXPECT_EQ(counts.pending, 0u);
  EXPECT_FALSE(counts.oldest_pending.has_value());
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_TRUE(ledger.due(at(365 * kDay), 100).empty());

  // A forgotten reference's settlement seen later waits for its expected record again.
  ledger.settle("c", Settlement::retrieval, at(3000));
  EXPECT_TRUE(ledger.is_settled("c"));
  ledger.expect("c", Kind::document, at(20));
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

  // Everything goes at a late horizon; counters stay.
  ledger.prune(at(kDay));
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_FALSE(ledger.next_due().has_value());
  EXPECT_EQ(ledger.counts().expected, 8u);
  EXPECT_EQ(ledger.counts().pending, 0u);
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

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

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

// When a due item is due: its ask's time, or for a give-up the last ask.
Time due_time(const Schedule& schedule, const Ref& r, const Due& d) {
  if (d.give_up) return r.asks.empty() ? r.initiated_at + schedule.grace : r.asks.back().second;
  return *schedule.ask_time(r.initiated_at, d.ask);
}

// The ask after the last one made (the first still ahead of it), or nothing when the schedule
// is over.
std::optional<int> next_ask(const Schedule& schedule, const Ref& r) {
  if (r.asks.empty()) return schedule.asks() > 0 ? std::optional<int>(0) : std::nullopt;
  for (int n = r.asks.back().first + 1; n < schedule.asks(); ++n)
    if (*schedule.ask_time(r.initiated_at, n) > r.asks.back().second) return n;
  return std::nullopt;
}

void check_batch_order(const Schedule& schedule, const std::vector<Ref>& refs,
                       const std::map<std::string, size_t>& index, const std::vector<Due>& due) {
  for (size_t i = 1; i < due.size(); ++i) {
    const Ref& a = refs[index.at(due[i - 1].reference)];
    const Ref& b = refs[index.at(due[i].reference)];
    const Time ta = due_time(schedule, a, due[i - 1]);
    const Time tb = due_time(schedule, b, due[i]);
    EXPECT_TRUE(ta < tb || (ta == tb && a.name < b.name)) << refs_of(due);
  }
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
      const std::vector<Due> due = ledger.due(now, limit);
      ASSERT_LE(due.size(), limit);
      if (due.empty()) break;
      any = true;
      check_batch_order(schedule, refs, index, due);
      for (const Due& d : due) {
        Ref& r = refs[index.at(d.reference)];
        SCOPED_TRACE(r.name + " ask " + std::to_string(d.ask) + " at " + std::to_string(rel(now)));
        ASSERT_LE(r.arrives, now);
        EXPECT_EQ(d.kind, r.kind);
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
    ASSERT_TRUE(ledger.due(*next - nanoseconds{1}, 1).empty());
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
// state records of asks in any order), then catches up.
TEST(ReconcileLedgerProperty, OutagesAndRestartsCatchUpOnceAndSkipMissedAsks) {
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
  uint64_t restarts = 0, late_asks = 0, skipped = 0, asks = 0, given_up = 0;
  while (!::testing::Test::HasFailure()) {
    std::optional<Time> next = ledger->next_due();
    if (next_record < records.size() && (!next || records[next_record].at < *next))
      next = records[next_record].at;
    if (!next) break;
    ASSERT_GT(*next, now);
    ASSERT_TRUE(ledger->due(*next - nanoseconds{1}, 1).empty());
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
      for (const Input& input : inputs) feed(*ledger, input);
      std::vector<State> shuffled = states;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      for (const State& state : shuffled)
        ledger->asked(state.reference, state.asks, state.at, "PENDING");
      for (const Ref& r : refs) {
        const Entry* entry = ledger->find(r.name);
        if (!entry) continue;
        EXPECT_EQ(entry->asks, r.asks.empty() ? 0 : r.asks.back().first + 1) << r.name;
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
      const std::vector<Due> due = ledger->due(now, limit);
      ASSERT_LE(due.size(), limit);
      if (due.empty()) break;
      check_batch_order(schedule, refs, index, due);
      for (const Due& d : due) {
        Ref& r = refs[index.at(d.reference)];
        SCOPED_TRACE(r.name + " ask " + std::to_string(d.ask) + " at " + std::to_string(rel(now)));
        ASSERT_LE(r.arrives, now);
        EXPECT_EQ(d.kind, r.kind);
        ASSERT_FALSE(r.given_up.has_value());
        ASSERT_TRUE(!r.settles || *r.settles > now);  // never after the settlement
        ASSERT_FALSE(ledger->is_settled(r.name));
        ASSERT_FALSE(up_after(now).has_value());  // never while down
        const std::optional<int> expected = next_ask(schedule, r);
        if (d.give_up) {
          // Only once no ask is left ahead of the last one, right after it.
          EXPECT_FALSE(expected.has_value()) << expected.value_or(-1);
          EXPECT_EQ(d.ask, schedule.asks());
          ASSERT_FALSE(r.asks.empty());
          EXPECT_EQ(now, r.asks.back().second);
          r.given_up = now;
          ++given_up;
          ledger->give_up(r.name);
          inputs.push_back({2, r.name, r.kind, now, Settlement::given_up});
          continue;
        }
        // The next one still ahead of the last ask: missed ones are skipped, none repeated.
        ASSERT_TRUE(expected.has_value());
        EXPECT_EQ(d.ask, *expected);
        const Time scheduled = *schedule.ask_time(r.initiated_at, d.ask);
        EXPECT_LE(scheduled, now);  // never early
        if (!r.asks.empty()) {
          EXPECT_GT(now, r.asks.back().second);  // one ask at a time
          skipped += static_cast<uint64_t>(d.ask - r.asks.back().first - 1);
        }
        // On time, or late only because the service was down at the ask's time: then at once
        // when back.
        if (scheduled != now) {
          EXPECT_EQ(up_after(scheduled), now);
          ++late_asks;
        }
        r.asks.emplace_back(d.ask, now);
        ++asks;
        ledger->asked(r.name, d.ask + 1, now, "PENDING");
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
    const std::optional<int> expected = next_ask(schedule, r);
    ASSERT_TRUE(expected.has_value()) << "schedule over, not given up";
    const Time scheduled = *schedule.ask_time(r.initiated_at, *expected);
    if (scheduled >= *r.settles) continue;
    // Due before the settlement yet not made: only when down then, and back after it.
    const std::optional<Time> up = up_after(scheduled);
    ASSERT_TRUE(up.has_value()) << "ask " << *expected << " at " << rel(scheduled) << " missed";
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
  EXPECT_GT(skipped, 50u);
  std::printf(
      "[ simulated ] %llu restarts, %llu asks (%llu late after an outage, %llu skipped), "
      "%llu given up\n",
      static_cast<unsigned long long>(restarts), static_cast<unsigned long long>(asks),
      static_cast<unsigned long long>(late_asks), static_cast<unsigned long long>(skipped),
      static_cast<unsigned long long>(given_up));
}

}  // namespace
}  // namespace jb::reconcile
