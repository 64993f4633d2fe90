// The daemon under test: the real serve code on port 0, against a mock-cluster broker reached
// over TCP, plus a consumer that reads back what it published.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/daemon.h"
#include "config/config.h"
#include "kafka/consumer.h"
#include "kafka/embedded.h"

namespace jb::test {

class Bridge {
 public:
  // Starts a one-broker mock cluster and the daemon; customize may change the config first.
  explicit Bridge(const std::function<void(config::Config&)>& customize = {},
                  cli::Daemon::Options options = {});
  ~Bridge();

  config::Config& config() { return config_; }
  cli::Daemon& daemon() { return *daemon_; }
  kafka::EmbeddedCluster& broker() { return *broker_; }
  // A client of the callback listener, and of the admin listener (/healthz, /readyz, /metrics).
  httplib::Client client() const;
  httplib::Client admin_client() const;

  // POSTs a body to the callback path; the status, or -1 when no answer came.
  int post(const std::string& body,
           const std::string& content_type = "application/x-www-form-urlencoded") const;

  // Reads `count` records from topics (names or ^regex) from the beginning, or what arrived
  // before timeout.
  std::vector<kafka::ConsumedMessage> read(
      const std::vector<std::string>& topics, size_t count,
      std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

 private:
  config::Config config_;
  std::unique_ptr<kafka::EmbeddedCluster> broker_;
  std::unique_ptr<cli::Daemon> daemon_;
};

// The value of a header, or "" when absent.
std::string header(const kafka::ConsumedMessage& message, const std::string& name);

}  // namespace jb::test
