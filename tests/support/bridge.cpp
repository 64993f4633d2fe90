#include "support/bridge.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/process.h"
#include "support/reader.h"

namespace jb::test {

Bridge::Bridge(const std::function<void(config::Config&)>& customize,
               cli::Daemon::Options options) {
  std::string error;
  broker_ = kafka::EmbeddedCluster::start(1, &error);
  if (!broker_) {
    ADD_FAILURE() << "mock cluster: " << error;
    return;
  }
  config_.http.listen = "127.0.0.1:0";
  config_.admin.listen = "127.0.0.1:0";
  // Every test client connects from 127.0.0.1: the per-address cap is tested on its own.
  config_.http.max_connections_per_address = config_.http.max_connections;
  config_.kafka.brokers = broker_->bootstraps();
  config_.spool.dir = temp_dir("jumio-bridge-test");
  if (customize) customize(config_);
  daemon_ = cli::Daemon::start(config_, &error, std::move(options));
  if (!daemon_) ADD_FAILURE() << "daemon: " << error;
}

Bridge::~Bridge() {
  if (daemon_) daemon_->stop(std::chrono::seconds(5));
  daemon_.reset();
  broker_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(config_.spool.dir, ignored);
}

httplib::Client Bridge::client() const {
  httplib::Client client("127.0.0.1", daemon_ ? daemon_->port() : 0);
  client.set_read_timeout(30);
  client.set_tcp_nodelay(true);
  return client;
}

httplib::Client Bridge::admin_client() const {
  httplib::Client client("127.0.0.1", daemon_ ? daemon_->admin_port() : 0);
  client.set_read_timeout(30);
  client.set_tcp_nodelay(true);
  return client;
}

int Bridge::post(const std::string& body, const std::string& content_type) const {
  auto client = this->client();
  auto result = client.Post(config_.http.path, body, content_type);
  return result ? result->status : -1;
}

std::vector<kafka::ConsumedMessage> Bridge::read(const std::vector<std::string>& topics,
                                                 size_t count,
                                                 std::chrono::milliseconds timeout) const {
  return read_records(broker_->bootstraps(), topics, count, timeout);
}

std::string header(const kafka::ConsumedMessage& message, const std::string& name) {
  for (const auto& [key, value] : message.headers)
    if (key == name) return value;
  return "";
}

}  // namespace jb::test
