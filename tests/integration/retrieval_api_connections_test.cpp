// The Retrieval API client's connections, against a fake Jumio on loopback: kept-alive
// connections reused, at most the pool's cap open at once, a slow answer holding up no other
// request, a whole request bounded by the timeout (a trickling server is cut), stop() ending every
// request in flight and the wait for a connection, and a connection closed while idle replaced.
#include "retrieval_api/client.h"

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
#include "support/retrieval_client.h"
#include "support/test_tls.h"

namespace jb::retrieval_api {
namespace {

using jb::test::answer_with;
using jb::test::FakeRetrievalApi;
using jb::test::fast_retrieval_timing;
using jb::test::retrieval_client_for;
using jb::test::retrieval_config_for;
using jb::test::RetrievalEndpoint;
using jb::test::ScriptedAnswer;
using Outcome = Answer::Outcome;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kReference = test::kRetrievalReference;
constexpr const char* kUserAgent = test::kRetrievalUserAgent;

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

TEST(RetrievalApiClient, SequentialRequestsReuseOneConnection) {
  FakeRetrievalApi fake;
  auto client = retrieval_client_for(retrieval_config_for(fake));
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
  auto client = retrieval_client_for(retrieval_config_for(fake));
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
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.max_requests_per_second = 20;
  config.timeout_ms = 15000;
  auto client = retrieval_client_for(config);
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
    config.auth = "basic";  // the trickling server has no token endpoint
    auto client = retrieval_client_for(config);
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
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.timeout_ms = 10000;
  config.auth = "basic";  // no kept-alive token connection holding one of the fake's threads
  auto client = retrieval_client_for(config);
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
  auto client = retrieval_client_for(retrieval_config_for(fake));
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

}  // namespace
}  // namespace jb::retrieval_api
