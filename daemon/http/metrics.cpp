#include "http/metrics.h"

#include <algorithm>
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
    {"jumio_bridge_http_connections_refused_total",
     "Connections closed at accept, before a byte was read, by reason."},
    {"jumio_bridge_http_requests_refused_total",
     "Requests on the callback listener answered with a refusal, by reason."},
    {"jumio_bridge_jumio_lookups_total",
     "Lookups of the Jumio data centres' callback host names, by data centre and result."},
    {"jumio_bridge_producer_errors_total",
     "Produced records Kafka did not store in time, by librdkafka error name or ack_timeout."},
    {"jumio_bridge_spool_writes_total",
     "Records offered to the spool, by result (stored, full, failed)."},
};

// Appends text in lower case.
void append_lower(std::string* out, std::string_view text) {
  for (char c : text)
    out->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
}

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

// The series name being composed, per thread: counting allocates nothing once a thread has
// composed its longest name.
std::string& series_buffer() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

}  // namespace

void Metrics::on_event(const callback::Event& event) {
  std::string& series = series_buffer();
  series.append("jumio_bridge_callbacks_total{type=\"")
      .append(callback::kind_type(event.kind))
      .append("\",status=\"");
  append_lower(&series, event.status);
  series.append("\"}");
  add({series});
  for (const auto& warning : event.warnings)
    add({"jumio_bridge_callback_warnings_total{problem=\"", warning.problem, "\"}"});
}

void Metrics::on_failure(const Failure& failure) {
  add({"jumio_bridge_deadletters_total{reason=\"", reason_code(failure.reason), "\"}"});
}

void Metrics::on_spool_write(spool::AppendResult result) {
  add({"jumio_bridge_spool_writes_total{result=\"", spool::append_result_name(result), "\"}"});
}

void Metrics::set_sample_source(std::function<std::vector<Sample>()> source) {
  std::lock_guard<std::mutex> lock(source_mutex_);
  sample_source_ = std::move(source);
  generation_.fetch_add(1, std::memory_order_release);
}

void Metrics::count_response(int status) {
  char code[16];
  const int length = std::snprintf(code, sizeof code, "%d", status);
  add({"jumio_bridge_http_responses_total{code=\"", std::string_view(code, length), "\"}"});
}

void Metrics::count_connection_refused(std::string_view reason) {
  add({"jumio_bridge_http_connections_refused_total{reason=\"", reason, "\"}"});
}

void Metrics::count_request_refused(std::string_view reason) {
  add({"jumio_bridge_http_requests_refused_total{reason=\"", reason, "\"}"});
}

void Metrics::count_jumio_lookup(std::string_view datacenter, bool found) {
  add({"jumio_bridge_jumio_lookups_total{datacenter=\"", datacenter, "\",result=\"",
       found ? "ok" : "failed", "\"}"});
}

void Metrics::on_kafka_delivery(std::chrono::steady_clock::duration latency, bool persisted,
                                const std::string& error) {
  if (!persisted) {
    add({"jumio_bridge_producer_errors_total{error=\"", error, "\"}"});
    return;
  }
  const double seconds = std::chrono::duration<double>(latency).count();
  for (size_t i = 0; i < kDeliveryBuckets.size(); ++i) {
    if (seconds <= kDeliveryBuckets[i]) {
      delivery_buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  delivery_count_.fetch_add(1, std::memory_order_relaxed);
  delivery_nanoseconds_.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count()),
      std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

void Metrics::add(std::initializer_list<std::string_view> parts) {
  std::string_view series;
  if (parts.size() == 1) {
    series = *parts.begin();
  } else {
    std::string& composed = series_buffer();
    for (std::string_view part : parts) composed.append(part);
    series = composed;
  }
  {
    std::shared_lock<std::shared_mutex> lock(counters_mutex_);
    auto found = counters_.find(series);
    if (found != counters_.end()) {
      found->second.fetch_add(1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
  }
  {
    std::unique_lock<std::shared_mutex> lock(counters_mutex_);
    counters_.try_emplace(std::string(series), 0)
        .first->second.fetch_add(1, std::memory_order_relaxed);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

std::string Metrics::exposition() const {
  std::lock_guard<std::mutex> lock(exposition_mutex_);
  const auto now = std::chrono::steady_clock::now();
  // Read before rendering: a count made while it renders makes the next scrape render again.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (rendered_ && generation == exposition_generation_ && now - rendered_at_ < render_interval_)
    return exposition_;
  exposition_ = prometheus_text();
  exposition_generation_ = generation;
  rendered_at_ = now;
  rendered_ = true;
  return exposition_;
}

std::string Metrics::prometheus_text() const {
  std::string out;
  std::shared_lock<std::shared_mutex> lock(counters_mutex_);
  for (const auto& family : kFamilies) {
    out += std::string("# HELP ") + family.name + " " + family.help + "\n";
    out += std::string("# TYPE ") + family.name + " counter\n";
    std::string prefix = std::string(family.name) + "{";
    for (auto it = counters_.lower_bound(prefix);
         it != counters_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out += it->first + " " + std::to_string(it->second.load(std::memory_order_relaxed)) + "\n";
    }
  }
  lock.unlock();
  out +=
      "# HELP jumio_bridge_kafka_delivery_seconds Time from produce to Kafka's persisted delivery "
      "report, for callbacks answered through Kafka.\n"
      "# TYPE jumio_bridge_kafka_delivery_seconds histogram\n";
  // Read count first: a delivery counted meanwhile shows in a bucket, never the other way round.
  const uint64_t count = delivery_count_.load();
  const double sum = static_cast<double>(delivery_nanoseconds_.load()) / 1e9;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kDeliveryBuckets.size(); ++i) {
    cumulative += delivery_buckets_[i].load();
    out += "jumio_bridge_kafka_delivery_seconds_bucket{le=\"" + format_value(kDeliveryBuckets[i]) +
           "\"} " + std::to_string(std::min(cumulative, count)) + "\n";
  }
  out += "jumio_bridge_kafka_delivery_seconds_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
  out += "jumio_bridge_kafka_delivery_seconds_sum " + format_value(sum) + "\n";
  out += "jumio_bridge_kafka_delivery_seconds_count " + std::to_string(count) + "\n";
  std::function<std::vector<Sample>()> source;
  {
    std::lock_guard<std::mutex> source_lock(source_mutex_);
    source = sample_source_;
  }
  if (!source) return out;
  for (const Sample& sample : source()) {
    out += "# HELP " + sample.name + " " + sample.help + "\n";
    out += "# TYPE " + sample.name + (sample.counter ? " counter\n" : " gauge\n");
    out += sample.name + " " + format_value(sample.value) + "\n";
  }
  return out;
}

}  // namespace jb::http
