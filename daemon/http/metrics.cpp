#include "http/metrics.h"

#include <cctype>
#include <cstdio>

namespace jb::http {
namespace {

struct Family {
  const char* name;
  const char* help;
};

constexpr Family kFamilies[] = {
    {"jumio_bridge_callbacks_total", "Callbacks normalised into events, by type and status."},
    {"jumio_bridge_callback_warnings_total", "Deviations published as event warnings, by problem."},
    {"jumio_bridge_deadletters_total", "Callbacks sent to the dead-letter topic, by reason."},
    {"jumio_bridge_http_responses_total", "HTTP answers on the callback path, by status code."},
    {"jumio_bridge_producer_errors_total",
     "Produced records Kafka did not store in time, by librdkafka error name or ack_timeout."},
    {"jumio_bridge_spool_writes_total",
     "Records offered to the spool, by result (stored, full, failed)."},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

}  // namespace

void Metrics::on_event(const callback::Event& event) {
  add("jumio_bridge_callbacks_total{type=\"" + std::string(callback::kind_type(event.kind)) +
      "\",status=\"" + lower(event.status) + "\"}");
  for (const auto& warning : event.warnings)
    add("jumio_bridge_callback_warnings_total{problem=\"" + warning.problem + "\"}");
}

void Metrics::on_failure(const Failure& failure) {
  add("jumio_bridge_deadletters_total{reason=\"" + std::string(reason_code(failure.reason)) +
      "\"}");
}

void Metrics::on_spool_write(spool::AppendResult result) {
  add(std::string("jumio_bridge_spool_writes_total{result=\"") + spool::append_result_name(result) +
      "\"}");
}

void Metrics::set_sample_source(std::function<std::vector<Sample>()> source) {
  std::lock_guard<std::mutex> lock(mutex_);
  sample_source_ = std::move(source);
}

void Metrics::count_response(int status) {
  add("jumio_bridge_http_responses_total{code=\"" + std::to_string(status) + "\"}");
}

void Metrics::on_kafka_delivery(std::chrono::steady_clock::duration latency, bool persisted,
                                const std::string& error) {
  if (!persisted) {
    add("jumio_bridge_producer_errors_total{error=\"" + error + "\"}");
    return;
  }
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < kDeliveryBuckets.size(); ++i)
    if (seconds <= kDeliveryBuckets[i]) ++delivery_buckets_[i];
  ++delivery_count_;
  delivery_seconds_ += seconds;
}

void Metrics::add(const std::string& series, uint64_t amount) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_[series] += amount;
}

std::string Metrics::prometheus_text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& family : kFamilies) {
    out += std::string("# HELP ") + family.name + " " + family.help + "\n";
    out += std::string("# TYPE ") + family.name + " counter\n";
    std::string prefix = std::string(family.name) + "{";
    for (auto it = counters_.lower_bound(prefix);
         it != counters_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out += it->first + " " + std::to_string(it->second) + "\n";
    }
  }
  out +=
      "# HELP jumio_bridge_kafka_delivery_seconds Time from produce to Kafka's persisted delivery "
      "report, for callbacks answered through Kafka.\n"
      "# TYPE jumio_bridge_kafka_delivery_seconds histogram\n";
  for (size_t i = 0; i < kDeliveryBuckets.size(); ++i) {
    out += "jumio_bridge_kafka_delivery_seconds_bucket{le=\"" + format_value(kDeliveryBuckets[i]) +
           "\"} " + std::to_string(delivery_buckets_[i]) + "\n";
  }
  out += "jumio_bridge_kafka_delivery_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(delivery_count_) + "\n";
  out += "jumio_bridge_kafka_delivery_seconds_sum " + format_value(delivery_seconds_) + "\n";
  out += "jumio_bridge_kafka_delivery_seconds_count " + std::to_string(delivery_count_) + "\n";
  if (!sample_source_) return out;
  for (const Sample& sample : sample_source_()) {
    out += "# HELP " + sample.name + " " + sample.help + "\n";
    out += "# TYPE " + sample.name + (sample.counter ? " counter\n" : " gauge\n");
    out += sample.name + " " + format_value(sample.value) + "\n";
  }
  return out;
}

}  // namespace jb::http
