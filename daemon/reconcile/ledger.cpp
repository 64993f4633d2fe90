#include "reconcile/ledger.h"

#include <algorithm>

namespace jb::reconcile {
namespace {

constexpr std::chrono::hours kDay{24};

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

Ledger::Ledger(Schedule schedule) : schedule_(std::move(schedule)) {}

namespace {

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

void Ledger::expect(const std::string& reference, callback::Kind kind, Time initiated_at) {
  if (reference.empty() || entries_.count(reference)) return;
  Entry entry;
  entry.reference = reference;
  entry.kind = kind;
  entry.initiated_at = initiated_at;
  ++totals_.expected;
  auto early = early_.find(reference);
  if (early != early_.end()) {
    entry.settled = early->second.first;
    count_settlement(entry.settled, &totals_);
    early_.erase(early);
  }
  entries_.emplace(reference, std::move(entry));
}

void Ledger::settle(const std::string& reference, Settlement how, Time seen_at) {
  if (reference.empty() || how == Settlement::none) return;
  auto found = entries_.find(reference);
  if (found == entries_.end()) {
    early_.emplace(reference, std::make_pair(how, seen_at));
    return;
  }
  if (found->second.settled != Settlement::none) return;
  found->second.settled = how;
  count_settlement(how, &totals_);
}

void Ledger::give_up(const std::string& reference) {
  auto found = entries_.find(reference);
  if (found == entries_.end() || found->second.settled != Settlement::none) return;
  found->second.settled = Settlement::given_up;
  count_settlement(Settlement::given_up, &totals_);
}

void Ledger::asked(const std::string& reference, int asks, Time at, const std::string& status) {
  auto found = entries_.find(reference);
  if (found == entries_.end()) return;
  Entry& entry = found->second;
  if (asks < entry.asks) return;  // an older state record than what is known
  entry.asks = asks;
  entry.last_asked = at;
  entry.last_status = status;
}

void Ledger::prune(Time horizon) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.initiated_at < horizon) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = early_.begin(); it != early_.end();) {
    if (it->second.second < horizon) {
      it = early_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<Time> Ledger::next_time(const Entry& entry) const {
  if (entry.settled != Settlement::none) return std::nullopt;
  int n = entry.asks;
  while (entry.asks > 0) {
    auto at = schedule_.ask_time(entry.initiated_at, n);
    if (!at || *at > entry.last_asked) break;
    ++n;
  }
  auto at = schedule_.ask_time(entry.initiated_at, n);
  if (at) return at;
  // The schedule is over: given up right after its last ask (or at the end of the grace).
  return entry.asks > 0 ? entry.last_asked : entry.initiated_at + schedule_.grace;
}

std::vector<Due> Ledger::due(Time now, size_t limit) const {
  std::vector<std::pair<Time, Due>> candidates;
  for (const auto& [reference, entry] : entries_) {
    auto at = next_time(entry);
    if (!at || *at > now) continue;
    int n = entry.asks;
    while (entry.asks > 0) {
      auto step = schedule_.ask_time(entry.initiated_at, n);
      if (!step || *step > entry.last_asked) break;
      ++n;
    }
    const bool over = !schedule_.ask_time(entry.initiated_at, n).has_value();
    // A give-up's ask is asks(), even when more asks were restored (a longer schedule before).
    candidates.push_back({*at, Due{reference, entry.kind, over ? schedule_.asks() : n, over}});
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.reference < b.second.reference;
  });
  std::vector<Due> out;
  for (size_t i = 0; i < candidates.size() && out.size() < limit; ++i)
    out.push_back(candidates[i].second);
  return out;
}

std::optional<Time> Ledger::next_due() const {
  std::optional<Time> earliest;
  for (const auto& [reference, entry] : entries_) {
    auto at = next_time(entry);
    if (at && (!earliest || *at < *earliest)) earliest = at;
  }
  return earliest;
}

const Entry* Ledger::find(const std::string& reference) const {
  auto found = entries_.find(reference);
  return found == entries_.end() ? nullptr : &found->second;
}

bool Ledger::is_settled(const std::string& reference) const {
  const Entry* entry = find(reference);
  if (entry) return entry->settled != Settlement::none;
  return early_.count(reference) > 0;
}

Counts Ledger::counts() const {
  Counts counts = totals_;
  counts.pending = 0;
  counts.oldest_pending.reset();
  for (const auto& [reference, entry] : entries_) {
    if (entry.settled != Settlement::none) continue;
    ++counts.pending;
    if (!counts.oldest_pending || entry.initiated_at < *counts.oldest_pending)
      counts.oldest_pending = entry.initiated_at;
  }
  return counts;
}

}  // namespace jb::reconcile
