#include <librdkafka/rdkafka.h>

#include "kafka/rdkafka_conf.h"
#include "kafka/reader_handle.h"

namespace jb::kafka {
namespace {

constexpr int kOffsetLookupTimeoutMs = 5000;

}  // namespace

HandlePtr make_reader_handle(const ReaderOptions& options, const std::string& group,
                             bool partition_eof, int fetch_wait_ms, RebalanceCallback rebalance,
                             void* opaque, std::string* error) {
  ConfPtr conf(rd_kafka_conf_new());
  route_logs(conf.get());
  const bool configured =
      set_consumer_properties(conf.get(), options.properties, error) &&
      set_property(conf.get(), "bootstrap.servers", options.brokers, error) &&
      set_property(conf.get(), "group.id", group, error) &&
      set_property(conf.get(), "enable.auto.commit", "false", error) &&
      set_property(conf.get(), "enable.auto.offset.store", "false", error) &&
      set_property(conf.get(), "enable.partition.eof", partition_eof ? "true" : "false", error) &&
      set_property(conf.get(), "auto.offset.reset", "earliest", error) &&
      set_property(conf.get(), "fetch.wait.max.ms", std::to_string(fetch_wait_ms), error);
  if (!configured) return nullptr;
  if (rebalance) rd_kafka_conf_set_rebalance_cb(conf.get(), rebalance);
  rd_kafka_conf_set_opaque(conf.get(), opaque);
  char message[512];
  HandlePtr handle(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), message, sizeof message));
  if (!handle) {
    if (error) *error = message;
    return nullptr;
  }
  conf.release();  // owned by the handle now
  rd_kafka_poll_set_consumer(handle.get());
  return handle;
}

void seek_to_time(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions, WallTime since) {
  const int64_t since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();
  for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = since_ms;
  const rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(handle, partitions, kOffsetLookupTimeoutMs);
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& partition = partitions->elems[i];
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || partition.err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        partition.offset < 0) {
      partition.offset = RD_KAFKA_OFFSET_BEGINNING;
      partition.err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
  }
}

int32_t murmur2_partition(std::string_view key, int32_t partitions) {
  if (partitions <= 0) return -1;
  // The non-random variant reads neither the topic nor the opaques.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr,
                                          nullptr);
}

}  // namespace jb::kafka
