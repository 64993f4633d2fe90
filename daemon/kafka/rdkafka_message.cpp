#include "kafka/rdkafka_message.h"

namespace jb::kafka {
namespace {

std::vector<std::pair<std::string, std::string>> headers_of(const rd_kafka_message_t* message) {
  std::vector<std::pair<std::string, std::string>> out;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
  }
  return out;
}

}  // namespace

ConsumedMessage consumed_message(const rd_kafka_message_t* message) {
  ConsumedMessage out;
  out.topic = rd_kafka_topic_name(message->rkt);
  out.partition = message->partition;
  out.offset = message->offset;
  if (message->key) out.key.assign(static_cast<const char*>(message->key), message->key_len);
  if (message->payload) out.value.assign(static_cast<const char*>(message->payload), message->len);
  out.headers = headers_of(message);
  out.timestamp_ms = rd_kafka_message_timestamp(message, nullptr);
  return out;
}

}  // namespace jb::kafka
