#include "reconcile/service.h"

#include <algorithm>

#include "callback/timestamp.h"
#include "common/counted_log.h"
#include "common/log.h"
#include "common/progress.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Records are read from this long before the schedule's span: initiatedAt and the records' own
// timestamps may differ by this much.
constexpr std::chrono::hours kReadMargin{24};
// An idle worker looks again at least this often (stop() wakes it at once anyway).
constexpr seconds kIdleWake{10};

Schedule schedule_of(const config::ReconcileConfig& reconcile) {
  Schedule schedule;
  schedule.grace = seconds(reconcile.grace_s);
  for (int step : reconcile.schedule_s) schedule.steps.push_back(seconds(step));
  std::sort(schedule.steps.begin(), schedule.steps.end());
  schedule.daily_for_days = reconcile.daily_for_days;
  return schedule;
}

int64_t ms_between(Time from, Time to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

}  // namespace

Service::Service(const config::Config& config, Parts parts, Timing timing)
    : config_(config),
      timing_(timing),
      parts_(std::move(parts)),
      clock_(parts_.clock ? *parts_.clock : system_clock()),
      router_(config.topics, config.privacy),
      schedule_(schedule_of(config.reconcile)),
      ledger_(schedule_) {
  for (const std::string& topic : router_.event_topics()) settled_topics_.insert(topic);
  settled_topics_.insert(config_.topics.deadletter);
  settled_topics_.insert(config_.reconcile.state_topic);
}

Service::~Service() {
  stop();
}

std::chrono::seconds Service::read_span() const {
  return schedule_.span() + std::chrono::duration_cast<seconds>(kReadMargin);
}

std::chrono::seconds Service::read_span_of(const config::ReconcileConfig& reconcile) {
  return schedule_of(reconcile).span() + std::chrono::duration_cast<seconds>(kReadMargin);
}

void Service::start() {
  expected_thread_ = std::thread([this] { read_expected(); });
  settled_thread_ = std::thread([this] { read_settled(); });
  for (int i = 0; i < timing_.workers; ++i) worker_threads_.emplace_back([this] { work(); });
}

void Service::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  if (parts_.retriever) parts_.retriever->stop();
  work_.notify_all();
  read_through_.notify_all();
  for (std::thread& thread : worker_threads_) {
    if (thread.joinable()) thread.join();
  }
  worker_threads_.clear();
  for (std::thread* thread : {&expected_thread_, &settled_thread_}) {
    if (thread->joinable()) thread->join();
  }
}

Stats Service::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats stats = stats_;
  stats.counts = ledger_.counts();
  if (parts_.retriever) stats.api = parts_.retriever->counts();
  stats.caught_up = caught_up_;
  stats.unauthorized = unauthorized_;
  stats.held = ledger_.size();
  stats.early_held = ledger_.early_size();
  stats.settled_partitions = reading_.size();
  return stats;
}

bool Service::is_settled(const std::string& reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ledger_.is_settled(reference);
}

// --- the expected topic -------------------------------------------------------------------------

// Reads reconcile.expected_topic in the group: this instance's share of the references.
void Service::read_expected() {
  progress::Heartbeat heartbeat("reconcile expected reader");
  log::CountedLog errors(log::Level::warn, "reconcile: expected topic", seconds(10));
  while (!stop_) {
    heartbeat.beat();
    std::string error;
    std::optional<kafka::GroupEvent> event = parts_.expected->poll(timing_.poll, &error);
    if (!event) {
      if (!error.empty()) errors.note({{"error", error}});
      continue;
    }
    switch (event->type) {
      case kafka::GroupEvent::Type::assigned:
        on_assigned(event->partitions);
        break;
      case kafka::GroupEvent::Type::revoked:
        on_revoked(event->partitions);
        break;
      case kafka::GroupEvent::Type::record: {
        ExpectedRecord record;
        std::string why;
        if (parse_expected_record(event->record.value, &record, &why)) {
          on_expected(record, event->record.partition);
        } else {
          std::lock_guard<std::mutex> lock(mutex_);
          ++stats_.invalid_expected;
          log::warn("reconcile: expected record ignored", {{"partition", event->record.partition},
                                                           {"offset", event->record.offset},
                                                           {"why", why}});
        }
        break;
      }
    }
  }
  parts_.expected->close();
}

void Service::on_expected(const ExpectedRecord& record, int32_t partition) {
  // A transaction no schedule can reach any more (read again from a partition's start).
  if (record.initiated_at < clock_.now() - read_span()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Its callback's event is in partition murmur2(reference) of each settled topic: read there
  // only while that is the expected record's own partition.
  if (!whole_ && expected_partitions_ > 0 &&
      kafka::murmur2_partition(record.reference, expected_partitions_) != partition) {
    read_whole("an expected record is not in the partition murmur2 of its reference chooses");
  }
  if (record.kind == callback::Kind::workflow && !ledger_.find(record.reference))
    workflow_accounts_.emplace(record.reference, record.account_id);
  if (ledger_.expect(record.reference, record.kind, record.initiated_at, partition))
    work_.notify_one();
}

void Service::on_assigned(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  assigned_.insert(partitions.begin(), partitions.end());
  queue_change(true, partitions);
  log::info("reconcile: expected partitions assigned",
            {{"partitions", static_cast<int64_t>(partitions.size())}});
}

void Service::on_revoked(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int32_t partition : partitions) assigned_.erase(partition);
  ledger_.forget_partitions(std::set<int32_t>(partitions.begin(), partitions.end()));
  queue_change(false, partitions);
  log::info("reconcile: expected partitions revoked",
            {{"partitions", static_cast<int64_t>(partitions.size())}});
}

// --- asking ------------------------------------------------------------------------------------

void Service::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const Time now = clock_.now();
    if (!caught_up_) {
      clock_.wait_until(work_, lock, now + timing_.poll);
      continue;
    }
    // Only what is due by the time the settled topics were read through: a callback's event
    // written before the ask's time is seen before the ask.
    const Time limit = std::min(now, read_through_time_);
    std::optional<Due> due = ledger_.take(limit);
    if (!due) {
      const std::optional<Time> next = ledger_.next_due();
      if (next && *next <= now) {
        // Due, but the settled topics are not read that far yet: woken when they are.
        ++read_through_waiters_;
        clock_.wait_until(read_through_, lock, now + timing_.poll);
        --read_through_waiters_;
      } else {
        clock_.wait_until(work_, lock, next ? std::min(*next, now + kIdleWake) : now + kIdleWake);
      }
      continue;
    }
    // Whatever is due next has a worker waiting for its time: the others may all be asleep
    // for longer (kIdleWake), and this one is busy now.
    if (ledger_.next_due()) work_.notify_one();
    lock.unlock();
    if (due->give_up) {
      give_up(*due);
    } else {
      ask(*due);
    }
    lock.lock();
    const std::optional<Time> before = ledger_.next_due();
    ledger_.done(due->reference);
    const std::optional<Time> after = ledger_.next_due();
    if (after && (!before || *after < *before)) work_.notify_one();
  }
}

bool Service::wait_read_through(Time at) {
  std::unique_lock<std::mutex> lock(mutex_);
  const Time deadline = clock_.now() + timing_.read_through_wait;
  ++read_through_waiters_;
  while (!stop_ && read_through_time_ < at) {
    const Time now = clock_.now();
    if (now >= deadline) break;
    clock_.wait_until(read_through_, lock, std::min(deadline, now + timing_.poll));
  }
  --read_through_waiters_;
  return read_through_time_ >= at;
}

bool Service::settled_meanwhile(const std::string& reference, bool* read) {
  *read = wait_read_through(clock_.now());
  std::lock_guard<std::mutex> lock(mutex_);
  return ledger_.is_settled(reference);
}

void Service::write_state(const StateRecord& state) {
  route::Record record;
  record.topic = config_.reconcile.state_topic;
  record.key = state.reference;
  record.value = state_record_json(state);
  record.headers = {{"content-type", "application/json"}};
  parts_.publisher->publish_state(record);
}

void Service::asked(const Due& due, Time at, const std::string& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.asked(due.reference, due.ask + 1, at, status);
}

void Service::give_up(const Due& due) {
  StateRecord state;
  state.reference = due.reference;
  state.kind = due.kind;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Entry* entry = ledger_.find(due.reference);
    if (!entry || entry->settled != Settlement::none) return;
    state.asks = entry->asks;
    state.last_asked = entry->last_asked;
    state.last_status = entry->last_status;
    ledger_.give_up(due.reference);
  }
  state.settled = Settlement::given_up;
  log::warn(
      "reconcile: given up",
      {{"reference", due.reference}, {"asks", state.asks}, {"last_status", state.last_status}});
  write_state(state);
}

void Service::ask(const Due& due) {
  const Time started = clock_.now();
  bool meanwhile = false;  // the reference's event was read during the ask
  bool unread = false;     // the settled topics could not be read up to the check in time
  Time checked_at{};       // when the last check began: events written after it are not seen
  auto check = [&] {
    checked_at = clock_.now();
    bool read = true;
    meanwhile = settled_meanwhile(due.reference, &read);
    unread = !read;
    return !meanwhile && read;
  };
  std::string account_id;
  if (due.kind == callback::Kind::workflow) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto account = workflow_accounts_.find(due.reference);
    if (account != workflow_accounts_.end()) account_id = account->second;
  }
  retrieval_api::Fetched fetched =
      parts_.retriever->fetch(due.kind, due.reference, account_id, check);
  using Outcome = retrieval_api::Fetched::Outcome;
  if (fetched.outcome == Outcome::stopped) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.asks;
  }
  if (fetched.outcome == Outcome::unauthorized) {
    log::error("reconcile: Jumio refused the API credentials; stopping",
               {{"reference", due.reference}, {"http_status", fetched.http_status}});
    {
      std::lock_guard<std::mutex> lock(mutex_);
      unauthorized_ = true;
      stop_ = true;
      work_.notify_all();
      read_through_.notify_all();
    }
    parts_.retriever->stop();  // the other asks in flight end at once
    return;
  }
  // A final answer is published (or dead-lettered) only when no event for the reference was read
  // up to now: a callback that arrived during the ask ends it.
  if ((fetched.outcome == Outcome::event || fetched.outcome == Outcome::invalid) && !check())
    fetched.outcome = Outcome::withdrawn;

  StateRecord state;
  state.reference = due.reference;
  state.kind = due.kind;
  state.asks = due.ask + 1;
  state.last_asked = started;
  switch (fetched.outcome) {
    case Outcome::event: {
      route::Record record = router_.event_record(*fetched.event);
      state.last_status = fetched.status;
      std::string error;
      if (parts_.publisher->publish(record, timing_.delivery_timeout, &error)) {
        state.settled = Settlement::retrieval;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ledger_.asked(due.reference, state.asks, started, state.last_status);
          ledger_.settle(due.reference, Settlement::retrieval, clock_.now());
          ++stats_.published;
        }
        // window_ms: from the last check to Kafka's acknowledgement, the time in which a
        // callback's event would not have been seen (docs/retrieval.md, one event per
        // transaction).
        const Time acknowledged = clock_.now();
        log::info("reconcile: published", {{"reference", due.reference},
                                           {"topic", record.topic},
                                           {"asks", state.asks},
                                           {"ask_ms", ms_between(started, acknowledged)},
                                           {"window_ms", ms_between(checked_at, acknowledged)}});
      } else {
        state.last_status = "not_acknowledged";
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ledger_.asked(due.reference, state.asks, started, state.last_status);
          ++stats_.publish_failures;
        }
        log::warn("reconcile: event not stored; asked again at the next step",
                  {{"reference", due.reference}, {"topic", record.topic}, {"error", error}});
      }
      break;
    }
    case Outcome::invalid: {
      route::Record record = retrieval_dead_letter(router_, fetched, due.kind);
      state.last_status = "retrieval_invalid";
      std::string error;
      const bool stored = parts_.publisher->publish(record, timing_.delivery_timeout, &error);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ledger_.asked(due.reference, state.asks, started, state.last_status);
        if (stored) {
          state.settled = Settlement::deadletter;
          ledger_.settle(due.reference, Settlement::deadletter, clock_.now());
          ++stats_.dead_lettered;
        } else {
          ++stats_.publish_failures;
        }
      }
      if (stored) {
        log::warn("reconcile: answer dead-lettered",
                  {{"reference", due.reference}, {"reason", "retrieval_invalid"}});
      } else {
        log::warn("reconcile: dead letter not stored; asked again at the next step",
                  {{"reference", due.reference}, {"topic", record.topic}, {"error", error}});
      }
      break;
    }
    case Outcome::withdrawn: {
      state.last_status = fetched.status;
      if (meanwhile) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.settled_during_ask;
      }
      asked(due, started, state.last_status);
      if (meanwhile) {
        log::info("reconcile: settled during the ask; nothing published",
                  {{"reference", due.reference}, {"status", fetched.status}});
      } else if (unread) {
        log::warn(
            "reconcile: settled topics not read up to the ask in time; asked again at the "
            "next step",
            {{"reference", due.reference}, {"status", fetched.status}});
      }
      break;
    }
    case Outcome::pending:
      state.last_status = fetched.status;
      asked(due, started, state.last_status);
      break;
    case Outcome::not_found:
    case Outcome::failed:
      state.last_status = fetched.outcome == Outcome::not_found ? "not_found" : "failed";
      asked(due, started, state.last_status);
      if (fetched.outcome == Outcome::failed) {
        log::warn("reconcile: ask failed; asked again at the next step",
                  {{"reference", due.reference},
                   {"http_status", fetched.http_status},
                   {"error", fetched.error}});
      }
      break;
    case Outcome::unauthorized:
    case Outcome::stopped:
      return;
  }
  write_state(state);
}

}  // namespace jb::reconcile
