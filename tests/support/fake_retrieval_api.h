// A fake of Jumio's Retrieval API for tests: an HTTPS server (or plain HTTP) on 127.0.0.1 with a
// throw-away CA, serving the guide's endpoints below a base path, and an OAuth2 token endpoint
// (POST {token_path}, Basic client credentials) issuing opaque bearer tokens that never expire.
// Answers are scripted per endpoint and reference; every API request is recorded (token requests
// are only counted). Requests without the right Basic credentials or a token it issued are
// answered 401, other paths 404 and other methods 405. Thread-safe.
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

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace jb::test {

enum class RetrievalEndpoint {
  scan_status,      // GET {base}/scans/{ref}
  scan_details,     // GET {base}/scans/{ref}/data
  authentication,   // GET {base}/authentications/{ref}
  document_status,  // GET {base}/documents/{ref}
  document_details  // GET {base}/documents/{ref}/data
};

struct ScriptedAnswer {
  int status = 200;
  std::string body;  // "" with 200: the endpoint's default body (the builders below) for the ref
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Retry-After", "1"}
  std::chrono::milliseconds delay{0};                        // before answering
  std::string content_type = "application/json";
};

struct RecordedRequest {
  std::string method;
  std::string target;                         // as sent: path (still percent-encoded) and query
  std::optional<RetrievalEndpoint> endpoint;  // none when the path is not one of the API's
  std::string reference;                      // decoded
  std::vector<std::string> accept;            // every Accept field
  std::string user_agent;
  bool has_authorization = false;
  bool authorized = false;  // Basic with the fake's token and secret, or a bearer token it issued
  bool bearer = false;      // authorized by a bearer token
  int remote_port = -1;     // the client's port: the same one for requests on one connection
  std::chrono::steady_clock::time_point time;
};

class FakeRetrievalApi {
 public:
  struct Options {
    bool tls = true;  // false: plain HTTP (for http:// base URLs to loopback)
    std::string api_token = "fake-api-token";
    std::string api_secret = "fake-api-secret";
    std::string base_path = "/api/netverify/v2";
    std::string token_path = "/oauth2/token";
    // The names in the server certificate (signed by the fake's CA).
    std::vector<std::string> certificate_names = {"127.0.0.1", "::1", "localhost"};
    // How long an idle kept-alive connection stays open.
    int keep_alive_timeout_s = 5;
    // Server threads: connections served at once (an idle kept-alive connection holds one).
    size_t threads = 8;
  };

  FakeRetrievalApi();
  explicit FakeRetrievalApi(Options options);
  ~FakeRetrievalApi();
  FakeRetrievalApi(const FakeRetrievalApi&) = delete;
  FakeRetrievalApi& operator=(const FakeRetrievalApi&) = delete;

  bool running() const { return port_ > 0; }
  int port() const { return port_; }
  // "https://127.0.0.1:{port}/api/netverify/v2": retrieval.base_url for a client of the fake.
  std::string base_url() const;
  // "https://127.0.0.1:{port}/oauth2/token": retrieval.token_url for a client of the fake.
  std::string token_url() const;
  // POST requests to the token endpoint, answered or not.
  size_t token_requests() const;
  // A PEM file with the CA that signed the server certificate ("" in plain HTTP mode).
  const std::string& ca_file() const { return ca_file_; }
  const std::string& ca_pem() const { return ca_pem_; }
  const Options& options() const { return options_; }

  // The answers to the next requests for (endpoint, reference), in order; the last one repeats.
  // Without a script an endpoint answers 200 with its default body.
  void script(RetrievalEndpoint endpoint, const std::string& reference,
              std::vector<ScriptedAnswer> answers);
  std::vector<RecordedRequest> requests() const;
  // Requests for the reference, on any endpoint.
  size_t request_count(const std::string& reference) const;
  void clear_requests();
  // The most requests it was answering at once (a scripted delay included), since it started.
  size_t most_concurrent() const;

 private:
  void handle(const httplib::Request& request, httplib::Response& response);
  ScriptedAnswer next_answer(RetrievalEndpoint endpoint, const std::string& reference);

  Options options_;
  std::string dir_;
  std::string ca_file_;
  std::string ca_pem_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable stopping_;
  bool stop_ = false;
  std::map<std::pair<RetrievalEndpoint, std::string>, std::vector<ScriptedAnswer>> scripts_;
  std::vector<RecordedRequest> requests_;
  size_t answering_ = 0;
  size_t token_requests_ = 0;
  std::vector<std::string> issued_;  // bearer tokens handed out
  size_t most_answering_ = 0;
};

// A scripted answer with this status and body (the other members as their defaults).
ScriptedAnswer scripted(int status, std::string body);

// Answers built from the guide's sample responses, with the reference filled in.
// GET scans/{ref}: {"timestamp", "scanReference", "status": PENDING | DONE | FAILED}.
std::string scan_status_body(const std::string& reference, const std::string& status = "DONE");
// GET scans/{ref}/data: timestamp, scanReference, document (with a RAW address), transaction,
// verification. A document status other than APPROVED_VERIFIED gives a verification with a
// rejectReason and a document without extracted data.
std::string scan_details_body(const std::string& reference,
                              const std::string& transaction_status = "DONE",
                              const std::string& document_status = "APPROVED_VERIFIED");
// GET authentications/{ref}: transactionReference, enrollmentTransactionReference,
// transactionResult (CREATED | STARTED | PASSED | FAILED | INVALID | EXPIRED), scanSource,
// transactionDate, images, livenessImages.
std::string authentication_body(const std::string& reference, const std::string& result = "PASSED");
// GET documents/{ref}: {"scanReference", "timestamp", "status": DONE | FAILED}.
std::string document_status_body(const std::string& reference, const std::string& status = "DONE");
// GET documents/{ref}/data: a credit card (CC) document and its transaction.
std::string document_details_body(const std::string& reference,
                                  const std::string& transaction_status = "DONE");

}  // namespace jb::test
