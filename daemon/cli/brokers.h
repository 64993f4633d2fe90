// Where the Kafka client commands (`consume`, `replay`) find the cluster.
#pragma once

#include <map>
#include <string>

#include "config/config.h"

namespace jb::cli {

struct KafkaTarget {
  std::string brokers;                                     // bootstrap.servers
  std::map<std::string, std::string> consumer_properties;  // kafka.properties plus our additions
};

// brokers_option (--brokers) when not empty, else kafka.brokers; with `embedded`, the address a
// running `serve` wrote to {spool.dir}/embedded-brokers, and a short session.timeout.ms so a
// consumer group can be joined again soon after the last run left it. False, with a message on
// stderr that starts "jumio-bridge COMMAND:", when the embedded address is unknown.
bool resolve_kafka_target(const config::Config& config, const std::string& brokers_option,
                          const char* command, KafkaTarget* out);

}  // namespace jb::cli
