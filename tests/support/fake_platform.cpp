#include "support/fake_platform.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "support/test_tls.h"

namespace jb::test {
namespace {

using std::chrono::system_clock;

constexpr char kApiPrefix[] = "/api/v1/accounts/";
constexpr char kExecutions[] = "/workflow-executions/";

std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string base64url(const std::string& bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

bool use_pem(SSL_CTX& context, const std::string& cert_pem, const std::string& key_pem) {
  BIO* cert_in = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_in, nullptr, nullptr, nullptr);
  BIO_free(cert_in);
  BIO* key_in = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_in, nullptr, nullptr, nullptr);
  BIO_free(key_in);
  const bool ok =
      cert != nullptr && key != nullptr && SSL_CTX_use_certificate(&context, cert) == 1 &&
      SSL_CTX_use_PrivateKey(&context, key) == 1 && SSL_CTX_check_private_key(&context) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  return ok;
}

AuthorizationKind kind_of(const std::string& authorization) {
  if (authorization.empty()) return AuthorizationKind::none;
  if (authorization.rfind("Basic ", 0) == 0) return AuthorizationKind::basic;
  if (authorization.rfind("Bearer ", 0) == 0) return AuthorizationKind::bearer;
  return AuthorizationKind::other;
}

int64_t epoch_seconds(system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

void send_answer(httplib::Response& response, const ScriptedAnswer& answer) {
  response.status = answer.status;
  for (const auto& [name, value] : answer.headers) response.set_header(name, value);
  response.set_content(answer.body, answer.content_type.c_str());
}

}  // namespace

FakePlatform::FakePlatform() : FakePlatform(Options{}) {}

FakePlatform::FakePlatform(Options options) : options_(std::move(options)) {
  if (options_.tls) {
    const TestCertificates certificates = make_test_certificates(options_.certificate_names);
    if (certificates.ca_pem.empty()) return;
    char dir[] = "/tmp/jb-fake-platform-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    ca_file_ = dir_ + "/ca.pem";
    std::ofstream(ca_file_) << certificates.ca_pem;
    cert_pem_ = certificates.cert_pem;
    key_pem_ = certificates.key_pem;
  }
  start_server();
}

FakePlatform::~FakePlatform() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stopping_.notify_all();
  stop_server();
  for (auto& [server, thread] : retired_) {
    if (thread.joinable()) thread.join();
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool FakePlatform::start_server() {
  if (options_.tls) {
    const std::string cert = cert_pem_;
    const std::string key = key_pem_;
    server_ = std::make_unique<httplib::SSLServer>(
        [cert, key](SSL_CTX& context) { return use_pem(context, cert, key); });
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) return false;
  const size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response);
  };
  server_->Get(".*", handler).Post(".*", handler).Put(".*", handler).Delete(".*", handler);
  if (port_ <= 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
  } else if (!server_->bind_to_port("127.0.0.1", port_)) {
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Server::stop() does nothing before the accept loop runs: wait for it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return server_->is_running();
}

void FakePlatform::stop_server() {
  if (server_) server_->stop();
  retired_.emplace_back(std::move(server_), std::move(thread_));
  server_.reset();
}

std::string FakePlatform::base_url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string FakePlatform::token_url() const {
  return base_url() + options_.token_path;
}

void FakePlatform::set_workflow(const std::string& execution, const std::string& status,
                                DetailsOptions details) {
  std::lock_guard<std::mutex> lock(mutex_);
  details.workflow_status = status;
  workflows_[execution] = Workflow{status, std::move(details)};
}

void FakePlatform::script(PlatformEndpoint endpoint, const std::string& execution,
                          std::vector<ScriptedAnswer> answers) {
  std::lock_guard<std::mutex> lock(mutex_);
  scripts_[{endpoint, execution}] = std::move(answers);
}

void FakePlatform::script_token(std::vector<ScriptedAnswer> answers) {
  std::lock_guard<std::mutex> lock(mutex_);
  token_script_ = std::move(answers);
}

void FakePlatform::set_token_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.token_lifetime = lifetime;
}

void FakePlatform::revoke_tokens() {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_.clear();
}

void FakePlatform::set_outage(Outage outage) {
  Outage before;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    before = outage_;
    outage_ = outage;
  }
  if (before != Outage::refused && outage == Outage::refused) stop_server();
  if (before == Outage::refused && outage != Outage::refused) start_server();
}

std::vector<PlatformRequest> FakePlatform::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<TokenRequest> FakePlatform::token_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return token_requests_;
}

size_t FakePlatform::request_count(const std::string& execution) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const PlatformRequest& request : requests_) count += request.execution == execution;
  return count;
}

size_t FakePlatform::tokens_issued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return issued_;
}

void FakePlatform::clear_requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
  token_requests_.clear();
}

std::string FakePlatform::issue_token(system_clock::time_point now) {
  ++issued_;
  const auto expiry = now + options_.token_lifetime;
  std::string token;
  if (options_.jwt_tokens) {
    // exp in whole seconds, rounded down: the token is never valid longer than it says.
    const int64_t exp = epoch_seconds(expiry);
    token = base64url(R"({"alg":"RS256","typ":"JWT"})") + "." +
            base64url(R"({"exp":)" + std::to_string(exp) + R"(,"iat":)" +
                      std::to_string(epoch_seconds(now)) + R"(,"jti":"fake-)" +
                      std::to_string(issued_) + R"("})") +
            "." + base64url("fake-signature-" + std::to_string(issued_));
    tokens_[token] = system_clock::time_point(std::chrono::seconds(exp));
  } else {
    token = "opaque-fake-token-" + std::to_string(issued_);
    tokens_[token] = expiry;
  }
  return token;
}

void FakePlatform::handle_token(const httplib::Request& request, httplib::Response& response) {
  TokenRequest record;
  record.time = std::chrono::steady_clock::now();
  const std::string authorization = request.get_header_value("Authorization");
  record.authorization = kind_of(authorization);
  record.credentials_valid = request.get_header_value_count("Authorization") == 1 &&
                             authorization == httplib::make_basic_authentication_header(
                                                  options_.client_id, options_.client_secret)
                                                  .second;
  record.content_type = request.get_header_value("Content-Type");
  record.accept = request.get_header_value("Accept");
  record.body = request.body;
  record.user_agent = request.get_header_value("User-Agent");

  std::lock_guard<std::mutex> lock(mutex_);
  ScriptedAnswer answer;
  if (!record.credentials_valid) {
    answer = scripted(401, R"({"error":"invalid_client"})");
  } else if (record.body != "grant_type=client_credentials" ||
             record.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
    answer = scripted(400, R"({"error":"invalid_request"})");
  } else if (!token_script_.empty()) {
    answer = token_script_.front();
    token_script_.erase(token_script_.begin());
  }
  if (answer.status == 200 && answer.body.empty()) {
    record.token = issue_token(system_clock::now());
    answer.body = R"({"access_token":")" + record.token + R"(","expires_in":)" +
                  std::to_string(options_.token_lifetime.count()) + R"(,"token_type":"Bearer"})";
  }
  record.status = answer.status;
  token_requests_.push_back(record);
  send_answer(response, answer);
}

void FakePlatform::handle(const httplib::Request& request, httplib::Response& response) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (request.method == "POST" && path == options_.token_path) {
    handle_token(request, response);
    return;
  }
  PlatformRequest record;
  record.time = std::chrono::steady_clock::now();
  record.method = request.method;
  record.target = request.target;
  record.user_agent = request.get_header_value("User-Agent");
  for (size_t i = 0; i < request.get_header_value_count("Accept"); ++i)
    record.accept.push_back(request.get_header_value("Accept", i));
  const std::string authorization = request.get_header_value("Authorization");
  record.authorization = kind_of(authorization);
  if (record.authorization == AuthorizationKind::bearer) record.token = authorization.substr(7);

  // /api/v1/accounts/{account}/workflow-executions/{execution}[/status]
  if (path.rfind(kApiPrefix, 0) == 0) {
    const std::string rest = path.substr(sizeof(kApiPrefix) - 1);
    const size_t executions = rest.find(kExecutions);
    if (executions != std::string::npos && executions > 0) {
      const std::string account = rest.substr(0, executions);
      std::string execution = rest.substr(executions + sizeof(kExecutions) - 1);
      PlatformEndpoint endpoint = PlatformEndpoint::details;
      if (execution.size() > 7 && execution.compare(execution.size() - 7, 7, "/status") == 0) {
        execution.resize(execution.size() - 7);
        endpoint = PlatformEndpoint::status;
      }
      if (account.find('/') == std::string::npos && !execution.empty() &&
          execution.find('/') == std::string::npos) {
        record.endpoint = endpoint;
        record.account = percent_decode(account);
        record.execution = percent_decode(execution);
      }
    }
  }

  ScriptedAnswer answer;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!record.token.empty()) {
      auto found = tokens_.find(record.token);
      record.token_valid = found != tokens_.end() && system_clock::now() < found->second;
    }
    if (outage_ == Outage::refused) {
      answer = scripted(503, R"({"title":"Service Unavailable","status":503})");
      answer.headers.emplace_back("Connection", "close");
    } else if (outage_ == Outage::unavailable) {
      answer = scripted(503, R"({"title":"Service Unavailable","status":503})");
    } else if (record.method != "GET") {
      answer = scripted(405, R"({"title":"Method Not Allowed","status":405})");
    } else if (!record.token_valid) {
      answer = scripted(401, R"({"title":"Unauthorized","status":401})");
    } else if (!record.endpoint) {
      answer = scripted(404, R"({"title":"Not Found","status":404})");
    } else {
      auto found = scripts_.find({*record.endpoint, record.execution});
      if (found != scripts_.end() && !found->second.empty()) {
        answer = found->second.front();
        if (found->second.size() > 1) found->second.erase(found->second.begin());
      }
      if (answer.status == 200 && answer.body.empty()) {
        Workflow workflow;
        if (auto known = workflows_.find(record.execution); known != workflows_.end())
          workflow = known->second;
        answer.body =
            *record.endpoint == PlatformEndpoint::status
                ? workflow_status_body(record.account, record.execution, workflow.status)
                : workflow_details_body(record.account, record.execution, workflow.details);
      }
    }
    record.status = answer.status;
    requests_.push_back(record);
    if (answer.delay.count() > 0) stopping_.wait_for(lock, answer.delay, [this] { return stop_; });
  }
  send_answer(response, answer);
}

}  // namespace jb::test
