// Times what /metrics costs the admin reader: rendering the Prometheus text of a daemon's counters
// (Metrics::prometheus_text) against answering from the rendered text (Metrics::exposition, no
// count in between), and the exposition when a count comes before every scrape (the worst case
// under callback traffic). The counters are a busy daemon's: every callback type and status, the
// warnings, dead letters, response codes and refusals, the delivery histogram and the spool
// samples. Prints microseconds per call; a measuring instrument for bench/README.md, not a test.
//
// usage: jb_metrics_bench [ITERATIONS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/metrics.h"

namespace {

using Clock = std::chrono::steady_clock;

void fill(jb::http::Metrics* metrics) {
  using jb::callback::Kind;
  const std::vector<std::pair<Kind, std::vector<const char*>>> statuses = {
      {Kind::netverify,
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}},
      {Kind::authentication, {"PASSED", "FAILED", "INVALID", "EXPIRED"}},
      {Kind::document, {"UPLOADED", "EXTRACTED", "DISCARDED", "FAILED"}},
  };
  for (const auto& [kind, names] : statuses) {
    for (const char* status : names) {
      jb::callback::Event event;
      event.kind = kind;
      event.status = status;
      event.warnings = {{"field", "too_long"}, {"field", "unknown_value"}};
      metrics->on_event(event);
    }
  }
  for (int code : {200, 400, 401, 403, 404, 405, 408, 413, 415, 431, 501, 503})
    metrics->count_response(code);
  for (const char* reason : {"address_not_allowed", "untrusted_forwarding", "request_too_slow",
                             "unknown_path", "body_too_large"})
    metrics->count_request_refused(reason);
  for (const char* reason : {"too_many_connections", "too_many_from_address"})
    metrics->count_connection_refused(reason);
  for (const char* centre : {"US", "EU", "SGP"}) metrics->count_jumio_lookup(centre, true);
  for (const char* error : {"ack_timeout", "Local: Message timed out"})
    metrics->on_kafka_delivery(std::chrono::milliseconds(1), false, error);
  for (int i = 0; i < 1000; ++i)
    metrics->on_kafka_delivery(std::chrono::microseconds(100 + 37 * i), true, "");
  metrics->set_sample_source([] {
    std::vector<jb::http::Metrics::Sample> samples;
    for (const char* name :
         {"process_start_time_seconds", "jumio_bridge_spool_records", "jumio_bridge_spool_bytes",
          "jumio_bridge_spool_disk_bytes", "jumio_bridge_spool_max_bytes",
          "jumio_bridge_spool_oldest_age_seconds", "jumio_bridge_spool_syncs_total",
          "jumio_bridge_spool_torn_tails_total", "jumio_bridge_spool_drained_total",
          "jumio_bridge_producer_rebuilds_total"})
      samples.push_back({name, "A sample read at every render.", false, 1234567.0});
    return samples;
  });
}

template <typename Call>
double microseconds_per_call(int iterations, Call call) {
  size_t bytes = 0;
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) bytes += call().size();
  const double elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  if (bytes == 0) std::printf("(nothing rendered)\n");
  return elapsed / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
    return 2;
  }
  jb::http::Metrics metrics;
  fill(&metrics);
  const std::string text = metrics.prometheus_text();
  std::printf("exposition: %zu bytes, %d iterations\n", text.size(), iterations);
  const double render =
      microseconds_per_call(iterations, [&] { return metrics.prometheus_text(); });
  const double cached = microseconds_per_call(iterations, [&] { return metrics.exposition(); });
  const double counted = microseconds_per_call(iterations, [&] {
    metrics.count_response(200);
    return metrics.exposition();
  });
  std::printf("render (prometheus_text)        %8.2f us\n", render);
  std::printf("cached (exposition)             %8.2f us\n", cached);
  std::printf("a count, then exposition        %8.2f us\n", counted);
  return 0;
}
