// The spool's own faults: a torn tail left by a crash mid-write, and a full spool during an
// outage (503 + Retry-After, never a lost 200).
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <filesystem>

#include "support/load.h"

namespace jb {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

fs::path newest_segment(const std::string& dir) {
  fs::path newest;
  for (const auto& item : fs::directory_iterator(dir))
    if (item.path().extension() == ".log" && item.path() > newest) newest = item.path();
  return newest;
}

int get_status(int port, const std::string& path, std::string* retry_after = nullptr) {
  httplib::Client client("127.0.0.1", port);
  auto answer = client.Get(path);
  if (answer && retry_after) *retry_after = answer->get_header_value("Retry-After");
  return answer ? answer->status : -1;
}

// One callback through Kafka (topics and producer warmed up), then every broker down: the load
// that follows can only be stored by the spool. The options target the rig's daemon.
::testing::AssertionResult take_kafka_down_after_warm_up(test::DaemonRig& rig, unsigned run,
                                                         int callbacks,
                                                         test::LoadOptions* options) {
  httplib::Client warm("127.0.0.1", rig.port());
  auto answer =
      warm.Post("/callbacks/jumio", test::load_body(run, -1), "application/x-www-form-urlencoded");
  if (!answer || answer->status != 200) return ::testing::AssertionFailure() << "warm-up failed";
  rd_kafka_mock_broker_set_down(rig.mock(), 1);
  options->port = [&rig] { return rig.port(); };
  options->callbacks = callbacks;
  options->run = run;
  return ::testing::AssertionSuccess();
}

TEST(DurabilitySpool, TornTailIsCutOffAndEveryAnsweredCallbackIsStillPublished) {
  test::DaemonRig rig;
  ASSERT_TRUE(rig.start_daemon());
  const unsigned run = 0x5b001001;
  test::LoadOptions options;
  ASSERT_TRUE(take_kafka_down_after_warm_up(rig, run, 300, &options));
  const test::LoadResult load = test::run_load(options);
  ASSERT_EQ(load.ok, 300);
  // One more record, whose write the crash tears: in a real crash it is never answered 200.
  options.first = 300;
  options.callbacks = 1;
  ASSERT_EQ(test::run_load(options).ok, 1);
  rig.stop_daemon();

  const fs::path segment = newest_segment(rig.spool_dir());
  ASSERT_FALSE(segment.empty());
  fs::resize_file(segment, fs::file_size(segment) - 100);  // mid-record: frames are ~1 KiB
  rd_kafka_mock_broker_set_up(rig.mock(), 1);

  ASSERT_TRUE(rig.start_daemon());
  EXPECT_NE(rig.metrics().find("jumio_bridge_spool_torn_tails_total 1\n"), std::string::npos);
  EXPECT_TRUE(rig.spool_empties(seconds(60)));
  const test::ReadBack read = test::read_back(rig.brokers(), load.acknowledged, seconds(60));
  std::printf("[ figures  ] %s\n", test::summary(load, read).c_str());
  EXPECT_EQ(read.missing, 0u) << (read.missing_examples.empty() ? "" : read.missing_examples[0]);
  EXPECT_EQ(read.conflicting, 0u);
}

TEST(DurabilitySpool, FullSpoolAnswers503AndLosesNoAnsweredCallback) {
  test::DaemonRig rig;
  ASSERT_TRUE(rig.start_daemon([](config::Config& c) {
    c.spool.max_bytes = 64 * 1024;
    c.spool.ack_timeout_ms = 500;
  }));
  const unsigned run = 0x5b001002;
  test::LoadOptions options;
  ASSERT_TRUE(take_kafka_down_after_warm_up(rig, run, 200, &options));
  test::LoadResult load = test::run_load(options);
  EXPECT_GT(load.ok, 0);
  EXPECT_GT(load.unavailable, 0);
  EXPECT_EQ(load.ok + load.unavailable, 200);

  httplib::Client client("127.0.0.1", rig.port());
  auto refused = client.Post("/callbacks/jumio", test::load_body(run, 1000),
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_FALSE(refused->get_header_value("Retry-After").empty());
  EXPECT_EQ(get_status(rig.daemon().admin_port(), "/readyz"), 503) << "full spool and no Kafka: cannot store";

  rd_kafka_mock_broker_set_up(rig.mock(), 1);
  EXPECT_TRUE(rig.spool_empties(seconds(60)));
  const test::ReadBack read = test::read_back(rig.brokers(), load.acknowledged, seconds(60));
  std::printf("[ figures  ] %s\n", test::summary(load, read).c_str());
  EXPECT_EQ(read.missing, 0u) << (read.missing_examples.empty() ? "" : read.missing_examples[0]);
  EXPECT_EQ(read.conflicting, 0u);
  EXPECT_EQ(get_status(rig.daemon().admin_port(), "/readyz"), 200);
}

}  // namespace
}  // namespace jb
