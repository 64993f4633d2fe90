// The partition of a record's key is Kafka's murmur2 partition, the one a Java or kafkajs producer
// chooses for the same key: the daemon's producer writes references to a mock-cluster topic of
// 12 partitions, and each delivery report's partition is compared with the partition computed
// independently by python3-kafka's murmur2, itself checked first against the test vectors Kafka
// publishes for its murmur2 (clients' UtilsTest).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "support/load.h"
#include "support/process.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;

constexpr char kPython[] = "/usr/bin/python3";
constexpr int kPartitions = 12;

// Prints "VECTORS OK" when python3-kafka's murmur2 gives Kafka's published values, then for each
// key on stdin (one per line) the partition Kafka's default partitioner picks among argv[1].
constexpr char kReference[] = R"(
import sys
from kafka.partitioner.default import murmur2
vectors = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
           b"a-little-bit-longer-string": -1486304829,
           b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, b"abc": 479470107}
signed = lambda h: h - (1 << 32) if h >= (1 << 31) else h
if all(signed(murmur2(key)) == value for key, value in vectors.items()):
    print("VECTORS OK")
partitions = int(sys.argv[1])
for line in sys.stdin.read().splitlines():
    print((murmur2(line.encode()) & 0x7fffffff) % partitions)
)";

bool python_kafka_available() {
  return run_program(kPython, {"-c", "import kafka.partitioner.default"}).exit_code == 0;
}

TEST(Partitioner, KeysLandInTheMurmur2PartitionAJavaProducerWouldChoose) {
  if (!python_kafka_available()) GTEST_SKIP() << "python3-kafka is not installed";
  std::string error;
  auto cluster = kafka::EmbeddedCluster::start(1, &error);
  ASSERT_TRUE(cluster) << error;
  const std::string topic = "jumio.netverify.approved_verified";
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster->mock(), topic.c_str(), kPartitions, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  auto producer = kafka::Producer::create(cluster->bootstraps(), {}, &error);
  ASSERT_TRUE(producer) << error;

  // Jumio references (UUIDs) and a few keys of other shapes.
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(load_reference(0x9a271710, i));
  for (const char* key : {"21", "foobar", "abc", "a-little-bit-longer-string", "x", "ÄÖÜ"})
    keys.emplace_back(key);

  std::mutex mutex;
  std::condition_variable delivered;
  std::map<std::string, int32_t> partition_of;
  size_t reports = 0;
  for (const std::string& key : keys) {
    route::Record record{topic, key, "{}", {}};
    ASSERT_TRUE(producer->produce(
        record,
        [&, key](const kafka::Delivery& delivery) {
          std::lock_guard<std::mutex> lock(mutex);
          if (delivery.persisted) partition_of[key] = delivery.partition;
          ++reports;
          delivered.notify_all();
        },
        5s, &error))
        << error;
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(delivered.wait_for(lock, 30s, [&] { return reports == keys.size(); }));
  }
  ASSERT_EQ(partition_of.size(), keys.size()) << "not every record was stored";

  std::string input;
  for (const std::string& key : keys) input += key + "\n";
  const Finished reference =
      run_program(kPython, {"-c", kReference, std::to_string(kPartitions)}, input);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  std::istringstream lines(reference.out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  ASSERT_EQ(line, "VECTORS OK") << "python3-kafka's murmur2 disagrees with Kafka's test vectors";
  size_t same = 0;
  for (const std::string& key : keys) {
    ASSERT_TRUE(std::getline(lines, line)) << "no reference partition for " << key;
    const int32_t expected = std::stoi(line);
    EXPECT_EQ(partition_of[key], expected) << "key " << key;
    if (partition_of[key] == expected) ++same;
  }
  std::printf("[ figures  ] %zu of %zu keys in the murmur2 partition\n", same, keys.size());
}

}  // namespace
}  // namespace jb::test
