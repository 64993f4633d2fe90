// Produce errors, a topic error and a fatal producer error under load: every callback answered
// 200 must be read back from Kafka.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "support/load.h"

namespace jb {
namespace {

using std::chrono::seconds;

constexpr int16_t kProduce = 0;          // RD_KAFKAP_Produce
constexpr int16_t kInitProducerId = 22;  // RD_KAFKAP_InitProducerId

void push_produce_error_mix(rd_kafka_mock_cluster_t* mock) {
  rd_kafka_mock_push_request_errors(
      mock, kProduce, 4, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR);
}

// The value of one series in /metrics, or "" when it is not there.
std::string metric(test::DaemonRig& rig, const std::string& series) {
  const std::string text = rig.metrics();
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const size_t start = at + series.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

// Sends the load, waits for the drain, reads back and checks that no 200 was lost.
void expect_nothing_lost(test::DaemonRig& rig, test::LoadOptions options) {
  options.port = [&rig] { return rig.port(); };
  const test::LoadResult load = test::run_load(options);
  EXPECT_TRUE(rig.spool_empties(seconds(90)));
  const test::ReadBack read = test::read_back(rig.brokers(), load.acknowledged, seconds(90));
  std::printf("[ figures  ] %s\n", test::summary(load, read).c_str());
  EXPECT_EQ(load.sent, options.callbacks);
  EXPECT_GT(load.ok, 0);
  EXPECT_EQ(read.missing, 0u) << (read.missing_examples.empty() ? "" : read.missing_examples[0]);
  EXPECT_EQ(read.conflicting, 0u);
}

TEST(DurabilityErrors, InjectedProduceErrorMix) {
  test::DaemonRig rig;
  ASSERT_TRUE(rig.start_daemon());
  test::LoadOptions options;
  options.callbacks = 3000;
  options.per_second = 300;
  options.run = 0x0e770001;
  options.before_send = [&rig](int index) {
    if (index % 50 == 25) push_produce_error_mix(rig.mock());
  };
  expect_nothing_lost(rig, options);
  std::printf("[ figures  ] producer rebuilds %s, spooled %s\n",
              metric(rig, "jumio_bridge_producer_rebuilds_total").c_str(),
              metric(rig, "jumio_bridge_spool_writes_total{result=\"stored\"}").c_str());
}

TEST(DurabilityErrors, TopicErrorForTenSeconds) {
  test::DaemonRig rig;
  ASSERT_TRUE(rig.start_daemon());
  const char* topic = "jumio.authentication.passed";
  std::thread restorer;
  test::LoadOptions options;
  options.callbacks = 3000;
  options.per_second = 200;
  options.run = 0x0e770002;
  options.before_send = [&](int index) {
    if (index != 600) return;
    rd_kafka_mock_topic_set_error(rig.mock(), topic, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE);
    // A leader error makes the producer ask for metadata, which now fails for the topic.
    rd_kafka_mock_push_request_errors(rig.mock(), kProduce, 1,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    restorer = std::thread([&rig, topic] {
      std::this_thread::sleep_for(seconds(10));
      rd_kafka_mock_topic_set_error(rig.mock(), topic, RD_KAFKA_RESP_ERR_NO_ERROR);
    });
  };
  expect_nothing_lost(rig, options);
  if (restorer.joinable()) restorer.join();
}

TEST(DurabilityErrors, FatalProducerErrorIsSurvivedByANewProducer) {
  test::DaemonRig rig;
  rd_kafka_mock_push_request_errors(rig.mock(), kInitProducerId, 1,
                                    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED);
  ASSERT_TRUE(rig.start_daemon());
  test::LoadOptions options;
  options.callbacks = 500;
  options.per_second = 250;
  options.run = 0x0e770003;
  expect_nothing_lost(rig, options);
  EXPECT_EQ(metric(rig, "jumio_bridge_producer_rebuilds_total"), "1");
}

TEST(DurabilityErrors, OutOfOrderSequenceMidRunIsSurvived) {
  test::DaemonRig rig;
  ASSERT_TRUE(rig.start_daemon());
  test::LoadOptions options;
  options.callbacks = 1000;
  options.per_second = 250;
  options.run = 0x0e770004;
  options.before_send = [&rig](int index) {
    if (index == 300)
      rd_kafka_mock_push_request_errors(rig.mock(), kProduce, 1,
                                        RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  };
  expect_nothing_lost(rig, options);
  EXPECT_EQ(metric(rig, "jumio_bridge_producer_rebuilds_total"), "1");
}

}  // namespace
}  // namespace jb
