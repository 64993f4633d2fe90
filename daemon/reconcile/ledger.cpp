#include "reconcile/ledger.h"

#include <algorithm>
#include <unordered_map>

namespace jb::reconcile {
namespace {

constexpr std::chrono::hours kDay{24};

// Settlements and state records read for a reference that is not expected (yet).
struct Early {
  Time seen{};                            // when the first of them was written
  Settlement settled = Settlement::none;  // the first settlement seen
  int asks = -1;                          // the restored state, when asks >= 0
  Time last_asked{};
  std::string last_status;
};

// An index entry: a time and the unordered_map node (whose address is stable) it is about,
// ordered by the time, then by the node's key. The indexes hold no copy of the reference.
template <class Node>
struct Key {
  Time at;
  Node* node;
  bool operator<(const Key& other) const {
    if (at != other.at) return at < other.at;
    return node->first < other.node->first;
  }
};

void count_settlement(Settlement how, Counts* totals) {
  switch (how) {
    case Settlement::callback:
      ++totals->settled_by_callback;
      break;
    case Settlement::retrieval:
      ++totals->settled_by_retrieval;
      break;
    case Settlement::deadletter:
      ++totals->settled_by_deadletter;
      break;
    case Settlement::given_up:
      ++totals->given_up;
      break;
    case Settlement::none:
      break;
  }
}

}  // namespace

std::optional<Time> Schedule::ask_time(Time initiated_at, int n) const {
  if (n < 0 || n >= asks()) return std::nullopt;
  const Time start = initiated_at + grace;
  if (n < static_cast<int>(steps.size())) return start + steps[static_cast<size_t>(n)];
  const std::chrono::seconds last = steps.empty() ? std::chrono::seconds(0) : steps.back();
  const int day = n - static_cast<int>(steps.size()) + 1;
  return start + last + day * kDay;
}

std::chrono::seconds Schedule::span() const {
  const std::chrono::seconds last = steps.empty() ? std::chrono::seconds(0) : steps.back();
  return grace + last + std::chrono::duration_cast<std::chrono::seconds>(daily_for_days * kDay);
}

std::string_view settlement_name(Settlement settlement) {
  switch (settlement) {
    case Settlement::none:
      return "none";
    case Settlement::callback:
      return "callback";
    case Settlement::retrieval:
      return "retrieval";
    case Settlement::deadletter:
      return "deadletter";
    case Settlement::given_up:
      return "given_up";
  }
  return "none";
}

struct Ledger::Index {
  using Entries = std::unordered_map<std::string, Entry>;
  using Node = Entries::value_type;
  using EarlyEntries = std::unordered_map<std::string, Early>;
  using EarlyNode = EarlyEntries::value_type;

  Entries entries;
  std::set<Key<Node>> due;      // pending, not in flight, by due time: take(), next_due()
  std::set<Key<Node>> pending;  // pending by initiatedAt: counts(), prune()
  std::set<Key<Node>> settled;  // settled or given up, by initiatedAt: prune()
  EarlyEntries early;
  std::set<Key<EarlyNode>> early_by_seen;  // prune()

  // Entries are indexed in `due` when pending and not in flight.
  static bool in_due(const Entry& entry) {
    return entry.settled == Settlement::none && !entry.in_flight;
  }

  Early& early_record(const std::string& reference, Time seen_at) {
    auto [it, inserted] = early.try_emplace(reference);
    Early& held = it->second;
    if (inserted || seen_at < held.seen) {
      if (!inserted) early_by_seen.erase({held.seen, &*it});
      held.seen = seen_at;
      early_by_seen.insert({held.seen, &*it});
    }
    return held;
  }

  void erase_entry(Entries::iterator it) {
    Entry& entry = it->second;
    if (entry.settled == Settlement::none) {
      if (!entry.in_flight) due.erase({entry.due, &*it});
      pending.erase({entry.initiated_at, &*it});
    } else {
      settled.erase({entry.initiated_at, &*it});
    }
    entries.erase(it);
  }

  void erase_early(EarlyEntries::iterator it) {
    early_by_seen.erase({it->second.seen, &*it});
    early.erase(it);
  }
};

Ledger::Ledger(Schedule schedule)
    : schedule_(std::move(schedule)), index_(std::make_unique<Index>()) {}

Ledger::~Ledger() = default;

namespace {

// When a pending entry's next ask (or its give-up) falls due.
Time next_time(const Schedule& schedule, const Entry& entry) {
  const int n = entry.asks;
  if (n < schedule.asks()) {
    Time at = *schedule.ask_time(entry.initiated_at, n);
    if (n >= 1) {
      const auto gap = at - *schedule.ask_time(entry.initiated_at, n - 1);
      at = std::max(at, entry.last_asked + gap);
    }
    return at;
  }
  // The schedule is over: given up right after its last ask (or at the end of the grace).
  return n > 0 ? entry.last_asked : entry.initiated_at + schedule.grace;
}

}  // namespace

bool Ledger::expect(const std::string& reference, callback::Kind kind, Time initiated_at,
                    int32_t partition) {
  Index& index = *index_;
  if (reference.empty()) return false;
  auto [it, inserted] = index.entries.try_emplace(reference);
  if (!inserted) return false;
  Entry& entry = it->second;
  entry.kind = kind;
  entry.partition = partition;
  entry.initiated_at = initiated_at;
  ++totals_.expected;
  auto early = index.early.find(reference);
  if (early != index.early.end()) {
    Early& held = early->second;
    if (held.asks >= 0) {
      entry.asks = held.asks;
      entry.last_asked = held.last_asked;
      entry.last_status = std::move(held.last_status);
    }
    entry.settled = held.settled;
    index.erase_early(early);
  }
  if (entry.settled != Settlement::none) {
    count_settlement(entry.settled, &totals_);
    index.settled.insert({entry.initiated_at, &*it});
    return false;
  }
  index.pending.insert({entry.initiated_at, &*it});
  entry.due = next_time(schedule_, entry);
  const bool earlier = index.due.empty() || entry.due < index.due.begin()->at;
  index.due.insert({entry.due, &*it});
  return earlier;
}

void Ledger::settle(const std::string& reference, Settlement how, Time seen_at) {
  Index& index = *index_;
  if (reference.empty() || how == Settlement::none) return;
  auto found = index.entries.find(reference);
  if (found == index.entries.end()) {
    Early& early = index.early_record(reference, seen_at);
    if (early.settled == Settlement::none) early.settled = how;
    return;
  }
  Entry& entry = found->second;
  if (entry.settled != Settlement::none) return;
  if (!entry.in_flight) index.due.erase({entry.due, &*found});
  index.pending.erase({entry.initiated_at, &*found});
  entry.settled = how;
  index.settled.insert({entry.initiated_at, &*found});
  count_settlement(how, &totals_);
}

void Ledger::give_up(const std::string& reference) {
  if (index_->entries.count(reference)) settle(reference, Settlement::given_up, Time{});
}

void Ledger::asked(const std::string& reference, int asks, Time at, const std::string& status) {
  Index& index = *index_;
  auto found = index.entries.find(reference);
  if (found == index.entries.end()) return;
  Entry& entry = found->second;
  if (asks < entry.asks) return;  // an older state record than what is known
  const bool indexed = Index::in_due(entry);
  if (indexed) index.due.erase({entry.due, &*found});
  entry.asks = asks;
  entry.last_asked = at;
  entry.last_status = status;
  if (entry.settled == Settlement::none) entry.due = next_time(schedule_, entry);
  if (indexed) index.due.insert({entry.due, &*found});
}

void Ledger::restore(const std::string& reference, int asks, Time at, const std::string& status,
                     Time seen_at) {
  Index& index = *index_;
  if (reference.empty() || asks < 0) return;
  if (index.entries.count(reference)) {
    asked(reference, asks, at, status);
    return;
  }
  Early& early = index.early_record(reference, seen_at);
  if (asks < early.asks) return;
  early.asks = asks;
  early.last_asked = at;
  early.last_status = status;
}

void Ledger::forget_partitions(const std::set<int32_t>& partitions) {
  Index& index = *index_;
  if (partitions.empty()) return;
  for (auto it = index.entries.begin(); it != index.entries.end();) {
    const Entry& entry = it->second;
    if (entry.settled != Settlement::none || !partitions.count(entry.partition)) {
      ++it;
      continue;
    }
    index.erase_entry(it++);
  }
}

void Ledger::prune(Time horizon) {
  Index& index = *index_;
  for (auto* by_initiated : {&index.pending, &index.settled}) {
    while (!by_initiated->empty() && by_initiated->begin()->at < horizon)
      index.erase_entry(index.entries.find(by_initiated->begin()->node->first));
  }
  while (!index.early_by_seen.empty() && index.early_by_seen.begin()->at < horizon)
    index.erase_early(index.early.find(index.early_by_seen.begin()->node->first));
}

std::optional<Due> Ledger::take(Time now) {
  Index& index = *index_;
  if (index.due.empty() || index.due.begin()->at > now) return std::nullopt;
  Index::Node* node = index.due.begin()->node;
  index.due.erase(index.due.begin());
  Entry& entry = node->second;
  entry.in_flight = true;
  const bool over = entry.asks >= schedule_.asks();
  return Due{node->first, entry.kind, entry.partition, over ? schedule_.asks() : entry.asks,
             over,        entry.due};
}

void Ledger::done(const std::string& reference) {
  Index& index = *index_;
  auto found = index.entries.find(reference);
  if (found == index.entries.end() || !found->second.in_flight) return;
  Entry& entry = found->second;
  entry.in_flight = false;
  if (entry.settled != Settlement::none) return;
  entry.due = next_time(schedule_, entry);
  index.due.insert({entry.due, &*found});
}

std::optional<Time> Ledger::next_due() const {
  if (index_->due.empty()) return std::nullopt;
  return index_->due.begin()->at;
}

const Entry* Ledger::find(const std::string& reference) const {
  auto found = index_->entries.find(reference);
  return found == index_->entries.end() ? nullptr : &found->second;
}

bool Ledger::is_settled(const std::string& reference) const {
  const Entry* entry = find(reference);
  if (entry) return entry->settled != Settlement::none;
  auto early = index_->early.find(reference);
  return early != index_->early.end() && early->second.settled != Settlement::none;
}

Counts Ledger::counts() const {
  Counts counts = totals_;
  counts.pending = index_->pending.size();
  counts.oldest_pending.reset();
  if (!index_->pending.empty()) counts.oldest_pending = index_->pending.begin()->at;
  return counts;
}

size_t Ledger::size() const {
  return index_->entries.size();
}

size_t Ledger::early_size() const {
  return index_->early.size();
}

}  // namespace jb::reconcile
