#include "http/server.h"

#include <sys/socket.h>

#include <charconv>
#include <chrono>

#include "common/log.h"

namespace jb::http {
namespace {

constexpr int kListenBacklog = 1024;
constexpr const char* kRetryAfterSeconds = "5";
constexpr std::string_view kRetryAfterField = "Retry-After: 5\r\n";
constexpr std::string_view kUnavailableBody = "503 Service Unavailable\n";

std::string regex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

int status_of(pipeline::Outcome outcome) {
  switch (outcome) {
    case pipeline::Outcome::published:
    case pipeline::Outcome::dead_lettered:
      return 200;
    case pipeline::Outcome::unavailable:
      return 503;
  }
  return 500;
}

// Every X-Forwarded-For field, joined in order: a proxy may add its own field instead of appending
// to the client's, and the right-most untrusted hop must still be the one believed.
std::string forwarded_for(const httplib::Request& request) {
  std::string joined;
  const size_t count = request.get_header_value_count("X-Forwarded-For");
  for (size_t i = 0; i < count; ++i) {
    if (!joined.empty()) joined += ", ";
    joined += request.get_header_value("X-Forwarded-For", i);
  }
  return joined;
}

}  // namespace

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

namespace {

ConnectionLimits connection_limits(const config::HttpConfig& http) {
  ConnectionLimits limits;
  limits.threads = http.threads;
  limits.max_connections = static_cast<size_t>(http.max_connections);
  limits.read_timeout = std::chrono::milliseconds(http.read_timeout_ms);
  limits.write_timeout = std::chrono::milliseconds(http.write_timeout_ms);
  limits.request_timeout = std::chrono::milliseconds(http.request_timeout_ms);
  limits.keep_alive_timeout = std::chrono::milliseconds(http.keep_alive_timeout_ms);
  limits.keep_alive_max_requests = static_cast<size_t>(http.keep_alive_max_requests);
  limits.head.max_head_bytes = static_cast<size_t>(http.max_header_bytes);
  limits.head.max_header_fields = static_cast<size_t>(http.max_headers);
  limits.head.max_body_bytes = http.max_body_bytes;
  return limits;
}

}  // namespace

Server::Server(const config::HttpConfig& http, pipeline::Pipeline* pipeline, Metrics* metrics,
               std::function<bool()> ready)
    : http_(http),
      pipeline_(pipeline),
      metrics_(metrics),
      ready_(std::move(ready)),
      tls_(http.tls.cert_file.empty()
               ? nullptr
               : make_tls_context(http.tls.cert_file, http.tls.key_file, &tls_error_)),
      basic_auth_(http.basic_auth.user, http.basic_auth.password) {
  auto on_refused = [metrics](int status, const char* reason) {
    log::warn("request refused", {{"reason", reason}, {"status", std::to_string(status)}});
    metrics->count_response(status);
  };
  server_ = std::make_unique<GuardedServer>(connection_limits(http_), tls_.get(), on_refused);
  server_->set_fast_handler([this](const FastRequest& request, Answer answer) {
    return handle_fast(request, std::move(answer));
  });
  auto& svr = *server_;
  svr.set_tcp_nodelay(true);
  // Only the Keep-Alive header of cpp-httplib's answers uses these (GuardedServer enforces both).
  svr.set_keep_alive_max_count(static_cast<size_t>(http_.keep_alive_max_requests));
  svr.set_keep_alive_timeout(http_.keep_alive_timeout_ms / 1000);
  svr.set_payload_max_length(http_.max_body_bytes);
  svr.set_socket_options([this](socket_t fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });
  // Requests elsewhere than the callback path never need a body: refuse one before it is read.
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    bool has_body =
        req.has_header("Transfer-Encoding") || req.get_header_value<uint64_t>("Content-Length") > 0;
    if (req.path == http_.path || !has_body) return httplib::Server::HandlerResponse::Unhandled;
    refuse(res, 404, "body_on_other_path");
    return httplib::Server::HandlerResponse::Handled;
  });

  const std::string path = regex_escape(http_.path);
  svr.Post(path,
           [this](const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader) { handle_callback(req, res, reader); });
  auto not_allowed = [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST");
    refuse(res, 405, "method_not_allowed");
  };
  svr.Get(path, not_allowed);
  svr.Put(path, not_allowed);
  svr.Delete(path, not_allowed);
  svr.Patch(path, not_allowed);
  svr.Options(path, not_allowed);

  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = ready_ && ready_();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
  });
  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_->prometheus_text(), "text/plain; version=0.0.4");
  });
}

Server::~Server() {
  stop();
}

void Server::set_allowlist(std::shared_ptr<const Allowlist> allowlist) {
  std::lock_guard<std::mutex> lock(allowlist_mutex_);
  allowlist_ = std::move(allowlist);
}

std::shared_ptr<const Allowlist> Server::allowlist() const {
  std::lock_guard<std::mutex> lock(allowlist_mutex_);
  return allowlist_;
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
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0) {
      *error = "cannot bind " + http_.listen;
      return false;
    }
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
  } else {
    *error = "cannot bind " + http_.listen;
    return false;
  }
  // cpp-httplib listens with a backlog of 5: widen it so bursts of new connections are not dropped.
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  return true;
}

void Server::run() {
  server_->listen_after_bind();
}

void Server::stop() {
  if (server_ && server_->is_running()) server_->stop();
}

void Server::answer(httplib::Response& response, int status) {
  response.status = status;
  if (status == 503) response.set_header("Retry-After", kRetryAfterSeconds);
  if (status != 200) {
    response.set_content(std::to_string(status) + " " + reason_phrase(status) + "\n", "text/plain");
  }
  metrics_->count_response(status);
}

void Server::refuse(httplib::Response& response, int status, const char* reason) {
  log::warn("callback rejected", {{"reason", reason}});
  response.set_header("Connection", "close");
  if (Connection* connection = GuardedServer::current_connection())
    connection->close_after_response = true;
  answer(response, status);
}

bool Server::handle_fast(const FastRequest& request, Answer answer) {
  const RequestHead& head = request.head;
  if (head.method != "POST" || head.target != http_.path) return false;
  if (!head.content_encoding.empty() && head.content_encoding != "identity") return false;
  auto received_at = std::chrono::system_clock::now();
  auto allowlist = this->allowlist();
  std::string client = allowlist->client_address(request.remote_ip, head.forwarded_for);
  if (!allowlist->allowed(client) || !basic_auth_.accepts(head.authorization)) return false;
  pipeline::Request callback{request.body, head.content_type, client, received_at};
  pipeline_->submit(callback, [this, answer = std::move(answer)](pipeline::Outcome outcome) {
    const int status = status_of(outcome);
    metrics_->count_response(status);
    FastAnswer text;
    text.status = status;
    text.reason_phrase = status == 200 ? "OK" : reason_phrase(status);
    if (status != 200) {
      text.extra_headers = kRetryAfterField;
      text.content_type = "text/plain";
      text.body = kUnavailableBody;
    }
    answer(text);
  });
  return true;
}

void Server::handle_callback(const httplib::Request& request, httplib::Response& response,
                             const httplib::ContentReader& content_reader) {
  auto received_at = std::chrono::system_clock::now();
  auto allowlist = this->allowlist();
  std::string client = allowlist->client_address(request.remote_addr, forwarded_for(request));
  if (!allowlist->allowed(client)) return refuse(response, 403, "address_not_allowed");
  if (!basic_auth_.accepts(request.get_header_value("Authorization"))) {
    response.set_header("WWW-Authenticate", "Basic realm=\"jumio-bridge\", charset=\"UTF-8\"");
    return refuse(response, 401, "not_authenticated");
  }
  std::string encoding = request.get_header_value("Content-Encoding");
  if (!encoding.empty() && encoding != "identity") return refuse(response, 415, "content_encoding");

  uint64_t announced = request.get_header_value<uint64_t>("Content-Length");
  if (announced > http_.max_body_bytes) return refuse(response, 413, "body_too_large");
  std::string body;
  body.reserve(announced);
  bool too_large = false;
  bool complete = content_reader([&](const char* data, size_t length) {
    if (body.size() + length > http_.max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (too_large) return refuse(response, 413, "body_too_large");
  if (!complete) return refuse(response, 400, "incomplete_body");

  const std::string content_type = request.get_header_value("Content-Type");
  pipeline::Request callback{body, content_type, client, received_at};
  answer(response, status_of(pipeline_->process(callback)));
}

}  // namespace jb::http
