#include "http/callback_routes.h"

#include <chrono>

#include "common/log.h"
#include "http/syntax.h"

namespace jb::http {
namespace {

constexpr std::string_view kRetryAfter = "Retry-After: 5\r\n";
constexpr std::string_view kAllowPost = "Allow: POST\r\n";
constexpr std::string_view kAuthenticate =
    "WWW-Authenticate: Basic realm=\"jumio-bridge\", charset=\"UTF-8\"\r\n";

// The plain-text body of a refusal: "403 Forbidden\n".
std::string_view refusal_body(int status) {
  thread_local std::string body;
  body = std::to_string(status);
  body.append(" ").append(reason_phrase(status)).append("\n");
  return body;
}

// Whether the request says it was forwarded: X-Forwarded-For or Forwarded (RFC 7239), even
// empty.
bool carries_forwarding(const RequestHead& head) {
  if (!head.forwarded_for.empty()) return true;
  for (const Field& field : head.fields()) {
    const std::string_view name = field.name;
    if (syntax::equals_lower(name, "forwarded") || syntax::equals_lower(name, "x-forwarded-for"))
      return true;
  }
  return false;
}

}  // namespace

CallbackRoutes::CallbackRoutes(std::string path, BasicAuth basic_auth, pipeline::Pipeline* pipeline,
                               metrics::ServeMetrics* metrics)
    : path_(std::move(path)),
      basic_auth_(std::move(basic_auth)),
      pipeline_(pipeline),
      metrics_(metrics) {}

void CallbackRoutes::set_allowlist(std::shared_ptr<const Allowlist> allowlist) {
  std::lock_guard<std::mutex> lock(allowlist_mutex_);
  allowlist_ = std::move(allowlist);
}

std::shared_ptr<const Allowlist> CallbackRoutes::allowlist() const {
  std::lock_guard<std::mutex> lock(allowlist_mutex_);
  return allowlist_;
}

bool CallbackRoutes::admits(const std::string& peer_ip) const {
  return allowlist()->admits(peer_ip);
}

bool CallbackRoutes::trusted_proxy(const std::string& peer_ip) const {
  return allowlist()->trusted_proxy(peer_ip);
}

bool CallbackRoutes::refuse(int status, const char* reason, Reply* reply) {
  log::debug("callback rejected", {{"reason", reason}, {"status", status}});
  rejected_log_.note({{"last_reason", reason}, {"last_status", status}});
  metrics_->count_response(status);
  metrics_->count_request_refused(reason);
  reply->status = status;
  reply->content_type = "text/plain";
  reply->body = refusal_body(status);
  return true;
}

bool CallbackRoutes::answer_head(const RequestHead& head, const std::string& peer_ip,
                                 Reply* reply) {
  if (!is_known_method(head.method)) return refuse(501, "unknown_method", reply);
  if (head.path != path_) return refuse(404, "unknown_path", reply);
  if (head.method != "POST") {
    reply->extra_headers = kAllowPost;
    return refuse(405, "method_not_allowed", reply);
  }
  auto allowlist = this->allowlist();
  if (carries_forwarding(head) && !allowlist->trusted_proxy(peer_ip)) {
    // A proxy nobody declared: behind it every client would look like the proxy.
    untrusted_forwarding_log_.note({{"peer", peer_ip}});
    return refuse(403, "untrusted_forwarding", reply);
  }
  if (!allowlist->allowed(allowlist->client_address(peer_ip, head.forwarded_for)))
    return refuse(403, "address_not_allowed", reply);
  if (!basic_auth_.accepts(head.authorization)) {
    reply->extra_headers = kAuthenticate;
    return refuse(401, "not_authenticated", reply);
  }
  if (!is_identity_coding(head.content_encoding)) return refuse(415, "content_encoding", reply);
  return false;
}

void CallbackRoutes::handle(const Request& request, Respond respond) {
  const auto received_at = std::chrono::system_clock::now();
  const std::string client =
      allowlist()->client_address(request.peer_ip, request.head.forwarded_for);
  pipeline::Request callback{request.body, request.head.content_type, client, received_at};
  pipeline_->submit(callback, [this, respond = std::move(respond)](pipeline::Outcome outcome) {
    Reply reply;
    if (outcome == pipeline::Outcome::unavailable) {
      reply.status = 503;
      reply.extra_headers = kRetryAfter;
      reply.content_type = "text/plain";
      reply.body = "503 Service Unavailable\n";
    }
    metrics_->count_response(reply.status);
    respond(reply);
  });
}

void CallbackRoutes::refused(int status, const char* reason) {
  log::debug("request refused", {{"reason", reason}, {"status", status}});
  refused_log_.note({{"last_reason", reason}, {"last_status", status}});
  metrics_->count_response(status);
  metrics_->count_request_refused(reason);
}

void CallbackRoutes::connection_refused(const char* reason) {
  metrics_->count_connection_refused(reason);
  connections_refused_log_.note({{"last_reason", reason}});
}

}  // namespace jb::http
