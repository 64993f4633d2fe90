#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <rapidjson/document.h>

#include <poll.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "kafka/consumer.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"

namespace jb::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kEnqueueTimeout{2000};
constexpr seconds kDeliveryWait{10};
// Bounds a group join: 3 s, 5 s more for each rejoin and 13 s for a lost one (see make_consumer).
constexpr seconds kConsumeWait{60};

std::unique_ptr<EmbeddedCluster> start_cluster(int brokers = 1) {
  std::string error;
  auto cluster = EmbeddedCluster::start(brokers, &error);
  EXPECT_TRUE(cluster) << error;
  return cluster;
}

std::unique_ptr<Producer> make_producer(const EmbeddedCluster& cluster,
                                        const std::map<std::string, std::string>& properties = {}) {
  std::string error;
  auto producer = Producer::create(cluster.bootstraps(), properties, &error);
  EXPECT_TRUE(producer) << error;
  return producer;
}

route::Record record(const std::string& topic, const std::string& key, const std::string& value) {
  return route::Record{topic, key, value, {{"content-type", "application/json"}, {"ce_id", key}}};
}

// Produces one record and waits (bounded) for its delivery report.
Delivery produce_and_wait(Producer& producer, const route::Record& rec) {
  auto promise = std::make_shared<std::promise<Delivery>>();
  auto future = promise->get_future();
  std::string error;
  const bool enqueued = producer.produce(
      rec, [promise](const Delivery& delivery) { promise->set_value(delivery); }, kEnqueueTimeout,
      &error);
  EXPECT_TRUE(enqueued) << error;
  if (!enqueued) return Delivery{};
  EXPECT_EQ(future.wait_for(kDeliveryWait), std::future_status::ready);
  return future.wait_for(milliseconds(0)) == std::future_status::ready ? future.get() : Delivery{};
}

// A consumer in a group. The mock coordinator answers the first JoinGroup of a new group after
// 3 s, and any later join or rejoin after session.timeout.ms minus 1 s; a member that left
// without its LeaveGroup answered stays until its session runs out. librdkafka 2.0.2's group
// leader rejoins when the consumer's periodic metadata refresh (every second) is answered between
// its JoinGroup answer and its assignment: measured under load, after one join in four. A member
// whose session ran out while its process stood still (seconds, on a loaded machine) never gets
// its JoinGroup answered: max.poll.interval.ms bounds that request to 13 s instead of 303 s.
std::unique_ptr<Consumer> make_consumer(const EmbeddedCluster& cluster,
                                        std::vector<std::string> topics,
                                        const std::string& group = "") {
  ConsumerOptions options;
  options.brokers = cluster.bootstraps();
  options.topics = std::move(topics);
  options.group = group;
  options.from_beginning = true;
  options.properties = {{"linger.ms", "1"},  // a producer property: ignored, not refused
                        {"session.timeout.ms", "6000"},
                        {"heartbeat.interval.ms", "1000"},
                        {"max.poll.interval.ms", "10000"}};
  std::string error;
  auto consumer = Consumer::create(options, &error);
  EXPECT_TRUE(consumer) << error;
  return consumer;
}

std::optional<ConsumedMessage> next_message(Consumer& consumer, milliseconds wait = kConsumeWait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string error;
    auto message = consumer.poll(milliseconds(200), &error);
    if (message) return message;
  }
  return std::nullopt;
}

void set_all_brokers_down(EmbeddedCluster& cluster, int brokers) {
  for (int id = 1; id <= brokers; ++id) rd_kafka_mock_broker_set_down(cluster.mock(), id);
}

TEST(KafkaRoundTrip, DeliveredRecordIsConsumedWithKeyHeadersAndValue) {
  auto cluster = start_cluster(3);
  auto producer = make_producer(*cluster);
  const Delivery delivery = produce_and_wait(
      *producer, record("jumio.netverify.approved_verified", "ref-1", R"({"n":1})"));
  EXPECT_TRUE(delivery.persisted) << delivery.error;
  EXPECT_EQ(delivery.error, "");
  EXPECT_GE(delivery.partition, 0);
  EXPECT_GE(delivery.offset, 0);
  EXPECT_EQ(producer->flush(milliseconds(1000)), 0);

  auto consumer = make_consumer(*cluster, {"jumio.netverify.approved_verified"}, "round-trip");
  auto message = next_message(*consumer);
  ASSERT_TRUE(message);
  EXPECT_TRUE(consumer->has_partitions());
  EXPECT_EQ(message->topic, "jumio.netverify.approved_verified");
  EXPECT_EQ(message->partition, delivery.partition);
  EXPECT_EQ(message->offset, delivery.offset);
  EXPECT_EQ(message->key, "ref-1");
  EXPECT_EQ(message->value, R"({"n":1})");
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(message->headers, (Headers{{"content-type", "application/json"}, {"ce_id", "ref-1"}}));
  EXPECT_GT(message->timestamp_ms, 0);
}

TEST(KafkaRoundTrip, RecordsInterleavedOverTopicsEachLandInTheirOwn) {
  // The producer keeps a handle per topic: records alternating between topics, the first to each
  // topic made its handle, still go where their record says.
  auto cluster = start_cluster(1);
  auto producer = make_producer(*cluster);
  const std::vector<std::string> topics = {"jumio.one", "jumio.two", "jumio.three"};
  std::map<std::string, int> produced;
  for (int i = 0; i < 12; ++i) {
    const std::string& topic = topics[static_cast<size_t>(i * 7 % 3)];
    const Delivery delivery =
        produce_and_wait(*producer, record(topic, "ref-" + std::to_string(i), topic));
    ASSERT_TRUE(delivery.persisted) << delivery.error;
    ++produced[topic];
  }
  EXPECT_EQ(producer->flush(milliseconds(1000)), 0);
  auto consumer = make_consumer(*cluster, topics);
  std::map<std::string, int> consumed;
  for (int i = 0; i < 12; ++i) {
    auto message = next_message(*consumer);
    ASSERT_TRUE(message) << "after " << i << " messages";
    EXPECT_EQ(message->value, message->topic);
    ++consumed[message->topic];
  }
  EXPECT_EQ(consumed, produced);
  // A name librdkafka refuses (longer than 512 bytes) is refused as before, with its error.
  std::string error;
  bool called = false;
  EXPECT_FALSE(producer->produce(
      record(std::string(600, 't'), "ref", "{}"), [&called](const Delivery&) { called = true; },
      kEnqueueTimeout, &error));
  EXPECT_EQ(error, "_INVALID_ARG");
  EXPECT_FALSE(called);
}

TEST(KafkaRoundTrip, CommittedPositionIsNotRedelivered) {
  auto cluster = start_cluster();
  auto producer = make_producer(*cluster);
  const std::string topic = "jumio.document.extracted";
  ASSERT_TRUE(produce_and_wait(*producer, record(topic, "ref-2", R"({"n":1})")).persisted);

  std::string error;
  {
    auto consumer = make_consumer(*cluster, {topic}, "committing-group");
    auto first = next_message(*consumer);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->value, R"({"n":1})");
    EXPECT_TRUE(consumer->commit(*first, &error)) << error;
  }  // closed: it leaves the group before the next member joins
  ASSERT_TRUE(produce_and_wait(*producer, record(topic, "ref-2", R"({"n":2})")).persisted);
  auto consumer = make_consumer(*cluster, {topic}, "committing-group");
  auto second = next_message(*consumer);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value, R"({"n":2})");
}

TEST(KafkaRoundTrip, RegexSubscriptionMatchesOnlyItsTopics) {
  auto cluster = start_cluster();
  auto producer = make_producer(*cluster);
  ASSERT_TRUE(
      produce_and_wait(*producer, record("other.events", "k", R"({"other":true})")).persisted);
  ASSERT_TRUE(produce_and_wait(*producer, record("jumio.authentication.passed", "k", R"({"n":1})"))
                  .persisted);

  auto consumer = make_consumer(*cluster, {"^jumio\\.authentication\\..*"});
  auto message = next_message(*consumer);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->topic, "jumio.authentication.passed");
  EXPECT_FALSE(next_message(*consumer, milliseconds(1500)));
}

TEST(KafkaDelivery, BrokersDownMeansNotPersistedWithAnErrorName) {
  auto cluster = start_cluster(2);
  set_all_brokers_down(*cluster, 2);
  auto producer = make_producer(*cluster, {{"message.timeout.ms", "1000"}});
  const Delivery delivery =
      produce_and_wait(*producer, record("jumio.netverify.denied_fraud", "ref-3", "{}"));
  EXPECT_FALSE(delivery.persisted);
  EXPECT_EQ(delivery.error, "_MSG_TIMED_OUT");
  EXPECT_FALSE(producer->reachable(milliseconds(500)));
}

TEST(KafkaDelivery, ReachableWhenTheClusterAnswers) {
  auto cluster = start_cluster();
  auto producer = make_producer(*cluster);
  EXPECT_TRUE(producer->reachable(milliseconds(5000)));
}

TEST(KafkaDelivery, FullQueueWaitsAndThenEnqueues) {
  auto cluster = start_cluster();
  auto producer = make_producer(*cluster, {{"queue.buffering.max.messages", "1"}});
  std::atomic<int> persisted{0};
  for (int i = 0; i < 5; ++i) {
    std::string error;
    EXPECT_TRUE(producer->produce(
        record("jumio.document.failed", "ref-4", "{\"n\":" + std::to_string(i) + "}"),
        [&persisted](const Delivery& d) { persisted += d.persisted ? 1 : 0; }, seconds(5), &error))
        << i << ": " << error;
  }
  EXPECT_EQ(producer->flush(seconds(10)), 0);
  EXPECT_EQ(persisted.load(), 5);
}

TEST(KafkaDelivery, FullQueueGivesUpAfterEnqueueTimeoutAndEachCallbackRunsOnce) {
  auto cluster = start_cluster();
  set_all_brokers_down(*cluster, 1);
  std::atomic<int> first_reports{0};
  std::atomic<int> second_reports{0};
  {
    auto producer = make_producer(
        *cluster, {{"queue.buffering.max.messages", "1"}, {"message.timeout.ms", "10000"}});
    std::string error;
    ASSERT_TRUE(producer->produce(
        record("jumio.document.failed", "ref-5", "{}"),
        [&first_reports](const Delivery& d) { first_reports += d.persisted ? 100 : 1; },
        milliseconds(100), &error));
    EXPECT_FALSE(producer->produce(
        record("jumio.document.failed", "ref-6", "{}"),
        [&second_reports](const Delivery&) { ++second_reports; }, milliseconds(300), &error));
    EXPECT_EQ(error, "_QUEUE_FULL");
    EXPECT_EQ(producer->flush(milliseconds(100)), 1);
  }
  EXPECT_EQ(first_reports.load(), 1);  // reported once, not persisted, when the producer closed
  EXPECT_EQ(second_reports.load(), 0);
}

TEST(KafkaProducer, FatalErrorFailsPendingAndLaterRecords) {
  auto cluster = start_cluster();
  rd_kafka_mock_push_request_errors(cluster->mock(), 22 /* InitProducerId */, 1,
                                    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED);
  auto producer = make_producer(*cluster, {{"message.timeout.ms", "5000"}});
  // The fatal error may arrive before or after the first record is enqueued: either the record
  // is refused, or its delivery report fails.
  auto promise = std::make_shared<std::promise<Delivery>>();
  auto future = promise->get_future();
  std::string error;
  if (producer->produce(
          record("jumio.t", "ref-7", "{}"),
          [promise](const Delivery& delivery) { promise->set_value(delivery); }, kEnqueueTimeout,
          &error)) {
    ASSERT_EQ(future.wait_for(kDeliveryWait), std::future_status::ready);
    const Delivery delivery = future.get();
    EXPECT_FALSE(delivery.persisted);
    EXPECT_EQ(delivery.error, "_FATAL");
  } else {
    EXPECT_EQ(error, "_FATAL");
  }
  bool called = false;
  error.clear();
  EXPECT_FALSE(producer->produce(
      record("jumio.t", "ref-8", "{}"), [&called](const Delivery&) { called = true; },
      milliseconds(100), &error));
  EXPECT_EQ(error, "_FATAL");
  EXPECT_FALSE(called);
}

// True when the signal's fd turns readable within `wait`.
bool signalled(const DeliverySignal& signal, milliseconds wait) {
  pollfd readable{signal.fd(), POLLIN, 0};
  return ::poll(&readable, 1, static_cast<int>(wait.count())) == 1;
}

TEST(KafkaProducer, ASignalledReportWaitsForTheEventLoopWhichServesItOnItsOwnThread) {
  auto cluster = start_cluster();
  // A backstop longer than the test: only serve_deliveries() can run the reports.
  const DeliverySignal signal(std::chrono::minutes(10));
  std::string error;
  auto producer = Producer::create(cluster->bootstraps(), {}, &error, &signal);
  ASSERT_TRUE(producer) << error;
  for (int round = 0; round < 3; ++round) {  // the fd turns readable again after each serving
    std::vector<Delivery> reports;
    std::vector<std::thread::id> threads;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(producer->produce(
          record("jumio.netverify.approved_verified", "ref-s" + std::to_string(i), "{}"),
          [&](const Delivery& delivery) {
            reports.push_back(delivery);
            threads.push_back(std::this_thread::get_id());
          },
          kEnqueueTimeout, &error))
          << error;
    }
    const auto deadline = std::chrono::steady_clock::now() + kDeliveryWait;
    while (reports.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      if (!signalled(signal, milliseconds(500))) continue;
      signal.clear();
      EXPECT_FALSE(signalled(signal, milliseconds(0)));  // cleared until the next report
      producer->serve_deliveries();
    }
    ASSERT_EQ(reports.size(), 2u) << "round " << round;
    for (size_t i = 0; i < reports.size(); ++i) {
      EXPECT_TRUE(reports[i].persisted) << reports[i].error;
      EXPECT_EQ(threads[i], std::this_thread::get_id());
    }
  }
  EXPECT_EQ(producer->flush(milliseconds(1000)), 0);
}

TEST(KafkaProducer, ASignalledReportNobodyServesIsRunByTheBackstop) {
  auto cluster = start_cluster();
  const DeliverySignal signal(milliseconds(20));
  std::string error;
  auto producer = Producer::create(cluster->bootstraps(), {}, &error, &signal);
  ASSERT_TRUE(producer) << error;
  auto promise = std::make_shared<std::promise<std::thread::id>>();
  auto future = promise->get_future();
  ASSERT_TRUE(producer->produce(
      record("jumio.netverify.approved_verified", "ref-b", "{}"),
      [promise](const Delivery& delivery) {
        EXPECT_TRUE(delivery.persisted) << delivery.error;
        promise->set_value(std::this_thread::get_id());
      },
      kEnqueueTimeout, &error))
      << error;
  ASSERT_EQ(future.wait_for(kDeliveryWait), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
  EXPECT_EQ(producer->flush(milliseconds(1000)), 0);
}

TEST(KafkaProducer, RefusedPropertyIsAnError) {
  std::string error;
  EXPECT_FALSE(Producer::create("127.0.0.1:1", {{"no.such.property", "1"}}, &error));
  EXPECT_NE(error.find("no.such.property"), std::string::npos) << error;
}

TEST(KafkaConsumer, NoTopicsIsAnError) {
  ConsumerOptions options;
  options.brokers = "127.0.0.1:1";
  std::string error;
  EXPECT_FALSE(Consumer::create(options, &error));
  EXPECT_FALSE(error.empty());
}

TEST(KafkaEmbedded, AddressFileLivesInTheSpoolDir) {
  EXPECT_EQ(embedded_address_file("/var/lib/jumio-bridge/spool"),
            "/var/lib/jumio-bridge/spool/embedded-brokers");
}

TEST(KafkaEmbedded, BootstrapsAreLoopbackAddresses) {
  auto cluster = start_cluster(2);
  ASSERT_TRUE(cluster);
  EXPECT_EQ(cluster->bootstraps().rfind("127.0.0.1:", 0), 0u) << cluster->bootstraps();
  EXPECT_NE(cluster->bootstraps().find(','), std::string::npos);
}

ConsumedMessage sample_message(std::string value) {
  ConsumedMessage message;
  message.topic = "jumio.netverify.approved_verified";
  message.partition = 2;
  message.offset = 41;
  message.key = "ref-1";
  message.value = std::move(value);
  message.headers = {{"content-type", "application/json"}, {"ce_id", "e-1"}};
  return message;
}

TEST(MessageJson, EmbedsJsonValuesAndQuotesOthers) {
  struct Case {
    std::string value;
    std::string expected_value;  // the "value" member, re-serialised
  };
  const Case cases[] = {
      {R"({"a":[1,2]})", R"({"a":[1,2]})"},
      {"plain text", R"("plain text")"},
      {"", R"("")"},
      {"{broken", R"("{broken")"},
  };
  for (const auto& c : cases) {
    const std::string line = message_json(sample_message(c.value));
    const std::string prefix =
        R"({"topic":"jumio.netverify.approved_verified","partition":2,"offset":41,"key":"ref-1",)"
        R"("headers":{"content-type":"application/json","ce_id":"e-1"},"value":)";
    EXPECT_EQ(line, prefix + c.expected_value + "}");
  }
}

TEST(MessageJson, ControlCharactersAnywhereAreEscaped) {
  // 0x1A-0x1F inside a 16-byte run were written raw by RapidJSON's vectorised writer.
  for (char byte = 0x01; byte < 0x20; ++byte) {
    for (size_t at = 0; at < 20; ++at) {
      std::string value(24, 'v');
      value[at] = byte;
      const std::string line = message_json(sample_message(value));
      rapidjson::Document document;
      document.Parse(line.c_str(), line.size());
      ASSERT_FALSE(document.HasParseError()) << int(byte) << " at " << at << ": " << line;
      EXPECT_EQ(std::string(document["value"].GetString(), document["value"].GetStringLength()),
                value);
    }
  }
}

TEST(MessageJson, NonUtf8ValueIsBase64) {
  const std::string line = message_json(sample_message("caf\xE9"));
  rapidjson::Document document;
  document.Parse(line.c_str());
  ASSERT_TRUE(document.IsObject()) << line;
  EXPECT_FALSE(document.HasMember("value"));
  EXPECT_STREQ(document["valueBase64"].GetString(), "Y2Fm6Q==");
}

}  // namespace
}  // namespace jb::kafka
