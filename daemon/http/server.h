// The daemon's two listeners (CONTRACT.md sections 3 and 7): http.listen serves only
// POST {http.path}; admin.listen serves /healthz, /readyz and /metrics.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/admin_routes.h"
#include "http/allowlist.h"
#include "http/callback_routes.h"
#include "http/listener.h"
#include "http/tls.h"
#include "metrics/serve_metrics.h"
#include "pipeline/pipeline.h"

namespace jb::http {

class Server {
 public:
  // ready() answers /readyz: true when a callback can be stored right now.
  Server(const config::HttpConfig& http, const config::AdminConfig& admin,
         pipeline::Pipeline* pipeline, metrics::ServeMetrics* metrics, std::function<bool()> ready);
  ~Server();

  // Binds both listeners; port 0 picks a free port. False with *error when one cannot bind or
  // the TLS certificate and key cannot be loaded.
  bool bind(std::string* error);
  int port() const { return callbacks_->port(); }
  // The admin listener's port; 0 when admin.listen is "".
  int admin_port() const { return admin_ ? admin_->port() : 0; }
  // Before start(): the callback listener's readers also watch `fd` (Listener::watch).
  void watch(int fd, std::function<void()> ready) { callbacks_->watch(fd, std::move(ready)); }
  // Serves on threads of its own until stop().
  void start();
  // Stops accepting; callbacks in flight are answered first.
  void stop();

  // Swapped on reload; requests in flight keep the list they started with.
  void set_allowlist(std::shared_ptr<const Allowlist> allowlist);
  // admin.allow, swapped on reload: checked when an admin connection is accepted.
  void set_admin_allow(const std::vector<std::string>& cidrs);
  // Reads http.tls's certificate and key again (a renewed certificate): new connections use them,
  // open ones keep theirs. False with *error (the old pair stays) when they cannot be loaded, or
  // when TLS would be turned on or off (that needs a restart).
  bool reload_tls(const config::TlsConfig& tls, std::string* error);

 private:
  config::HttpConfig http_;
  config::AdminConfig admin_config_;
  TlsContext tls_;
  std::string tls_error_;
  CallbackRoutes callback_routes_;
  AdminRoutes admin_routes_;
  std::unique_ptr<Listener> callbacks_;
  std::unique_ptr<Listener> admin_;
};

// An admin listener's options: the callback listener's timeouts and framing limits (its routes
// answer every request from the head, so a body is never read), its own caps from `admin`.
ListenerOptions admin_listener_options(const config::HttpConfig& http,
                                       const config::AdminConfig& admin);

// "host:port" split; "[::1]:8080" gives "::1". False when malformed.
bool split_listen_address(const std::string& listen, std::string* host, int* port);

}  // namespace jb::http
