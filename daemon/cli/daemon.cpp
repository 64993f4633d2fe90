#include "cli/daemon.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/log.h"

namespace jb::cli {
namespace {

constexpr auto kReadinessTimeout = std::chrono::milliseconds(1000);

bool write_embedded_address(const std::string& spool_dir, const std::string& brokers,
                            std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(spool_dir, ec);
  std::string path = kafka::embedded_address_file(spool_dir);
  std::ofstream out(path, std::ios::trunc);
  out << brokers << "\n";
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

void apply_log_level(const config::LogConfig& log_config) {
  log::Level level;
  if (log::parse_level(log_config.level, &level)) log::set_level(level);
}

// Segments small enough that acknowledged ones free space well before a small spool is full.
uint64_t segment_bytes_for(uint64_t max_bytes) {
  constexpr uint64_t kLargest = 4 * 1024 * 1024;
  constexpr uint64_t kSmallest = 4096;
  return std::clamp<uint64_t>(max_bytes / 8, kSmallest, kLargest);
}

}  // namespace

std::unique_ptr<Daemon> Daemon::start(const config::Config& config, std::string* error) {
  return start(config, error, Options{});
}

std::unique_ptr<Daemon> Daemon::start(const config::Config& config, std::string* error,
                                      Options options) {
  // A peer that closed its end makes a write raise SIGPIPE: plain sockets are written with
  // MSG_NOSIGNAL, but OpenSSL's socket BIO writes with write(2).
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->config_ = config;
  apply_log_level(config.log);

  spool::Options spool_options;
  spool_options.dir = config.spool.dir;
  spool_options.max_bytes = config.spool.max_bytes;
  spool_options.segment_bytes = segment_bytes_for(config.spool.max_bytes);
  daemon->spool_ = spool::Spool::open(spool_options, error);
  if (!daemon->spool_) return nullptr;

  if (config.kafka.brokers == "embedded") {
    daemon->embedded_ = kafka::EmbeddedCluster::start(1, error);
    if (!daemon->embedded_) return nullptr;
    daemon->brokers_ = daemon->embedded_->bootstraps();
    if (!write_embedded_address(config.spool.dir, daemon->brokers_, error)) return nullptr;
    log::info("embedded kafka started", {{"brokers", daemon->brokers_}});
  } else {
    daemon->brokers_ = config.kafka.brokers;
  }

  daemon->delivery_signal_ = std::make_unique<kafka::DeliverySignal>();
  if (daemon->delivery_signal_->fd() < 0) {
    *error = std::string("cannot create the eventfd for Kafka's delivery reports: ") +
             std::strerror(errno);
    return nullptr;
  }
  daemon->producer_ = kafka::RebuildingProducer::create(
      [brokers = daemon->brokers_, properties = config.kafka.properties,
       signal = daemon->delivery_signal_.get()](std::string* why) {
        return kafka::Producer::create(brokers, properties, why, signal);
      },
      error);
  if (!daemon->producer_) return nullptr;
  daemon->drain_ = std::make_unique<pipeline::Drain>(daemon->spool_.get(), daemon->producer_.get());
  daemon->drain_->start();

  pipeline::Timeouts timeouts;
  timeouts.ack = std::chrono::milliseconds(config.spool.ack_timeout_ms);
  timeouts.delivery = std::chrono::milliseconds(config.http.delivery_timeout_ms);
  daemon->pipeline_ = std::make_unique<pipeline::Pipeline>(
      std::make_shared<const route::Router>(config.topics, config.privacy), daemon->producer_.get(),
      daemon->spool_.get(), timeouts, &daemon->metrics_);
  daemon->declare_read_metrics();

  spool::Spool* spool = daemon->spool_.get();
  kafka::Producer* producer = daemon->producer_.get();
  daemon->server_ = std::make_unique<http::Server>(
      config.http, config.admin, daemon->pipeline_.get(), &daemon->metrics_,
      [spool, producer] { return spool->writable() || producer->reachable(kReadinessTimeout); });
  http::Server* server = daemon->server_.get();
  // Answers are written where the reports are served: on the reader threads, with no thread
  // woken between Kafka's acknowledgement and the answer.
  server->watch(daemon->delivery_signal_->fd(),
                [signal = daemon->delivery_signal_.get(), producer] {
                  signal->clear();
                  producer->serve_deliveries();
                });
  daemon->allowlist_refresher_ = std::make_unique<http::AllowlistRefresher>(
      std::move(options.resolver),
      [server](std::shared_ptr<const http::Allowlist> allowlist) {
        server->set_allowlist(std::move(allowlist));
      },
      &daemon->metrics_);
  daemon->allowlist_refresher_->configure(config.security);
  if (!daemon->server_->bind(error)) return nullptr;

  daemon->server_->start();
  std::string host;
  int ignored_port;
  http::split_listen_address(config.http.listen, &host, &ignored_port);
  log::info("listening",
            {{"address", host + ":" + std::to_string(daemon->port())}, {"path", config.http.path}});
  if (daemon->admin_port() > 0) {
    http::split_listen_address(config.admin.listen, &host, &ignored_port);
    log::info("admin listening", {{"address", host + ":" + std::to_string(daemon->admin_port())},
                                  {"paths", "/healthz /readyz /metrics"}});
  }
  return daemon;
}

void Daemon::reload(const config::Config& config) {
  apply_log_level(config.log);
  allowlist_refresher_->configure(config.security);
  server_->set_admin_allow(config.admin.allow);
  std::string tls_error;
  if (!server_->reload_tls(config.http.tls, &tls_error)) {
    log::error("TLS certificate not reloaded; keeping the one in use", {{"error", tls_error}});
  } else if (!config.http.tls.cert_file.empty()) {
    log::info("TLS certificate reloaded", {{"cert_file", config.http.tls.cert_file}});
  }
  pipeline_->set_router(std::make_shared<const route::Router>(config.topics, config.privacy));
  config_ = config;
  log::info("config reloaded");
}

void Daemon::stop(std::chrono::milliseconds flush_timeout) {
  if (stopped_) return;
  stopped_ = true;
  allowlist_refresher_.reset();
  if (server_) server_->stop();
  const auto deadline = std::chrono::steady_clock::now() + flush_timeout;
  auto left = [deadline] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  if (drain_) drain_->stop(left());
  if (producer_) {
    int outstanding = producer_->flush(left());
    if (outstanding > 0)
      log::warn("records still unacknowledged at shutdown", {{"count", outstanding}});
  }
  // The producer goes first: its last delivery reports still reach the drain and the spool.
  producer_.reset();
  drain_.reset();
  const uint64_t spooled = spool_ ? spool_->depth() : 0;
  spool_.reset();
  log::info("stopped", {{"spooled", spooled}});
}

void Daemon::declare_read_metrics() {
  using metrics::Type;
  metrics::Registry& registry = metrics_.registry();
  registry.before_render([this] { spool_stats_ = spool_ ? spool_->stats() : spool::Stats{}; });
  registry.read(Type::gauge, "jumio_bridge_spool_records",
                "Spooled records Kafka has not acknowledged.",
                [this] { return static_cast<double>(spool_stats_.records); });
  registry.read(Type::gauge, "jumio_bridge_spool_bytes", "Bytes of those records.",
                [this] { return static_cast<double>(spool_stats_.bytes); });
  registry.read(Type::gauge, "jumio_bridge_spool_disk_bytes",
                "Bytes of the spool's segment files (limited by spool.max_bytes).",
                [this] { return static_cast<double>(spool_stats_.disk_bytes); });
  registry.read(Type::gauge, "jumio_bridge_spool_max_bytes",
                "spool.max_bytes: the limit of jumio_bridge_spool_disk_bytes.",
                [max_bytes = static_cast<double>(config_.spool.max_bytes)] { return max_bytes; });
  registry.read(Type::gauge, "jumio_bridge_spool_oldest_age_seconds",
                "Age of the oldest spooled record; 0 when the spool is empty.", [this] {
                  if (spool_stats_.oldest_spooled_at_ms == 0) return 0.0;
                  const double now_ms =
                      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
                  return std::max(0.0, (now_ms - spool_stats_.oldest_spooled_at_ms) / 1000.0);
                });
  registry.read(Type::counter, "jumio_bridge_spool_syncs_total",
                "fdatasync calls for spool appends (one per group of appends).",
                [this] { return static_cast<double>(spool_stats_.syncs); });
  registry.read(Type::counter, "jumio_bridge_spool_torn_tails_total",
                "Torn or corrupt segment tails cut off when the spool was opened.",
                [this] { return static_cast<double>(spool_stats_.torn_tails); });
  registry.read(Type::counter, "jumio_bridge_spool_drained_total",
                "Spooled records published and acknowledged by Kafka.",
                [this] { return drain_ ? static_cast<double>(drain_->drained()) : 0.0; });
  registry.read(Type::counter, "jumio_bridge_producer_rebuilds_total",
                "Kafka producers replaced after a fatal error.",
                [this] { return producer_ ? static_cast<double>(producer_->rebuilds()) : 0.0; });
}

Daemon::~Daemon() {
  stop();
}

}  // namespace jb::cli
