#include "http/server.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

namespace jb::http {
namespace {

// The admin listener: a few scrapes and probes at a time.
constexpr size_t kAdminConnections = 64;

// Reader threads on the callback listener's epoll set. They normalise and produce, and share the
// cores with Kafka's threads: one per two cores, at most four. On 2 cores one reader measured as
// fast as two with a lower p99 (bench/README.md).
int reader_count() {
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
}

ListenerOptions callback_options(const config::HttpConfig& http) {
  ListenerOptions options;
  options.readers = reader_count();
  options.max_connections = static_cast<size_t>(http.max_connections);
  options.max_connections_per_address = static_cast<size_t>(http.max_connections_per_address);
  options.read_timeout = std::chrono::milliseconds(http.read_timeout_ms);
  options.write_timeout = std::chrono::milliseconds(http.write_timeout_ms);
  options.request_timeout = std::chrono::milliseconds(http.request_timeout_ms);
  options.keep_alive_timeout = std::chrono::milliseconds(http.keep_alive_timeout_ms);
  options.proxy_keep_alive_timeout = std::chrono::milliseconds(http.proxy_keep_alive_timeout_ms);
  options.keep_alive_max_requests = static_cast<size_t>(http.keep_alive_max_requests);
  options.framing.max_head_bytes = static_cast<size_t>(http.max_header_bytes);
  options.framing.max_header_fields = static_cast<size_t>(http.max_headers);
  options.framing.max_body_bytes = http.max_body_bytes;
  return options;
}

}  // namespace

ListenerOptions admin_listener_options(const config::HttpConfig& http,
                                       const config::AdminConfig& admin) {
  ListenerOptions options = callback_options(http);
  options.name = "admin";
  options.readers = 1;
  options.max_connections = kAdminConnections;
  options.max_connections_per_address = static_cast<size_t>(admin.max_connections_per_address);
  options.proxy_keep_alive_timeout = options.keep_alive_timeout;
  return options;
}

bool split_listen_address(const std::string& listen, std::string* host, int* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string_view p(listen);
  p.remove_prefix(colon + 1);
  int value = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value < 0 || value > 65535) return false;
  *host = h;
  *port = value;
  return true;
}

Server::Server(const config::HttpConfig& http, const config::AdminConfig& admin,
               pipeline::Pipeline* pipeline, metrics::ServeMetrics* metrics,
               std::function<bool()> ready)
    : http_(http),
      admin_config_(admin),
      tls_(http.tls.cert_file.empty()
               ? nullptr
               : make_tls_context(http.tls.cert_file, http.tls.key_file, &tls_error_)),
      callback_routes_(http.path, BasicAuth(http.basic_auth.user, http.basic_auth.password),
                       pipeline, metrics),
      admin_routes_(metrics, std::move(ready)) {
  admin_routes_.set_allow(admin_config_.allow);
  callbacks_ = std::make_unique<Listener>(callback_options(http_), tls_.get(), &callback_routes_);
  if (!admin_config_.listen.empty()) {
    admin_ = std::make_unique<Listener>(admin_listener_options(http_, admin_config_), nullptr,
                                        &admin_routes_);
  }
}

Server::~Server() {
  stop();
}

void Server::set_allowlist(std::shared_ptr<const Allowlist> allowlist) {
  callback_routes_.set_allowlist(std::move(allowlist));
}

void Server::set_admin_allow(const std::vector<std::string>& cidrs) {
  admin_routes_.set_allow(cidrs);
}

bool Server::reload_tls(const config::TlsConfig& tls, std::string* error) {
  if (tls.cert_file.empty() != http_.tls.cert_file.empty()) {
    *error = tls.cert_file.empty() ? "turning TLS off needs a restart"
                                   : "turning TLS on needs a restart";
    return false;
  }
  if (tls.cert_file.empty()) return true;
  TlsContext fresh = make_tls_context(tls.cert_file, tls.key_file, error);
  if (!fresh) return false;
  callbacks_->set_tls(fresh.get());
  tls_ = std::move(fresh);
  http_.tls = tls;
  return true;
}

bool Server::bind(std::string* error) {
  if (!http_.tls.cert_file.empty() && !tls_) {
    *error = tls_error_;
    return false;
  }
  std::string host;
  int port = 0;
  if (!split_listen_address(http_.listen, &host, &port)) {
    *error = "http.listen is not host:port";
    return false;
  }
  if (!callbacks_->bind(host, port, error)) {
    *error = "http.listen: " + *error;
    return false;
  }
  if (!admin_) return true;
  if (!split_listen_address(admin_config_.listen, &host, &port)) {
    *error = "admin.listen is not host:port";
    return false;
  }
  if (!admin_->bind(host, port, error)) {
    *error = "admin.listen: " + *error;
    return false;
  }
  return true;
}

void Server::start() {
  callbacks_->start();
  if (admin_) admin_->start();
}

void Server::stop() {
  if (admin_) admin_->stop();
  if (callbacks_) callbacks_->stop();
}

}  // namespace jb::http
