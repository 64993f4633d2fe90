#include "http/admin_routes.h"

#include <string>

#include "common/log.h"

namespace jb::http {
namespace {

constexpr std::string_view kAllowGet = "Allow: GET, HEAD\r\n";
constexpr std::string_view kPlainText = "text/plain";

bool refuse(int status, const char* reason, Reply* reply) {
  log::debug("admin request refused", {{"reason", reason}, {"status", status}});
  reply->status = status;
  reply->content_type = kPlainText;
  reply->body = status == 404   ? "404 Not Found\n"
                : status == 405 ? "405 Method Not Allowed\n"
                                : "501 Not Implemented\n";
  return true;
}

}  // namespace

AdminRoutes::AdminRoutes(metrics::ServeMetrics* metrics, std::function<bool()> ready)
    : AdminRoutes([metrics] { return metrics->exposition(); }, std::move(ready)) {}

AdminRoutes::AdminRoutes(std::function<std::string()> exposition, std::function<bool()> ready)
    : exposition_(std::move(exposition)), ready_(std::move(ready)) {}

void AdminRoutes::set_allow(const std::vector<std::string>& cidrs) {
  auto allow = std::make_shared<const Allowlist>(cidrs, std::vector<std::string>{},
                                                 std::vector<std::string>{});
  std::lock_guard<std::mutex> lock(allow_mutex_);
  allow_ = std::move(allow);
}

bool AdminRoutes::admits(const std::string& peer_ip) const {
  std::lock_guard<std::mutex> lock(allow_mutex_);
  return !allow_ || allow_->allowed(peer_ip);
}

bool AdminRoutes::answer_head(const RequestHead& head, const std::string&, Reply* reply) {
  if (!is_known_method(head.method)) return refuse(501, "unknown_method", reply);
  const std::string_view path = head.path;
  if (path != "/healthz" && path != "/readyz" && path != "/metrics")
    return refuse(404, "unknown_path", reply);
  if (head.method != "GET" && head.method != "HEAD") {
    reply->extra_headers = kAllowGet;
    return refuse(405, "method_not_allowed", reply);
  }
  reply->content_type = kPlainText;
  if (path == "/healthz") {
    reply->body = "ok\n";
  } else if (path == "/readyz") {
    const bool ready = ready_ && ready_();
    reply->status = ready ? 200 : 503;
    reply->body = ready ? "ready\n" : "not ready\n";
  } else {
    // The answer is copied before the next request on this thread.
    thread_local std::string exposition;
    exposition = exposition_();
    reply->content_type = "text/plain; version=0.0.4";
    reply->body = exposition;
  }
  return true;
}

void AdminRoutes::handle(const Request&, Respond respond) {
  // Every admin request is answered from its head; a body is never read.
  Reply reply;
  refuse(404, "unknown_path", &reply);
  respond(reply);
}

void AdminRoutes::refused(int status, const char* reason) {
  refused_log_.note({{"last_reason", reason}, {"last_status", status}});
}

void AdminRoutes::connection_refused(const char* reason) {
  connections_refused_log_.note({{"last_reason", reason}});
}

}  // namespace jb::http
