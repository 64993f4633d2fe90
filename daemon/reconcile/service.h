// jumio-bridge reconcile: every transaction the integrator expected ends up as an event, from its
// callback or from Jumio's Retrieval API (CONTRACT.md section 6, docs/retrieval.md).
//
// Its whole state lives in Kafka, so a restart (or another instance taking over) loses nothing:
//   - reconcile.expected_topic: the expected records, read in consumer group reconcile.group, so
//     each reference (the key) belongs to one instance; an assigned partition is read again from
//     the schedule's span back (nothing is committed).
//   - the event topics, topics.deadletter and reconcile.state_topic: what is settled, and how far
//     each schedule went. A topic with as many partitions as the expected topic is read only in
//     the partitions this instance was assigned (every record is keyed by reference with murmur2,
//     so a reference's records share its partition number); any other topic is read whole.
// Nothing is asked before the settled topics were read to their ends, each ask waits until they
// are read up to its time, and an ask that finds a final status checks again, before the details
// and before publishing, that no event for the reference was read meanwhile.
//
// The service is orchestration: the readers, the clock, the Retrieval API and the publisher are
// given to it, so its asking logic runs in unit tests without a broker or a network.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "kafka/reader.h"
#include "reconcile/ledger.h"
#include "reconcile/parts.h"
#include "reconcile/records.h"
#include "reconcile/stats.h"
#include "route/router.h"

namespace jb::reconcile {

// Waits and sizes; tests shorten them.
struct Timing {
  std::chrono::milliseconds poll{200};  // a reader's longest poll
  // How stale a reader's view of the partitions' ends may be (fetch.wait.max.ms and a margin):
  // being at the ends at time t means every record written before t - this was read.
  std::chrono::milliseconds end_staleness{300};
  // How long an ask waits for the settled topics to be read up to its time before it gives up
  // (the reference is asked again at its next step).
  std::chrono::milliseconds read_through_wait{10000};
  std::chrono::milliseconds delivery_timeout{30000};  // Kafka's acknowledgement of an event
  // New settled topics are looked for this often. While one does not exist yet, the settled
  // topics count as read only up to the last look: a callback's event that created one is seen.
  std::chrono::milliseconds topic_refresh{1000};
  // Once every settled topic exists, only a partition added to one is looked for.
  std::chrono::milliseconds topic_refresh_all_exist{10000};
  std::chrono::milliseconds prune_interval{60000};  // what is past the span is erased
  // Asks in flight at once. Requests are spaced by the client's rate limit whatever this is;
  // workers cover the latency of an ask (two requests, two waits for the settled topics, a
  // publish), and the client's connection pool lets a slow one not hold the others.
  int workers = 32;
};

// What the service is made of.
struct Parts {
  std::unique_ptr<kafka::GroupReader> expected;     // reconcile.expected_topic in reconcile.group
  std::unique_ptr<kafka::PartitionReader> settled;  // event, dead-letter and state topics
  Clock* clock = nullptr;
  Retriever* retriever = nullptr;
  Publisher* publisher = nullptr;
};

class Service {
 public:
  // The parts' pointees must outlive the service.
  Service(const config::Config& config, Parts parts, Timing timing = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts the readers and the workers.
  void start();
  // Stops every thread; waits for them.
  void stop();
  // True once the settled topics were read to their ends and asking began.
  bool caught_up() const { return caught_up_; }
  // True once Jumio refused the credentials: the service stopped asking (the command exits 78).
  bool unauthorized() const { return unauthorized_; }
  // True once stop() was called, or the service stopped by itself (refused credentials).
  bool stopped() const { return stop_; }

  Stats stats() const;
  // True when an event (or dead letter) for the reference was read on the settled topics, in the
  // partitions this instance reads.
  bool is_settled(const std::string& reference) const;
  // How far back the topics are read: the schedule's span and a day's margin.
  std::chrono::seconds read_span() const;
  static std::chrono::seconds read_span_of(const config::ReconcileConfig& reconcile);

 private:
  struct Change {  // partitions of the settled topics to start or stop reading
    bool add = true;
    std::vector<kafka::TopicPartition> partitions;
  };

  void read_expected();
  void read_settled();
  void work();
  void ask(const Due& due);
  void give_up(const Due& due);

  // Expected reader.
  void on_expected(const ExpectedRecord& record, int32_t partition);
  void on_assigned(const std::vector<int32_t>& partitions);
  void on_revoked(const std::vector<int32_t>& partitions);
  // Settled reader.
  void on_settled(const kafka::ConsumedMessage& message);
  bool discover_topics(bool first);
  void apply_changes();
  void advance_read_through();
  // Queues the settled partitions that go with these expected partitions (under mutex_).
  void queue_change(bool add, const std::vector<int32_t>& expected_partitions);
  void queue(Change change);
  // Every settled topic is read whole from now on (under mutex_).
  void read_whole(const std::string& why);
  std::vector<kafka::TopicPartition> matched_partitions(
      const std::vector<int32_t>& expected_partitions) const;

  // Waits until the settled topics were read through `at` (or the wait ends); false when it
  // ended first. Called without mutex_.
  bool wait_read_through(Time at);
  // True when the reference is settled, once the settled topics were read through now.
  // *read false when they could not be read that far in time.
  bool settled_meanwhile(const std::string& reference, bool* read);
  void write_state(const StateRecord& state);
  void asked(const Due& due, Time at, const std::string& status);

  const config::Config config_;
  const Timing timing_;
  Parts parts_;
  Clock& clock_;
  route::Router router_;
  Schedule schedule_;
  std::set<std::string> settled_topics_;  // event topics, dead-letter topic, state topic

  mutable std::mutex mutex_;
  std::condition_variable work_;          // workers: something may be due
  std::condition_variable read_through_;  // asks waiting for the settled topics
  int read_through_waiters_ = 0;
  Ledger ledger_;
  // The account of each expected workflow execution (the ledger holds no ids besides the
  // reference); pruned with the ledger.
  std::unordered_map<std::string, std::string> workflow_accounts_;
  Stats stats_;
  Time read_through_time_{};  // every settled record written before this was read
  // The settled topics' partition counts, and the expected topic's (0: unknown or absent).
  std::map<std::string, int32_t> partition_counts_;
  int32_t expected_partitions_ = 0;
  bool whole_ = false;          // every settled topic is read whole (a mismatch was seen)
  std::set<int32_t> assigned_;  // expected partitions this instance owns
  std::set<kafka::TopicPartition> reading_;  // settled partitions added to the reader
  std::vector<Change> changes_;              // for the settled thread to apply
  uint64_t generation_ = 0;                  // counted up by every change of the partitions read
  Time discovered_at_{};                     // when the last look for topics that answered began
  bool all_exist_ = false;                   // every settled topic existed then
  Time last_prune_{};

  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> unauthorized_{false};
  std::thread expected_thread_;
  std::thread settled_thread_;
  std::vector<std::thread> worker_threads_;
};

}  // namespace jb::reconcile
