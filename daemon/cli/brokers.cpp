#include "cli/brokers.h"

#include <cstdio>
#include <fstream>

#include "kafka/embedded.h"

namespace jb::cli {
namespace {

// The embedded cluster's group coordinator waits a full session timeout before a group whose last
// member left can be joined again; a short one keeps re-runs with the same group quick.
constexpr const char* kEmbeddedSessionTimeoutMs = "6000";

bool read_embedded_brokers(const std::string& spool_dir, const char* command,
                           std::string* brokers) {
  const std::string path = kafka::embedded_address_file(spool_dir);
  std::ifstream in(path);
  if (in) std::getline(in, *brokers);
  if (in && !brokers->empty()) return true;
  std::fprintf(stderr,
               "jumio-bridge %s: kafka.brokers is 'embedded' but %s does not name a broker: "
               "is `jumio-bridge serve` running with this config? (or pass --brokers)\n",
               command, path.c_str());
  return false;
}

}  // namespace

bool resolve_kafka_target(const config::Config& config, const std::string& brokers_option,
                          const char* command, KafkaTarget* out) {
  out->consumer_properties = config.kafka.properties;
  if (!brokers_option.empty()) {
    out->brokers = brokers_option;
    return true;
  }
  out->brokers = config.kafka.brokers;
  if (config.kafka.brokers != "embedded") return true;
  if (!read_embedded_brokers(config.spool.dir, command, &out->brokers)) return false;
  out->consumer_properties.emplace("session.timeout.ms", kEmbeddedSessionTimeoutMs);
  return true;
}

}  // namespace jb::cli
