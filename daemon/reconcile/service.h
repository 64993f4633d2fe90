// jumio-bridge reconcile: every transaction the integrator expected ends up as an event, from its
// callback or from Jumio's Retrieval API (CONTRACT.md section 6, docs/retrieval.md).
//
// Its whole state lives in Kafka, so a restart (or another instance taking over) loses nothing:
//   - reconcile.expected_topic: the expected records. Read in consumer group reconcile.group, so
//     each reference (the key) belongs to one instance; on assignment a partition is read again
//     from the schedule's span back (never from committed offsets: nothing is committed).
//   - the event topics and topics.deadletter: what is settled. Read by every instance, without a
//     group, from the span back; the key is the reference, ce_source ending in :retrieval marks
//     what the Retrieval API gave.
//   - reconcile.state_topic: after every ask, {reference, asks, lastAskedAt, lastStatus}, so that
//     a restarted instance continues the schedule instead of asking again from the start.
// Nothing is asked before the event, dead-letter and state topics were read up to their ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "kafka/producer.h"
#include "reconcile/ledger.h"
#include "retrieval_api/client.h"
#include "route/router.h"

namespace jb::reconcile {

// The value of a state record, and of an expected record.
struct StateRecord {
  std::string reference;
  callback::Kind kind = callback::Kind::netverify;
  int asks = 0;
  Time last_asked{};
  std::string last_status;
  Settlement settled = Settlement::none;  // retrieval, deadletter or given_up once final
};
std::string state_record_json(const StateRecord& record);
bool parse_state_record(std::string_view json, StateRecord* out);

struct ExpectedRecord {
  std::string reference;
  callback::Kind kind = callback::Kind::netverify;
  Time initiated_at;
};
// {"reference": "...", "kind": "netverify"|"authentication"|"document", "initiatedAt": RFC 3339};
// false with *why (no values quoted) when it is not one.
bool parse_expected_record(std::string_view json, ExpectedRecord* out, std::string* why);

// Every topic an event of the router can go to (each kind and status Jumio sends, overrides too).
std::vector<std::string> event_topics(const config::TopicsConfig& topics);

// What the service did, for /metrics.
struct Stats {
  Counts counts;
  uint64_t invalid_expected = 0;  // expected records that could not be read
  uint64_t asks = 0;              // status asks made
  uint64_t published = 0;         // events published from the Retrieval API
  uint64_t dead_lettered = 0;     // answers that could not become an event
  uint64_t publish_failures = 0;  // records Kafka did not acknowledge
  retrieval_api::Counts api;      // requests and answers by HTTP status
  bool caught_up = false;         // from the service's flags when stats() is taken
  bool unauthorized = false;
};

class Service {
 public:
  // `client` and `producer` must outlive the service.
  Service(const config::Config& config, const std::string& brokers,
          const std::map<std::string, std::string>& consumer_properties,
          retrieval_api::Client* client, kafka::Producer* producer);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts the readers and the workers. A Kafka consumer that cannot be made is logged and stops
  // the service (stopped() turns true).
  void start();
  // Stops every thread; waits for them.
  void stop();
  // True once the settled topics were read to their ends and asking began.
  bool caught_up() const { return caught_up_; }
  // True once Jumio refused the credentials: the service stopped asking (the command exits 78).
  bool unauthorized() const { return unauthorized_; }
  // True once stop() was called, or the service stopped by itself (refused credentials, a
  // consumer that cannot be made).
  bool stopped() const { return stop_; }

  Stats stats() const;
  // How far back the topics are read: the schedule's span and a day's margin.
  std::chrono::seconds read_span() const;
  // The expected topic's partitions were taken away: their references are another's now.
  void partitions_revoked(const std::set<int32_t>& partitions);
  // Prometheus text of stats() (jumio_bridge_reconcile_*).
  std::string metrics_text() const;

 private:
  void read_expected();
  void read_settled();
  void work();
  void ask(const Due& due);
  void publish_state(const StateRecord& record);
  bool publish(const route::Record& record);
  void on_expected(const ExpectedRecord& record, int32_t partition);

  config::Config config_;
  std::string brokers_;
  std::map<std::string, std::string> consumer_properties_;
  retrieval_api::Client* client_;
  kafka::Producer* producer_;
  route::Router router_;
  Schedule schedule_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Ledger ledger_;
  std::map<std::string, int32_t> partition_of_;  // expected reference -> its partition
  std::map<std::string, StateRecord> restored_;  // state records of references not expected yet
  Stats stats_;
  Time read_through_{};
  const Time started_at_ = std::chrono::system_clock::now();  // records of the settled topics
                                                              // written before this were all read
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> unauthorized_{false};
  std::thread expected_thread_;
  std::thread settled_thread_;
  std::vector<std::thread> worker_threads_;
  std::set<std::string> in_flight_;  // references a worker is asking about now
};

}  // namespace jb::reconcile
