// Broker outages under load: every callback answered 200 must be read back from Kafka.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "support/bridge.h"
#include "support/load.h"
#include "support/process.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A Bridge whose spool lives in its own directory, removed afterwards.
struct OutageRig {
  std::string spool_dir = test::temp_dir("durability-outage");
  test::Bridge bridge;
  explicit OutageRig(std::map<std::string, std::string> properties = {})
      : bridge([this, properties](config::Config& c) {
          c.spool.dir = spool_dir;
          c.kafka.properties = properties;
        }) {}
  ~OutageRig() {
    std::error_code ec;
    std::filesystem::remove_all(spool_dir, ec);
  }
  int port() { return bridge.daemon().port(); }
};

// Waits (bounded) until the drain has emptied the spool.
bool spool_empties(test::Bridge& bridge, seconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (bridge.daemon().spool().depth() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(100));
  return bridge.daemon().spool().depth() == 0;
}

// Sends `callbacks` at `per_second`; the brokers go down before callback `down_at` and come up
// `outage` later.
void run_outage(OutageRig& rig, unsigned run, int callbacks, double per_second, int down_at,
                seconds outage) {
  ASSERT_EQ(rig.bridge.post(test::load_body(run, -1)), 200);  // the producer knows the cluster
  rd_kafka_mock_cluster_t* mock = rig.bridge.broker().mock();
  std::atomic<uint64_t> spooled_during_outage{0};
  std::thread restorer;
  test::LoadOptions options;
  options.port = [&rig] { return rig.port(); };
  options.callbacks = callbacks;
  options.per_second = per_second;
  options.run = run;
  options.before_send = [&](int index) {
    if (index != down_at) return;
    rd_kafka_mock_broker_set_down(mock, 1);
    restorer = std::thread([&, mock] {
      std::this_thread::sleep_for(outage);
      spooled_during_outage = rig.bridge.daemon().spool().depth();
      rd_kafka_mock_broker_set_up(mock, 1);
    });
  };
  const test::LoadResult load = test::run_load(options);
  if (restorer.joinable()) restorer.join();
  EXPECT_GT(spooled_during_outage.load(), 0u) << "the outage did not reach the spool";
  EXPECT_TRUE(spool_empties(rig.bridge, seconds(90)));
  const test::ReadBack read =
      test::read_back(rig.bridge.broker().bootstraps(), load.acknowledged, seconds(90));
  std::printf("[ figures  ] %s\n", test::summary(load, read).c_str());
  EXPECT_EQ(load.sent, callbacks);
  EXPECT_EQ(load.ok, callbacks) << "the spool had room: nothing should be refused";
  EXPECT_EQ(read.missing, 0u) << (read.missing_examples.empty() ? "" : read.missing_examples[0]);
  EXPECT_EQ(read.conflicting, 0u);
  EXPECT_EQ(read.found, load.acknowledged.size());
}

TEST(DurabilityOutage, BrokersDownThirtySecondsInTheMiddleOfTenThousandCallbacks) {
  OutageRig rig;
  run_outage(rig, 0x0a7a6e01, 10000, 200, 2000, seconds(30));
}

TEST(DurabilityOutage, OutageLongerThanTheMessageTimeout) {
  OutageRig rig(std::map<std::string, std::string>{{"message.timeout.ms", "3000"}});
  run_outage(rig, 0x0a7a6e02, 2000, 200, 400, seconds(8));
}

}  // namespace
}  // namespace jb
