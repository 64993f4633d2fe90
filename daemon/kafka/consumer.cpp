#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <random>

#include "kafka/rdkafka_conf.h"
#include "kafka/rdkafka_message.h"

namespace jb::kafka {
namespace {

std::string random_group() {
  std::random_device device;
  std::uniform_int_distribution<unsigned> digit(0, 15);
  std::string suffix;
  for (int i = 0; i < 12; ++i) suffix += "0123456789abcdef"[digit(device)];
  return "jumio-bridge-consume-" + suffix;
}

class RdKafkaConsumer final : public Consumer {
 public:
  explicit RdKafkaConsumer(rd_kafka_t* rk) : rk_(rk) {}
  ~RdKafkaConsumer() override {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  std::optional<ConsumedMessage> poll(std::chrono::milliseconds timeout,
                                      std::string* error) override {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, static_cast<int>(timeout.count()));
    if (!message) return std::nullopt;
    std::optional<ConsumedMessage> out;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = consumed_message(message);
    } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
               message->err != RD_KAFKA_RESP_ERR__TIMED_OUT && error) {
      *error = error_name(message->err) + ": " + rd_kafka_message_errstr(message);
    }
    rd_kafka_message_destroy(message);
    return out;
  }

  bool commit(const ConsumedMessage& message, std::string* error) override {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, message.topic.c_str(), message.partition)->offset =
        message.offset + 1;
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk_, offsets, 0);
    rd_kafka_topic_partition_list_destroy(offsets);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (error) *error = error_name(err);
    return false;
  }

  bool has_partitions() override {
    if (has_partitions_) return true;
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
    has_partitions_ = assignment->cnt > 0;
    rd_kafka_topic_partition_list_destroy(assignment);
    return has_partitions_;
  }

 private:
  rd_kafka_t* rk_;
  bool has_partitions_ = false;
};

bool configure(rd_kafka_conf_t* conf, const ConsumerOptions& options, std::string* error) {
  return set_consumer_properties(conf, options.properties, error) &&
         set_property(conf, "bootstrap.servers", options.brokers, error) &&
         set_property(conf, "group.id", options.group.empty() ? random_group() : options.group,
                      error) &&
         set_property(conf, "enable.auto.commit", "false", error) &&
         set_property(conf, "auto.offset.reset", options.from_beginning ? "earliest" : "latest",
                      error) &&
         set_property(conf, "enable.partition.eof", "false", error) &&
         set_property(conf, "topic.metadata.refresh.interval.ms", "1000", error);
}

bool subscribe(rd_kafka_t* rk, const std::vector<std::string>& topics, std::string* error) {
  rd_kafka_topic_partition_list_t* subscription =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& topic : topics)
    rd_kafka_topic_partition_list_add(subscription, topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  if (error) *error = "subscribe: " + error_name(err);
  return false;
}

}  // namespace

std::unique_ptr<Consumer> Consumer::create(const ConsumerOptions& options, std::string* error) {
  if (options.topics.empty()) {
    if (error) *error = "no topics to consume";
    return nullptr;
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  route_logs(conf);
  if (!configure(conf, options, error)) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  char message[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    if (error) *error = message;
    return nullptr;
  }
  rd_kafka_poll_set_consumer(rk);
  auto consumer = std::make_unique<RdKafkaConsumer>(rk);
  if (!subscribe(rk, options.topics, error)) return nullptr;
  return consumer;
}

}  // namespace jb::kafka
