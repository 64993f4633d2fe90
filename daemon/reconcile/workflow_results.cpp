#include "reconcile/workflow_results.h"

#include <algorithm>

#include "callback/platform.h"
#include "callback/timestamp.h"
#include "common/counted_log.h"
#include "common/log.h"
#include "common/progress.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using Outcome = retrieval_api::Fetched::Outcome;

// An idle worker looks again at least this often (stop() wakes it at once anyway).
constexpr milliseconds kIdleWake{1000};

std::vector<std::chrono::seconds> waits_of(const config::ReconcileConfig& reconcile) {
  // schedule_s is in seconds after the transaction; the waits are the gaps between its steps.
  std::vector<int> steps = reconcile.schedule_s;
  std::sort(steps.begin(), steps.end());
  std::vector<std::chrono::seconds> waits;
  int previous = 0;
  for (int step : steps) {
    waits.emplace_back(std::max(1, step - previous));
    previous = step;
  }
  return waits;
}

int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

WorkflowResults::WorkflowResults(const config::Config& config, WorkflowParts parts,
                                 WorkflowTiming timing)
    : config_(config),
      timing_(timing),
      parts_(std::move(parts)),
      clock_(parts_.clock ? *parts_.clock : system_clock()),
      router_(config.topics, config.privacy),
      not_found_waits_(waits_of(config.reconcile)) {}

WorkflowResults::~WorkflowResults() {
  stop();
}

void WorkflowResults::start() {
  reader_thread_ = std::thread([this] { read(); });
  for (int i = 0; i < timing_.workers; ++i) worker_threads_.emplace_back([this] { work(); });
}

void WorkflowResults::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : worker_threads_) {
    if (thread.joinable()) thread.join();
  }
  worker_threads_.clear();
  if (reader_thread_.joinable()) reader_thread_.join();
}

WorkflowStats WorkflowResults::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  WorkflowStats stats = stats_;
  stats.in_hand = in_hand_.size();
  return stats;
}

// --- reading ------------------------------------------------------------------------------------

void WorkflowResults::read() {
  progress::Heartbeat heartbeat("reconcile workflow reader");
  log::CountedLog errors(log::Level::warn, "reconcile: workflow callbacks topic",
                         std::chrono::seconds(10));
  auto last_commit = std::chrono::steady_clock::now();
  Time last_prune = clock_.now();
  while (!stop_) {
    heartbeat.beat();
    std::string error;
    std::optional<kafka::GroupEvent> event = parts_.notifications->poll(timing_.poll, &error);
    if (event) {
      switch (event->type) {
        case kafka::GroupEvent::Type::assigned:
          log::info("reconcile: workflow callback partitions assigned",
                    {{"partitions", static_cast<int64_t>(event->partitions.size())}});
          break;
        case kafka::GroupEvent::Type::revoked:
          on_revoked(event->partitions);
          break;
        case kafka::GroupEvent::Type::record:
          on_record(event->record);
          break;
      }
    } else if (!error.empty()) {
      errors.note({{"error", error}});
    }
    if (std::chrono::steady_clock::now() - last_commit >= timing_.commit_interval) {
      last_commit = std::chrono::steady_clock::now();
      commit();
    }
    if (clock_.now() - last_prune > std::chrono::minutes(1)) {
      last_prune = clock_.now();
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = done_.begin(); it != done_.end();)
        it = it->second < last_prune - timing_.remember ? done_.erase(it) : std::next(it);
    }
  }
  commit();
  parts_.notifications->close();
  // The revocation close() causes is not processed: nothing is committed after this.
}

void WorkflowResults::on_record(const kafka::ConsumedMessage& record) {
  callback::Notification notification;
  const bool readable = callback::parse_notification(record.value, &notification);
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.read;
  tracker_.begin(record.partition, record.offset);
  if (!readable) {
    ++stats_.unreadable;
    tracker_.finish(record.partition, record.offset);
    log::warn("reconcile: record on the workflow callbacks topic is not a notification; skipped",
              {{"partition", record.partition}, {"offset", record.offset}});
    return;
  }
  if (!callback::is_terminal_workflow_status(notification.status)) {
    ++stats_.non_terminal;
    tracker_.finish(record.partition, record.offset);
    log::debug("reconcile: workflow notification needs no fetch",
               {{"reference", notification.execution_id}, {"status", notification.status}});
    return;
  }
  auto in_hand = in_hand_.find(notification.execution_id);
  if (in_hand != in_hand_.end()) {
    // Already being fetched: this notification is done when that job is.
    ++stats_.duplicates;
    in_hand->second->offsets.emplace_back(record.partition, record.offset);
    return;
  }
  if (done_.count(notification.execution_id) != 0) {
    ++stats_.duplicates;
    tracker_.finish(record.partition, record.offset);
    log::debug("reconcile: workflow event already published",
               {{"reference", notification.execution_id}});
    return;
  }
  auto job = std::make_shared<Job>();
  job->execution_id = notification.execution_id;
  job->account_id = notification.account_id;
  job->offsets.emplace_back(record.partition, record.offset);
  job->read_at = std::chrono::steady_clock::now();
  in_hand_.emplace(job->execution_id, job);
  queue_.emplace(clock_.now(), job);
  wake_.notify_one();
}

void WorkflowResults::on_revoked(const std::vector<int32_t>& partitions) {
  // Another instance reads these from their committed positions: what is in hand here for them
  // is dropped (an ask in flight finishes, and its event has the same eventId).
  commit();
  std::lock_guard<std::mutex> lock(mutex_);
  for (int32_t partition : partitions) tracker_.forget(partition);
  for (auto it = in_hand_.begin(); it != in_hand_.end();) {
    auto& offsets = it->second->offsets;
    offsets.erase(std::remove_if(offsets.begin(), offsets.end(),
                                 [&](const std::pair<int32_t, int64_t>& at) {
                                   return std::find(partitions.begin(), partitions.end(),
                                                    at.first) != partitions.end();
                                 }),
                  offsets.end());
    it = offsets.empty() ? in_hand_.erase(it) : std::next(it);
  }
  for (auto it = queue_.begin(); it != queue_.end();)
    it = it->second->offsets.empty() ? queue_.erase(it) : std::next(it);
  log::info("reconcile: workflow callback partitions revoked",
            {{"partitions", static_cast<int64_t>(partitions.size())}});
}

void WorkflowResults::commit() {
  std::map<int32_t, int64_t> positions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    positions = tracker_.advanced();
  }
  if (positions.empty()) return;
  std::string error;
  const bool committed = parts_.notifications->commit(positions, &error);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!committed) {
    ++stats_.commit_failures;
    log::warn("reconcile: workflow callback offsets not committed; committed again later",
              {{"error", error}});
    return;
  }
  for (const auto& [partition, position] : positions) tracker_.committed(partition, position);
}

// --- asking -------------------------------------------------------------------------------------

void WorkflowResults::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const Time now = clock_.now();
    if (queue_.empty() || queue_.begin()->first > now) {
      const Time until =
          queue_.empty() ? now + kIdleWake : std::min(queue_.begin()->first, now + kIdleWake);
      clock_.wait_until(wake_, lock, until);
      continue;
    }
    JobPtr job = queue_.begin()->second;
    queue_.erase(queue_.begin());
    if (job->offsets.empty()) continue;  // its partitions were revoked
    lock.unlock();
    handle(job);
    lock.lock();
  }
}

void WorkflowResults::retry(const JobPtr& job, milliseconds wait) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.retries;
  if (job->offsets.empty()) {  // revoked meanwhile
    in_hand_.erase(job->execution_id);
    return;
  }
  queue_.emplace(clock_.now() + wait, job);
  wake_.notify_one();
}

void WorkflowResults::finish(const JobPtr& job, bool remember) {
  for (const auto& [partition, offset] : job->offsets) tracker_.finish(partition, offset);
  job->offsets.clear();
  in_hand_.erase(job->execution_id);
  if (remember) done_[job->execution_id] = clock_.now();
}

bool WorkflowResults::publish(const route::Record& record, const std::string& execution_id) {
  std::string error;
  if (parts_.publisher->publish(record, timing_.delivery_timeout, &error)) return true;
  log::warn("reconcile: workflow record not stored; tried again",
            {{"reference", execution_id}, {"topic", record.topic}, {"error", error}});
  return false;
}

void WorkflowResults::handle(const JobPtr& job) {
  if (parts_.published_elsewhere && parts_.published_elsewhere(job->execution_id)) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.duplicates;
    finish(job, true);
    return;
  }
  retrieval_api::Fetched fetched =
      parts_.retriever->fetch_workflow_details(job->account_id, job->execution_id);
  if (fetched.outcome == Outcome::stopped) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.asks;
  }
  const milliseconds backoff = std::min(
      timing_.retry_cap, timing_.retry_first * (int64_t{1} << std::min(job->failures, 16)));
  switch (fetched.outcome) {
    case Outcome::event: {
      const route::Record record = router_.event_record(*fetched.event);
      if (!publish(record, job->execution_id)) {
        ++job->failures;
        retry(job, backoff);
        return;
      }
      const int64_t ms = ms_since(job->read_at);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.published;
        finish(job, true);
      }
      log::info("reconcile: workflow event published",
                {{"reference", job->execution_id}, {"topic", record.topic}, {"ms", ms}});
      return;
    }
    case Outcome::invalid: {
      const route::Record record =
          retrieval_dead_letter(router_, fetched, callback::Kind::workflow);
      if (!publish(record, job->execution_id)) {
        ++job->failures;
        retry(job, backoff);
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.dead_lettered;
        finish(job, true);
      }
      log::warn("reconcile: workflow details dead-lettered",
                {{"reference", job->execution_id}, {"reason", "retrieval_invalid"}});
      return;
    }
    case Outcome::not_found: {
      const size_t asked = static_cast<size_t>(job->not_found++);
      if (asked < not_found_waits_.size()) {
        log::info("reconcile: workflow execution not found; asked again",
                  {{"reference", job->execution_id}, {"asks", job->not_found}});
        retry(job, std::chrono::duration_cast<milliseconds>(not_found_waits_[asked]));
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.given_up;
        finish(job, true);
      }
      log::warn("reconcile: workflow execution not found; given up",
                {{"reference", job->execution_id}, {"asks", job->not_found}});
      return;
    }
    case Outcome::unauthorized: {
      log::error("reconcile: Jumio refused the API credentials; stopping",
                 {{"reference", job->execution_id}, {"http_status", fetched.http_status}});
      {
        std::lock_guard<std::mutex> lock(mutex_);
        unauthorized_ = true;
        stop_ = true;
      }
      wake_.notify_all();
      parts_.retriever->stop();
      return;
    }
    case Outcome::pending:  // the details do not show a final status yet
    case Outcome::failed:
    case Outcome::withdrawn:
      ++job->failures;
      log::debug("reconcile: workflow details not fetched; asked again",
                 {{"reference", job->execution_id},
                  {"outcome", retrieval_api::outcome_name(fetched.outcome)},
                  {"http_status", fetched.http_status},
                  {"wait_ms", static_cast<int64_t>(backoff.count())}});
      not_fetched_log_.note({{"last_outcome", retrieval_api::outcome_name(fetched.outcome)},
                             {"last_http_status", fetched.http_status}});
      retry(job, backoff);
      return;
    case Outcome::stopped:
      return;
  }
}

}  // namespace jb::reconcile
