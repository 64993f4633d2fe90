#include "metrics/serve_metrics.h"

#include <charconv>

#include "callback/platform.h"

namespace jb::metrics {
namespace {

// The status in ASCII lower case, per thread: counting allocates nothing once a thread has seen its
// longest status.
std::string_view lower_case(std::string_view text) {
  thread_local std::string buffer;
  buffer.clear();
  buffer.append(text);
  for (char& c : buffer) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return buffer;
}

}  // namespace

ServeMetrics::ServeMetrics(std::chrono::milliseconds render_interval)
    : registry_(render_interval),
      callbacks_(registry_.counter("jumio_bridge_callbacks_total",
                                   "Callbacks normalised into events, by type and status.",
                                   {"type", "status"})),
      callback_warnings_(registry_.counter("jumio_bridge_callback_warnings_total",
                                           "Deviations published as event warnings, by problem.",
                                           {"problem"})),
      deadletters_(registry_.counter("jumio_bridge_deadletters_total",
                                     "Callbacks sent to the dead-letter topic, by reason.",
                                     {"reason"})),
      http_responses_(registry_.counter("jumio_bridge_http_responses_total",
                                        "HTTP answers on the callback path, by status code.",
                                        {"code"})),
      connections_refused_(registry_.counter(
          "jumio_bridge_http_connections_refused_total",
          "Connections closed at accept, before a byte was read, by reason.", {"reason"})),
      requests_refused_(registry_.counter(
          "jumio_bridge_http_requests_refused_total",
          "Requests on the callback listener answered with a refusal, by reason.", {"reason"})),
      jumio_lookups_(registry_.counter(
          "jumio_bridge_jumio_lookups_total",
          "Lookups of the Jumio data centres' callback host names, by data centre and result.",
          {"datacenter", "result"})),
      producer_errors_(registry_.counter(
          "jumio_bridge_producer_errors_total",
          "Produced records Kafka did not store in time, by librdkafka error name or ack_timeout.",
          {"error"})),
      spool_writes_(registry_.counter(
          "jumio_bridge_spool_writes_total",
          "Records offered to the spool, by result (stored, full, failed).", {"result"})),
      kafka_delivery_(registry_.histogram(
          "jumio_bridge_kafka_delivery_seconds",
          "Time from produce to Kafka's persisted delivery report, for callbacks answered through "
          "Kafka.",
          {kDeliveryBuckets.begin(), kDeliveryBuckets.end()})) {}

void ServeMetrics::on_event(const callback::Event& event) {
  // A platform callback's status is any string: only the documented ones become label values.
  const bool other = event.notification && !callback::is_documented_workflow_status(event.status);
  callbacks_.add({callback::kind_type(event.kind), other ? "other" : lower_case(event.status)});
  for (const auto& warning : event.warnings) callback_warnings_.add({warning.problem});
}

void ServeMetrics::on_failure(const Failure& failure) {
  deadletters_.add({reason_code(failure.reason)});
}

void ServeMetrics::on_spool_write(spool::AppendResult result) {
  spool_writes_.add({spool::append_result_name(result)});
}

void ServeMetrics::count_response(int status) {
  char code[16];
  const auto written = std::to_chars(code, code + sizeof code, status);
  http_responses_.add({std::string_view(code, static_cast<size_t>(written.ptr - code))});
}

void ServeMetrics::count_connection_refused(std::string_view reason) {
  connections_refused_.add({reason});
}

void ServeMetrics::count_request_refused(std::string_view reason) {
  requests_refused_.add({reason});
}

void ServeMetrics::count_jumio_lookup(std::string_view datacenter, bool found) {
  jumio_lookups_.add({datacenter, found ? "ok" : "failed"});
}

void ServeMetrics::on_kafka_delivery(std::chrono::steady_clock::duration latency, bool persisted,
                                     const std::string& error) {
  if (!persisted) {
    producer_errors_.add({error});
    return;
  }
  kafka_delivery_.observe(std::chrono::duration<double>(latency).count());
}

}  // namespace jb::metrics
