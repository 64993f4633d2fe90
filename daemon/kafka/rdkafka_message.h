// A consumed librdkafka message as the project's ConsumedMessage (shared by the consumers).
#pragma once

#include <librdkafka/rdkafka.h>

#include "kafka/consumer.h"

namespace jb::kafka {

// Copies topic, partition, offset, key, value, headers and timestamp of a message without error.
ConsumedMessage consumed_message(const rd_kafka_message_t* message);

}  // namespace jb::kafka
