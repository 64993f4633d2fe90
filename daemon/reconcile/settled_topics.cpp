// The settled topics: which of their partitions this instance reads (matched to its expected
// partitions, or whole), reading them, and how far they were read (read-through time, caught up).
#include <algorithm>

#include "common/counted_log.h"
#include "common/log.h"
#include "common/progress.h"
#include "reconcile/service.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// How often the settled reader checks whether it is at the partitions' ends while records flow.
constexpr milliseconds kEndCheck{100};
constexpr milliseconds kMetadataTimeout{5000};

}  // namespace

// --- which partitions of the settled topics are read ---------------------------------------------

std::vector<kafka::TopicPartition> Service::matched_partitions(
    const std::vector<int32_t>& expected_partitions) const {
  std::vector<kafka::TopicPartition> out;
  if (whole_ || expected_partitions_ <= 0) return out;
  for (const auto& [topic, count] : partition_counts_) {
    if (count != expected_partitions_) continue;
    for (int32_t partition : expected_partitions) out.push_back({topic, partition});
  }
  return out;
}

void Service::queue(Change change) {
  if (change.partitions.empty()) return;
  for (const kafka::TopicPartition& partition : change.partitions) {
    if (change.add) {
      reading_.insert(partition);
    } else {
      reading_.erase(partition);
    }
  }
  // Records of partitions just added are not read yet: nothing is asked until they are.
  if (change.add) read_through_time_ = Time{};
  ++generation_;
  changes_.push_back(std::move(change));
}

void Service::queue_change(bool add, const std::vector<int32_t>& expected_partitions) {
  std::vector<kafka::TopicPartition> partitions = matched_partitions(expected_partitions);
  if (add) {
    partitions.erase(std::remove_if(partitions.begin(), partitions.end(),
                                    [this](const auto& p) { return reading_.count(p) > 0; }),
                     partitions.end());
  }
  queue(Change{add, std::move(partitions)});
}

void Service::read_whole(const std::string& why) {
  if (whole_) return;
  whole_ = true;
  Change change;
  for (const auto& [topic, count] : partition_counts_) {
    for (int32_t partition = 0; partition < count; ++partition) {
      kafka::TopicPartition p{topic, partition};
      if (!reading_.count(p)) change.partitions.push_back(p);
    }
  }
  log::warn("reconcile: reading every partition of the settled topics",
            {{"why", why}, {"partitions", static_cast<int64_t>(change.partitions.size())}});
  queue(std::move(change));
}

// Looks up the settled topics' partition counts (and the expected topic's); a topic seen for the
// first time is read: only in the assigned partitions when it has as many as the expected topic,
// else whole. False when the cluster did not answer.
bool Service::discover_topics(bool first) {
  std::vector<std::string> names(settled_topics_.begin(), settled_topics_.end());
  names.push_back(config_.reconcile.expected_topic);
  std::map<std::string, int32_t> counts;
  std::string error;
  const Time started = clock_.now();
  if (!parts_.settled->partition_counts(names, kMetadataTimeout, &counts, &error)) {
    if (first) log::warn("reconcile: cannot read the topics' partitions", {{"error", error}});
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  discovered_at_ = started;
  all_exist_ = std::all_of(settled_topics_.begin(), settled_topics_.end(),
                           [&](const std::string& topic) { return counts[topic] > 0; });
  const int32_t expected = counts[config_.reconcile.expected_topic];
  if (first) {
    expected_partitions_ = expected;
    if (expected <= 0) read_whole("the expected topic does not exist yet");
  } else if (expected != expected_partitions_ && !whole_) {
    read_whole("the expected topic's partition count changed");
  }
  for (const std::string& topic : settled_topics_) {
    const int32_t count = counts[topic];
    int32_t& known = partition_counts_[topic];
    if (count <= known) continue;
    const int32_t from = known;
    known = count;
    Change change;
    if (whole_ || count != expected_partitions_) {
      if (!whole_) {
        log::info(
            "reconcile: settled topic read whole: its partition count is not the expected "
            "topic's",
            {{"topic", topic},
             {"partitions", count},
             {"expected_partitions", expected_partitions_}});
      }
      for (int32_t partition = from; partition < count; ++partition)
        change.partitions.push_back({topic, partition});
    } else {
      for (int32_t partition : assigned_) change.partitions.push_back({topic, partition});
    }
    change.partitions.erase(std::remove_if(change.partitions.begin(), change.partitions.end(),
                                           [this](const auto& p) { return reading_.count(p) > 0; }),
                            change.partitions.end());
    queue(std::move(change));
  }
  return true;
}

void Service::apply_changes() {
  std::vector<Change> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes.swap(changes_);
  }
  const Time since = clock_.now() - read_span();
  for (const Change& change : changes) {
    std::string error;
    const bool ok = change.add ? parts_.settled->add(change.partitions, since, &error)
                               : parts_.settled->remove(change.partitions, &error);
    if (!ok) {
      log::warn(change.add ? "reconcile: cannot read settled partitions"
                           : "reconcile: cannot stop reading settled partitions",
                {{"partitions", static_cast<int64_t>(change.partitions.size())}, {"error", error}});
    }
  }
}

// --- the settled topics ------------------------------------------------------------------------

// Reads the event topics, the dead-letter topic and the state topic from the span back; new topics
// (a status seen for the first time) are picked up as they appear.
void Service::read_settled() {
  progress::Heartbeat heartbeat("reconcile settled reader");
  while (!stop_ && !discover_topics(true)) {
    heartbeat.beat();
    std::unique_lock<std::mutex> lock(mutex_);
    clock_.wait_until(work_, lock, clock_.now() + timing_.poll);
  }
  log::CountedLog errors(log::Level::warn, "reconcile: settled topics", seconds(10));
  auto last_refresh = std::chrono::steady_clock::now();
  auto last_end_check = std::chrono::steady_clock::time_point{};
  Time last_prune = clock_.now();
  while (!stop_) {
    heartbeat.beat();
    apply_changes();
    const auto steady_now = std::chrono::steady_clock::now();
    // While a settled topic does not exist yet, the reading counts only up to the last look for
    // it: an ask waiting for the reading is not kept waiting for the next regular look.
    std::chrono::milliseconds refresh = timing_.topic_refresh;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (all_exist_) {
        refresh = timing_.topic_refresh_all_exist;
      } else if (read_through_waiters_ > 0) {
        refresh = kEndCheck;
      }
    }
    if (steady_now - last_refresh > refresh) {
      discover_topics(false);
      last_refresh = steady_now;
    }
    if (clock_.now() - last_prune > timing_.prune_interval) {
      last_prune = clock_.now();
      std::lock_guard<std::mutex> lock(mutex_);
      ledger_.prune(last_prune - read_span());
      for (auto it = workflow_accounts_.begin(); it != workflow_accounts_.end();) {
        const Entry* entry = ledger_.find(it->first);
        it = entry && entry->settled == Settlement::none ? std::next(it)
                                                         : workflow_accounts_.erase(it);
      }
    }
    std::string error;
    std::optional<kafka::ConsumedMessage> message = parts_.settled->poll(timing_.poll, &error);
    if (message) {
      on_settled(*message);
    } else if (!error.empty()) {
      errors.note({{"error", error}});
    }
    if (!message || std::chrono::steady_clock::now() - last_end_check > kEndCheck) {
      advance_read_through();
      last_end_check = std::chrono::steady_clock::now();
    }
  }
}

void Service::on_settled(const kafka::ConsumedMessage& message) {
  const Time now = clock_.now();
  const Time seen_at = message.timestamp_ms > 0 ? Time(milliseconds(message.timestamp_ms)) : now;
  if (seen_at < now - read_span()) return;  // a broker that could not seek by time
  if (message.topic == config_.reconcile.state_topic) {
    StateRecord record;
    if (!parse_state_record(message.value, &record)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (record.settled != Settlement::none) {
      ledger_.settle(record.reference, record.settled, seen_at);
    } else {
      // A restored schedule may fall due before what the workers wait for.
      const std::optional<Time> before = ledger_.next_due();
      ledger_.restore(record.reference, record.asks, record.last_asked, record.last_status,
                      seen_at);
      const std::optional<Time> after = ledger_.next_due();
      if (after && (!before || *after < *before)) work_.notify_one();
    }
    return;
  }
  if (message.key.empty()) return;
  const Settlement how = settlement_of(message.topic == config_.topics.deadletter, message.headers);
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.settle(message.key, how, seen_at);
}

// Every record written before the time the ends were checked (less their staleness) has been read
// when the reader is at the end of every partition it was given: what the asks may rely on.
void Service::advance_read_through() {
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!changes_.empty()) return;
    generation = generation_;
  }
  Time through = clock_.now() - timing_.end_staleness;
  if (!parts_.settled->at_end()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_ || !changes_.empty()) return;  // partitions added meanwhile
  // A topic that did not exist at the last look may hold records written since.
  if (!all_exist_ && through > discovered_at_) through = discovered_at_;
  if (through > read_through_time_) {
    read_through_time_ = through;
    if (read_through_waiters_ > 0) read_through_.notify_all();
  }
  if (!caught_up_) {
    caught_up_ = true;
    log::info("reconcile: settled topics read to their ends; asking begins",
              {{"partitions", static_cast<int64_t>(reading_.size())}});
    work_.notify_all();
  }
}

}  // namespace jb::reconcile
