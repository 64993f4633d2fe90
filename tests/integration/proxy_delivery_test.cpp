// Callbacks delivered through real reverse proxies (Debian's nginx and HAProxy, started by the
// tests) in the three ways a proxy used to lose them: an early answer turned into a 502 or a
// reset, a kept-alive upstream connection closed by the daemon as the proxy reuses it, and the
// proxy's connection slots taken by a client that is refused but sends slowly. Loopback
// addresses stand for the parties, as in http_proxy_test.cpp:
//   127.0.0.1  the daemon, and each proxy on a port of its own;
//   127.0.0.2  the proxies connect to the daemon from here: security.trusted_proxies;
//   127.0.0.3  a client that is not allowed;
//   127.0.0.5  an allowed client.
// Each test prints its counts (the figures before and after a change), and asserts what every
// client must get: the daemon's own answer, and for each legitimate callback a 200 and one record
// in Kafka.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/bridge.h"
#include "support/haproxy.h"
#include "support/http_cases.h"
#include "support/nginx.h"
#include "support/proxy_client.h"
#include "support/proxy_process.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kAttacker[] = "127.0.0.3";
constexpr char kAllowed[] = "127.0.0.5";

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The daemon's answers are plain text or have no body; nginx's and HAProxy's own are HTML.
bool from_daemon(const Answer& answer) {
  return answer.status > 0 && lower(answer.field("Content-Type")).rfind("text/html", 0) != 0;
}

// Answers counted by status and author: "413 by the daemon: 28, 502 by the proxy: 2".
class Tally {
 public:
  void add(const Answer& answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[answer.status < 0 ? "no answer"
                                : std::to_string(answer.status) +
                                      (from_daemon(answer) ? " by the daemon" : " by the proxy")];
  }
  int count(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = counts_.find(key);
    return found == counts_.end() ? 0 : found->second;
  }
  std::string text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (const auto& [key, count] : counts_)
      text += (text.empty() ? "" : ", ") + key + ": " + std::to_string(count);
    return text.empty() ? "nothing" : text;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
};

// The proxy under test, either one, started in front of the daemon.
class Proxy {
 public:
  enum Kind { kNginx, kHaproxy };
  static bool installed(Kind kind) {
    return kind == kNginx ? Nginx::installed() : Haproxy::installed();
  }
  static const char* missing(Kind kind) {
    return kind == kNginx ? Nginx::kMissing : Haproxy::kMissing;
  }
  static const char* name(Kind kind) { return kind == kNginx ? "nginx" : "HAProxy"; }

  Proxy(Kind kind, int daemon_port, const NginxOptions& nginx = {},
        const HaproxyOptions& haproxy = {}) {
    if (kind == kNginx)
      nginx_ = std::make_unique<Nginx>(daemon_port, nginx);
    else
      haproxy_ = std::make_unique<Haproxy>(daemon_port, haproxy);
  }
  bool started() const { return nginx_ ? nginx_->started() : haproxy_->started(); }
  int port() const { return nginx_ ? nginx_->port() : haproxy_->port(); }
  std::string logs() const {
    return nginx_ ? "access log:\n" + nginx_->access_log() + "error log:\n" + nginx_->error_log()
                  : "log:\n" + haproxy_->log();
  }

 private:
  std::unique_ptr<Nginx> nginx_;
  std::unique_ptr<Haproxy> haproxy_;
};

// The daemon behind a proxy: callbacks from 127.0.0.5 allowed, 127.0.0.2 a trusted proxy.
std::unique_ptr<Bridge> proxied_bridge(const std::function<void(config::Config&)>& more = {}) {
  return std::make_unique<Bridge>([&](config::Config& c) {
    c.security.allow = {"127.0.0.5/32"};
    c.security.trusted_proxies = {"127.0.0.2/32"};
    if (more) more(c);
  });
}

// Samples connections_from() every 20 ms while it lives: how many upstream connections the
// proxy opened to the daemon over that time.
class UpstreamConnections {
 public:
  UpstreamConnections(std::string source, int port)
      : thread_([this, source, port] {
          while (!stop_) {
            const std::set<int> now = connections_from(source, port);
            {
              std::lock_guard<std::mutex> lock(mutex_);
              seen_.insert(now.begin(), now.end());
            }
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~UpstreamConnections() {
    stop_ = true;
    thread_.join();
  }
  size_t seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::set<int> seen_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Early answers: a body over http.max_body_bytes gets the daemon's 413 through the proxy, every
// time, whether the daemon reads the body away (up to 64 KiB from a trusted proxy) or closes
// after draining it (more): never a 502 or a reset.

class EarlyAnswers : public ::testing::TestWithParam<Proxy::Kind> {};

TEST_P(EarlyAnswers, BodyOverMaxBodyBytesGets413EveryTime) {
  const Proxy::Kind kind = GetParam();
  if (!Proxy::installed(kind)) GTEST_SKIP() << Proxy::missing(kind);
  auto bridge = proxied_bridge([](config::Config& c) { c.http.max_body_bytes = 4096; });
  Proxy proxy(kind, bridge->daemon().port());
  ASSERT_TRUE(proxy.started());
  constexpr int kTimes = 30;
  for (size_t size : {32u * 1024, 100u * 1024, 900u * 1024}) {
    SCOPED_TRACE(std::to_string(size / 1024) + " KiB bodies");
    const std::string request =
        with_length(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm,
                    "a=" + std::string(size - 2, 'x'));
    Tally tally;
    for (int i = 0; i < kTimes; ++i) {
      ProxyClient client(kAllowed, proxy.port());
      ASSERT_TRUE(client.connected()) << client.error();
      tally.add(client.exchange(request, 5s));
    }
    std::printf("%s, %zu KiB bodies over max_body_bytes: %s (of %d)\n", Proxy::name(kind),
                size / 1024, tally.text().c_str(), kTimes);
    EXPECT_EQ(tally.count("413 by the daemon"), kTimes) << tally.text() << "\n" << proxy.logs();
  }
  Ledger ledger(0x9a0d0001);
  ProxyClient client(kAllowed, proxy.port());
  EXPECT_EQ(client.exchange(post(ledger.published("after the 413s"))).status, 200);
  ledger.verify(*bridge);
}

INSTANTIATE_TEST_SUITE_P(ThroughEachProxy, EarlyAnswers,
                         ::testing::Values(Proxy::kNginx, Proxy::kHaproxy),
                         [](const auto& info) { return std::string(Proxy::name(info.param)); });

// ---------------------------------------------------------------------------------------------
// The keep-alive race: the proxies keep idle upstream connections longer than the daemon's idle
// timeout for ordinary peers (http.keep_alive_timeout_ms, 1 s here): nginx for 3 s, HAProxy until
// its pool purge (every 5 s, half of those beyond recent need). Callbacks spaced around that second
// must never meet a connection the daemon is closing: a trusted proxy's connections are kept for
// http.proxy_keep_alive_timeout_ms (left at its default, 120 s), so the proxy reuses them and
// closes them itself.

class KeepAliveRace : public ::testing::TestWithParam<Proxy::Kind> {};

TEST_P(KeepAliveRace, CallbacksSpacedAroundTheIdleTimeoutAreAll200) {
  const Proxy::Kind kind = GetParam();
  if (!Proxy::installed(kind)) GTEST_SKIP() << Proxy::missing(kind);
  auto bridge = proxied_bridge([](config::Config& c) { c.http.keep_alive_timeout_ms = 1000; });
  NginxOptions nginx;
  nginx.upstream_keepalive_timeout = 3s;  // above the daemon's 1 s
  Proxy proxy(kind, bridge->daemon().port(), nginx);
  ASSERT_TRUE(proxy.started());

  // Rounds of kClients callbacks sent at once, so that each of the proxy's upstream connections
  // is used once a round and idle between rounds for about the round's gap: around the daemon's
  // ordinary idle timeout.
  constexpr int kClients = 8;
  const std::vector<std::chrono::milliseconds> gaps{990ms,  1000ms, 1005ms, 1010ms,
                                                    1015ms, 1020ms, 1030ms, 1050ms};
  const int rounds = static_cast<int>(gaps.size()) + 1;
  Ledger ledger(0x9a0d0002);
  std::vector<std::vector<std::string>> bodies(kClients);
  for (auto& list : bodies)
    for (int r = 0; r < rounds; ++r) list.push_back(ledger.published("spaced callback"));
  Tally tally;
  size_t upstream = 0;
  {
    UpstreamConnections connections("127.0.0.2", bridge->daemon().port());
    const auto start = Clock::now() + 100ms;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
      clients.emplace_back([&, c] {
        ProxyClient client(kAllowed, proxy.port());
        auto at = start;
        for (int r = 0; r < rounds; ++r) {
          if (r > 0) at += gaps[r - 1];
          std::this_thread::sleep_until(at);
          tally.add(client.exchange(post(bodies[c][r]), 10s));
        }
      });
    for (auto& client : clients) client.join();
    upstream = connections.seen();
  }
  const int sent = kClients * rounds;
  std::printf(
      "%s, %d rounds of %d callbacks at once, 990-1050 ms apart: %s; %zu upstream "
      "connections\n",
      Proxy::name(kind), rounds, kClients, tally.text().c_str(), upstream);
  EXPECT_EQ(tally.count("200 by the daemon"), sent) << tally.text() << "\n" << proxy.logs();
  // Reused, not reopened after an idle second: about one per callback of a round.
  EXPECT_LE(upstream, static_cast<size_t>(2 * kClients));
  ledger.verify(*bridge);
}

INSTANTIATE_TEST_SUITE_P(ThroughEachProxy, KeepAliveRace,
                         ::testing::Values(Proxy::kNginx, Proxy::kHaproxy),
                         [](const auto& info) { return std::string(Proxy::name(info.param)); });

// ---------------------------------------------------------------------------------------------
// Starvation: a refused client that sends slowly through HAProxy (which streams request bodies)
// must not take the slots the allowed clients' callbacks need. Each of its requests is answered
// 403 from the head; the daemon then drains the body it will never use, and a draining
// connection holds no slot of http.max_connections_per_address (64, the default, here).

// The refused client: every 25 ms (40 a second) a new connection from 127.0.0.3 with a request
// that announces a 200,000-byte body, which it then sends one byte every 200 ms; each connection
// is closed after 3 s, or when the other side closes it. Stops after `run`.
class Trickler {
 public:
  Trickler(int port, std::chrono::milliseconds run)
      : thread_([this, port, run] { loop(port, run); }) {}
  ~Trickler() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  int opened() const { return opened_; }
  const Tally& answers() const { return answers_; }

 private:
  struct Trickle {
    int fd;
    Clock::time_point opened;
    Clock::time_point next_byte;
    std::string received;
  };

  void loop(int port, std::chrono::milliseconds run) {
    const std::string head = std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm +
                             "Content-Length: 200000\r\n\r\n";
    const auto start = Clock::now();
    auto next_open = start;
    std::vector<Trickle> open;
    while (Clock::now() - start < run) {
      const auto now = Clock::now();
      if (now >= next_open) {
        next_open += 25ms;
        const int fd = connect_from(kAttacker, port);
        if (fd >= 0) {
          ++opened_;
          send_all(fd, head);
          ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
          open.push_back({fd, now, now, ""});
        }
      }
      std::vector<pollfd> polled;
      for (Trickle& t : open) {
        bool ended = now - t.opened >= 3s;
        if (!ended && now >= t.next_byte) {
          t.next_byte += 200ms;
          ended = ::send(t.fd, "a", 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN;
        }
        char chunk[4096];
        while (!ended) {
          const ssize_t n = ::recv(t.fd, chunk, sizeof chunk, 0);
          if (n < 0 && errno == EAGAIN) break;
          ended = n <= 0;  // closed by the proxy, or reset
          if (n > 0 && t.received.size() < 4096) t.received.append(chunk, static_cast<size_t>(n));
        }
        if (ended) {
          count_answer(t);
          ::close(t.fd);
          t.fd = -1;
        } else {
          polled.push_back({t.fd, POLLIN, 0});
        }
      }
      open.erase(
          std::remove_if(open.begin(), open.end(), [](const Trickle& t) { return t.fd < 0; }),
          open.end());
      ::poll(polled.data(), polled.size(), 5);
    }
    for (Trickle& t : open) {
      count_answer(t);
      ::close(t.fd);
    }
  }

  // Counts the answer the connection got.
  void count_answer(const Trickle& t) {
    std::string buffer = t.received;
    Answer answer;
    if (!take_answer(&buffer, &answer)) answer.status = -1;
    answers_.add(answer);
  }

  std::atomic<int> opened_{0};
  Tally answers_;
  std::thread thread_;
};

TEST(ProxySlots, ARefusedSlowClientThroughHaproxyStarvesNoCallback) {
  if (!Haproxy::installed()) GTEST_SKIP() << Haproxy::kMissing;
  auto bridge = proxied_bridge([](config::Config& c) {
    c.http.max_connections = 256;  // the defaults
    c.http.max_connections_per_address = 64;
  });
  Haproxy haproxy(bridge->daemon().port());  // default options: bodies streamed
  ASSERT_TRUE(haproxy.started());

  constexpr int kCallbacks = 77;
  constexpr auto kRun = 9s;
  constexpr auto kSpacing = 100ms;  // the callbacks from 0.5 s to 8.1 s into the run
  Ledger ledger(0x9a0d0003);
  std::vector<std::string> bodies;
  for (int i = 0; i < kCallbacks; ++i) bodies.push_back(ledger.published("legitimate callback"));
  Tally tally;
  Trickler trickler(haproxy.port(), kRun);
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  constexpr int kSenders = 4;
  for (int s = 0; s < kSenders; ++s)
    senders.emplace_back([&, s] {
      for (int i = s; i < kCallbacks; i += kSenders) {
        std::this_thread::sleep_until(start + 500ms + i * kSpacing);
        ProxyClient client(kAllowed, haproxy.port());
        tally.add(client.exchange(post(bodies[i]), 10s));
      }
    });
  for (auto& sender : senders) sender.join();
  trickler.join();
  std::printf(
      "HAProxy (default options), %lld s of 40 requests a second from a refused client "
      "trickling 200,000-byte bodies (%d connections; their answers: %s): %d legitimate "
      "callbacks: %s\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kRun).count()),
      trickler.opened(), trickler.answers().text().c_str(), kCallbacks, tally.text().c_str());
  EXPECT_EQ(tally.count("200 by the daemon"), kCallbacks) << tally.text();
  ledger.verify(*bridge);
  if (HasFailure()) std::printf("%s\n", haproxy.log().c_str());
}

}  // namespace
}  // namespace jb::test
