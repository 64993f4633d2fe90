// The Jumio Platform's results (CONTRACT.md section 8, docs/retrieval.md): every platform callback
// serve stored on topics.workflow_callbacks (a notification) is read in consumer group
// "{reconcile.group}-workflow". For a terminal status (PROCESSED, SESSION_EXPIRED, TOKEN_EXPIRED)
// the execution's details are fetched and its workflow event published to
// jumio.workflow.{decision}; details that cannot become an event are dead-lettered whole
// (retrieval_invalid). Other statuses need nothing.
//
// A notification's offset is committed only once what it needs is done: its event (or dead
// letter) acknowledged by Kafka, or nothing to do. A crash re-reads what was not committed and the
// same eventId comes out again. The Retrieval API failing, answering 429/5xx or not at all delays
// an event (asked again after a growing wait), never loses it; an execution Jumio does not know
// (404, a forged callback's ids) is asked again after reconcile.schedule_s's waits, then given up
// (logged and counted, committed). The same execution notified twice is fetched and published once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/counted_log.h"
#include "config/config.h"
#include "kafka/reader.h"
#include "reconcile/parts.h"
#include "reconcile/stats.h"
#include "replay/commit_tracker.h"
#include "route/router.h"

namespace jb::reconcile {

struct WorkflowTiming {
  std::chrono::milliseconds poll{200};
  std::chrono::milliseconds retry_first{1000};  // the first wait after a failed ask; doubles
  std::chrono::milliseconds retry_cap{60000};   // up to this
  std::chrono::milliseconds delivery_timeout{30000};
  std::chrono::milliseconds commit_interval{1000};
  // Executions published (or given up) are remembered this long, so that a notification read
  // again is not fetched again.
  std::chrono::hours remember{24};
  int workers = 8;
};

struct WorkflowParts {
  std::unique_ptr<kafka::GroupReader> notifications;  // topics.workflow_callbacks, committing
  Clock* clock = nullptr;
  Retriever* retriever = nullptr;
  Publisher* publisher = nullptr;
  // True when the execution's workflow event is already on Kafka (reconcile's settled topics).
  std::function<bool(const std::string& execution_id)> published_elsewhere;
};

class WorkflowResults {
 public:
  WorkflowResults(const config::Config& config, WorkflowParts parts, WorkflowTiming timing = {});
  ~WorkflowResults();
  WorkflowResults(const WorkflowResults&) = delete;
  WorkflowResults& operator=(const WorkflowResults&) = delete;

  void start();
  // Stops the threads and leaves the group; what was not done is not committed.
  void stop();
  // Jumio refused the credentials (401 after a new token, 403): stopped by itself.
  bool unauthorized() const { return unauthorized_; }
  bool stopped() const { return stop_; }
  WorkflowStats stats() const;

 private:
  struct Job {
    std::string execution_id;
    std::string account_id;
    std::vector<std::pair<int32_t, int64_t>> offsets;  // the notifications it settles
    std::chrono::steady_clock::time_point read_at;
    int failures = 0;   // failed asks in a row (growing wait)
    int not_found = 0;  // 404 answers so far
  };
  using JobPtr = std::shared_ptr<Job>;

  void read();
  void work();
  void on_record(const kafka::ConsumedMessage& record);
  void on_revoked(const std::vector<int32_t>& partitions);
  void commit();
  // Asks once, and publishes, finishes or queues the job again.
  void handle(const JobPtr& job);
  // The job is over: its offsets may be committed, the execution remembered (under mutex_).
  void finish(const JobPtr& job, bool remember);
  void retry(const JobPtr& job, std::chrono::milliseconds wait);
  bool publish(const route::Record& record, const std::string& execution_id);

  const config::Config config_;
  const WorkflowTiming timing_;
  WorkflowParts parts_;
  Clock& clock_;
  route::Router router_;
  std::vector<std::chrono::seconds> not_found_waits_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Time, JobPtr> queue_;                // by when the next ask is due
  std::unordered_map<std::string, JobPtr> in_hand_;  // by execution id
  std::unordered_map<std::string, Time> done_;       // executions done, and when
  replay::CommitTracker tracker_;
  WorkflowStats stats_;

  // During an outage every execution in hand fails its asks: one line a second says how many.
  log::CountedLog not_fetched_log_{log::Level::warn,
                                   "reconcile: workflow details not fetched; asked again"};

  std::atomic<bool> stop_{false};
  std::atomic<bool> unauthorized_{false};
  std::thread reader_thread_;
  std::vector<std::thread> worker_threads_;
};

}  // namespace jb::reconcile
