// The running daemon of `serve`: Kafka producer (or the embedded cluster), pipeline and HTTP
// endpoint, wired from one config. Tests start it in-process on port 0.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "config/config.h"
#include "http/metrics.h"
#include "http/server.h"
#include "kafka/embedded.h"
#include "kafka/producer.h"
#include "pipeline/pipeline.h"

namespace jb::cli {

class Daemon {
 public:
  // Starts everything and serves on a background thread. nullptr with *error when it cannot.
  static std::unique_ptr<Daemon> start(const config::Config& config, std::string* error);
  ~Daemon();

  int port() const { return server_->port(); }
  // The brokers the producer talks to (the embedded cluster's address when embedded).
  const std::string& brokers() const { return brokers_; }
  // Applies what can change without a restart: allowlist, routing, log level.
  void reload(const config::Config& config);
  // Stops accepting, finishes in-flight requests, flushes the producer within flush_timeout.
  void stop(std::chrono::milliseconds flush_timeout = std::chrono::seconds(10));

 private:
  Daemon() = default;

  config::Config config_;
  std::string brokers_;
  std::unique_ptr<kafka::EmbeddedCluster> embedded_;
  std::unique_ptr<kafka::Producer> producer_;
  http::Metrics metrics_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<http::Server> server_;
  std::thread server_thread_;
  bool stopped_ = false;
};

}  // namespace jb::cli
