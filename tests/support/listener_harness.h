// The harness of the Listener tests: routes that answer later from other threads, before
// handle() returns or from the head alone; a started listener on a loopback port; pipelined
// keep-alive clients that check every answer and reconnect on Connection: close.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
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

#include "http/listener.h"
#include "support/raw_http.h"

namespace jb::test::listener_harness {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using http::Listener;
using http::ListenerOptions;

inline constexpr char kClose[] = "\r\nConnection: close\r\n";

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

// Routes for the tests: "/later" answers from a Completions thread, "/now" before handle()
// returns, "/held" is kept for the test to answer, GET /get?id=ID from the head alone.
class TestRoutes : public http::Routes {
 public:
  TestRoutes(Completions* completions) : completions_(completions) {}

  bool admits(const std::string&) const override { return admitting; }

  bool answer_head(const http::RequestHead& head, const std::string&, http::Reply* reply) override {
    if (head.method != "GET") return false;
    ++answered_from_head;
    if (head.path == "/big") {
      reply->body = big_body;
      return true;
    }
    thread_local std::string id;
    id = std::string(head.query.substr(head.query.find('=') + 1));
    reply->content_type = "text/plain";
    reply->body = id;
    return true;
  }

  void handle(const http::Request& request, http::Respond respond) override {
    std::string id(request.body);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!seen.insert(id).second) ++offered_again;
    }
    if (request.head.path == "/block") {  // a route that wrongly blocks its reader
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      return answer_with(respond, id);
    }
    if (request.head.path == "/now") {
      ++inline_answers;
      return answer_with(respond, id);
    }
    if (request.head.path == "/held") {
      std::lock_guard<std::mutex> lock(mutex);
      held.emplace_back(id, std::move(respond));
      changed.notify_all();
      return;
    }
    completions_->add(
        [respond = std::move(respond), id = std::move(id)] { answer_with(respond, id); });
  }

  void refused(int status, const char* reason) override {
    std::lock_guard<std::mutex> lock(mutex);
    refusals.emplace_back(status, reason);
  }
  void connection_refused(const char* reason) override {
    std::lock_guard<std::mutex> lock(mutex);
    refusals.emplace_back(0, reason);
  }

  // An answer echoing `id` in its body.
  static void answer_with(const http::Respond& respond, const std::string& id) {
    http::Reply reply;
    reply.content_type = "text/plain";
    reply.body = id;
    respond(reply);
  }

  std::vector<std::pair<int, std::string>> refusals_seen() {
    std::lock_guard<std::mutex> lock(mutex);
    return refusals;
  }

  std::mutex mutex;
  std::condition_variable changed;
  std::unordered_set<std::string> seen;  // the request bodies handle() was given
  size_t offered_again = 0;
  std::vector<std::pair<std::string, http::Respond>> held;
  std::vector<std::pair<int, std::string>> refusals;
  std::atomic<size_t> answered_from_head{0};
  std::atomic<size_t> inline_answers{0};
  std::atomic<bool> admitting{true};
  std::string big_body = std::string(32 << 20, 'b');  // the answer to GET /big

 private:
  Completions* completions_;
};

// A Listener on a loopback port with TestRoutes, started and stopped as http::Server does.
class TestServer {
 public:
  // before_start, when given, runs on the listener after it is bound and before it starts.
  TestServer(const ListenerOptions& options, Completions* completions,
             const std::function<void(Listener&)>& before_start = {})
      : routes(completions), listener_(options, nullptr, &routes) {
    std::string error;
    if (!listener_.bind("127.0.0.1", 0, &error)) {
      ADD_FAILURE() << error;
      return;
    }
    if (before_start) before_start(listener_);
    listener_.start();
    running_ = true;
  }
  ~TestServer() { stop(); }

  int port() const { return listener_.port(); }
  bool running() const { return running_; }
  // Stops the listener: how long that took.
  Clock::duration stop() {
    const auto start = Clock::now();
    listener_.stop();
    running_ = false;
    return Clock::now() - start;
  }

  TestRoutes routes;

 private:
  Listener listener_;
  bool running_ = false;
};

inline std::string post(const std::string& target, const std::string& id) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(id.size()) + "\r\n\r\n" + id;
}

inline std::string get(const std::string& id) {
  return "GET /get?id=" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

inline long long ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

struct Request {
  std::string id;  // the answer's body echoes it
  std::string bytes;
  bool fast = false;  // the answer's Keep-Alive field is checked
};

struct ClientResult {
  size_t answered = 0;
  size_t connections = 0;
  std::string failure;  // the first thing that went wrong; empty when nothing did
};

// Sends `requests` over keep-alive connections, 1 to 3 pipelined in each send, and reads the
// answers in order. Only a connection's `max_requests`-th answer may say Connection: close; the
// server must then close it, and what it left unanswered goes out again on a new connection.
inline ClientResult run_client(int port, const std::vector<Request>& requests, size_t max_requests,
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

// Three readers sharing the epoll set, `max_requests` per connection.
inline ListenerOptions three_readers(size_t max_requests) {
  ListenerOptions options;
  options.readers = 3;
  options.keep_alive_max_requests = max_requests;
  options.keep_alive_timeout = 10s;
  return options;
}

// Runs one client thread per plan at the same time.
inline std::vector<ClientResult> run_clients(int port,
                                             const std::vector<std::vector<Request>>& plans,
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

}  // namespace jb::test::listener_harness
