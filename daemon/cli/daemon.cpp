#include "cli/daemon.h"

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

std::shared_ptr<const http::Allowlist> make_allowlist(const config::SecurityConfig& security) {
  return std::make_shared<const http::Allowlist>(security.allow, security.jumio_datacenters,
                                                 security.trusted_proxies);
}

void apply_log_level(const config::LogConfig& log_config) {
  log::Level level;
  if (log::parse_level(log_config.level, &level)) log::set_level(level);
}

}  // namespace

std::unique_ptr<Daemon> Daemon::start(const config::Config& config, std::string* error) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->config_ = config;
  apply_log_level(config.log);

  if (config.kafka.brokers == "embedded") {
    daemon->embedded_ = kafka::EmbeddedCluster::start(1, error);
    if (!daemon->embedded_) return nullptr;
    daemon->brokers_ = daemon->embedded_->bootstraps();
    if (!write_embedded_address(config.spool.dir, daemon->brokers_, error)) return nullptr;
    log::info("embedded kafka started", {{"brokers", daemon->brokers_}});
  } else {
    daemon->brokers_ = config.kafka.brokers;
  }

  daemon->producer_ = kafka::Producer::create(daemon->brokers_, config.kafka.properties, error);
  if (!daemon->producer_) return nullptr;

  daemon->pipeline_ = std::make_unique<pipeline::Pipeline>(
      std::make_shared<const route::Router>(config.topics), daemon->producer_.get(),
      std::chrono::milliseconds(config.http.delivery_timeout_ms), &daemon->metrics_);

  kafka::Producer* producer = daemon->producer_.get();
  daemon->server_ =
      std::make_unique<http::Server>(config.http, daemon->pipeline_.get(), &daemon->metrics_,
                                     [producer] { return producer->reachable(kReadinessTimeout); });
  daemon->server_->set_allowlist(make_allowlist(config.security));
  if (!daemon->server_->bind(error)) return nullptr;

  http::Server* server = daemon->server_.get();
  daemon->server_thread_ = std::thread([server] { server->run(); });
  while (!server->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string host;
  int ignored_port;
  http::split_listen_address(config.http.listen, &host, &ignored_port);
  log::info("listening",
            {{"address", host + ":" + std::to_string(daemon->port())}, {"path", config.http.path}});
  return daemon;
}

void Daemon::reload(const config::Config& config) {
  apply_log_level(config.log);
  server_->set_allowlist(make_allowlist(config.security));
  pipeline_->set_router(std::make_shared<const route::Router>(config.topics));
  config_ = config;
  log::info("config reloaded");
}

void Daemon::stop(std::chrono::milliseconds flush_timeout) {
  if (stopped_ || !server_) return;
  stopped_ = true;
  server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
  int outstanding = producer_->flush(flush_timeout);
  if (outstanding > 0)
    log::warn("records still unacknowledged at shutdown", {{"count", std::to_string(outstanding)}});
  log::info("stopped");
}

Daemon::~Daemon() {
  stop();
}

}  // namespace jb::cli
