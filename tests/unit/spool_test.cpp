#include "spool/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "spool/frame.h"
#include "support/process.h"
#include "support/spool_fixtures.h"

namespace jb::spool {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::unique_ptr<Spool> open_spool(const std::string& dir, uint64_t max_bytes = 1 << 20,
                                  uint64_t segment_bytes = 1 << 20) {
  std::string error;
  auto spool = Spool::open({dir, max_bytes, segment_bytes}, &error);
  EXPECT_TRUE(spool) << error;
  return spool;
}

std::vector<fs::path> segments(const std::string& dir) {
  std::vector<fs::path> found;
  for (const auto& item : fs::directory_iterator(dir))
    if (item.path().extension() == ".log") found.push_back(item.path());
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> keys_of(const std::vector<Taken>& taken) {
  std::vector<std::string> keys;
  for (const auto& t : taken) keys.push_back(t.spooled.record.key);
  return keys;
}

TEST(SpoolFrame, RoundTripsEveryField) {
  SpooledRecord in{test::numbered_record(1), 1234567};
  const std::string frame = encode_frame(in);
  SpooledRecord out;
  size_t size = 0;
  ASSERT_EQ(decode_frame(frame + "trailing", &out, &size), FrameStatus::ok);
  EXPECT_EQ(size, frame.size());
  EXPECT_EQ(out.spooled_at_ms, 1234567);
  EXPECT_EQ(out.record.topic, in.record.topic);
  EXPECT_EQ(out.record.key, in.record.key);
  EXPECT_EQ(out.record.value, in.record.value);
  EXPECT_EQ(out.record.headers, in.record.headers);
}

TEST(SpoolFrame, TornAndCorruptFramesNeverDecode) {
  const std::string frame = encode_frame({test::numbered_record(2), 1});
  size_t size = 0;
  for (size_t cut : {size_t{0}, size_t{3}, kFrameHeaderBytes, frame.size() - 1})
    EXPECT_EQ(decode_frame(frame.substr(0, cut), nullptr, &size), FrameStatus::incomplete) << cut;
  for (size_t at : {size_t{4}, kFrameHeaderBytes + 2, frame.size() - 1}) {
    std::string flipped = frame;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
    EXPECT_EQ(decode_frame(flipped, nullptr, &size), FrameStatus::corrupt) << at;
  }
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC32C check value
}

TEST(Spool, RecordsComeBackInArrivalOrderAfterReopen) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  {
    auto spool = open_spool(dir);
    for (int n = 0; n < 5; ++n)
      ASSERT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored);
    EXPECT_EQ(spool->depth(), 5u);
  }
  auto spool = open_spool(dir);
  EXPECT_EQ(spool->depth(), 5u);
  auto taken = spool->take(10, milliseconds(100));
  EXPECT_EQ(keys_of(taken),
            (std::vector<std::string>{"ref-0", "ref-1", "ref-2", "ref-3", "ref-4"}));
  EXPECT_EQ(taken[3].spooled.record.headers, test::numbered_record(3).headers);
  EXPECT_GT(spool->stats().oldest_spooled_at_ms, 0);
}

TEST(Spool, TornTailIsCutOffAndTheIntactRecordsStay) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  uint64_t two_frames = 0;
  {
    auto spool = open_spool(dir);
    for (int n = 0; n < 3; ++n)
      ASSERT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored);
    two_frames = encode_frame({test::numbered_record(0), 0}).size() +
                 encode_frame({test::numbered_record(1), 0}).size();
  }
  auto files = segments(dir);
  ASSERT_EQ(files.size(), 1u);
  fs::resize_file(files[0], fs::file_size(files[0]) - 7);  // the third record half written

  auto spool = open_spool(dir);
  EXPECT_EQ(spool->stats().torn_tails, 1u);
  EXPECT_EQ(fs::file_size(files[0]), two_frames);
  EXPECT_EQ(keys_of(spool->take(10, milliseconds(100))),
            (std::vector<std::string>{"ref-0", "ref-1"}));
  EXPECT_EQ(spool->append(test::numbered_record(9)), AppendResult::stored);
}

TEST(Spool, CorruptTailIsCutOffLikeATornOne) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  {
    auto spool = open_spool(dir);
    for (int n = 0; n < 3; ++n)
      ASSERT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored);
  }
  const fs::path file = segments(dir).at(0);
  {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(-3, std::ios::end);
    out.put('X');
  }
  {
    std::ofstream garbage(file, std::ios::app | std::ios::binary);
    garbage << "\x05\x00";
  }
  auto spool = open_spool(dir);
  EXPECT_EQ(spool->stats().torn_tails, 1u);
  EXPECT_EQ(spool->depth(), 2u);
}

TEST(Spool, FullSpoolRefusesAppendsAndIsNotWritable) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  const uint64_t frame = encode_frame({test::numbered_record(0), 0}).size();
  auto spool = open_spool(dir, frame * 3 + frame / 2);
  for (int n = 0; n < 3; ++n)
    EXPECT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored);
  EXPECT_EQ(spool->append(test::numbered_record(3)), AppendResult::full);
  EXPECT_EQ(spool->depth(), 3u);
  EXPECT_FALSE(spool->writable());
  EXPECT_EQ(spool->append(test::numbered_record(4)), AppendResult::full);
}

TEST(Spool, AcknowledgedSegmentsAreDeletedAndFreeTheirSpace) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  const uint64_t frame = encode_frame({test::numbered_record(0), 0}).size();
  auto spool = open_spool(dir, frame * 8, frame * 2);
  for (int n = 0; n < 8; ++n)
    ASSERT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored) << n;
  EXPECT_EQ(spool->append(test::numbered_record(8)), AppendResult::full);
  EXPECT_FALSE(spool->writable());
  EXPECT_GE(segments(dir).size(), 4u);
  for (const auto& taken : spool->take(100, milliseconds(100))) spool->acknowledge(taken.id);
  EXPECT_EQ(spool->depth(), 0u);
  // The segment still open for appends goes once the writer is idle.
  for (int i = 0; i < 50 && !segments(dir).empty(); ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_TRUE(segments(dir).empty());
  EXPECT_EQ(spool->stats().disk_bytes, 0u);
  EXPECT_TRUE(spool->writable());
  EXPECT_EQ(spool->append(test::numbered_record(9)), AppendResult::stored);
  spool.reset();
  EXPECT_EQ(open_spool(dir)->depth(), 1u);
}

TEST(Spool, ReleasedRecordIsOfferedAgainBeforeNewerOnes) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  auto spool = open_spool(dir);
  for (int n = 0; n < 4; ++n)
    ASSERT_EQ(spool->append(test::numbered_record(n)), AppendResult::stored);
  auto first = spool->take(2, milliseconds(100));
  ASSERT_EQ(keys_of(first), (std::vector<std::string>{"ref-0", "ref-1"}));
  spool->acknowledge(first[0].id);
  spool->release(first[1].id);
  EXPECT_EQ(keys_of(spool->take(10, milliseconds(100))),
            (std::vector<std::string>{"ref-1", "ref-2", "ref-3"}));
  EXPECT_TRUE(spool->take(10, milliseconds(50)).empty());
  EXPECT_EQ(spool->depth(), 3u);
}

TEST(Spool, ConcurrentAppendsShareOneSync) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  auto spool = open_spool(dir, 64 << 20);
  constexpr int kThreads = 16, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        stored +=
            spool->append(test::numbered_record(t * 1000 + i)) == AppendResult::stored ? 1 : 0;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), kThreads * kEach);
  const Stats stats = spool->stats();
  EXPECT_EQ(stats.appended, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_LT(stats.syncs, stats.appended);
}

TEST(Spool, DiskFailureIsReportedNotSwallowed) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  const uint64_t frame = encode_frame({test::numbered_record(0), 0}).size();
  auto spool = open_spool(dir, 1 << 20, frame);  // every append after the first rolls a segment
  ASSERT_EQ(spool->append(test::numbered_record(0)), AppendResult::stored);
  fs::remove_all(dir);
  EXPECT_EQ(spool->append(test::numbered_record(1)), AppendResult::failed);
  EXPECT_FALSE(spool->writable());
  EXPECT_EQ(spool->depth(), 1u);
}

TEST(Spool, OneDirectoryServesOneProcessAtATime) {
  test::ScratchDir temp("spool");
  const std::string& dir = temp.path;
  auto first = open_spool(dir);
  std::string error;
  EXPECT_FALSE(Spool::open({dir, 1 << 20, 1 << 20}, &error));
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

}  // namespace
}  // namespace jb::spool
