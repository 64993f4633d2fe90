#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "replay/replayer.h"
#include "route/deadletter.h"
#include "support/callbacks.h"
#include "support/platform_callbacks.h"

namespace jb::replay {
namespace {

using std::chrono::milliseconds;

class FakeSource final : public Source {
 public:
  std::deque<SourceRecord> records;
  std::map<int32_t, int64_t> commits;

  std::optional<SourceRecord> poll(milliseconds) override {
    if (records.empty()) return std::nullopt;
    SourceRecord record = records.front();
    records.pop_front();
    return record;
  }
  bool commit(int32_t partition, int64_t position) override {
    commits[partition] = position;
    return true;
  }
  bool assigned() override { return true; }
};

// Holds every record until the test acknowledges it.
class FakeSink final : public Sink {
 public:
  std::mutex mutex;
  std::vector<std::pair<route::Record, std::function<void(bool)>>> held;
  std::atomic<size_t> count{0};
  bool publish(const route::Record& record, std::function<void(bool)> done) override {
    std::lock_guard<std::mutex> lock(mutex);
    held.emplace_back(record, std::move(done));
    ++count;
    return true;
  }
};

std::string letter(const std::string& body) {
  route::DeadLetter dead;
  dead.reason = "unknown_status";
  dead.received_at = "2021-03-04T06:00:00.000Z";
  dead.body = body;
  return route::dead_letter_value(dead);
}

Options options_for(int64_t end) {
  Options options;
  options.starts = {{0, 0}};
  options.ends = {{0, end}};
  options.idle_timeout = milliseconds(200);
  options.commit_interval = milliseconds(0);
  return options;
}

Output quiet(std::vector<std::string>* lines) {
  return {[lines](const std::string& line) { lines->push_back(line); }, [](const std::string&) {}};
}

TEST(Replayer, CommitsOnlyPastAcknowledgedRecordsAndStopsAtTheStartEnd) {
  FakeSource source;
  for (int64_t offset = 0; offset < 3; ++offset)
    source.records.push_back({0, offset, "k", letter(kSampleNetverifyApproved), 0});
  source.records.push_back({0, 3, "k", letter(kSampleNetverifyApproved), 0});  // past the end
  FakeSink sink;
  route::Router router(config::TopicsConfig{});
  std::vector<std::string> lines;
  Replayer replayer(router, source, &sink, options_for(3), quiet(&lines));
  std::atomic<bool> stop{false};
  // Acknowledge out of order from another thread while the replayer waits: 2 and 1 first, then 0
  // fails, so nothing may be committed.
  std::thread acker([&sink] {
    while (sink.count < 3) std::this_thread::sleep_for(milliseconds(5));
    std::lock_guard<std::mutex> lock(sink.mutex);
    sink.held[2].second(true);
    sink.held[1].second(true);
    sink.held[0].second(false);
  });
  const Tally tally = replayer.run(stop);
  acker.join();
  EXPECT_EQ(tally.read, 3);
  EXPECT_EQ(tally.replayed, 2);
  EXPECT_EQ(tally.unacknowledged, 1);
  EXPECT_EQ(sink.held.size(), 3u);
  EXPECT_EQ(sink.held[0].first.topic, "jumio.netverify.approved_verified");
  EXPECT_TRUE(source.commits.empty() || source.commits.at(0) == 0);
  EXPECT_EQ(lines.size(), 2u);
}

TEST(Replayer, DryRunCountsAndCommitsNothing) {
  FakeSource source;
  source.records.push_back({0, 0, "k", letter(kSampleNetverifyApproved), 0});
  source.records.push_back({0, 1, "k", letter("callBackType=NETVERIFYID"), 0});
  source.records.push_back({0, 2, "k", "not json", 0});
  route::Router router(config::TopicsConfig{});
  std::vector<std::string> lines;
  Replayer replayer(router, source, nullptr, options_for(3), quiet(&lines));
  std::atomic<bool> stop{false};
  const Tally tally = replayer.run(stop);
  EXPECT_EQ(tally.read, 3);
  EXPECT_EQ(tally.replayed, 1);
  EXPECT_EQ(tally.still_failing, 1);
  EXPECT_EQ(tally.invalid, 1);
  EXPECT_EQ(tally.by_reason.at("unknown_status").still_failing, 1);
  EXPECT_TRUE(source.commits.empty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find("still failing: missing_reference (attempt 2)"), std::string::npos)
      << lines[1];
}

// A platform callback a bridge without platform support dead-lettered (not_form_urlencoded) is
// stored as a notification by replay; a platform_invalid one is dead-lettered again.
TEST(Replayer, PlatformCallbacksReplayByTheirBody) {
  auto platform_letter = [](const std::string& reason, const std::string& body) {
    route::DeadLetter dead;
    dead.reason = reason;
    dead.received_at = "2024-05-02T09:16:05.123Z";
    dead.content_type = "application/json";
    dead.body = body;
    return route::dead_letter_value(dead);
  };
  FakeSource source;
  source.records.push_back(
      {0, 0, "k", platform_letter("not_form_urlencoded", test::kSamplePlatformCallback), 0});
  source.records.push_back(
      {0, 1, "k",
       platform_letter("platform_invalid",
                       test::platform_callback_with("/account/id", R"("not-a-uuid")")),
       0});
  FakeSink sink;
  route::Router router(config::TopicsConfig{});
  std::vector<std::string> lines;
  Replayer replayer(router, source, &sink, options_for(2), quiet(&lines));
  std::thread acker([&sink] {
    while (sink.count < 2) std::this_thread::sleep_for(milliseconds(5));
    std::lock_guard<std::mutex> lock(sink.mutex);
    for (auto& [record, done] : sink.held) done(true);
  });
  std::atomic<bool> stop{false};
  const Tally tally = replayer.run(stop);
  acker.join();
  EXPECT_EQ(tally.replayed, 1);
  EXPECT_EQ(tally.still_failing, 1);
  ASSERT_EQ(sink.held.size(), 2u);
  EXPECT_EQ(sink.held[0].first.topic, "jumio.workflow.callbacks");
  EXPECT_EQ(sink.held[0].first.key, test::kSampleExecutionId);
  EXPECT_NE(sink.held[0].first.value.find("\"receivedAt\":\"2024-05-02T09:16:05.123Z\""),
            std::string::npos)
      << sink.held[0].first.value;
  EXPECT_EQ(sink.held[1].first.topic, "jumio.deadletter");
  EXPECT_NE(sink.held[1].first.value.find("\"reason\":\"platform_invalid\""), std::string::npos)
      << sink.held[1].first.value;
  EXPECT_NE(sink.held[1].first.value.find("\"attempts\":2"), std::string::npos);
}

}  // namespace
}  // namespace jb::replay
