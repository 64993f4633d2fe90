#include "support/load.h"

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kafka/consumer.h"
#include "support/callbacks.h"
#include "support/process.h"
#include "support/reader.h"

namespace jb::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kLateDuplicates{2};

struct Copy {
  std::string value;
  std::string event_id;
  size_t count = 0;
  bool conflicting = false;
};

}  // namespace

std::string load_reference(unsigned run, int index) {
  char reference[64];
  std::snprintf(reference, sizeof reference, "%08x-0000-4000-8000-%012d", run, index);
  return reference;
}

std::string load_body(unsigned run, int index) {
  FormFields fields = authentication_status_fields("PASSED");
  for (auto& [name, value] : fields)
    if (name == "transactionReference") value = load_reference(run, index);
  return form_encode(fields);
}

LoadResult run_load(const LoadOptions& options) {
  LoadResult result;
  std::mutex mutex;
  std::atomic<int> next{0};
  const auto start = Clock::now();
  auto client_loop = [&] {
    std::unique_ptr<httplib::Client> client;
    int client_port = -1;
    for (int i = next++; i < options.callbacks; i = next++) {
      const int index = options.first + i;
      if (options.per_second > 0)
        std::this_thread::sleep_until(
            start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / options.per_second)));
      if (options.before_send) options.before_send(index);
      const int port = options.port();
      if (!client || port != client_port) {
        client = std::make_unique<httplib::Client>("127.0.0.1", port);
        client->set_connection_timeout(2);
        client->set_read_timeout(30);
        client->set_keep_alive(true);
        client_port = port;
      }
      auto answer = client->Post(options.path, load_body(options.run, index),
                                 "application/x-www-form-urlencoded");
      const int status = answer ? answer->status : -1;
      std::lock_guard<std::mutex> lock(mutex);
      ++result.sent;
      (status == 200 ? result.acknowledged : result.unacknowledged)
          .push_back(load_reference(options.run, index));
      if (status == 200)
        ++result.ok;
      else if (status == 503)
        ++result.unavailable;
      else if (status == -1)
        ++result.no_answer;
      else
        ++result.other;
    }
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) clients.emplace_back(client_loop);
  for (auto& thread : clients) thread.join();
  return result;
}

ReadBack read_back(const std::string& brokers, const std::vector<std::string>& expected,
                   std::chrono::milliseconds bound) {
  ReadBack read;
  std::map<std::string, Copy> copies;
  for (const auto& reference : expected) copies[reference];
  Reader reader(brokers, {"^jumio\\..*"});
  const auto deadline = Clock::now() + bound;
  auto stop_at = deadline;
  while (Clock::now() < stop_at) {
    auto message = reader.poll(std::chrono::milliseconds(200));
    if (!message) continue;
    auto it = copies.find(message->key);
    if (it == copies.end()) continue;
    Copy& copy = it->second;
    const std::string event_id = header_of(*message, "ce_id");
    if (copy.count == 0) {
      copy.value = message->value;
      copy.event_id = event_id;
      if (++read.found == expected.size())
        stop_at = std::min(deadline, Clock::now() + kLateDuplicates);
    } else {
      ++read.duplicates;
      if (copy.value != message->value || copy.event_id != event_id) copy.conflicting = true;
    }
    ++copy.count;
    ++read.records;
  }
  for (const auto& [reference, copy] : copies) {
    if (copy.conflicting) ++read.conflicting;
    if (copy.count > 0) continue;
    ++read.missing;
    if (read.missing_examples.size() < 5) read.missing_examples.push_back(reference);
  }
  return read;
}

std::string summary(const LoadResult& load, const ReadBack& read) {
  return "sent " + std::to_string(load.sent) + ", 200s " + std::to_string(load.ok) + ", 503s " +
         std::to_string(load.unavailable) + ", no answer " + std::to_string(load.no_answer) +
         ", read back " + std::to_string(read.found) + ", duplicates " +
         std::to_string(read.duplicates) + ", conflicting " + std::to_string(read.conflicting) +
         ", missing " + std::to_string(read.missing);
}

DaemonRig::DaemonRig() : spool_dir_(temp_dir("jumio-bridge-durability")) {
  std::string error;
  cluster_ = kafka::EmbeddedCluster::start(1, &error);
  if (!cluster_) std::fprintf(stderr, "mock cluster: %s\n", error.c_str());
}

DaemonRig::~DaemonRig() {
  stop_daemon();
  cluster_.reset();
  std::error_code ec;
  std::filesystem::remove_all(spool_dir_, ec);
}

bool DaemonRig::start_daemon(const std::function<void(config::Config&)>& customize) {
  stop_daemon();
  config::Config config;
  config.http.listen = "127.0.0.1:0";
  config.admin.listen = "127.0.0.1:0";
  // Every test client connects from 127.0.0.1: the per-address cap is tested on its own.
  config.http.max_connections_per_address = config.http.max_connections;
  config.kafka.brokers = cluster_->bootstraps();
  config.spool.dir = spool_dir_;
  if (customize) customize(config);
  std::string error;
  daemon_ = cli::Daemon::start(config, &error);
  if (!daemon_) std::fprintf(stderr, "daemon: %s\n", error.c_str());
  return daemon_ != nullptr;
}

void DaemonRig::stop_daemon() {
  if (daemon_) daemon_->stop();
  daemon_.reset();
}

std::string DaemonRig::metrics() const {
  httplib::Client client("127.0.0.1", daemon_ ? daemon_->admin_port() : 0);
  auto answer = client.Get("/metrics");
  return answer ? answer->body : "";
}

bool DaemonRig::spool_empties(std::chrono::milliseconds bound) {
  const auto deadline = Clock::now() + bound;
  while (daemon_->spool().depth() > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return daemon_->spool().depth() == 0;
}

}  // namespace jb::test
