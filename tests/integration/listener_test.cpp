// jb::http::Listener on its own, with several reader threads: routes answering from other
// threads after a delay, before handle() returns, from the head alone or from a watched fd,
// pipelined keep-alive clients that reconnect on Connection: close, idle and slow-request
// deadlines, and stopping while the routes still hold answers. Raw loopback sockets show the exact
// answers; the harness (routes, server, clients) is support/listener_harness.h.
#include "http/listener.h"

#include "common/progress.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "support/listener_harness.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace listener_harness;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using http::Listener;
using http::ListenerOptions;

TEST(Listener, AnswersGivenLaterFromOtherThreadsReachEachClientInOrder) {
  constexpr size_t kClients = 32;
  constexpr size_t kRequests = 200;
  constexpr size_t kMaxRequests = 50;
  Completions completions(3);  // outlives the server: every answer taken is given
  TestServer server(three_readers(kMaxRequests), &completions);
  ASSERT_TRUE(server.running());

  std::vector<std::vector<Request>> plans(kClients);
  for (size_t c = 0; c < kClients; ++c)
    for (size_t i = 0; i < kRequests; ++i) {
      std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
      plans[c].push_back({id, post("/later", id), true});
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
  std::lock_guard<std::mutex> lock(server.routes.mutex);
  EXPECT_EQ(server.routes.seen.size(), kClients * kRequests);
  EXPECT_EQ(server.routes.offered_again, 0u) << "requests handed to the routes more than once";
  EXPECT_TRUE(server.routes.refusals.empty());
  std::printf("%zu requests over %zu connections in %lld ms\n", answered, kClients,
              ms(Clock::now() - start));
}

TEST(Listener, AnswersFromTheHeadBeforeHandleReturnsAndLaterInterleaveInOrder) {
  constexpr size_t kClients = 16;
  constexpr size_t kRequests = 150;
  constexpr size_t kMaxRequests = 40;
  Completions completions(2);
  TestServer server(three_readers(kMaxRequests), &completions);
  ASSERT_TRUE(server.running());

  std::vector<std::vector<Request>> plans(kClients);
  size_t later = 0, now = 0, gets = 0;
  std::mt19937 random(7);
  for (size_t c = 0; c < kClients; ++c)
    for (size_t i = 0; i < kRequests; ++i) {
      const std::string id = "m" + std::to_string(c) + "-" + std::to_string(i);
      const unsigned kind = random() % 3;  // answered later, before handle() returns, from head
      ++(kind == 0 ? later : kind == 1 ? now : gets);
      plans[c].push_back({id, kind == 2 ? get(id) : post(kind == 0 ? "/later" : "/now", id), true});
    }
  const auto results = run_clients(server.port(), plans, kMaxRequests);
  for (size_t c = 0; c < kClients; ++c) {
    EXPECT_EQ(results[c].failure, "") << "client " << c;
    EXPECT_EQ(results[c].answered, kRequests) << "client " << c;
    EXPECT_EQ(results[c].connections, (kRequests + kMaxRequests - 1) / kMaxRequests)
        << "client " << c;
  }
  EXPECT_EQ(server.routes.inline_answers.load(), now);
  EXPECT_EQ(server.routes.answered_from_head.load(), gets);
  std::lock_guard<std::mutex> lock(server.routes.mutex);
  EXPECT_EQ(server.routes.seen.size(), later + now);
  EXPECT_EQ(server.routes.offered_again, 0u);
  EXPECT_TRUE(server.routes.refusals.empty());
}

// Plain connections are edge-triggered: the bytes of one send that a read leaves in the socket
// raise no new event. A pipeline of several read chunks in one send, answered later from other
// threads, is still served whole without the client sending another byte.
TEST(Listener, APipelineLongerThanOneReadIsServedWholeWithoutMoreInput) {
  constexpr size_t kRequests = 300;  // about 30 KiB: more than one 16 KiB read
  Completions completions(2);
  TestServer server(three_readers(1000), &completions);
  ASSERT_TRUE(server.running());
  std::string pipeline;
  std::vector<std::string> ids;
  for (size_t i = 0; i < kRequests; ++i) {
    ids.push_back("p" + std::to_string(i) + std::string(20, 'x'));
    pipeline += post(i % 2 == 0 ? "/later" : "/now", ids.back());
  }
  ASSERT_GT(pipeline.size(), 2u * 16384u);
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.send(pipeline));
  for (size_t i = 0; i < kRequests; ++i) {
    const Answer answer = connection.read_answer(5s);
    ASSERT_EQ(answer.status, 200) << "answer " << i << " of " << kRequests;
    EXPECT_EQ(answer.body, ids[i]);
  }
  std::lock_guard<std::mutex> lock(server.routes.mutex);
  EXPECT_EQ(server.routes.seen.size(), kRequests);
  EXPECT_EQ(server.routes.offered_again, 0u);
}

// Deadlines: a kept-alive connection idle for 300 ms is closed, a request must arrive whole
// within 500 ms of its first byte.
ListenerOptions deadline_limits() {
  ListenerOptions options;
  options.readers = 3;
  options.keep_alive_timeout = 300ms;
  options.request_timeout = 500ms;
  return options;
}

TEST(Listener, ClosesIdleConnectionsAfterTheirDeadline) {
  Completions completions(1);
  TestServer server(deadline_limits(), &completions);
  ASSERT_TRUE(server.running());
  RawConnection silent(server.port());  // never sends a byte
  const auto connected = Clock::now();
  RawConnection kept(server.port());
  ASSERT_TRUE(kept.send(post("/now", "k1")));
  const Answer answer = kept.read_answer(2s);
  ASSERT_EQ(answer.status, 200);
  const auto answered = Clock::now();

  EXPECT_TRUE(kept.closed_by_server(1s)) << "kept-alive connection not closed within 1 s";
  EXPECT_GE(ms(Clock::now() - answered), 250) << "closed before keep_alive_timeout";
  EXPECT_TRUE(silent.closed_by_server(1500ms)) << "silent connection not closed";
  EXPECT_GE(ms(Clock::now() - connected), 450) << "closed before request_timeout";
  EXPECT_TRUE(server.routes.refusals_seen().empty())
      << "an idle connection is closed without an answer";
}

TEST(Listener, AnswersSlowRequestsThatCompleteWithinTheRequestTimeout) {
  Completions completions(1);
  TestServer server(deadline_limits(), &completions);
  ASSERT_TRUE(server.running());
  const std::string first = post("/now", "s1");
  const std::string second = post("/now", "s2");

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
  EXPECT_TRUE(server.routes.refusals_seen().empty());
}

TEST(Listener, Answers408ToRequestsNotCompleteWithinTheRequestTimeout) {
  Completions completions(1);
  TestServer server(deadline_limits(), &completions);
  ASSERT_TRUE(server.running());
  // A head and 4 of its 10 body bytes on a new connection; half a head on a kept-alive one.
  RawConnection fresh(server.port());
  RawConnection kept(server.port());
  ASSERT_TRUE(kept.send(post("/now", "t1")));
  ASSERT_EQ(kept.read_answer(2s).status, 200);
  const std::string whole = post("/now", "0123456789");
  ASSERT_TRUE(fresh.send(whole.substr(0, whole.size() - 6)));
  ASSERT_TRUE(kept.send(whole.substr(0, 25)));
  const auto sent = Clock::now();

  for (RawConnection* connection : {&fresh, &kept}) {
    const Answer answer = connection->read_answer(5s);
    EXPECT_EQ(answer.status, 408) << answer.head;
    EXPECT_GE(ms(Clock::now() - sent), 450) << "refused before request_timeout";
    EXPECT_TRUE(connection->closed_by_server(1s));
  }
  using Refusal = std::pair<int, std::string>;
  EXPECT_EQ(server.routes.refusals_seen(),
            (std::vector<Refusal>(2, Refusal(408, "request_too_slow"))));
}

// The daemon's readers serve Kafka's delivery reports through Listener::watch: here an eventfd
// that a signalling thread writes whenever the routes hold requests, and whose `ready` answers
// them.
TEST(Listener, AWatchedFdIsServedOnAReaderEachTimeItTurnsReadableAndItsAnswersArrive) {
  constexpr size_t kClients = 8;
  constexpr size_t kRequests = 40;
  constexpr size_t kMaxRequests = 15;
  const int signal = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(signal, 0);
  Completions completions(1);
  std::mutex ready_mutex;
  std::unordered_set<std::thread::id> ready_threads;
  std::atomic<size_t> ready_calls{0};
  TestRoutes* routes = nullptr;
  TestServer server(three_readers(kMaxRequests), &completions, [&](Listener& listener) {
    listener.watch(signal, [&] {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t ignored = ::read(signal, &count, sizeof count);
      ++ready_calls;
      {
        std::lock_guard<std::mutex> lock(ready_mutex);
        ready_threads.insert(std::this_thread::get_id());
      }
      std::vector<std::pair<std::string, http::Respond>> due;
      {
        std::lock_guard<std::mutex> lock(routes->mutex);
        due.swap(routes->held);
      }
      for (const auto& [id, respond] : due) TestRoutes::answer_with(respond, id);
    });
  });
  routes = &server.routes;
  ASSERT_TRUE(server.running());

  std::atomic<bool> done{false};
  std::thread signaller([&] {
    std::unique_lock<std::mutex> lock(routes->mutex);
    while (!done) {
      if (routes->changed.wait_for(lock, 10ms, [&] { return !routes->held.empty(); })) {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t ignored = ::write(signal, &one, sizeof one);
        // Not again until ready() has taken what is held (or 5 ms passed).
        routes->changed.wait_for(lock, 5ms);
      }
    }
  });
  const std::thread::id signaller_id = signaller.get_id();

  std::vector<std::vector<Request>> plans(kClients);
  for (size_t c = 0; c < kClients; ++c)
    for (size_t r = 0; r < kRequests; ++r) {
      const std::string id = "w" + std::to_string(c) + "-" + std::to_string(r);
      plans[c].push_back(Request{id, post("/held", id)});
    }
  const std::vector<ClientResult> results = run_clients(server.port(), plans, kMaxRequests);
  done = true;
  signaller.join();
  for (size_t c = 0; c < kClients; ++c) {
    EXPECT_EQ(results[c].failure, "") << "client " << c;
    EXPECT_EQ(results[c].answered, kRequests) << "client " << c;
  }
  EXPECT_GE(ready_calls.load(), 1u);
  {
    std::lock_guard<std::mutex> lock(ready_mutex);
    EXPECT_FALSE(ready_threads.empty());
    EXPECT_EQ(ready_threads.count(std::this_thread::get_id()), 0u);
    EXPECT_EQ(ready_threads.count(signaller_id), 0u);
    EXPECT_LE(ready_threads.size(), 3u);  // the three readers at most
  }
  server.stop();
  ::close(signal);
}

TEST(Listener, StopWaitsForTheAnswersTheRoutesStillHold) {
  constexpr size_t kHeld = 7;
  ListenerOptions options;
  options.readers = 3;
  Completions completions(1);
  TestServer server(options, &completions);
  ASSERT_TRUE(server.running());
  TestRoutes& routes = server.routes;
  std::mutex& mutex = routes.mutex;
  auto& held = routes.held;

  RawConnection idle(server.port());
  ASSERT_TRUE(idle.send(post("/now", "n")));
  ASSERT_EQ(idle.read_answer(2s).status, 200);
  std::vector<std::unique_ptr<RawConnection>> waiting;
  for (size_t i = 0; i < kHeld; ++i) {
    waiting.push_back(std::make_unique<RawConnection>(server.port()));
    std::string requests = post("/held", "h" + std::to_string(i));
    if (i == 0) requests += post("/held", "behind");  // must not be taken once stopping
    ASSERT_TRUE(waiting.back()->send(requests));
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(routes.changed.wait_for(lock, 5s, [&] { return held.size() == kHeld; }));
  }

  // Gives the held answers 300 ms after stop() is called (and any taken later, until it returns).
  std::atomic<bool> stop_called{false}, stopped{false}, given{false};
  std::thread giver([&] {
    while (!stop_called) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(300ms);
    for (size_t next = 0; !stopped; std::this_thread::sleep_for(10ms)) {
      std::vector<std::pair<std::string, http::Respond>> due;
      {
        std::lock_guard<std::mutex> lock(mutex);  // not held while answering: it may offer more
        due.assign(held.begin() + static_cast<long>(next), held.end());
        next = held.size();
      }
      for (const auto& [id, respond] : due) TestRoutes::answer_with(respond, id);
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

TEST(Listener, AnAnswerBeforeTheBodyClosesAndTheBodyIsNeverARequest) {
  Completions completions(1);
  TestServer server(ListenerOptions{}, &completions);
  ASSERT_TRUE(server.running());
  // The announced body holds a whole request: it must never reach handle().
  const std::string inner = post("/now", "smuggled");
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.send("GET /get?id=outer HTTP/1.1\r\nHost: a\r\nContent-Length: " +
                              std::to_string(inner.size() + 100) + "\r\n\r\n" + inner));
  const Answer answer = connection.read_answer(2s);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "outer");
  EXPECT_NE(answer.head.find("Connection: close\r\n"), std::string::npos) << answer.head;
  // The client goes on sending its body: the listener reads it away and closes with a FIN (a
  // reset would make the client lose the answer it has not read yet).
  ASSERT_TRUE(connection.send(std::string(100, 'x')));
  EXPECT_TRUE(connection.closed_by_server(3s));
  std::lock_guard<std::mutex> lock(server.routes.mutex);
  EXPECT_TRUE(server.routes.seen.empty()) << "the body was handled as a request";
}

TEST(Listener, AnAnswerTheClientReadsSlowlyArrivesWholeAndAStuckOneIsDroppedAfterTheWriteTimeout) {
  ListenerOptions options;
  options.max_connections = 1;
  options.write_timeout = 500ms;
  Completions completions(1);
  TestServer server(options, &completions);
  ASSERT_TRUE(server.running());
  {
    // 32 MiB do not fit the socket buffers: the rest is written as the client reads.
    RawConnection slow(server.port());
    ASSERT_TRUE(slow.send("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    std::this_thread::sleep_for(300ms);
    const Answer answer = slow.read_answer(10s);
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body.size(), server.routes.big_body.size());
  }
  std::this_thread::sleep_for(100ms);
  RawConnection stuck(server.port());  // never reads its answer
  ASSERT_TRUE(stuck.send("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  // The only connection slot is taken while the answer waits for the socket ...
  RawConnection refused(server.port());
  EXPECT_EQ(refused.read_answer(2s).status, 503);
  // ... until the write timeout (silence: the socket buffers took what they could first) drops it.
  const auto stuck_since = Clock::now();
  std::string body;
  while (body != "after" && Clock::now() < stuck_since + 5s) {
    std::this_thread::sleep_for(100ms);
    RawConnection next(server.port());
    if (next.send(post("/now", "after"))) body = next.read_answer(2s).body;
  }
  EXPECT_EQ(body, "after") << "the stuck connection was never dropped";
}

TEST(Listener, APeerTheRoutesDoNotAdmitIsClosedBeforeAByteIsRead) {
  Completions completions(1);
  TestServer server(ListenerOptions{}, &completions);
  ASSERT_TRUE(server.running());
  server.routes.admitting = false;
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.connected());
  EXPECT_TRUE(connection.closed_by_server(2s));
  using Refusal = std::pair<int, std::string>;
  EXPECT_EQ(server.routes.refusals_seen(), std::vector<Refusal>{Refusal(0, "address_not_allowed")});
}

TEST(Listener, AReaderThatStopsTurningIsReportedAsStalledForTheWatchdog) {
  ListenerOptions options;
  options.readers = 1;
  Completions completions(1);
  TestServer server(options, &completions);
  ASSERT_TRUE(server.running());
  EXPECT_TRUE(progress::stalled(std::chrono::milliseconds(1000)).empty());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.send(post("/block", "b")));
  std::vector<std::string> stalled;
  const auto until = Clock::now() + 2s;
  while (stalled.empty() && Clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    stalled = progress::stalled(std::chrono::milliseconds(1000));
  }
  EXPECT_EQ(stalled, std::vector<std::string>{"http reader"});
  EXPECT_EQ(connection.read_answer(3s).body, "b");
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(progress::stalled(std::chrono::milliseconds(1000)).empty())
      << "the reader turns again";
}

}  // namespace
}  // namespace jb::test
