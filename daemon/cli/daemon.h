// The running daemon of `serve`: spool, Kafka producer (or the embedded cluster), drain, pipeline
// and HTTP endpoint, wired from one config. Tests start it in-process on port 0.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/allowlist_refresher.h"
#include "http/server.h"
#include "kafka/embedded.h"
#include "kafka/rebuilding_producer.h"
#include "metrics/serve_metrics.h"
#include "pipeline/drain.h"
#include "pipeline/pipeline.h"
#include "spool/spool.h"

namespace jb::cli {

class Daemon {
 public:
  // What a test may replace.
  struct Options {
    http::Resolver resolver = http::system_resolver();  // looks up Jumio's callback host names
  };

  // Starts everything and serves on a background thread. nullptr with *error when it cannot.
  static std::unique_ptr<Daemon> start(const config::Config& config, std::string* error);
  static std::unique_ptr<Daemon> start(const config::Config& config, std::string* error,
                                       Options options);
  ~Daemon();

  int port() const { return server_->port(); }
  // The admin listener's port (/healthz, /readyz, /metrics); 0 when admin.listen is "".
  int admin_port() const { return server_->admin_port(); }
  // The brokers the producer talks to (the embedded cluster's address when embedded).
  const std::string& brokers() const { return brokers_; }
  // Applies what can change without a restart: allowlist, routing, log level, the TLS
  // certificate and key (a pair that cannot be loaded keeps the one in use, and is logged).
  void reload(const config::Config& config);
  // Stops accepting, finishes in-flight requests (each at most http.delivery_timeout_ms), then
  // gives Kafka up to flush_timeout for what is in flight; the producer's close adds at most 4 s.
  // Every answered callback is in Kafka or the spool already: what Kafka has not acknowledged
  // stays spooled for the next start.
  void stop(std::chrono::milliseconds flush_timeout = std::chrono::seconds(5));
  // The spool, for tests and metrics.
  const spool::Spool& spool() const { return *spool_; }

 private:
  Daemon() = default;
  // Declares what /metrics reads at render: spool depth and age, drain and producer counters.
  void declare_read_metrics();

  config::Config config_;
  std::string brokers_;
  std::unique_ptr<kafka::EmbeddedCluster> embedded_;
  std::unique_ptr<spool::Spool> spool_;
  // The callback readers serve the producer's delivery reports: it outlives every producer.
  std::unique_ptr<kafka::DeliverySignal> delivery_signal_;
  std::unique_ptr<kafka::RebuildingProducer> producer_;
  std::unique_ptr<pipeline::Drain> drain_;
  metrics::ServeMetrics metrics_;
  spool::Stats spool_stats_;  // read at the start of each render of /metrics
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::AllowlistRefresher> allowlist_refresher_;  // feeds server_
  bool stopped_ = false;
};

}  // namespace jb::cli
