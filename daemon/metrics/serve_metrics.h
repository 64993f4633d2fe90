// The metrics of `serve`: what the callback path, Kafka's delivery reports, the spool and the
// Jumio host-name lookups count, declared in a registry where the daemon declares what it reads at
// render (spool, drain, producer). Labels carry kinds, statuses, codes and reasons only: never PII.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "metrics/registry.h"
#include "pipeline/pipeline.h"

namespace jb::metrics {

class ServeMetrics : public pipeline::Observer {
 public:
  // Upper bounds (seconds) of the Kafka delivery latency histogram's buckets.
  static constexpr std::array<double, 12> kDeliveryBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  explicit ServeMetrics(std::chrono::milliseconds render_interval = Registry::kRenderInterval);

  void on_event(const callback::Event& event) override;
  void on_failure(const Failure& failure) override;
  void on_spool_write(spool::AppendResult result) override;
  void on_kafka_delivery(std::chrono::steady_clock::duration latency, bool persisted,
                         const std::string& error) override;
  void count_response(int status);
  // A connection closed at accept: address_not_allowed, too_many_connections, ...
  void count_connection_refused(std::string_view reason);
  // A request on the callback listener refused, by reason code (address_not_allowed,
  // untrusted_forwarding, request_too_slow, ...).
  void count_request_refused(std::string_view reason);
  // A lookup of a Jumio data centre's callback host name ("US", ...), and whether it found any.
  void count_jumio_lookup(std::string_view datacenter, bool found);

  // Where the families read at render are declared; they follow the ones counted here.
  Registry& registry() { return registry_; }
  // The exposition text, rendered now.
  std::string prometheus_text() const { return registry_.prometheus_text(); }
  // What /metrics answers (Registry::exposition: rendered again after a count or the interval).
  std::string exposition() const { return registry_.exposition(); }

 private:
  Registry registry_;
  Counter& callbacks_;
  Counter& callback_warnings_;
  Counter& deadletters_;
  Counter& http_responses_;
  Counter& connections_refused_;
  Counter& requests_refused_;
  Counter& jumio_lookups_;
  Counter& producer_errors_;
  Counter& spool_writes_;
  Histogram& kafka_delivery_;
};

}  // namespace jb::metrics
