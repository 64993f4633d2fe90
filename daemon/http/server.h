// The HTTP endpoint (CONTRACT.md section 3): callbacks on http.path, /healthz, /readyz, /metrics.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "config/config.h"
#include "http/allowlist.h"
#include "http/basic_auth.h"
#include "http/guarded_server.h"
#include "http/metrics.h"
#include "http/tls.h"
#include "pipeline/pipeline.h"

namespace jb::http {

class Server {
 public:
  // ready() answers /readyz: true when a callback can be stored right now.
  Server(const config::HttpConfig& http, pipeline::Pipeline* pipeline, Metrics* metrics,
         std::function<bool()> ready);
  ~Server();

  // Binds http.listen; port 0 picks a free port. False with *error when it cannot bind or the
  // TLS certificate and key cannot be loaded.
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
  // The common case without cpp-httplib or a worker: a complete callback from an allowed,
  // authenticated sender. Anything else (refusals included) is left to handle_callback.
  bool handle_fast(const FastRequest& request, Answer answer);
  // Refuses a request before its body is read: answers `status` and closes the connection.
  void refuse(httplib::Response& response, int status, const char* reason);
  void answer(httplib::Response& response, int status);
  std::shared_ptr<const Allowlist> allowlist() const;

  config::HttpConfig http_;
  pipeline::Pipeline* pipeline_;
  Metrics* metrics_;
  std::function<bool()> ready_;
  TlsContext tls_;
  std::string tls_error_;
  BasicAuth basic_auth_;
  std::unique_ptr<GuardedServer> server_;
  int port_ = 0;
  int listen_fd_ = -1;
  mutable std::mutex allowlist_mutex_;
  std::shared_ptr<const Allowlist> allowlist_;
};

// "host:port" split; "[::1]:8080" gives "::1". False when malformed.
bool split_listen_address(const std::string& listen, std::string* host, int* port);

}  // namespace jb::http
