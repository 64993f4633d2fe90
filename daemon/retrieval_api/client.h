// A client of Jumio's Retrieval APIs (spec/jumio-retrieval-api.md, and the Jumio Platform's API
// v1): GET requests with Accept: application/json and the configured User-Agent, authorized by an
// OAuth2 bearer token (retrieval.auth: oauth2, the default; token.h: one token for every thread,
// renewed shortly before it expires, a 401 answered by one new token and one retry) or by Basic
// auth (retrieval.auth: basic, the legacy APIs only), over TLS verified against the system's
// CA store or retrieval.ca_file, on up to kConnectionsPerHost kept-alive connections per API host
// (a slow answer holds one of them, not every request). retrieval.timeout_ms bounds a whole
// request: connecting, TLS, sending and the answer up to its last byte. 429, 5xx, timeouts and
// network errors are tried again (up to max_attempts in all) after an exponential backoff with full
// jitter, or after the server's Retry-After; every attempt of every client of the process (token
// requests included) is spaced to stay under max_requests_per_second. Logs name the API, the
// reference, the status and the attempt, never an answer's body, a token or a credential.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "common/log.h"
#include "config/config.h"
#include "retrieval_api/token.h"
#include "retrieval_api/urls.h"

namespace jb::retrieval_api {

class ConnectionPool;

// Connections open at once to one API host, at most; a request finding all of them busy waits.
constexpr size_t kConnectionsPerHost = 8;

struct Answer {
  enum class Outcome { ok, not_found, unauthorized, failed, stopped };
  Outcome outcome = Outcome::failed;
  int http_status = 0;  // the last HTTP status; 0 = no answer (network error, timeout)
  std::string body;     // Outcome::ok: the answer's JSON text, unparsed
  std::string error;    // failed, unauthorized: why, for a log line (never the body or a secret)
  int attempts = 0;     // requests sent
};

// "ok", "not_found", "unauthorized", "failed", "stopped".
std::string_view outcome_name(Answer::Outcome outcome);

// Waits and limits; the defaults are for production, tests shorten them.
struct Timing {
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{30000};
  std::chrono::milliseconds retry_after_cap{600000};  // a longer Retry-After waits this long
  size_t max_answer_bytes = size_t{16} << 20;         // a longer answer is Outcome::failed
};

// What the client did, for metrics.
struct Counts {
  uint64_t requests = 0;            // requests sent (each attempt, and a kept-alive connection's
                                    // request sent again because the server had closed it)
  uint64_t retries = 0;             // attempts that followed a retryable failure
  std::map<int, uint64_t> answers;  // by HTTP status; 0 = no answer
  uint64_t token_requests = 0;      // requests sent to the OAuth2 token endpoint (each attempt;
                                    // not in `requests` or `answers`)
};

class Client {
 public:
  // Null with *error (naming the config key, never a secret) when retrieval.user_agent, the API
  // token or secret is empty, ca_file is unreadable or holds no certificate, or the base URL,
  // data centre, timeout, rate or attempts are unusable; with retrieval.auth oauth2, also when the
  // token URL or the platform base URL is.
  static std::unique_ptr<Client> create(const config::RetrievalConfig& config, std::string* error,
                                        Timing timing = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The transaction's status: scans/{ref}, authentications/{ref} (Authentication has no status
  // endpoint, so this is its details) or documents/{ref}. Thread-safe.
  Answer status(Api api, std::string_view reference);
  // Its details: scans/{ref}/data, authentications/{ref} or documents/{ref}/data. Thread-safe.
  Answer details(Api api, std::string_view reference);
  // "" when `config` can reach the Jumio Platform's API, else why not (naming retrieval.auth: the
  // platform takes OAuth2 only). `jumio-bridge retrieve` and `reconcile` check it before create().
  static std::string platform_problem(const config::RetrievalConfig& config);
  // A Jumio Platform workflow execution's status or details (urls.h workflow_path below the
  // platform base). Outcome::unauthorized when platform_problem() is not "". Thread-safe.
  Answer workflow(Query query, std::string_view account_id, std::string_view execution_id);
  // From any thread: ends waits (backoff, request spacing, a free connection) and the requests in
  // flight at once; every call then returns Outcome::stopped.
  void stop();

  Counts counts() const;

 private:
  struct Host {
    std::string path_prefix;  // the base URL's path, e.g. "/api/netverify/v2"
    std::unique_ptr<ConnectionPool> pool;
  };

  // One request, as sent on the wire.
  struct Outgoing {
    std::string method = "GET";
    std::string path;  // below the host, prefix included
    std::string body;
    std::string content_type;  // with a body
  };

  Client(const config::RetrievalConfig& config, Timing timing);
  Answer fetch(Api api, Query query, std::string_view reference);
  // Sends `outgoing` to `target` with the retries, spacing and logs of every request; with a
  // bearer token from tokens_ when `bearer` (a 401 drops it and is tried once more with a new one).
  Answer exchange(Host& target, const Outgoing& outgoing, const log::Fields& what, bool bearer);
  // One token request (TokenSource::Request).
  TokenSource::Obtained request_token(std::optional<TokenGrant>* grant);
  Host& host(Api api);
  // Sleeps until `when` or stop(); false when stopped.
  bool wait_until(std::chrono::steady_clock::time_point when);
  bool stopped() const;
  std::chrono::milliseconds next_backoff(int attempt);
  void count(int status, bool token_endpoint);

  const std::string user_agent_;
  const std::chrono::milliseconds timeout_;
  const std::chrono::steady_clock::duration spacing_;
  const int max_attempts_;
  const Timing timing_;
  Host netverify_;
  Host document_;  // no pool when base_url serves all three APIs
  Host workflow_;  // no pool with retrieval.auth basic
  Host token_;     // the token endpoint; no pool with retrieval.auth basic
  std::string platform_problem_;
  std::unique_ptr<TokenSource> tokens_;  // null with retrieval.auth basic

  mutable std::mutex wait_mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;

  std::mutex random_mutex_;
  std::mt19937_64 random_;

  mutable std::mutex counts_mutex_;
  Counts counts_;
};

}  // namespace jb::retrieval_api
