#include "support/reader.h"

#include <librdkafka/rdkafka.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <memory>
#include <regex>
#include <set>

namespace jb::test {
namespace {

using Clock = std::chrono::steady_clock;

bool matches(const std::string& topic, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (!pattern.empty() && pattern[0] == '^') {
      if (std::regex_search(topic, std::regex(pattern))) return true;
    } else if (topic == pattern) {
      return true;
    }
  }
  return false;
}

rd_kafka_t* make_consumer(const std::string& brokers) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "jumio-bridge-test-reader", error, sizeof error);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
  rd_kafka_conf_set(conf, "enable.partition.eof", "false", error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (!rk) rd_kafka_conf_destroy(conf);
  return rk;
}

// Assigns the partitions of matching topics not assigned yet.
void assign_new_partitions(rd_kafka_t* rk, const std::vector<std::string>& patterns,
                           std::set<std::pair<std::string, int32_t>>* assigned) {
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &metadata, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  rd_kafka_topic_partition_list_t* added = rd_kafka_topic_partition_list_new(8);
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& topic = metadata->topics[t];
    if (topic.err || !matches(topic.topic, patterns)) continue;
    for (int p = 0; p < topic.partition_cnt; ++p) {
      if (!assigned->insert({topic.topic, topic.partitions[p].id}).second) continue;
      rd_kafka_topic_partition_list_add(added, topic.topic, topic.partitions[p].id)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  if (added->cnt > 0) {
    rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, added);
    if (error) rd_kafka_error_destroy(error);
  }
  rd_kafka_topic_partition_list_destroy(added);
  rd_kafka_metadata_destroy(metadata);
}

kafka::ConsumedMessage to_message(const rd_kafka_message_t* m) {
  kafka::ConsumedMessage message;
  message.topic = rd_kafka_topic_name(m->rkt);
  message.partition = m->partition;
  message.offset = m->offset;
  if (m->key) message.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) message.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      message.headers.emplace_back(
          name, value ? std::string(static_cast<const char*>(value), size) : std::string());
    }
  }
  return message;
}

}  // namespace

struct Reader::State {
  rd_kafka_t* rk = nullptr;
  std::vector<std::string> topics;
  std::set<std::pair<std::string, int32_t>> assigned;
  Clock::time_point next_metadata = Clock::now();
};

Reader::Reader(const std::string& brokers, std::vector<std::string> topics)
    : state_(std::make_unique<State>()) {
  state_->rk = make_consumer(brokers);
  state_->topics = std::move(topics);
  if (!state_->rk) ADD_FAILURE() << "the reader's Kafka client could not be made";
}

Reader::~Reader() {
  if (!state_->rk) return;
  rd_kafka_consumer_close(state_->rk);
  rd_kafka_destroy(state_->rk);
}

std::optional<kafka::ConsumedMessage> Reader::poll(std::chrono::milliseconds timeout) {
  if (!state_->rk) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  do {
    if (Clock::now() >= state_->next_metadata) {
      assign_new_partitions(state_->rk, state_->topics, &state_->assigned);
      state_->next_metadata = Clock::now() + std::chrono::milliseconds(500);
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100));
    rd_kafka_message_t* m = rd_kafka_consumer_poll(state_->rk, wait_ms);
    if (!m) continue;
    std::optional<kafka::ConsumedMessage> message;
    if (!m->err) message = to_message(m);
    rd_kafka_message_destroy(m);
    if (message) return message;
  } while (Clock::now() < deadline);
  return std::nullopt;
}

std::vector<kafka::ConsumedMessage> read_records(const std::string& brokers,
                                                 const std::vector<std::string>& topics,
                                                 size_t count, std::chrono::milliseconds timeout) {
  std::vector<kafka::ConsumedMessage> messages;
  Reader reader(brokers, topics);
  const auto deadline = Clock::now() + timeout;
  while (messages.size() < count && Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (auto message = reader.poll(left)) messages.push_back(std::move(*message));
  }
  return messages;
}

std::string header_of(const kafka::ConsumedMessage& message, const std::string& name) {
  std::string value;
  for (const auto& [key, text] : message.headers)
    if (key == name) value = text;
  return value;
}

void produce_acknowledged(kafka::Producer& producer, const std::vector<route::Record>& records) {
  std::vector<std::future<bool>> acknowledged;
  for (const auto& record : records) {
    auto promise = std::make_shared<std::promise<bool>>();
    acknowledged.push_back(promise->get_future());
    std::string error;
    if (!producer.produce(
            record, [promise](const kafka::Delivery& d) { promise->set_value(d.persisted); },
            std::chrono::seconds(5), &error)) {
      ADD_FAILURE() << "not enqueued: " << error;
      return;
    }
  }
  for (auto& ack : acknowledged) {
    if (ack.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "no acknowledgement within 30 s";
      return;
    }
    EXPECT_TRUE(ack.get()) << "a record was not stored";
  }
}

}  // namespace jb::test
