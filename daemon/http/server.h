// The HTTP endpoint (CONTRACT.md section 3): callbacks on http.path, /healthz, /readyz, /metrics.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "config/config.h"
#include "http/allowlist.h"
#include "http/metrics.h"
#include "pipeline/pipeline.h"

namespace jb::http {

class Server {
 public:
  // ready() answers /readyz: true when a callback can be stored right now.
  Server(const config::HttpConfig& http, pipeline::Pipeline* pipeline, Metrics* metrics,
         std::function<bool()> ready);
  ~Server();

  // Binds http.listen; port 0 picks a free port. False with *error when it cannot bind.
  bool bind(std::string* error);
  int port() const { return port_; }
  // Serves until stop(); in-flight requests finish first.
  void run();
  bool running() const { return server_->is_running(); }
  void stop();

  // Swapped on reload; requests in flight keep the list they started with.
  void set_allowlist(std::shared_ptr<const Allowlist> allowlist);

 private:
  void handle_callback(const httplib::Request& request, httplib::Response& response,
                       const httplib::ContentReader& content_reader);
  void answer(httplib::Response& response, int status);
  std::shared_ptr<const Allowlist> allowlist() const;

  config::HttpConfig http_;
  pipeline::Pipeline* pipeline_;
  Metrics* metrics_;
  std::function<bool()> ready_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  int listen_fd_ = -1;
  mutable std::mutex allowlist_mutex_;
  std::shared_ptr<const Allowlist> allowlist_;
};

// "host:port" split; "[::1]:8080" gives "::1". False when malformed.
bool split_listen_address(const std::string& listen, std::string* host, int* port);

}  // namespace jb::http
