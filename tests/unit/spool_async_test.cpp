// Spool::append_async: one `done` per record after the group's fsync, group commit across
// threads, refusals when full, and callbacks that append again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "spool/frame.h"
#include "spool/spool.h"
#include "support/process.h"
#include "support/spool_fixtures.h"

namespace jb::spool {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kBound{10};

std::unique_ptr<Spool> open_spool(const std::string& dir, uint64_t max_bytes = 64 << 20) {
  std::string error;
  auto spool = Spool::open({dir, max_bytes, 1 << 20}, &error);
  EXPECT_TRUE(spool) << error;
  return spool;
}

// Takes every waiting record (bounded), their keys in order.
std::vector<std::string> take_keys(Spool& spool, size_t expected) {
  std::vector<std::string> keys;
  const auto until = std::chrono::steady_clock::now() + kBound;
  while (keys.size() < expected && std::chrono::steady_clock::now() < until) {
    for (const Taken& taken : spool.take(expected, milliseconds(200)))
      keys.push_back(taken.spooled.record.key);
  }
  return keys;
}

// Counts `done` calls per key, and wakes a waiter when `expected` calls have come.
class Tally {
 public:
  explicit Tally(size_t expected) : expected_(expected) {}
  std::function<void(AppendResult)> callback(const std::string& key) {
    return [this, key](AppendResult result) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_[key];
      ++results_[result];
      if (++total_ == expected_) all_.notify_all();
    };
  }
  // True when `expected` calls came within the bound.
  bool wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return all_.wait_for(lock, kBound, [&] { return total_ >= expected_; });
  }
  std::map<std::string, int> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  int count(AppendResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_[result];
  }

 private:
  size_t expected_;
  std::mutex mutex_;
  std::condition_variable all_;
  size_t total_ = 0;
  std::map<std::string, int> calls_;
  std::map<AppendResult, int> results_;
};

TEST(SpoolAsync, DoneRunsOnceWithStoredAfterTheSyncAndTheRecordIsTakenAfterwards) {
  test::ScratchDir dir("spool-async");
  std::atomic<int> calls{0};
  std::promise<Stats> seen;  // the spool's stats as the callback saw them
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  auto spool = open_spool(dir.path);
  ASSERT_TRUE(spool);
  spool->append_async(test::numbered_record(1), [&](AppendResult result) {
    if (++calls == 1) {
      on_caller = std::this_thread::get_id() == caller;
      EXPECT_EQ(result, AppendResult::stored);
      seen.set_value(spool->stats());
    }
  });
  auto future = seen.get_future();
  ASSERT_EQ(future.wait_for(kBound), std::future_status::ready) << "done never ran";
  const Stats at_done = future.get();
  EXPECT_FALSE(on_caller.load()) << "an open spool answers on its writer thread";
  EXPECT_GE(at_done.syncs, 1u) << "done ran before the fsync";
  EXPECT_EQ(at_done.appended, 1u);
  EXPECT_EQ(at_done.records, 1u);
  EXPECT_EQ(take_keys(*spool, 1), std::vector<std::string>{"ref-1"});
  std::this_thread::sleep_for(milliseconds(300));  // a second call would come by now
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(spool->depth(), 1u);
}

TEST(SpoolAsync, ConcurrentAppendersEachGetOneStoredAndShareSyncs) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 125;
  constexpr int kRecords = kThreads * kPerThread;
  test::ScratchDir dir("spool-async");
  Tally tally(kRecords);
  // The first record's callback holds the writer until a hundred appends are queued behind
  // it: they must then share one fsync, whatever the scheduling.
  std::promise<void> hundred_queued;
  std::shared_future<void> gate = hundred_queued.get_future().share();
  std::promise<void> gate_record_done;
  auto spool = open_spool(dir.path);
  ASSERT_TRUE(spool);
  spool->append_async(test::numbered_record(-1), [&](AppendResult result) {
    EXPECT_EQ(result, AppendResult::stored);
    gate.wait_for(kBound);
    gate_record_done.set_value();
  });
  std::atomic<int> queued{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        spool->append_async(test::numbered_record(n), tally.callback("ref-" + std::to_string(n)));
        if (++queued == 100) hundred_queued.set_value();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(tally.wait()) << "not every append was answered";
  ASSERT_EQ(gate_record_done.get_future().wait_for(kBound), std::future_status::ready);
  std::this_thread::sleep_for(milliseconds(200));  // a duplicate call would come by now
  const auto calls = tally.calls();
  EXPECT_EQ(calls.size(), static_cast<size_t>(kRecords));
  for (const auto& [key, count] : calls) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(tally.count(AppendResult::stored), kRecords);
  const Stats stats = spool->stats();
  EXPECT_EQ(stats.appended, static_cast<uint64_t>(kRecords + 1));
  EXPECT_LT(stats.syncs, stats.appended) << "no group commit";
  EXPECT_LE(stats.syncs, static_cast<uint64_t>(kRecords + 1 - 99));
  std::printf("[ figures  ] %llu records in %llu syncs\n",
              static_cast<unsigned long long>(stats.appended),
              static_cast<unsigned long long>(stats.syncs));
  // Every record is in the spool, each once.
  const auto keys = take_keys(*spool, kRecords + 1);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kRecords + 1));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
}

TEST(SpoolAsync, AFullSpoolAnswersFull) {
  test::ScratchDir dir("spool-async");
  Tally first(1);
  Tally second(1);
  const uint64_t frame_bytes = encode_frame({test::numbered_record(1), 0}).size();
  // Room for one record, not two.
  auto spool = open_spool(dir.path, frame_bytes + frame_bytes / 2);
  ASSERT_TRUE(spool);
  spool->append_async(test::numbered_record(1), first.callback("ref-1"));
  ASSERT_TRUE(first.wait());
  EXPECT_EQ(first.count(AppendResult::stored), 1);
  spool->append_async(test::numbered_record(2), second.callback("ref-2"));
  ASSERT_TRUE(second.wait());
  EXPECT_EQ(second.count(AppendResult::full), 1);
  EXPECT_FALSE(spool->writable());
  EXPECT_EQ(spool->depth(), 1u);
  EXPECT_EQ(take_keys(*spool, 1), std::vector<std::string>{"ref-1"});
}

TEST(SpoolAsync, DoneMayAppendAgainWithoutDeadlock) {
  constexpr int kChain = 20;
  test::ScratchDir dir("spool-async");
  std::promise<void> finished;
  std::atomic<int> stored{0};
  std::function<void(int)> append_from;
  auto spool = open_spool(dir.path);
  ASSERT_TRUE(spool);
  // Each callback appends the next record from inside `done` (and reads the depth, which takes
  // the spool's lock).
  append_from = [&](int n) {
    spool->append_async(test::numbered_record(n), [&, n](AppendResult result) {
      if (result == AppendResult::stored) ++stored;
      EXPECT_EQ(spool->depth(), static_cast<uint64_t>(n + 1));
      if (n + 1 < kChain) {
        append_from(n + 1);
      } else {
        finished.set_value();
      }
    });
  };
  append_from(0);
  ASSERT_EQ(finished.get_future().wait_for(kBound), std::future_status::ready)
      << "the chain stopped after " << stored.load() << " records";
  EXPECT_EQ(stored.load(), kChain);
  EXPECT_EQ(take_keys(*spool, kChain).size(), static_cast<size_t>(kChain));
}

TEST(SpoolAsync, ClosingTheSpoolAnswersEveryQueuedAppend) {
  test::ScratchDir dir("spool-async");
  constexpr int kRecords = 50;
  Tally tally(kRecords);
  {
    auto spool = open_spool(dir.path);
    ASSERT_TRUE(spool);
    for (int n = 0; n < kRecords; ++n)
      spool->append_async(test::numbered_record(n), tally.callback("ref-" + std::to_string(n)));
  }  // closed at once, with appends still queued
  ASSERT_TRUE(tally.wait()) << "an append queued before close was never answered";
  for (const auto& [key, count] : tally.calls()) EXPECT_EQ(count, 1) << key;
  // What was answered stored survives into the next open.
  auto reopened = open_spool(dir.path);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->depth(), static_cast<uint64_t>(tally.count(AppendResult::stored)));
  EXPECT_EQ(tally.count(AppendResult::stored) + tally.count(AppendResult::failed), kRecords);
}

}  // namespace
}  // namespace jb::spool
