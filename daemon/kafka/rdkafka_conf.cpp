#include "kafka/rdkafka_conf.h"

#include <set>
#include <string_view>

#include "common/log.h"

namespace jb::kafka {
namespace {

log::Level level_of_syslog(int level) {
  if (level <= 3) return log::Level::error;
  if (level == 4) return log::Level::warn;
  if (level <= 6) return log::Level::info;
  return log::Level::debug;
}

void log_line(const rd_kafka_t*, int level, const char* facility, const char* message) {
  log::write(level_of_syslog(level), "librdkafka", {{"facility", facility}, {"detail", message}});
}

void error_line(rd_kafka_t*, int err, const char* reason, void*) {
  const std::string name = error_name(static_cast<rd_kafka_resp_err_t>(err));
  log::warn("kafka error", {{"error", name}, {"detail", reason}});
}

bool names_a_secret(std::string_view name) {
  return name.find("password") != std::string_view::npos ||
         name.find("secret") != std::string_view::npos ||
         name.find("sasl.oauthbearer.config") != std::string_view::npos;
}

// Producer-side properties a consumer would only warn about.
const std::set<std::string>& producer_only_properties() {
  static const std::set<std::string> names = {
      "acks",
      "batch.num.messages",
      "batch.size",
      "compression.codec",
      "compression.level",
      "compression.type",
      "delivery.timeout.ms",
      "enable.gapless.guarantee",
      "enable.idempotence",
      "linger.ms",
      "message.send.max.retries",
      "message.timeout.ms",
      "partitioner",
      "queue.buffering.backpressure.threshold",
      "queue.buffering.max.kbytes",
      "queue.buffering.max.messages",
      "queue.buffering.max.ms",
      "queuing.strategy",
      "request.required.acks",
      "request.timeout.ms",
      "retries",
      "sticky.partitioning.linger.ms",
      "transaction.timeout.ms",
      "transactional.id",
  };
  return names;
}

}  // namespace

bool set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
                  std::string* error) {
  char message[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), message, sizeof message) ==
      RD_KAFKA_CONF_OK)
    return true;
  if (error) *error = name + ": " + (names_a_secret(name) ? "refused" : message);
  return false;
}

bool set_properties(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& properties,
                    std::string* error) {
  for (const auto& [name, value] : properties)
    if (!set_property(conf, name, value, error)) return false;
  return true;
}

bool set_consumer_properties(rd_kafka_conf_t* conf,
                             const std::map<std::string, std::string>& properties,
                             std::string* error) {
  for (const auto& [name, value] : properties)
    if (!producer_only_properties().count(name) && !set_property(conf, name, value, error))
      return false;
  return true;
}

void route_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, log_line);
  rd_kafka_conf_set_error_cb(conf, error_line);
}

std::string error_name(rd_kafka_resp_err_t err) {
  return rd_kafka_err2name(err);
}

}  // namespace jb::kafka
