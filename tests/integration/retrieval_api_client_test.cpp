// The Retrieval API client against a fake Jumio on loopback (real TLS with a throw-away CA): the
// headers and paths it sends, certificate verification, which answers are final and which are
// tried again (and how long it waits), the process-wide request spacing, the connection pool (a
// slow answer holds up no other request), the timeout of a whole request, stop(), and that no
// credential reaches an error or a log line.
#include "retrieval_api/client.h"
#include "support/captured_stderr.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "support/fake_retrieval_api.h"
#include "support/test_tls.h"

namespace jb::retrieval_api {
namespace {

using jb::test::FakeRetrievalApi;
using jb::test::RetrievalEndpoint;
using jb::test::ScriptedAnswer;
using Outcome = Answer::Outcome;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kReference[] = "5a8b2a3c-1d2e-4f60-9a7b-0c1d2e3f4a5b";
constexpr char kUserAgent[] = "Example Corp jumio-bridge-test/1.0";

config::RetrievalConfig config_for(const FakeRetrievalApi& fake) {
  config::RetrievalConfig config;
  config.base_url = fake.base_url();
  config.user_agent = kUserAgent;
  config.timeout_ms = 2000;
  config.max_requests_per_second = 1000;
  config.max_attempts = 5;
  config.ca_file = fake.ca_file();
  config.api_token = fake.options().api_token;
  config.api_secret = fake.options().api_secret;
  return config;
}

// Backoffs of a few milliseconds so that retries cost nothing.
Timing fast() {
  Timing timing;
  timing.backoff_base = milliseconds(5);
  timing.backoff_cap = milliseconds(20);
  return timing;
}

std::unique_ptr<Client> client_for(const config::RetrievalConfig& config, Timing timing = fast()) {
  std::string error;
  std::unique_ptr<Client> client = Client::create(config, &error, timing);
  EXPECT_TRUE(client) << error;
  return client;
}

ScriptedAnswer answer(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  ScriptedAnswer scripted;
  scripted.status = status;
  scripted.headers = std::move(headers);
  return scripted;
}

// What the calls in `run` wrote to stderr (the log).
template <typename Run>
std::string captured_log(Run run) {
  return test::captured_stderr(run);
}

// The Basic credentials as they appear on the wire (base64 of token:secret).
std::string httplib_basic(const config::RetrievalConfig& config) {
  const std::string field =
      httplib::make_basic_authentication_header(config.api_token, config.api_secret).second;
  return field.substr(field.find(' ') + 1);
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// A plain HTTP server on 127.0.0.1 that answers each connection, one at a time, with `answer`:
// its first `at_once` bytes at once, then one byte per `interval`. Stops when destroyed.
class TricklingServer {
 public:
  TricklingServer(std::string answer, size_t at_once, milliseconds interval)
      : answer_(std::move(answer)), at_once_(at_once), interval_(interval) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      return;
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TricklingServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
  }

  int port() const { return port_; }
  // "http://127.0.0.1:{port}/api/netverify/v2"
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/api/netverify/v2";
  }

 private:
  // Waits up to `wait` for fd to be readable; false on stop.
  bool readable(int fd, milliseconds wait) {
    pollfd polled{fd, POLLIN, 0};
    return !stop_ && ::poll(&polled, 1, static_cast<int>(wait.count())) > 0;
  }
  void serve() {
    while (!stop_) {
      if (!readable(listener_, milliseconds(50))) continue;
      const int peer = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (peer < 0) continue;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos && readable(peer, milliseconds(2000))) {
        const ssize_t got = ::recv(peer, buffer, sizeof(buffer), 0);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
      }
      bool open = ::send(peer, answer_.data(), at_once_, MSG_NOSIGNAL) >= 0;
      for (size_t i = at_once_; open && i < answer_.size() && !stop_; ++i) {
        const auto next = Clock::now() + interval_;
        while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(milliseconds(10));
        open = ::send(peer, answer_.data() + i, 1, MSG_NOSIGNAL) == 1;
      }
      ::close(peer);
    }
  }

  const std::string answer_;
  const size_t at_once_;
  const milliseconds interval_;
  int listener_ = -1;
  int port_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(RetrievalApiClient, SendsAcceptUserAgentAndBasicAuthOnOneKeptAliveConnection) {
  FakeRetrievalApi fake;
  ASSERT_TRUE(fake.running());
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const Answer first = client->status(Api::netverify, kReference);
  const Answer second = client->details(Api::netverify, kReference);
  EXPECT_EQ(first.outcome, Outcome::ok) << first.error;
  EXPECT_EQ(first.http_status, 200);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_EQ(first.body, jb::test::scan_status_body(kReference));
  EXPECT_EQ(second.body, jb::test::scan_details_body(kReference));
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.accept, std::vector<std::string>{"application/json"});
    EXPECT_EQ(request.user_agent, kUserAgent);
    EXPECT_TRUE(request.authorized);
  }
  EXPECT_EQ(requests[0].remote_port, requests[1].remote_port) << "a new connection per request";
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 2u);
  EXPECT_EQ(counts.retries, 0u);
  EXPECT_EQ(counts.answers.at(200), 2u);
}

TEST(RetrievalApiClient, SequentialRequestsReuseOneConnection) {
  FakeRetrievalApi fake;
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  // Four: the fake closes a connection after its fifth request.
  for (int i = 0; i < 4; ++i) {
    const Answer got = i % 2 == 0 ? client->status(Api::netverify, kReference)
                                  : client->details(Api::document, kReference);
    EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  }
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& request : requests) EXPECT_EQ(request.remote_port, requests[0].remote_port);
}

TEST(RetrievalApiClient, AtMostThePoolCapOfConnectionsAreOpenAtOnce) {
  FakeRetrievalApi::Options options;
  options.threads = 4 * kConnectionsPerHost;  // so that the fake does not cap them itself
  FakeRetrievalApi fake(options);
  ScriptedAnswer slow;
  slow.delay = milliseconds(500);
  const size_t callers = 2 * kConnectionsPerHost;
  for (size_t i = 0; i < callers; ++i)
    fake.script(RetrievalEndpoint::scan_status, "ref-" + std::to_string(i), {slow});
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  std::vector<std::thread> threads;
  std::atomic<size_t> ok{0};
  for (size_t i = 0; i < callers; ++i)
    threads.emplace_back([&, i] {
      ok += client->status(Api::netverify, "ref-" + std::to_string(i)).outcome == Outcome::ok;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), callers);
  std::set<int> ports;
  for (const auto& request : fake.requests()) ports.insert(request.remote_port);
  EXPECT_LE(fake.most_concurrent(), kConnectionsPerHost);
  EXPECT_GT(fake.most_concurrent(), 1u) << "one request at a time";
  EXPECT_LE(ports.size(), kConnectionsPerHost) << "connections were not reused";
  std::printf("%zu callers: %zu requests answered at once at most, on %zu connections\n", callers,
              fake.most_concurrent(), ports.size());
}

TEST(RetrievalApiClient, OneSlowTransactionDoesNotHoldUpTheOthers) {
  FakeRetrievalApi fake;
  const std::string stuck = "slow-reference";
  ScriptedAnswer slow;
  slow.delay = std::chrono::seconds(10);
  fake.script(RetrievalEndpoint::scan_status, stuck, {slow});
  fake.script(RetrievalEndpoint::scan_details, stuck, {slow});
  config::RetrievalConfig config = config_for(fake);
  config.max_requests_per_second = 20;
  config.timeout_ms = 15000;
  auto client = client_for(config);
  ASSERT_TRUE(client);
  // The slow one first, then 40 that are answered at once; status then details, as reconcile asks.
  std::vector<std::string> references = {stuck};
  for (int i = 0; i < 40; ++i) references.push_back("fast-" + std::to_string(i));
  std::atomic<size_t> next{0};
  std::atomic<int> fast_done{0}, fast_ok{0};
  std::atomic<bool> slow_done{false};
  auto work = [&] {
    for (size_t i = next++; i < references.size(); i = next++) {
      const Answer status = client->status(Api::netverify, references[i]);
      const Answer details =
          status.outcome == Outcome::ok ? client->details(Api::netverify, references[i]) : status;
      if (i == 0) {
        slow_done = true;
        continue;
      }
      fast_ok += status.outcome == Outcome::ok && details.outcome == Outcome::ok;
      ++fast_done;
    }
  };
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  workers.emplace_back(work);
  while (next.load() == 0) std::this_thread::sleep_for(milliseconds(1));  // it took the slow one
  for (int i = 0; i < 3; ++i) workers.emplace_back(work);
  const auto give_up = start + std::chrono::seconds(30);
  while (fast_done.load() < 40 && Clock::now() < give_up)
    std::this_thread::sleep_for(milliseconds(5));
  const double took = seconds_between(start, Clock::now());
  const bool slow_finished_first = slow_done.load();
  client->stop();  // ends the slow request
  for (auto& worker : workers) worker.join();

  EXPECT_EQ(fast_done.load(), 40);
  EXPECT_EQ(fast_ok.load(), 40);
  EXPECT_FALSE(slow_finished_first) << "the 40 waited for the slow answer";
  const auto requests = fake.requests();
  auto slow_request = std::find_if(requests.begin(), requests.end(),
                                   [&](const auto& request) { return request.reference == stuck; });
  ASSERT_NE(slow_request, requests.end());
  size_t fast_requests = 0;
  for (const auto& request : requests) {
    if (request.reference == stuck) continue;
    ++fast_requests;
    EXPECT_LT(request.time, slow_request->time + slow.delay) << "sent after the slow answer";
  }
  EXPECT_EQ(fast_requests, 80u);
  std::printf("40 references (80 requests) beside a 10 s answer: %.2f s, %.1f requests/s\n", took,
              80 / took);
}

TEST(RetrievalApiClient, ATricklingAnswerIsCutAtTheTimeout) {
  const std::string body(100, ' ');
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  struct Case {
    const char* name;
    size_t at_once;
  };
  // A byte every 300 ms of the body (after the head), or of the status line itself.
  for (const Case& c : {Case{"body", answer.size() - body.size()}, Case{"head", 0}}) {
    TricklingServer server(answer, c.at_once, milliseconds(300));
    ASSERT_GT(server.port(), 0);
    config::RetrievalConfig config;
    config.base_url = server.base_url();
    config.user_agent = kUserAgent;
    config.timeout_ms = 1000;
    config.max_requests_per_second = 1000;
    config.max_attempts = 1;
    config.api_token = "token";
    config.api_secret = "secret";
    auto client = client_for(config);
    ASSERT_TRUE(client);
    const auto start = Clock::now();
    const Answer got = client->status(Api::netverify, kReference);
    const double took = seconds_between(start, Clock::now());
    EXPECT_EQ(got.outcome, Outcome::failed) << c.name;
    EXPECT_EQ(got.http_status, 0) << c.name;
    EXPECT_EQ(got.attempts, 1) << c.name;
    EXPECT_NE(got.error.find("no complete answer within 1000 ms"), std::string::npos)
        << c.name << ": " << got.error;
    // The whole answer would take 30 s (body) or 50 s (head).
    EXPECT_GE(took, 0.95) << c.name;
    EXPECT_LT(took, 2.5) << c.name;
  }
}

TEST(RetrievalApiClient, StopEndsEveryRequestInFlightAndTheWaitForAConnection) {
  FakeRetrievalApi fake;
  ScriptedAnswer slow;
  slow.delay = milliseconds(5000);
  const size_t callers = kConnectionsPerHost + 1;
  for (size_t i = 0; i < callers; ++i)
    fake.script(RetrievalEndpoint::scan_status, "ref-" + std::to_string(i), {slow});
  config::RetrievalConfig config = config_for(fake);
  config.timeout_ms = 10000;
  auto client = client_for(config);
  ASSERT_TRUE(client);
  std::vector<std::future<Answer>> pending;
  for (size_t i = 0; i < callers; ++i)
    pending.push_back(std::async(std::launch::async, [&, i] {
      return client->status(Api::netverify, "ref-" + std::to_string(i));
    }));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (fake.requests().size() < kConnectionsPerHost && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  std::this_thread::sleep_for(milliseconds(50));
  ASSERT_EQ(fake.requests().size(), kConnectionsPerHost) << "the last one waits for a connection";
  const auto stopped_at = Clock::now();
  client->stop();
  for (auto& answer : pending) {
    ASSERT_EQ(answer.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_EQ(answer.get().outcome, Outcome::stopped);
  }
  EXPECT_LT(seconds_between(stopped_at, Clock::now()), 1.0);
  EXPECT_EQ(fake.requests().size(), kConnectionsPerHost);
}

TEST(RetrievalApiClient, AConnectionTheServerClosedWhileIdleIsReplaced) {
  FakeRetrievalApi::Options options;
  options.keep_alive_timeout_s = 1;
  FakeRetrievalApi fake(options);
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->status(Api::netverify, kReference).outcome, Outcome::ok);
  std::this_thread::sleep_for(milliseconds(1300));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 1);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].remote_port, requests[1].remote_port);
}

TEST(RetrievalApiClient, EachApiAndQueryHitsItsEndpoint) {
  FakeRetrievalApi fake;
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  struct Case {
    Api api;
    bool details;
    const char* target;
    std::string body;
  };
  const std::string base = "/api/netverify/v2/";
  const std::string ref = kReference;
  const Case cases[] = {
      {Api::netverify, false, "scans/", jb::test::scan_status_body(ref)},
      {Api::netverify, true, "scans/{}/data", jb::test::scan_details_body(ref)},
      {Api::authentication, false, "authentications/", jb::test::authentication_body(ref)},
      {Api::authentication, true, "authentications/", jb::test::authentication_body(ref)},
      {Api::document, false, "documents/", jb::test::document_status_body(ref)},
      {Api::document, true, "documents/{}/data", jb::test::document_details_body(ref)},
  };
  for (const Case& c : cases) {
    fake.clear_requests();
    const Answer got = c.details ? client->details(c.api, ref) : client->status(c.api, ref);
    EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
    EXPECT_EQ(got.body, c.body);
    std::string target = base + c.target;
    const size_t slot = target.find("{}");
    if (slot == std::string::npos)
      target += ref;
    else
      target.replace(slot, 2, ref);
    const auto requests = fake.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].target, target) << api_name(c.api);
  }
}

TEST(RetrievalApiClient, ReferenceIsPercentEncodedInThePath) {
  FakeRetrievalApi fake;
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const std::string odd = "a b/../c?d#e%f\xC3\xA9";
  EXPECT_EQ(client->status(Api::netverify, odd).outcome, Outcome::ok);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/netverify/v2/scans/a%20b%2F..%2Fc%3Fd%23e%25f%C3%A9");
  EXPECT_EQ(requests[0].reference, odd);
}

TEST(RetrievalApiClient, EmptyReferenceFailsWithoutARequest) {
  FakeRetrievalApi fake;
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->details(Api::document, "");
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(RetrievalApiClient, PlainHttpToLoopback) {
  FakeRetrievalApi::Options options;
  options.tls = false;
  FakeRetrievalApi fake(options);
  ASSERT_TRUE(fake.running());
  ASSERT_EQ(fake.base_url().rfind("http://127.0.0.1:", 0), 0u);
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::authentication, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.body, jb::test::authentication_body(kReference));
}

TEST(RetrievalApiClient, UntrustedCertificateFailsAtOnceWithAClearError) {
  FakeRetrievalApi fake;
  FakeRetrievalApi other;  // its CA did not sign fake's certificate
  config::RetrievalConfig config = config_for(fake);
  config.ca_file = other.ca_file();
  auto client = client_for(config);
  ASSERT_TRUE(client);
  const auto start = Clock::now();
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1) << "a certificate problem is not worth trying again";
  EXPECT_EQ(got.http_status, 0);
  EXPECT_NE(got.error.find("certificate is not trusted"), std::string::npos) << got.error;
  EXPECT_NE(got.error.find("retrieval.ca_file"), std::string::npos) << got.error;
  EXPECT_TRUE(fake.requests().empty()) << "the request went out over an unverified connection";
  EXPECT_LT(seconds_between(start, Clock::now()), 2.0);
}

TEST(RetrievalApiClient, CertificateForAnotherHostIsRefused) {
  FakeRetrievalApi::Options options;
  options.certificate_names = {"retrieval.example.invalid"};
  FakeRetrievalApi fake(options);
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_NE(got.error.find("not trusted"), std::string::npos) << got.error;
  EXPECT_TRUE(fake.requests().empty());
}

TEST(RetrievalApiClient, WithoutCaFileTheSystemStoreIsTrusted) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = config_for(fake);
  config.ca_file.clear();
  // The system's store does not know the throw-away CA...
  auto untrusting = client_for(config);
  ASSERT_TRUE(untrusting);
  EXPECT_EQ(untrusting->status(Api::netverify, kReference).outcome, Outcome::failed);
  // ... and OpenSSL's default paths are what the client loads: SSL_CERT_FILE moves them.
  const char* saved = std::getenv("SSL_CERT_FILE");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("SSL_CERT_FILE", fake.ca_file().c_str(), 1);
  auto trusting = client_for(config);
  if (saved != nullptr)
    ::setenv("SSL_CERT_FILE", previous.c_str(), 1);
  else
    ::unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(trusting);
  const Answer got = trusting->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
}

TEST(RetrievalApiClient, NotFoundIsFinal) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer(404)});
  auto client = client_for(config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::not_found);
  EXPECT_EQ(got.http_status, 404);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_TRUE(got.body.empty());
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, RefusedCredentialsAreFinalAndNamedInTheError) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = config_for(fake);
  config.api_secret = "wrong-secret-value";
  auto wrong = client_for(config);
  ASSERT_TRUE(wrong);
  const Answer refused = wrong->status(Api::netverify, kReference);
  EXPECT_EQ(refused.outcome, Outcome::unauthorized);
  EXPECT_EQ(refused.http_status, 401);
  EXPECT_EQ(refused.attempts, 1);
  EXPECT_NE(refused.error.find("api_token"), std::string::npos) << refused.error;
  EXPECT_EQ(fake.request_count(kReference), 1u);

  fake.clear_requests();
  fake.script(RetrievalEndpoint::document_details, kReference, {answer(403)});
  auto right = client_for(config_for(fake));
  const Answer forbidden = right->details(Api::document, kReference);
  EXPECT_EQ(forbidden.outcome, Outcome::unauthorized);
  EXPECT_EQ(forbidden.http_status, 403);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, OtherClientErrorsFailWithoutRetry) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer(400)});
  auto client = client_for(config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.http_status, 400);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, ServerErrorsAreTriedAgain) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_details, kReference, {answer(500), answer(502), answer(200)});
  auto client = client_for(config_for(fake));
  const Answer got = client->details(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 3);
  EXPECT_EQ(got.body, jb::test::scan_details_body(kReference));
  EXPECT_EQ(fake.request_count(kReference), 3u);
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 3u);
  EXPECT_EQ(counts.retries, 2u);
  EXPECT_EQ(counts.answers.at(500), 1u);
  EXPECT_EQ(counts.answers.at(502), 1u);
  EXPECT_EQ(counts.answers.at(200), 1u);
}

TEST(RetrievalApiClient, GivesUpAfterMaxAttempts) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer(503)});
  config::RetrievalConfig config = config_for(fake);
  config.max_attempts = 3;
  auto client = client_for(config);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.http_status, 503);
  EXPECT_EQ(got.attempts, 3);
  EXPECT_NE(got.error.find("HTTP 503"), std::string::npos) << got.error;
  EXPECT_NE(got.error.find("after 3 attempts"), std::string::npos) << got.error;
  EXPECT_EQ(fake.request_count(kReference), 3u);
}

TEST(RetrievalApiClient, RetryAfterIsWaitedOutInsteadOfTheBackoff) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference,
              {answer(429, {{"Retry-After", "1"}}), answer(200)});
  auto client = client_for(config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 2);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  const double waited = seconds_between(requests[0].time, requests[1].time);
  EXPECT_GE(waited, 0.99);
  EXPECT_LT(waited, 3.0);

  // Retry-After: 0 beats a backoff of a minute.
  Timing slow = fast();
  slow.backoff_base = milliseconds(60000);
  slow.backoff_cap = milliseconds(60000);
  fake.script(RetrievalEndpoint::scan_status, kReference,
              {answer(503, {{"Retry-After", "0"}}), answer(200)});
  auto patient = client_for(config_for(fake), slow);
  const auto start = Clock::now();
  EXPECT_EQ(patient->status(Api::netverify, kReference).outcome, Outcome::ok);
  EXPECT_LT(seconds_between(start, Clock::now()), 2.0);
}

TEST(RetrievalApiClient, SlowAnswerTimesOutAndIsTriedAgain) {
  FakeRetrievalApi fake;
  ScriptedAnswer slow;
  slow.delay = milliseconds(1500);
  fake.script(RetrievalEndpoint::scan_status, kReference, {slow, answer(200)});
  config::RetrievalConfig config = config_for(fake);
  config.timeout_ms = 300;
  auto client = client_for(config);
  // On a kept-alive connection, so that a timeout is not taken for a connection closed while idle.
  ASSERT_EQ(client->status(Api::document, kReference).outcome, Outcome::ok);
  const auto start = Clock::now();
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 2);
  EXPECT_LT(seconds_between(start, Clock::now()), 1.4) << "waited for the slow answer";
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 3u);
  EXPECT_EQ(counts.answers.at(0), 1u);
}

TEST(RetrievalApiClient, OversizedAnswerFails) {
  FakeRetrievalApi fake;
  ScriptedAnswer big;
  big.body = "{\"pad\":\"" + std::string(5000, 'x') + "\"}";
  fake.script(RetrievalEndpoint::scan_details, kReference, {big});
  Timing timing = fast();
  timing.max_answer_bytes = 1000;
  auto client = client_for(config_for(fake), timing);
  const Answer got = client->details(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_TRUE(got.body.empty());
  EXPECT_NE(got.error.find("longer than 1000 bytes"), std::string::npos) << got.error;
}

TEST(RetrievalApiClient, AnyTwoHundredIsOkAndLeftForTheCallerToParse) {
  FakeRetrievalApi fake;
  ScriptedAnswer broken;
  broken.body = "{not json";
  fake.script(RetrievalEndpoint::scan_status, kReference, {broken});
  auto client = client_for(config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok);
  EXPECT_EQ(got.body, "{not json");
}

TEST(RetrievalApiClient, StopEndsABackoffAtOnceAndLaterCalls) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer(503, {{"Retry-After", "30"}})});
  auto client = client_for(config_for(fake));
  auto pending =
      std::async(std::launch::async, [&] { return client->status(Api::netverify, kReference); });
  // Wait until the first answer came, so the call is in its 30-second wait.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (fake.request_count(kReference) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  std::this_thread::sleep_for(milliseconds(50));
  const auto stopped_at = Clock::now();
  client->stop();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_LT(seconds_between(stopped_at, Clock::now()), 0.5);
  EXPECT_EQ(pending.get().outcome, Outcome::stopped);
  const Answer later = client->details(Api::netverify, kReference);
  EXPECT_EQ(later.outcome, Outcome::stopped);
  EXPECT_EQ(later.attempts, 0);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, StopEndsARequestInFlight) {
  FakeRetrievalApi fake;
  ScriptedAnswer slow;
  slow.delay = milliseconds(5000);
  fake.script(RetrievalEndpoint::scan_status, kReference, {slow});
  config::RetrievalConfig config = config_for(fake);
  config.timeout_ms = 10000;
  auto client = client_for(config);
  auto pending =
      std::async(std::launch::async, [&] { return client->status(Api::netverify, kReference); });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (fake.request_count(kReference) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  const auto stopped_at = Clock::now();
  client->stop();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  EXPECT_LT(seconds_between(stopped_at, Clock::now()), 1.0);
  EXPECT_EQ(pending.get().outcome, Outcome::stopped);
}

TEST(RetrievalApiClient, RequestsOfAllClientsAndThreadsAreSpacedToTheRate) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = config_for(fake);
  config.max_requests_per_second = 5;
  auto first = client_for(config);
  auto second = client_for(config);
  ASSERT_TRUE(first && second);
  // Six requests at 5/s, from two clients on two threads: at least five intervals of 200 ms.
  auto run = [](Client* client) {
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(client->status(Api::netverify, kReference).outcome, Outcome::ok);
  };
  std::thread one(run, first.get());
  std::thread two(run, second.get());
  one.join();
  two.join();
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 6u);
  const double span = seconds_between(requests.front().time, requests.back().time);
  EXPECT_GE(span, 0.9);
  EXPECT_LT(span, 5.0);
}

TEST(RetrievalApiClient, CredentialsNeverReachErrorsOrLogs) {
  FakeRetrievalApi fake;
  FakeRetrievalApi untrusted;
  config::RetrievalConfig config = config_for(fake);
  config.api_token = "token-7f3e9c1d";
  config.api_secret = "secret-b2a4e6f8";
  const std::string basic = httplib_basic(config);
  std::vector<Answer> answers;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer(500), answer(502)});
  const std::string log = captured_log([&] {
    config.max_attempts = 2;
    auto refused = client_for(config);  // the fake knows other credentials: 401
    answers.push_back(refused->details(Api::netverify, kReference));
    config::RetrievalConfig right = config_for(fake);
    right.max_attempts = 2;
    auto failing = client_for(right);
    answers.push_back(failing->status(Api::netverify, kReference));
    config::RetrievalConfig wrong_ca = config;
    wrong_ca.ca_file = untrusted.ca_file();
    answers.push_back(client_for(wrong_ca)->status(Api::netverify, kReference));
  });
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].outcome, Outcome::unauthorized);
  EXPECT_EQ(answers[1].outcome, Outcome::failed);
  EXPECT_EQ(answers[2].outcome, Outcome::failed);
  for (const std::string& secret : {config.api_token, config.api_secret, basic,
                                    fake.options().api_token, fake.options().api_secret}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
    for (const Answer& got : answers) EXPECT_EQ(got.error.find(secret), std::string::npos);
  }
  // One line per retry and per give-up, with the reference and status, never a body.
  EXPECT_NE(log.find("\"reference\":\"" + std::string(kReference) + "\""), std::string::npos);
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << log;
  EXPECT_NE(log.find("\"status\":500"), std::string::npos) << log;
  EXPECT_EQ(log.find("Unauthorized"), std::string::npos) << "a body was logged: " << log;
  size_t lines = 0;
  for (char c : log) lines += c == '\n';
  EXPECT_EQ(lines, 4u) << log;  // 401 given up; 500 retried, 502 given up; TLS given up
}

TEST(RetrievalApiClient, CreateRefusesUnusableConfig) {
  FakeRetrievalApi fake;
  struct Case {
    const char* name;
    void (*change)(config::RetrievalConfig&);
    const char* expected;
  };
  const Case cases[] = {
      {"no user agent", [](config::RetrievalConfig& c) { c.user_agent.clear(); },
       "retrieval.user_agent"},
      {"no token", [](config::RetrievalConfig& c) { c.api_token.clear(); }, "token or secret"},
      {"no secret", [](config::RetrievalConfig& c) { c.api_secret.clear(); }, "token or secret"},
      {"missing ca_file", [](config::RetrievalConfig& c) { c.ca_file = "/nonexistent/ca.pem"; },
       "retrieval.ca_file"},
      {"ca_file without certificates",
       [](config::RetrievalConfig& c) { c.ca_file = JB_SOURCE_DIR "/README.md"; },
       "no PEM certificate"},
      {"unknown datacenter",
       [](config::RetrievalConfig& c) {
         c.base_url.clear();
         c.datacenter = "APAC";
       },
       "retrieval.datacenter"},
      {"plain http elsewhere",
       [](config::RetrievalConfig& c) { c.base_url = "http://jumio.example/api"; },
       "retrieval.base_url"},
  };
  for (const Case& c : cases) {
    config::RetrievalConfig config = config_for(fake);
    config.api_secret = "secret-c0ffee42";
    c.change(config);
    std::string error;
    EXPECT_FALSE(Client::create(config, &error)) << c.name;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << ": " << error;
    EXPECT_EQ(error.find("secret-c0ffee42"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace jb::retrieval_api
