// The durable local store: an append-only log of records Kafka has not acknowledged yet, in
// segment files under spool.dir. Appends are grouped into one write + fdatasync; the drain takes
// records in arrival order and a segment is deleted once every record in it is acknowledged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "route/router.h"
#include "spool/frame.h"

namespace jb::spool {

// What became of one append.
enum class AppendResult {
  stored,  // written and fsynced: it survives a crash
  full,    // spool.max_bytes would be exceeded
  failed,  // the disk refused the write or the sync
};

// "stored", "full", "failed": for logs and metric labels.
const char* append_result_name(AppendResult result);

struct Options {
  std::string dir;                           // spool.dir; created when missing
  uint64_t max_bytes = 1073741824;           // spool.max_bytes: limit of all segment files together
  uint64_t segment_bytes = 4 * 1024 * 1024;  // a segment is rolled once it is this large
};

struct Stats {
  uint64_t records = 0;              // appended and not yet acknowledged
  uint64_t bytes = 0;                // their frames' bytes
  uint64_t disk_bytes = 0;           // bytes of all segment files (what max_bytes limits)
  int64_t oldest_spooled_at_ms = 0;  // spool time of the oldest record; 0 when empty
  uint64_t appended = 0;             // records stored since open
  uint64_t syncs = 0;                // fdatasync calls for appends since open
  uint64_t torn_tails = 0;           // torn or corrupt segment tails cut off at open
};

// One record handed to the drain; give its id back with acknowledge() or release().
struct Taken {
  uint64_t id = 0;
  SpooledRecord spooled;
};

class Spool {
 public:
  // Locks the directory, scans the segments (cutting off torn tails), starts the writer thread.
  static std::unique_ptr<Spool> open(const Options& options, std::string* error);
  ~Spool();

  // Appends and waits until the record is fsynced (or refused). Thread-safe.
  AppendResult append(const route::Record& record);
  // Appends without waiting: `done` runs once with the result, on the writer thread after the
  // group's fsync (or at once on the calling thread when the spool is stopping). Thread-safe.
  void append_async(const route::Record& record, std::function<void(AppendResult)> done);
  // Up to max records not yet taken, oldest first; waits up to wait for one to appear.
  std::vector<Taken> take(size_t max, std::chrono::milliseconds wait);
  // Kafka has the record: it is forgotten (its segment deleted once all of it is acknowledged).
  void acknowledge(uint64_t id);
  // Kafka does not have the record: take() offers it again, before newer ones.
  void release(uint64_t id);

  // Records appended and not acknowledged (taken or not).
  uint64_t depth() const;
  // True unless the last write failed, or the last append found the spool full and no space
  // has been freed since.
  bool writable() const;
  Stats stats() const;

 private:
  enum class State { waiting, taken, done };
  struct Entry {
    uint64_t segment;
    uint64_t offset;
    uint32_t size;
    int64_t spooled_at_ms;
    State state;
  };
  struct Segment {
    int fd = -1;
    uint64_t bytes = 0;
    uint64_t live = 0;  // entries not acknowledged
  };
  struct Pending {
    std::string frame;
    int64_t spooled_at_ms;
    bool finished = false;
    AppendResult result = AppendResult::failed;
    std::function<void(AppendResult)> done;  // set for append_async: the writer owns the Pending
  };

  explicit Spool(const Options& options) : options_(options) {}
  bool recover(std::string* error);
  bool recover_segment(uint64_t number, std::string* error);
  void write_loop();
  void write_batch(std::vector<Pending*>& batch);
  bool roll_segment();
  void retire_idle_active_segment();
  void forget_segment(uint64_t number);
  void pop_done_entries();
  std::string segment_path(uint64_t number) const;

  Options options_;
  int lock_fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable queued_;     // the writer waits for appends
  std::condition_variable committed_;  // appenders wait for their batch
  std::condition_variable available_;  // take() waits for records
  std::vector<Pending*> queue_;
  bool stopping_ = false;
  std::thread writer_;

  std::map<uint64_t, Segment> segments_;
  uint64_t active_ = 0;  // segment receiving appends; 0 = none yet
  uint64_t next_segment_ = 1;
  std::deque<Entry> entries_;
  uint64_t first_id_ = 0;  // id of entries_.front()
  uint64_t cursor_ = 0;    // no waiting entry before this id
  bool last_write_failed_ = false;
  bool full_ = false;
  Stats stats_;
};

}  // namespace jb::spool
