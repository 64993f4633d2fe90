// jb::http::GuardedServer on its own, with several reader threads: a fast handler answering from
// other threads after a delay, pipelined keep-alive clients that reconnect on Connection: close,
// requests the handler leaves to cpp-httplib's workers, idle and slow-request deadlines, and
// stopping while the handler still holds answers. Raw loopback sockets show the exact answers.
#include "http/guarded_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using http::ConnectionLimits;
using http::FastAnswer;
using http::FastRequest;
using http::GuardedServer;

constexpr char kClose[] = "\r\nConnection: close\r\n";

// Answers given later by a few threads, each 0 to 2 ms (at random) after it was added; all of
// them are given when the destructor returns.
class Completions {
 public:
  explicit Completions(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~Completions() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  void add(std::function<void()> work) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.emplace(Clock::now() + std::chrono::microseconds(random_() % 2001), std::move(work));
    }
    ready_.notify_one();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_ || !items_.empty()) {
      if (items_.empty()) {
        ready_.wait(lock);
        continue;
      }
      const Clock::time_point due = items_.begin()->first;  // a copy: another thread may take it
      if (Clock::now() < due) {
        ready_.wait_until(lock, due);
        continue;
      }
      std::function<void()> work = std::move(items_.begin()->second);
      items_.erase(items_.begin());
      lock.unlock();
      work();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::multimap<Clock::time_point, std::function<void()>> items_;
  std::minstd_rand random_{42};
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// An answer echoing `id` in its body.
void answer_with(const http::Answer& answer, const std::string& id) {
  FastAnswer text;
  text.content_type = "text/plain";
  text.body = id;
  answer(text);
}

// A GuardedServer listening on a loopback port, started and stopped as http::Server does.
class TestServer {
 public:
  // `setup` sets the fast handler and the routes before the server listens.
  TestServer(const ConnectionLimits& limits, const std::function<void(GuardedServer&)>& setup)
      : server_(limits, nullptr, [this](int status, const char* reason) {
          std::lock_guard<std::mutex> lock(mutex_);
          refusals_.emplace_back(status, reason);
        }) {
    setup(server_);
    server_.set_tcp_nodelay(true);
    server_.set_socket_options([this](socket_t fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd_ = fd;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return;
    ::listen(listen_fd_, 1024);  // cpp-httplib's backlog of 5 would drop bursts of connects
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto until = Clock::now() + 5s;
    while (!server_.is_running() && Clock::now() < until) std::this_thread::sleep_for(1ms);
  }
  ~TestServer() { stop(); }

  int port() const { return port_; }
  bool running() const { return server_.is_running(); }
  // Stops the server and waits until its listening thread is done: how long that took.
  Clock::duration stop() {
    const auto start = Clock::now();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
    return Clock::now() - start;
  }
  // The refusals reported so far: status and reason code.
  std::vector<std::pair<int, std::string>> refusals() {
    std::lock_guard<std::mutex> lock(mutex_);
    return refusals_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<int, std::string>> refusals_;
  GuardedServer server_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::thread thread_;
};

std::string post(const std::string& target, const std::string& id) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(id.size()) + "\r\n\r\n" + id;
}

std::string get(const std::string& id) {
  return "GET /get?id=" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

long long ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

struct Request {
  std::string id;  // the answer's body echoes it
  std::string bytes;
  bool fast = false;  // answered by the fast handler: the server writes its Keep-Alive field
};

struct ClientResult {
  size_t answered = 0;
  size_t connections = 0;
  std::string failure;  // the first thing that went wrong; empty when nothing did
};

// Sends `requests` over keep-alive connections, 1 to 3 pipelined in each send, and reads the
// answers in order. Only a connection's `max_requests`-th answer may say Connection: close; the
// server must then close it, and what it left unanswered goes out again on a new connection.
ClientResult run_client(int port, const std::vector<Request>& requests, size_t max_requests,
                        unsigned seed) {
  ClientResult result;
  auto fail = [&result](std::string what) {
    result.failure = std::move(what);
    return result;
  };
  std::mt19937 random(seed);
  std::unique_ptr<RawConnection> connection;
  size_t served = 0;  // answers on the current connection
  size_t next = 0;    // the first request not answered yet
  while (next < requests.size()) {
    if (!connection) {
      connection = std::make_unique<RawConnection>(port);
      ++result.connections;
      served = 0;
      if (!connection->connected()) return fail("cannot connect");
    }
    const size_t batch = std::min<size_t>(1 + random() % 3, requests.size() - next);
    std::string bytes;
    for (size_t i = 0; i < batch; ++i) bytes += requests[next + i].bytes;
    if (!connection->send(bytes)) return fail("send failed at " + requests[next].id);
    for (size_t i = 0; i < batch; ++i) {
      const Request& request = requests[next];
      const Answer answer = connection->read_answer(5s);
      if (answer.status != 200 || answer.body != request.id)
        return fail("for " + request.id + ": status " + std::to_string(answer.status) + ", body '" +
                    answer.body + "'");
      ++next;
      ++served;
      ++result.answered;
      const bool close = answer.head.find(kClose) != std::string::npos;
      if (close != (served == max_requests))
        return fail(std::string(close ? "Connection: close" : "no Connection: close") +
                    " on answer " + std::to_string(served) + " of a connection");
      const std::string left = "max=" + std::to_string(max_requests - served) + "\r\n";
      if (!close && request.fast && answer.head.find(left) == std::string::npos)
        return fail("for " + request.id + ": no Keep-Alive " + left + " in " + answer.head);
      if (close) {
        if (!connection->closed_by_server(2s))
          return fail("left open (or answered more) after Connection: close");
        connection.reset();
        break;  // what the batch left unanswered goes out again on the next connection
      }
    }
  }
  return result;
}

// Three readers sharing the epoll set, four workers, `max_requests` per connection.
ConnectionLimits three_readers(size_t max_requests) {
  ConnectionLimits limits;
  limits.readers = 3;
  limits.threads = 4;
  limits.keep_alive_max_requests = max_requests;
  limits.keep_alive_timeout = 10s;
  return limits;
}

// Runs one client thread per plan at the same time.
std::vector<ClientResult> run_clients(int port, const std::vector<std::vector<Request>>& plans,
                                      size_t max_requests) {
  std::vector<ClientResult> results(plans.size());
  std::vector<std::thread> threads;
  for (size_t c = 0; c < plans.size(); ++c)
    threads.emplace_back([&, c] {
      results[c] = run_client(port, plans[c], max_requests, static_cast<unsigned>(c + 1));
    });
  for (auto& thread : threads) thread.join();
  return results;
}

TEST(GuardedServer, AnswersGivenLaterFromOtherThreadsReachEachClientInOrder) {
  constexpr size_t kClients = 32;
  constexpr size_t kRequests = 200;
  constexpr size_t kMaxRequests = 50;
  Completions completions(3);  // outlives the server: every answer taken is given
  std::mutex seen_mutex;
  std::unordered_set<std::string> seen;  // the ids the handler was offered
  size_t offered_again = 0;
  TestServer server(three_readers(kMaxRequests), [&](GuardedServer& svr) {
    svr.set_fast_handler([&](const FastRequest& request, http::Answer answer) {
      std::string id(request.body);
      {
        std::lock_guard<std::mutex> lock(seen_mutex);
        if (!seen.insert(id).second) ++offered_again;
      }
      completions.add(
          [answer = std::move(answer), id = std::move(id)] { answer_with(answer, id); });
      return true;
    });
  });
  ASSERT_TRUE(server.running());

  std::vector<std::vector<Request>> plans(kClients);
  for (size_t c = 0; c < kClients; ++c)
    for (size_t i = 0; i < kRequests; ++i) {
      std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
      plans[c].push_back({id, post("/fast", id), true});
    }
  const auto start = Clock::now();
  const auto results = run_clients(server.port(), plans, kMaxRequests);
  size_t answered = 0;
  for (size_t c = 0; c < kClients; ++c) {
    EXPECT_EQ(results[c].failure, "") << "client " << c;
    EXPECT_EQ(results[c].answered, kRequests) << "client " << c;
    EXPECT_EQ(results[c].connections, kRequests / kMaxRequests) << "client " << c;
    answered += results[c].answered;
  }
  EXPECT_EQ(answered, kClients * kRequests);
  std::lock_guard<std::mutex> lock(seen_mutex);
  EXPECT_EQ(seen.size(), kClients * kRequests);
  EXPECT_EQ(offered_again, 0u) << "requests offered to the handler more than once";
  EXPECT_TRUE(server.refusals().empty());
  std::printf("%zu requests over %zu connections in %lld ms\n", answered, kClients,
              ms(Clock::now() - start));
}

TEST(GuardedServer, RequestsTheHandlerDeclinesAreAnsweredInTurnOnTheSameConnection) {
  constexpr size_t kClients = 16;
  constexpr size_t kRequests = 150;
  constexpr size_t kMaxRequests = 40;
  Completions completions(2);
  std::atomic<size_t> taken{0}, declined{0}, offered_bodiless{0}, posts_served{0}, gets_served{0};
  TestServer server(three_readers(kMaxRequests), [&](GuardedServer& svr) {
    svr.set_fast_handler([&](const FastRequest& request, http::Answer answer) {
      if (request.head.method == "GET") ++offered_bodiless;
      if (request.head.target != "/fast") {
        ++declined;
        return false;
      }
      std::string id(request.body);
      // Some answers come before the handler returns, the others later from other threads.
      if (++taken % 4 == 0) {
        answer_with(answer, id);
        return true;
      }
      completions.add(
          [answer = std::move(answer), id = std::move(id)] { answer_with(answer, id); });
      return true;
    });
    svr.Post("/slow", [&](const httplib::Request& request, httplib::Response& response) {
      ++posts_served;
      response.set_content(request.body, "text/plain");
    });
    svr.Get("/get", [&](const httplib::Request& request, httplib::Response& response) {
      ++gets_served;
      response.set_content(request.get_param_value("id"), "text/plain");
    });
  });
  ASSERT_TRUE(server.running());

  std::vector<std::vector<Request>> plans(kClients);
  size_t fast = 0, slow = 0, gets = 0;
  std::mt19937 random(7);
  for (size_t c = 0; c < kClients; ++c)
    for (size_t i = 0; i < kRequests; ++i) {
      const std::string id = "m" + std::to_string(c) + "-" + std::to_string(i);
      const unsigned kind = random() % 3;  // taken, declined, never offered (no body)
      ++(kind == 0 ? fast : kind == 1 ? slow : gets);
      plans[c].push_back(
          {id, kind == 2 ? get(id) : post(kind == 0 ? "/fast" : "/slow", id), kind == 0});
    }
  const auto results = run_clients(server.port(), plans, kMaxRequests);
  for (size_t c = 0; c < kClients; ++c) {
    EXPECT_EQ(results[c].failure, "") << "client " << c;
    EXPECT_EQ(results[c].answered, kRequests) << "client " << c;
    EXPECT_EQ(results[c].connections, (kRequests + kMaxRequests - 1) / kMaxRequests)
        << "client " << c;
  }
  EXPECT_EQ(taken.load(), fast);
  EXPECT_EQ(declined.load(), slow);  // each offered once, then served by cpp-httplib once
  EXPECT_EQ(posts_served.load(), slow);
  EXPECT_EQ(gets_served.load(), gets);
  EXPECT_EQ(offered_bodiless.load(), 0u);
  EXPECT_TRUE(server.refusals().empty());
}

// Deadlines: a kept-alive connection idle for 300 ms is closed, a request must arrive whole
// within 500 ms of its first byte.
ConnectionLimits deadline_limits() {
  ConnectionLimits limits;
  limits.readers = 3;
  limits.threads = 2;
  limits.keep_alive_timeout = 300ms;
  limits.request_timeout = 500ms;
  return limits;
}

void answer_at_once(GuardedServer& svr) {
  svr.set_fast_handler([](const FastRequest& request, http::Answer answer) {
    answer_with(answer, std::string(request.body));
    return true;
  });
}

TEST(GuardedServer, ClosesIdleConnectionsAfterTheirDeadline) {
  TestServer server(deadline_limits(), answer_at_once);
  ASSERT_TRUE(server.running());
  RawConnection silent(server.port());  // never sends a byte
  const auto connected = Clock::now();
  RawConnection kept(server.port());
  ASSERT_TRUE(kept.send(post("/fast", "k1")));
  const Answer answer = kept.read_answer(2s);
  ASSERT_EQ(answer.status, 200);
  const auto answered = Clock::now();

  EXPECT_TRUE(kept.closed_by_server(1s)) << "kept-alive connection not closed within 1 s";
  EXPECT_GE(ms(Clock::now() - answered), 250) << "closed before keep_alive_timeout";
  EXPECT_TRUE(silent.closed_by_server(1500ms)) << "silent connection not closed";
  EXPECT_GE(ms(Clock::now() - connected), 450) << "closed before request_timeout";
  EXPECT_TRUE(server.refusals().empty()) << "an idle connection is closed without an answer";
}

TEST(GuardedServer, AnswersSlowRequestsThatCompleteWithinTheRequestTimeout) {
  TestServer server(deadline_limits(), answer_at_once);
  ASSERT_TRUE(server.running());
  const std::string first = post("/fast", "s1");
  const std::string second = post("/fast", "s2");

  RawConnection fresh(server.port());
  ASSERT_TRUE(fresh.send(first.substr(0, 20)));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(fresh.send(first.substr(20)));
  Answer answer = fresh.read_answer(2s);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "s1");

  // Idle 200 ms, then a head taking 200 ms more: 400 ms after the last answer, more than the
  // keep-alive timeout, but within the request timeout counted from the request's first byte.
  RawConnection kept(server.port());
  ASSERT_TRUE(kept.send(first));
  EXPECT_EQ(kept.read_answer(2s).body, "s1");
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(kept.send(second.substr(0, 30)));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(kept.send(second.substr(30)));
  answer = kept.read_answer(2s);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "s2");
  ASSERT_TRUE(kept.send(first));
  EXPECT_EQ(kept.read_answer(2s).body, "s1") << "connection not kept after the slow request";
  EXPECT_TRUE(server.refusals().empty());
}

TEST(GuardedServer, Answers408ToRequestsNotCompleteWithinTheRequestTimeout) {
  TestServer server(deadline_limits(), answer_at_once);
  ASSERT_TRUE(server.running());
  // A head and 4 of its 10 body bytes on a new connection; half a head on a kept-alive one.
  RawConnection fresh(server.port());
  RawConnection kept(server.port());
  ASSERT_TRUE(kept.send(post("/fast", "t1")));
  ASSERT_EQ(kept.read_answer(2s).status, 200);
  const std::string whole = post("/fast", "0123456789");
  ASSERT_TRUE(fresh.send(whole.substr(0, whole.size() - 6)));
  ASSERT_TRUE(kept.send(whole.substr(0, 25)));
  const auto sent = Clock::now();

  for (RawConnection* connection : {&fresh, &kept}) {
    const Answer answer = connection->read_answer(1500ms);
    EXPECT_EQ(answer.status, 408) << answer.head;
    EXPECT_GE(ms(Clock::now() - sent), 450) << "refused before request_timeout";
    EXPECT_TRUE(connection->closed_by_server(1s));
  }
  using Refusal = std::pair<int, std::string>;
  EXPECT_EQ(server.refusals(), (std::vector<Refusal>(2, Refusal(408, "request_too_slow"))));
}

TEST(GuardedServer, StopWaitsForTheAnswersTheHandlerStillHolds) {
  constexpr size_t kHeld = 7;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::string, http::Answer>> held;
  ConnectionLimits limits;
  limits.readers = 3;
  limits.threads = 2;
  TestServer server(limits, [&](GuardedServer& svr) {
    svr.set_fast_handler([&](const FastRequest& request, http::Answer answer) {
      if (request.head.target == "/now") {
        answer_with(answer, std::string(request.body));
        return true;
      }
      std::lock_guard<std::mutex> lock(mutex);
      held.emplace_back(std::string(request.body), std::move(answer));
      changed.notify_all();
      return true;
    });
  });
  ASSERT_TRUE(server.running());

  RawConnection idle(server.port());
  ASSERT_TRUE(idle.send(post("/now", "n")));
  ASSERT_EQ(idle.read_answer(2s).status, 200);
  std::vector<std::unique_ptr<RawConnection>> waiting;
  for (size_t i = 0; i < kHeld; ++i) {
    waiting.push_back(std::make_unique<RawConnection>(server.port()));
    std::string requests = post("/park", "h" + std::to_string(i));
    if (i == 0) requests += post("/park", "behind");  // must not be taken once stopping
    ASSERT_TRUE(waiting.back()->send(requests));
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return held.size() == kHeld; }));
  }

  // Gives the held answers 300 ms after stop() is called (and any taken later, until it returns).
  std::atomic<bool> stop_called{false}, stopped{false}, given{false};
  std::thread giver([&] {
    while (!stop_called) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(300ms);
    for (size_t next = 0; !stopped; std::this_thread::sleep_for(10ms)) {
      std::vector<std::pair<std::string, http::Answer>> due;
      {
        std::lock_guard<std::mutex> lock(mutex);  // not held while answering: it may offer more
        due.assign(held.begin() + static_cast<long>(next), held.end());
        next = held.size();
      }
      for (const auto& [id, answer] : due) answer_with(answer, id);
      given = true;
    }
  });
  stop_called = true;
  const auto took = server.stop();
  EXPECT_TRUE(given) << "stopped before the held answers were given";
  stopped = true;
  EXPECT_LT(ms(took), 5000);
  giver.join();

  for (size_t i = 0; i < kHeld; ++i) {
    const Answer answer = waiting[i]->read_answer(1s);
    EXPECT_EQ(answer.status, 200) << "client " << i;
    EXPECT_EQ(answer.body, "h" + std::to_string(i));
    EXPECT_NE(answer.head.find(kClose), std::string::npos) << answer.head;
    EXPECT_TRUE(waiting[i]->closed_by_server(1s)) << "client " << i;
  }
  EXPECT_TRUE(idle.closed_by_server(1s));
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(held.size(), kHeld) << "a request was taken after stop()";
  std::printf("stop with held answers took %lld ms\n", ms(took));
}

}  // namespace
}  // namespace jb::test
