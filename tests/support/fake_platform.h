// A fake of the Jumio Platform for tests, written from the platform reference: an HTTPS server (or
// plain HTTP) on 127.0.0.1 with a throw-away CA serving
//   POST {token_path}  the OAuth2 token endpoint: Basic client credentials, a form body
//                      grant_type=client_credentials; answers {access_token, expires_in,
//                      token_type: "Bearer"}, the token a JWT with exp and iat (or opaque);
//   GET /api/v1/accounts/{account}/workflow-executions/{execution}[/status]
//                      the Retrieval API v1, only with a bearer token it issued that has not
//                      expired (else 401); default bodies from platform_answers.h.
// Answers can be scripted per (endpoint, execution), like FakeRetrievalApi; the token endpoint can
// be scripted too (a 429 with Retry-After, a 401). An outage makes every API request 503, or
// closes the port (connection refused) until it ends. Every request is recorded. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_retrieval_api.h"  // ScriptedAnswer, scripted()
#include "support/platform_answers.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace jb::test {

enum class PlatformEndpoint {
  status,   // GET /api/v1/accounts/{account}/workflow-executions/{execution}/status
  details,  // GET /api/v1/accounts/{account}/workflow-executions/{execution}
};

enum class AuthorizationKind { none, basic, bearer, other };

// One request to the Retrieval API (any path but the token endpoint's).
struct PlatformRequest {
  std::string method;
  std::string target;                        // as sent
  std::optional<PlatformEndpoint> endpoint;  // none when the path is not one of the API's
  std::string account;                       // decoded
  std::string execution;                     // decoded
  AuthorizationKind authorization = AuthorizationKind::none;
  std::string token;         // the bearer token as sent
  bool token_valid = false;  // issued by the fake and unexpired when it arrived
  std::string user_agent;
  std::vector<std::string> accept;
  int status = 0;  // what the fake answered (0 when the outage closed the connection)
  std::chrono::steady_clock::time_point time;
};

// One request to the token endpoint.
struct TokenRequest {
  AuthorizationKind authorization = AuthorizationKind::none;
  bool credentials_valid = false;  // Basic with the fake's client id and secret
  std::string content_type;
  std::string accept;
  std::string body;
  std::string user_agent;
  int status = 0;     // what the fake answered
  std::string token;  // the token issued (status 200)
  std::chrono::steady_clock::time_point time;
};

class FakePlatform {
 public:
  struct Options {
    bool tls = true;  // false: plain HTTP (for http:// URLs to loopback)
    std::string client_id = "fake-oauth-client-id";
    std::string client_secret = "fake-oauth-client-secret";
    std::string token_path = "/oauth2/token";
    std::chrono::seconds token_lifetime{3600};  // expires_in and exp - iat
    bool jwt_tokens = true;                     // false: opaque tokens (only expires_in tells)
    std::vector<std::string> certificate_names = {"127.0.0.1", "::1", "localhost"};
    // Server threads: connections served at once (an idle kept-alive connection holds one).
    size_t threads = 32;
  };
  enum class Outage {
    none,
    unavailable,  // every API request is answered 503 (the token endpoint still answers)
    refused,      // the port is closed: every new connection is refused (the token endpoint's
                  // too); a request on a connection already open is answered 503 and closed
  };

  FakePlatform();
  explicit FakePlatform(Options options);
  ~FakePlatform();
  FakePlatform(const FakePlatform&) = delete;
  FakePlatform& operator=(const FakePlatform&) = delete;

  bool running() const { return port_ > 0; }
  int port() const { return port_; }
  // "https://127.0.0.1:{port}": retrieval.platform_base_url.
  std::string base_url() const;
  // "https://127.0.0.1:{port}/oauth2/token": retrieval.token_url.
  std::string token_url() const;
  // A PEM file with the CA of the server certificate ("" in plain HTTP mode): retrieval.ca_file.
  const std::string& ca_file() const { return ca_file_; }
  const Options& options() const { return options_; }

  // What the default answers say of `execution`: its status (the status endpoint's
  // workflowExecution.status) and its details. Without this: PROCESSED and DetailsOptions{}.
  void set_workflow(const std::string& execution, const std::string& status,
                    DetailsOptions details = {});
  // The answers to the next requests for (endpoint, execution), in order; the last one repeats. A
  // 200 with an empty body is the default body.
  void script(PlatformEndpoint endpoint, const std::string& execution,
              std::vector<ScriptedAnswer> answers);
  // The answers to the next token requests with valid credentials, in order, each once; then
  // tokens again. A 200 with an empty body issues a token.
  void script_token(std::vector<ScriptedAnswer> answers);
  // Tokens issued from now on live this long.
  void set_token_lifetime(std::chrono::seconds lifetime);
  // Every token issued so far is refused from now on (401), as after a revocation.
  void revoke_tokens();
  void set_outage(Outage outage);

  std::vector<PlatformRequest> requests() const;
  std::vector<TokenRequest> token_requests() const;
  // API requests for the execution, on any endpoint.
  size_t request_count(const std::string& execution) const;
  // Tokens issued (token requests answered 200).
  size_t tokens_issued() const;
  void clear_requests();

 private:
  struct Workflow {
    std::string status = "PROCESSED";
    DetailsOptions details;
  };

  bool start_server();
  void stop_server();
  void handle(const httplib::Request& request, httplib::Response& response);
  void handle_token(const httplib::Request& request, httplib::Response& response);
  std::string issue_token(std::chrono::system_clock::time_point now);  // with mutex_ held

  Options options_;
  std::string dir_;
  std::string ca_file_;
  std::string cert_pem_;
  std::string key_pem_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  // Servers stopped by an outage, and their threads: joined by the destructor (a thread ends once
  // the connections its server still serves are closed).
  std::vector<std::pair<std::unique_ptr<httplib::Server>, std::thread>> retired_;
  int port_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable stopping_;
  bool stop_ = false;
  Outage outage_ = Outage::none;
  std::map<std::string, Workflow> workflows_;
  std::map<std::pair<PlatformEndpoint, std::string>, std::vector<ScriptedAnswer>> scripts_;
  std::vector<ScriptedAnswer> token_script_;
  std::map<std::string, std::chrono::system_clock::time_point> tokens_;  // issued: their expiry
  std::vector<PlatformRequest> requests_;
  std::vector<TokenRequest> token_requests_;
  size_t issued_ = 0;
};

}  // namespace jb::test
