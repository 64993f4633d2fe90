// A bounded load of authentication callbacks, each with its own transactionReference, and a
// read-back that checks every callback answered 200 is in Kafka (duplicates only as the same
// record).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/daemon.h"
#include "config/config.h"
#include "kafka/embedded.h"

namespace jb::test {

struct LoadOptions {
  std::function<int()> port;  // asked for each connection: a restarted daemon may move
  std::string path = "/callbacks/jumio";
  int first = 0;          // index of the first callback
  int callbacks = 1000;   // how many to send
  int clients = 16;       // concurrent keep-alive connections
  double per_second = 0;  // pacing of the sends; 0 = as fast as they are answered
  unsigned run = 1;       // makes references unique across runs and phases
  std::function<void(int index)>
      before_send;  // called on the sending thread, e.g. to inject faults
};

struct LoadResult {
  int sent = 0;
  int ok = 0;                               // answered 200
  int unavailable = 0;                      // answered 503
  int no_answer = 0;                        // connection refused or reset
  int other = 0;                            // any other status
  std::vector<std::string> acknowledged;    // references answered 200
  std::vector<std::string> unacknowledged;  // references sent but not answered 200
};

// The transactionReference of callback `index` of run `run`:
// "rrrrrrrr-0000-4000-8000-nnnnnnnnnnnn".
std::string load_reference(unsigned run, int index);
// The form body of that callback.
std::string load_body(unsigned run, int index);
// Sends the callbacks; returns when every one is answered or failed.
LoadResult run_load(const LoadOptions& options);

struct ReadBack {
  size_t records = 0;      // records read whose key is an expected reference
  size_t found = 0;        // expected references seen at least once
  size_t duplicates = 0;   // records beyond the first for a reference
  size_t conflicting = 0;  // references whose copies differ (value, key or ce_id): must be 0
  size_t missing = 0;      // expected references never seen: must be 0
  std::vector<std::string> missing_examples;  // up to 5
};

// Every partition of ^jumio\..* from the beginning, without a consumer group, until every
// expected reference is seen (and a short while more for late duplicates) or bound passes.
ReadBack read_back(const std::string& brokers, const std::vector<std::string>& expected,
                   std::chrono::milliseconds bound);

// A one-broker mock cluster owned by the test and the daemon in-process on port 0, with its spool
// in a fresh directory that is removed afterwards.
class DaemonRig {
 public:
  // Starts the cluster; the daemon starts with start_daemon().
  DaemonRig();
  ~DaemonRig();
  // Starts (or restarts) the daemon; customize may change the config first. False on failure.
  bool start_daemon(const std::function<void(config::Config&)>& customize = {});
  // Stops the daemon as serve does on SIGTERM.
  void stop_daemon();

  rd_kafka_mock_cluster_t* mock() { return cluster_->mock(); }
  const std::string& brokers() const { return cluster_->bootstraps(); }
  cli::Daemon& daemon() { return *daemon_; }
  int port() const { return daemon_ ? daemon_->port() : 0; }
  const std::string& spool_dir() const { return spool_dir_; }
  // The body of GET /metrics, or "" when there is no answer.
  std::string metrics() const;
  // Waits up to bound for the spool to be empty.
  bool spool_empties(std::chrono::milliseconds bound);

 private:
  std::string spool_dir_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<cli::Daemon> daemon_;
};

// "sent 10000, 200s 10000, read back 10000, duplicates 12, missing 0" for test logs.
std::string summary(const LoadResult& load, const ReadBack& read);

}  // namespace jb::test
