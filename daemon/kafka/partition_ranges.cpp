#include "kafka/partition_ranges.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "kafka/rdkafka_conf.h"

namespace jb::kafka {
namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

Handle open_handle(const std::string& brokers, const std::map<std::string, std::string>& properties,
                   const std::string& group, std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  route_logs(conf);
  // Producer-only properties of the shared config would each log a warning; failures surface as
  // errors of the requests below instead.
  const bool ok = set_properties(conf, properties, error) &&
                  set_property(conf, "log_level", "3", error) &&
                  set_property(conf, "bootstrap.servers", brokers, error) &&
                  set_property(conf, "group.id", group, error) &&
                  set_property(conf, "enable.auto.commit", "false", error);
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return Handle(nullptr, rd_kafka_destroy);
  }
  char message[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    if (error) *error = message;
  }
  return Handle(rk, rd_kafka_destroy);
}

// The partition ids of topic; empty when the cluster does not know the topic.
bool partitions_of(rd_kafka_t* rk, const std::string& topic, int timeout_ms,
                   std::vector<int32_t>* partitions, std::string* error) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (error) *error = "metadata: " + error_name(err);
    return false;
  }
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[t];
    if (topic != entry.topic || entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (int p = 0; p < entry.partition_cnt; ++p) partitions->push_back(entry.partitions[p].id);
  }
  rd_kafka_metadata_destroy(metadata);
  return true;
}

bool committed_offsets(rd_kafka_t* rk, const std::string& topic, int timeout_ms,
                       std::vector<PartitionRange>* ranges, std::string* error) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(ranges->size()));
  for (const auto& range : *ranges)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), range.partition);
  rd_kafka_resp_err_t err = rd_kafka_committed(rk, list, timeout_ms);
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[i].err;
    (*ranges)[i].committed = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  if (error) *error = "committed offsets: " + error_name(err);
  return false;
}

}  // namespace

bool partition_ranges(const std::string& brokers,
                      const std::map<std::string, std::string>& properties,
                      const std::string& topic, const std::string& group,
                      std::chrono::milliseconds timeout, std::vector<PartitionRange>* out,
                      std::string* error) {
  Handle rk = open_handle(brokers, properties, group, error);
  if (!rk) return false;
  const int timeout_ms = static_cast<int>(timeout.count());
  std::vector<int32_t> partitions;
  if (!partitions_of(rk.get(), topic, timeout_ms, &partitions, error)) return false;
  std::vector<PartitionRange> ranges;
  for (int32_t partition : partitions) {
    PartitionRange range;
    range.partition = partition;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk.get(), topic.c_str(), partition, &range.low, &range.high, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (error) *error = "watermarks: " + error_name(err);
      return false;
    }
    ranges.push_back(range);
  }
  if (!ranges.empty() && !committed_offsets(rk.get(), topic, timeout_ms, &ranges, error))
    return false;
  *out = std::move(ranges);
  return true;
}

}  // namespace jb::kafka
