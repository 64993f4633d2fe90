// What the two readers share: a consumer handle with the readers' settings, and the seek by time.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

#include "kafka/rdkafka_handles.h"
#include "kafka/reader.h"

namespace jb::kafka {

using RebalanceCallback = void (*)(rd_kafka_t*, rd_kafka_resp_err_t,
                                   rd_kafka_topic_partition_list_t*, void*);

// A consumer handle on the user's properties (producer-only ones left out) with the readers'
// settings on top: group.id `group`, nothing committed or stored, reading from the earliest
// offset when a position is unknown, fetches answered within `fetch_wait_ms` when there is nothing
// new, partition ends reported when `partition_eof`. librdkafka's logs go to common/log.h. Null
// with *error on a refusal.
HandlePtr make_reader_handle(const ReaderOptions& options, const std::string& group,
                             bool partition_eof, int fetch_wait_ms, RebalanceCallback rebalance,
                             void* opaque, std::string* error);

// Sets each partition's offset to its first record written at or after `since`; to its start
// when the lookup fails or finds no offset (librdkafka's mock cluster cannot look times up).
void seek_to_time(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions, WallTime since);

}  // namespace jb::kafka
