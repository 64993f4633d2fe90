// Times what /metrics costs the admin reader: rendering the Prometheus text of a daemon's counters
// (ServeMetrics::prometheus_text) against answering from the rendered text (exposition, no
// count in between), and the exposition when a count comes before every scrape (the worst case
// under callback traffic). The counters are a busy daemon's: every callback type and status, the
// warnings, dead letters, response codes and refusals, the delivery histogram and the spool
// samples. Prints microseconds per call; a measuring instrument for bench/README.md, not a test.
// Also what the callback path pays per count: a response code, and an event with its type and
// status, on one thread and on two at once (nanoseconds per count).
//
// usage: jb_metrics_bench [ITERATIONS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "metrics/serve_metrics.h"

namespace {

using Clock = std::chrono::steady_clock;

void fill(jb::metrics::ServeMetrics* metrics) {
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
  // The daemon's values read at render: a spool snapshot, then one gauge or counter each.
  jb::metrics::Registry& registry = metrics->registry();
  registry.before_render([] {});
  for (const char* name :
       {"jumio_bridge_spool_records", "jumio_bridge_spool_bytes", "jumio_bridge_spool_disk_bytes",
        "jumio_bridge_spool_max_bytes", "jumio_bridge_spool_oldest_age_seconds",
        "jumio_bridge_spool_syncs_total", "jumio_bridge_spool_torn_tails_total",
        "jumio_bridge_spool_drained_total", "jumio_bridge_producer_rebuilds_total"})
    registry.read(jb::metrics::Type::gauge, name, "A sample read at every render.",
                  [] { return 1234567.0; });
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

// Nanoseconds per call of count(), on `threads` threads at once, each making `calls` calls.
template <typename Count>
double nanoseconds_per_count(int threads, int calls, Count count) {
  const auto start = Clock::now();
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&] {
      for (int i = 0; i < calls; ++i) count(i);
    });
  for (auto& thread : running) thread.join();
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
    return 2;
  }
  jb::metrics::ServeMetrics metrics;
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

  jb::callback::Event event;
  event.kind = jb::callback::Kind::netverify;
  event.status = "APPROVED_VERIFIED";
  const int counts = iterations * 50;
  for (int threads : {1, 2}) {
    const double response = nanoseconds_per_count(
        threads, counts, [&](int i) { metrics.count_response(i % 8 == 0 ? 503 : 200); });
    const double on_event =
        nanoseconds_per_count(threads, counts, [&](int) { metrics.on_event(event); });
    std::printf("count_response, %d thread%s      %8.1f ns\n", threads, threads > 1 ? "s" : " ",
                response);
    std::printf("on_event, %d thread%s            %8.1f ns\n", threads, threads > 1 ? "s" : " ",
                on_event);
  }
  return 0;
}
