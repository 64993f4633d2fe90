// Shared librdkafka configuration helpers for the producer, the consumer and the embedded cluster.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>

namespace jb::kafka {

// Sets one property; false with "name: librdkafka's message" in *error when it is refused.
bool set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
                  std::string* error);
// Sets every property; stops at the first refusal.
bool set_properties(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& properties,
                    std::string* error);
// Sets the properties a consumer uses, leaving out the producer-only ones (kafka.properties is
// shared by the producer and the consumers; a consumer would only warn about those).
bool set_consumer_properties(rd_kafka_conf_t* conf,
                             const std::map<std::string, std::string>& properties,
                             std::string* error);
// Sends librdkafka's own log lines and error callbacks to common/log.h (warn and above).
void route_logs(rd_kafka_conf_t* conf);
// librdkafka's name of an error, e.g. "_MSG_TIMED_OUT".
std::string error_name(rd_kafka_resp_err_t err);

}  // namespace jb::kafka
