#include "retrieval_api/client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "common/log.h"
#include "config/validate.h"
#include "retrieval_api/connection_pool.h"
#include "retrieval_api/retry.h"

namespace jb::retrieval_api {
namespace {

constexpr size_t kMaxReferenceBytes = 255;

// One request and what came back.
struct Attempt {
  int status = 0;  // 0 when no complete answer came
  std::string body;
  std::string retry_after;
  httplib::Error error = httplib::Error::Success;
  bool too_big = false;   // longer than Timing::max_answer_bytes
  bool too_slow = false;  // not complete within the timeout
  bool stopped = false;   // cut short by Client::stop()
  std::chrono::steady_clock::duration took{};
  long verify_result = X509_V_OK;
};

// What an attempt means for the caller.
struct Verdict {
  Answer::Outcome outcome;
  bool retry = false;
  std::string error;
};

bool is_ip_address(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

bool digits_only(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "" when the file holds at least one PEM certificate, else what is wrong (naming the file only).
std::string ca_file_problem(const std::string& path) {
  BIO* file = BIO_new_file(path.c_str(), "r");
  if (file == nullptr) return "retrieval.ca_file: cannot read " + path;
  X509* certificate = PEM_read_bio_X509(file, nullptr, nullptr, nullptr);
  BIO_free(file);
  if (certificate == nullptr) return "retrieval.ca_file: " + path + " holds no PEM certificate";
  X509_free(certificate);
  return "";
}

using TrustStore = std::shared_ptr<X509_STORE>;

// The CAs every connection of a client trusts, loaded once when the client is created: ca_file,
// or the system's CA store (OpenSSL's default paths, which SSL_CERT_FILE and SSL_CERT_DIR move).
TrustStore load_trust_store(const std::string& ca_file, std::string* problem) {
  TrustStore store(X509_STORE_new(), X509_STORE_free);
  if (!store) {
    *problem = "cannot create a CA store";
    return nullptr;
  }
  const int loaded = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                                     : X509_STORE_load_file(store.get(), ca_file.c_str());
  if (loaded != 1) {
    *problem = ca_file.empty() ? "cannot load the system CA store" : "cannot load " + ca_file;
    return nullptr;
  }
  return store;
}

// TLS 1.2 or newer, the certificate checked against `host` by OpenSSL itself (on top of
// cpp-httplib's own check), trusting `store` (ca_file's CAs, or the system's).
std::string configure_tls(httplib::SSLClient& client, const std::string& host,
                          const std::string& ca_file, const TrustStore& store) {
  SSL_CTX* context = client.ssl_context();
  if (context == nullptr) return "cannot create a TLS context";
  X509_STORE_up_ref(store.get());
  SSL_CTX_set_cert_store(context, store.get());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int named = is_ip_address(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                        : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (named != 1) return "cannot set the host name to verify";
  // cpp-httplib loads CAs into the store again before its first handshake: the same file, or
  // without one the default paths; either way it adds nothing the store does not trust already.
  if (!ca_file.empty()) client.set_ca_cert_path(ca_file);
  client.enable_server_certificate_verification(true);
  return "";
}

// A new kept-alive connection to the host of `url`, configured for the Retrieval API.
// With `basic`, every request carries the API token and secret as Basic credentials (the legacy
// APIs with retrieval.auth basic, and the OAuth2 token endpoint).
std::unique_ptr<Connection> open_connection(const ParsedUrl& url,
                                            const config::RetrievalConfig& config,
                                            const TrustStore& store, bool basic,
                                            std::string* error) {
  std::unique_ptr<httplib::ClientImpl> http;
  httplib::SSLClient* tls = nullptr;
  if (url.tls) {
    auto ssl = std::make_unique<httplib::SSLClient>(url.host, url.port);
    std::string problem = configure_tls(*ssl, url.host, config.ca_file, store);
    if (!problem.empty()) {
      *error = "retrieval: " + problem;
      return nullptr;
    }
    tls = ssl.get();
    http = std::move(ssl);
  } else {
    http = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  http->set_keep_alive(true);
  http->set_tcp_nodelay(true);  // else each request waits for a delayed ACK (~40 ms)
  http->set_follow_location(false);
  http->set_url_encode(false);  // resource_path() encodes the reference itself
  if (basic) http->set_basic_auth(config.api_token, config.api_secret);
  return std::make_unique<Connection>(std::move(http), tls);
}

// One request on the lent connection, over by `deadline`: cpp-httplib's timeouts are per socket
// operation, so the pool shuts the socket down at the deadline whatever the server trickles.
Attempt send_request(ConnectionPool::Lease& lease, const httplib::Request& prototype,
                     std::chrono::steady_clock::time_point start,
                     std::chrono::steady_clock::time_point deadline, size_t max_bytes) {
  Attempt attempt;
  httplib::ClientImpl& http = lease->http();
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    attempt.too_slow = true;
    attempt.took = std::chrono::steady_clock::now() - start;
    return attempt;
  }
  http.set_connection_timeout(left);
  http.set_read_timeout(left);
  http.set_write_timeout(left);
  lease.watch(deadline);
  httplib::Request request = prototype;
  request.response_handler = [&](const httplib::Response& response) {
    attempt.status = response.status;
    attempt.retry_after = response.get_header_value("Retry-After");
    const std::string length = response.get_header_value("Content-Length");
    if (digits_only(length) && (length.size() > 19 || std::stoull(length) > max_bytes)) {
      attempt.too_big = true;
      return false;
    }
    return true;
  };
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (size > max_bytes - attempt.body.size()) {
      attempt.too_big = true;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      attempt.too_slow = true;
      return false;
    }
    attempt.body.append(data, size);
    return true;
  };
  auto result = http.send(request);
  const ConnectionPool::Cut cut = lease.unwatch();
  const auto now = std::chrono::steady_clock::now();
  attempt.error = result.error();
  attempt.took = now - start;
  if (lease->tls() != nullptr) attempt.verify_result = lease->tls()->get_openssl_verify_result();
  if (attempt.error != httplib::Error::Success && !attempt.too_big) {
    attempt.status = 0;
    if (cut == ConnectionPool::Cut::stopped)
      attempt.stopped = true;
    else if (cut == ConnectionPool::Cut::deadline || now >= deadline)
      attempt.too_slow = true;
  }
  return attempt;
}

// Nothing came back on a connection that failed at once at its first read or write (a read that
// timed out took the whole timeout).
bool closed_while_idle(const Attempt& attempt, std::chrono::milliseconds timeout) {
  return attempt.status == 0 && !attempt.too_slow && attempt.took < timeout / 2 &&
         (attempt.error == httplib::Error::Read || attempt.error == httplib::Error::Write);
}

Verdict judge(const Attempt& attempt, std::chrono::milliseconds timeout, size_t max_bytes) {
  using Outcome = Answer::Outcome;
  const std::string status = "HTTP " + std::to_string(attempt.status);
  if (attempt.too_big)
    return {Outcome::failed, false,
            status + ": the answer is longer than " + std::to_string(max_bytes) + " bytes"};
  if (attempt.too_slow)
    return {Outcome::failed, true,
            "no complete answer within " + std::to_string(timeout.count()) + " ms"};
  switch (attempt.error) {
    case httplib::Error::Success:
      break;
    case httplib::Error::SSLServerVerification:
      return {Outcome::failed, false,
              std::string("TLS: the server's certificate is not trusted (") +
                  (attempt.verify_result == X509_V_OK
                       ? "it does not name the host"
                       : X509_verify_cert_error_string(attempt.verify_result)) +
                  "); check retrieval.ca_file or the system's CA store"};
    case httplib::Error::SSLLoadingCerts:
      return {Outcome::failed, false, "TLS: cannot load the CA certificates"};
    default:
      return {Outcome::failed, true, "network error: " + httplib::to_string(attempt.error)};
  }
  if (attempt.status == 200) return {Outcome::ok, false, ""};
  if (attempt.status == 404)
    return {Outcome::not_found, false, status + ": no such transaction (or it was deleted)"};
  if (attempt.status == 401 || attempt.status == 403)
    return {
        Outcome::unauthorized, false,
        status +
            ": the credentials were refused; check the API token and secret "
            "(retrieval.api_token, retrieval.api_secret) and that they may use the Retrieval API"};
  return {Outcome::failed, retryable_status(attempt.status), status};
}

}  // namespace

std::string_view outcome_name(Answer::Outcome outcome) {
  switch (outcome) {
    case Answer::Outcome::ok:
      return "ok";
    case Answer::Outcome::not_found:
      return "not_found";
    case Answer::Outcome::unauthorized:
      return "unauthorized";
    case Answer::Outcome::failed:
      return "failed";
    case Answer::Outcome::stopped:
      return "stopped";
  }
  return "";
}

std::unique_ptr<Client> Client::create(const config::RetrievalConfig& config, std::string* error,
                                       Timing timing) {
  auto fail = [&](std::string message) {
    *error = std::move(message);
    return nullptr;
  };
  if (config.user_agent.empty())
    return fail("retrieval.user_agent is empty; Jumio requires one naming your company and app");
  if (std::string problem = config::user_agent_problem(config.user_agent); !problem.empty())
    return fail("retrieval.user_agent " + problem);
  if (std::string problem = config::retrieval_auth_problem(config.auth); !problem.empty())
    return fail("retrieval.auth " + problem);
  const bool oauth2 = config.auth == "oauth2";
  if (config.api_token.empty() || config.api_secret.empty())
    return fail(
        "the Retrieval API token or secret is not set (JUMIO_BRIDGE_RETRIEVAL_API_TOKEN / "
        "_SECRET, or the credentials retrieval.api_token / retrieval.api_secret)");
  if (config.api_token.find(':') != std::string::npos)
    return fail("the Retrieval API token contains ':', which Basic authentication cannot carry");
  if (std::string problem = config::retrieval_base_url_problem(config.base_url); !problem.empty())
    return fail("retrieval.base_url " + problem);
  if (config.base_url.empty() && documented_base_url(Api::netverify, config.datacenter).empty())
    return fail("retrieval.datacenter is not US, EU or SGP");
  if (oauth2) {
    if (std::string problem = config::retrieval_base_url_problem(config.token_url);
        !problem.empty())
      return fail("retrieval.token_url " + problem);
    if (std::string problem = config::retrieval_base_url_problem(config.platform_base_url);
        !problem.empty())
      return fail("retrieval.platform_base_url " + problem);
    if (token_url(config).empty() || base_url(config, Api::workflow).empty())
      return fail("retrieval.datacenter is not US, EU or SGP");
    // A local API (a test double, a recording proxy) with the documented token endpoint would send
    // the real client credentials to Jumio from a setup that means to stay local.
    const bool local_api = config.base_url.rfind("http://", 0) == 0 ||
                           config.platform_base_url.rfind("http://", 0) == 0;
    if (local_api && config.token_url.empty())
      return fail(
          "retrieval.token_url is empty while an API base URL is plain http to a local address: "
          "set retrieval.token_url too (or retrieval.auth: basic for the legacy APIs)");
  }
  if (config.timeout_ms < 1) return fail("retrieval.timeout_ms must be at least 1");
  if (config.max_requests_per_second < 1)
    return fail("retrieval.max_requests_per_second must be at least 1");
  if (config.max_attempts < 1) return fail("retrieval.max_attempts must be at least 1");
  if (!config.ca_file.empty()) {
    if (std::string problem = ca_file_problem(config.ca_file); !problem.empty())
      return fail(problem);
  }

  std::unique_ptr<Client> client(new Client(config, timing));
  client->platform_problem_ = platform_problem(config);
  TrustStore store;
  // Each host: its URL, the key its errors name, whether its requests carry Basic credentials.
  struct Target {
    Host* host;
    std::string url;
    const char* key;
    bool basic;
  };
  std::vector<Target> targets = {
      {&client->netverify_, base_url(config, Api::netverify), "retrieval.base_url", !oauth2}};
  if (config.base_url.empty())  // else one host serves all three legacy APIs
    targets.push_back(
        {&client->document_, base_url(config, Api::document), "retrieval.base_url", !oauth2});
  if (oauth2) {
    targets.push_back({&client->workflow_, base_url(config, Api::workflow),
                       "retrieval.platform_base_url", false});
    targets.push_back({&client->token_, token_url(config), "retrieval.token_url", true});
  }
  for (const Target& target : targets) {
    ParsedUrl url;
    if (!parse_url(target.url, &url)) return fail(std::string(target.key) + " is not a URL");
    std::string problem;
    if (url.tls && !store) {
      store = load_trust_store(config.ca_file, &problem);
      if (!store) return fail("retrieval: " + problem);
    }
    if (!open_connection(url, config, store, target.basic, &problem)) return fail(problem);
    target.host->path_prefix = url.path;
    const bool basic = target.basic;
    target.host->pool = std::make_unique<ConnectionPool>(
        kConnectionsPerHost, [url, config, store, basic](std::string* error) {
          return open_connection(url, config, store, basic, error);
        });
  }
  if (oauth2) {
    Client* self = client.get();
    client->tokens_ = std::make_unique<TokenSource>(
        [self](std::optional<TokenGrant>* grant) { return self->request_token(grant); });
  }
  return client;
}

std::string Client::platform_problem(const config::RetrievalConfig& config) {
  if (config.auth == "oauth2") return "";
  return "retrieval.auth is " + config.auth +
         ": the Jumio Platform's Retrieval API takes OAuth2 bearer tokens only; set "
         "retrieval.auth: oauth2 (the API token and secret are then an OAuth2 client's id and "
         "secret)";
}

Client::Client(const config::RetrievalConfig& config, Timing timing)
    : user_agent_(config.user_agent),
      timeout_(config.timeout_ms),
      spacing_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::nanoseconds(1000000000) / config.max_requests_per_second)),
      max_attempts_(config.max_attempts),
      timing_(timing),
      random_(std::random_device{}()) {}

Client::~Client() = default;

Answer Client::status(Api api, std::string_view reference) {
  return fetch(api, Query::status, reference);
}

Answer Client::details(Api api, std::string_view reference) {
  return fetch(api, Query::details, reference);
}

Answer Client::workflow(Query query, std::string_view account_id, std::string_view execution_id) {
  Answer answer;
  if (stopped()) {
    answer.outcome = Answer::Outcome::stopped;
    answer.error = "stopped";
    return answer;
  }
  if (!platform_problem_.empty() || !workflow_.pool) {
    answer.outcome = Answer::Outcome::unauthorized;
    answer.error = platform_problem_;
    return answer;
  }
  for (std::string_view id : {account_id, execution_id}) {
    if (id.empty() || id.size() > kMaxReferenceBytes) {
      answer.error = id.empty() ? "empty id" : "id longer than 255 bytes";
      return answer;
    }
  }
  Outgoing outgoing;
  outgoing.path = workflow_.path_prefix + workflow_path(query, account_id, execution_id);
  const log::Fields what = {
      {"api", api_name(Api::workflow)}, {"reference", execution_id}, {"account", account_id}};
  return exchange(workflow_, outgoing, what, true);
}

void Client::stop() {
  {
    std::lock_guard<std::mutex> lock(wait_mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
  for (Host* host : {&netverify_, &document_, &workflow_, &token_}) {
    if (host->pool) host->pool->stop();
  }
}

Counts Client::counts() const {
  std::lock_guard<std::mutex> lock(counts_mutex_);
  return counts_;
}

Client::Host& Client::host(Api api) {
  return api == Api::document && document_.pool ? document_ : netverify_;
}

bool Client::stopped() const {
  std::lock_guard<std::mutex> lock(wait_mutex_);
  return stopped_;
}

bool Client::wait_until(std::chrono::steady_clock::time_point when) {
  std::unique_lock<std::mutex> lock(wait_mutex_);
  wake_.wait_until(lock, when, [this] { return stopped_; });
  return !stopped_;
}

std::chrono::milliseconds Client::next_backoff(int attempt) {
  std::lock_guard<std::mutex> lock(random_mutex_);
  return backoff_delay(attempt, timing_.backoff_base, timing_.backoff_cap, random_());
}

void Client::count(int status, bool token_endpoint) {
  std::lock_guard<std::mutex> lock(counts_mutex_);
  if (token_endpoint) {
    ++counts_.token_requests;
    return;
  }
  ++counts_.requests;
  ++counts_.answers[status];
}

Answer Client::fetch(Api api, Query query, std::string_view reference) {
  if (api == Api::workflow) {
    Answer answer;
    answer.error = "the workflow API takes an account id too";
    return answer;
  }
  if (reference.empty() || reference.size() > kMaxReferenceBytes) {
    Answer answer;
    if (stopped()) {
      answer.outcome = Answer::Outcome::stopped;
      answer.error = "stopped";
      return answer;
    }
    answer.error = reference.empty() ? "empty reference" : "reference longer than 255 bytes";
    return answer;
  }
  Host& target = host(api);
  Outgoing outgoing;
  outgoing.path = target.path_prefix + resource_path(api, query, reference);
  const log::Fields what = {{"api", api_name(api)}, {"reference", reference}};
  return exchange(target, outgoing, what, tokens_ != nullptr);
}

TokenSource::Obtained Client::request_token(std::optional<TokenGrant>* grant) {
  using Obtained = TokenSource::Obtained;
  Outgoing outgoing;
  outgoing.method = "POST";
  outgoing.path = token_.path_prefix.empty() ? "/" : token_.path_prefix;
  outgoing.body = "grant_type=client_credentials";
  outgoing.content_type = "application/x-www-form-urlencoded";
  const log::Fields what = {{"api", "oauth2_token"}};
  Answer answer = exchange(token_, outgoing, what, false);
  Obtained obtained;
  obtained.http_status = answer.http_status;
  switch (answer.outcome) {
    case Answer::Outcome::ok: {
      std::string problem;
      *grant = read_token_answer(answer.body, &problem);
      if (*grant) {
        obtained.outcome = Obtained::Outcome::ok;
      } else {
        obtained.outcome = Obtained::Outcome::failed;
        obtained.error = problem;
        log::write(log::Level::warn, "OAuth2 token answer unusable", what,
                   {{"status", answer.http_status}, {"error", problem}});
      }
      return obtained;
    }
    case Answer::Outcome::stopped:
      obtained.outcome = Obtained::Outcome::stopped;
      obtained.error = "stopped";
      return obtained;
    case Answer::Outcome::unauthorized:
    case Answer::Outcome::not_found:
      break;
    case Answer::Outcome::failed:
      // 4xx other than 429: the request or the credentials are wrong, asking again cannot help.
      if (answer.http_status < 400 || answer.http_status >= 500 || answer.http_status == 429) {
        obtained.outcome = Obtained::Outcome::failed;
        obtained.error = "OAuth2 token endpoint: " + answer.error;
        return obtained;
      }
      break;
  }
  obtained.outcome = Obtained::Outcome::refused;
  obtained.error = "OAuth2 token endpoint: HTTP " + std::to_string(answer.http_status) +
                   ": the client credentials were refused; check that "
                   "JUMIO_BRIDGE_RETRIEVAL_API_TOKEN / _SECRET (or the credentials "
                   "retrieval.api_token / retrieval.api_secret) are an OAuth2 client's id and "
                   "secret of retrieval.datacenter's region, and retrieval.token_url";
  return obtained;
}

Answer Client::exchange(Host& target, const Outgoing& outgoing, const log::Fields& what,
                        bool bearer) {
  Answer answer;
  auto stopped_answer = [&answer] {
    answer.outcome = Answer::Outcome::stopped;
    answer.body.clear();
    answer.error = "stopped";
    return answer;
  };
  if (stopped()) return stopped_answer();
  const bool token_endpoint = &target == &token_;
  httplib::Request prototype;
  prototype.method = outgoing.method;
  prototype.path = outgoing.path;
  prototype.headers = {{"Accept", "application/json"}, {"User-Agent", user_agent_}};
  if (!outgoing.body.empty()) {
    prototype.body = outgoing.body;
    prototype.headers.emplace("Content-Type", outgoing.content_type);
  }
  bool renewed = false;  // a 401 was answered with a new token once
  for (int attempt = 1;;) {
    std::string token;
    if (bearer) {
      TokenSource::Obtained obtained = tokens_->get();
      if (obtained.outcome != TokenSource::Obtained::Outcome::ok) {
        if (obtained.outcome == TokenSource::Obtained::Outcome::stopped || stopped())
          return stopped_answer();
        answer.outcome = obtained.outcome == TokenSource::Obtained::Outcome::refused
                             ? Answer::Outcome::unauthorized
                             : Answer::Outcome::failed;
        answer.http_status = obtained.http_status;
        answer.error = "no OAuth2 token: " + obtained.error;
        log::write(
            log::Level::warn, "Retrieval API request given up", what,
            {{"status", obtained.http_status}, {"attempt", attempt}, {"error", answer.error}});
        return answer;
      }
      token = std::move(obtained.token);
      prototype.headers.erase("Authorization");
      prototype.headers.emplace("Authorization", "Bearer " + token);
    }
    std::string open_error;
    ConnectionPool::Lease lease = target.pool->acquire(&open_error);
    if (!lease) {
      if (stopped()) return stopped_answer();
      answer.error = open_error;
      log::write(log::Level::warn, "Retrieval API request given up", what,
                 {{"attempt", attempt}, {"error", answer.error}});
      return answer;
    }
    if (!wait_until(process_request_spacing().reserve(spacing_))) return stopped_answer();
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout_;
    const bool reused = lease->http().is_socket_open() != 0;
    Attempt sent = send_request(lease, prototype, start, deadline, timing_.max_answer_bytes);
    if (reused && closed_while_idle(sent, timeout_) && !stopped()) {
      // A kept-alive connection the server closed while idle (cpp-httplib cannot tell from a TLS
      // close_notify): once more on a new connection, as the same attempt, by the same deadline.
      log::write(log::Level::debug, "Retrieval API connection closed while idle; reconnecting",
                 what);
      count(sent.status, token_endpoint);
      sent = send_request(lease, prototype, start, deadline, timing_.max_answer_bytes);
    }
    lease = ConnectionPool::Lease();  // back to the pool before any wait
    answer.attempts += 1;
    answer.http_status = sent.status;
    if (sent.stopped ||
        (sent.error != httplib::Error::Success && !sent.too_big && !sent.too_slow && stopped())) {
      count(sent.status, token_endpoint);
      return stopped_answer();
    }
    Verdict verdict = judge(sent, timeout_, timing_.max_answer_bytes);
    count(sent.status, token_endpoint);
    if (bearer && sent.status == 401 && !renewed) {
      // The token expired early or was revoked: a new one, and this request once more.
      renewed = true;
      tokens_->invalidate(token);
      log::write(log::Level::info, "Retrieval API refused the OAuth2 token; asking for a new one",
                 what, {{"status", sent.status}, {"attempt", attempt}});
      continue;
    }
    answer.outcome = verdict.outcome;
    answer.error = verdict.error;
    if (bearer && verdict.outcome == Answer::Outcome::unauthorized) {
      answer.error = sent.status == 401
                         ? "HTTP 401: a new OAuth2 token was refused too; check that the OAuth2 "
                           "client (JUMIO_BRIDGE_RETRIEVAL_API_TOKEN) belongs to "
                           "retrieval.datacenter's region and may retrieve transaction data"
                         : "HTTP 403: refused; check that the OAuth2 client may retrieve "
                           "transaction data and that retrieval.user_agent names your company";
    }
    if (verdict.outcome == Answer::Outcome::ok) answer.body = std::move(sent.body);
    const bool retry = verdict.retry && attempt < max_attempts_;
    if (!retry) {
      if (verdict.retry) answer.error += " after " + std::to_string(attempt) + " attempts";
      // A token request given up is logged once, by the request that needed the token.
      if (!token_endpoint && (verdict.outcome == Answer::Outcome::failed ||
                              verdict.outcome == Answer::Outcome::unauthorized))
        log::write(log::Level::warn, "Retrieval API request given up", what,
                   {{"status", sent.status}, {"attempt", attempt}, {"error", answer.error}});
      return answer;
    }
    std::chrono::milliseconds delay = next_backoff(attempt);
    if (!sent.retry_after.empty()) {
      if (auto asked = retry_after_delay(sent.retry_after, std::chrono::system_clock::now()))
        delay = std::min(*asked, timing_.retry_after_cap);
    }
    log::write(log::Level::warn, "Retrieval API request failed; trying again", what,
               {{"status", sent.status},
                {"attempt", attempt},
                {"max_attempts", max_attempts_},
                {"error", verdict.error},
                {"delay_ms", delay.count()}});
    if (!token_endpoint) {
      std::lock_guard<std::mutex> lock(counts_mutex_);
      ++counts_.retries;
    }
    ++attempt;
    if (!wait_until(std::chrono::steady_clock::now() + delay)) return stopped_answer();
  }
}

}  // namespace jb::retrieval_api
