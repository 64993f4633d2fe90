// The replay loop: dead letters in, today's normalisation and routing, records out; a position
// is committed only past records whose outcome Kafka acknowledged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "replay/commit_tracker.h"
#include "replay/filter.h"
#include "replay/tally.h"
#include "route/router.h"

namespace jb::replay {

struct SourceRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  int64_t timestamp_ms = -1;  // the record's Kafka timestamp
};

// The dead-letter topic, read as a member of the replay's consumer group.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::optional<SourceRecord> poll(std::chrono::milliseconds timeout) = 0;
  // Commits `position` (the next offset to read) for the partition.
  virtual bool commit(int32_t partition, int64_t position) = 0;
  // True once the group assigned partitions.
  virtual bool assigned() = 0;
};

// Where replayed events and new dead letters go. done runs once, on any thread, with whether
// Kafka acknowledged the record. False (done not called) when it could not even be enqueued.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual bool publish(const route::Record& record, std::function<void(bool persisted)> done) = 0;
};

struct Options {
  Filter filter;
  std::optional<long long> limit;     // records taken (not skipped) before stopping
  std::map<int32_t, int64_t> starts;  // where the group stands per partition
  std::map<int32_t, int64_t> ends;    // high watermarks at start: records from there are left
  size_t max_in_flight = 1000;
  std::chrono::milliseconds commit_interval{100};
  std::chrono::milliseconds progress_interval{1000};
  std::chrono::milliseconds idle_timeout{10000};  // after assignment, without a record
  std::chrono::milliseconds join_timeout{30000};  // before assignment
};

struct Output {
  std::function<void(const std::string&)> record;    // one line per record taken (stdout)
  std::function<void(const std::string&)> progress;  // progress lines (stderr)
};

class Replayer {
 public:
  // sink is nullptr for a dry run: nothing is published and nothing committed.
  Replayer(const route::Router& router, Source& source, Sink* sink, Options options, Output output);

  // Runs until every partition is read up to its end, --limit, stop, or Kafka trouble; then waits
  // for outstanding acknowledgements and commits.
  Tally run(const std::atomic<bool>& stop);

 private:
  struct Completion {
    Planned planned;
    bool persisted = false;
  };

  void take(const SourceRecord& record);
  void apply_completions();
  void count(const Planned& planned);
  void commit(bool force);
  void report_progress(bool force);
  bool read_to_end() const;
  bool keep_reading() const;
  void wait_for_completion(std::chrono::milliseconds timeout);

  const route::Router& router_;
  Source& source_;
  Sink* sink_;
  Options options_;
  Output output_;
  Tally tally_;
  CommitTracker tracker_;
  std::map<int32_t, int64_t> next_;  // next offset to read per partition, up to its end
  long long total_ = 0;
  long long taken_ = 0;
  size_t in_flight_ = 0;
  bool reading_ = true;
  std::chrono::steady_clock::time_point started_, last_commit_, last_progress_;

  std::mutex mutex_;
  std::condition_variable completed_;
  std::vector<Completion> completions_;  // filled by Sink callbacks
};

}  // namespace jb::replay
