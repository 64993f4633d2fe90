// The callback listener over raw loopback sockets, so the exact answer text is seen: keep-alive
// accounting, Connection: close, pipelining, every framing (Content-Length, chunked, Expect,
// HTTP/1.0) served by the one framing layer, refused senders, dead letters, 503 when nothing can
// store, the acknowledgement timer during an outage, and stopping with callbacks in flight.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "spool/spool.h"
#include "support/bridge.h"
#include "support/load.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kPath[] = "/callbacks/jumio";
constexpr char kAuthenticationTopic[] = "jumio.authentication.passed";

// A callback POST with a Content-Length body.
std::string callback_request(const std::string& body, const std::string& extra_fields = "",
                             const std::string& target = kPath) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\n" +
         extra_fields + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The answer's head without its Date field, which must be there, in IMF-fixdate form.
std::string without_date(const std::string& head) {
  const size_t start = head.find("\r\nDate: ");
  if (start == std::string::npos) return head + "(no Date field)";
  const size_t end = head.find("\r\n", start + 2);
  const std::string date = head.substr(start + 8, end - start - 8);
  if (date.size() != 29 || date.compare(25, 4, " GMT") != 0) return head + "(bad Date)";
  return head.substr(0, start) + head.substr(end);
}

// The answer text for a 200, without its Date.
std::string ok_keep_alive(int max, int timeout_seconds = 5) {
  return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nKeep-Alive: timeout=" +
         std::to_string(timeout_seconds) + ", max=" + std::to_string(max) + "\r\n\r\n";
}
constexpr char kOkClose[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// Sends `request` on a new connection and reads one answer (status -1 when none came).
Answer round_trip(int port, const std::string& request) {
  RawConnection connection(port);
  if (!connection.send(request)) return {};
  return connection.read_answer();
}

std::set<std::string> keys_of(const std::vector<kafka::ConsumedMessage>& records) {
  std::set<std::string> keys;
  for (const auto& record : records) keys.insert(record.key);
  return keys;
}

// The keys read back from `topic` once all of `expected` are there (duplicates allowed), or what
// was there when the reads gave up.
std::set<std::string> read_keys(Bridge& bridge, const std::string& topic,
                                const std::set<std::string>& expected) {
  std::set<std::string> keys;
  for (size_t count = expected.size(); count <= expected.size() + 3; ++count) {
    const auto records = bridge.read({topic}, count, 10s);
    keys = keys_of(records);
    if (keys == expected || records.size() < count) break;  // all came, or nothing more did
  }
  return keys;
}

// A callback the listener answered 200 and Kafka has, so the producer knows the cluster. The
// first one also waits for the topic's metadata: it may outlast a short ack timeout (and be
// refused when the spool cannot take it), so it gets a few tries.
void warm_up(Bridge& bridge, unsigned run) {
  std::string head;
  for (int attempt = 0; attempt < 10 && head != kOkClose; ++attempt)
    head = without_date(round_trip(bridge.daemon().port(),
                                   callback_request(load_body(run, 0), "Connection: close\r\n"))
                            .head);
  ASSERT_EQ(head, kOkClose);
  ASSERT_EQ(read_keys(bridge, kAuthenticationTopic, {load_reference(run, 0)}),
            std::set<std::string>{load_reference(run, 0)});
}

// Waits (bounded) until the drain has emptied the spool.
bool spool_empties(Bridge& bridge, std::chrono::milliseconds bound) {
  const auto until = Clock::now() + bound;
  while (bridge.daemon().spool().depth() > 0 && Clock::now() < until)
    std::this_thread::sleep_for(50ms);
  return bridge.daemon().spool().depth() == 0;
}

TEST(CallbackListener, KeepAliveCountsTheRequestsLeftAndTheLastAnswerOrConnectionCloseCloses) {
  Bridge bridge([](config::Config& c) {
    c.http.keep_alive_max_requests = 3;
    c.http.keep_alive_timeout_ms = 1500;  // announced as timeout=1: never more than is kept
  });
  const unsigned run = 0xfa570001;
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send(callback_request(load_body(run, 1))));
  EXPECT_EQ(without_date(connection.read_answer().head), ok_keep_alive(2, 1));
  ASSERT_TRUE(connection.send(callback_request(load_body(run, 2))));
  EXPECT_EQ(without_date(connection.read_answer().head), ok_keep_alive(1, 1));
  ASSERT_TRUE(connection.send(callback_request(load_body(run, 3))));
  EXPECT_EQ(without_date(connection.read_answer().head), kOkClose);
  EXPECT_TRUE(connection.closed_by_server()) << "left open after the last request";
  // A kept-alive connection left idle is closed after the announced timeout.
  RawConnection idle(bridge.daemon().port());
  ASSERT_TRUE(idle.send(callback_request(load_body(run, 4))));
  EXPECT_EQ(without_date(idle.read_answer().head), ok_keep_alive(2, 1));
  const auto answered = Clock::now();
  EXPECT_TRUE(idle.closed_by_server(4s)) << "an idle connection was kept past its timeout";
  EXPECT_GE(Clock::now() - answered, 1s) << "closed before the announced timeout";
  // The client's Connection: close is answered in kind and honoured.
  RawConnection closing(bridge.daemon().port());
  ASSERT_TRUE(closing.send(callback_request(load_body(run, 5), "Connection: close\r\n")));
  EXPECT_EQ(without_date(closing.read_answer().head), kOkClose);
  EXPECT_TRUE(closing.closed_by_server());
  std::set<std::string> references;
  for (int i = 1; i <= 5; ++i) references.insert(load_reference(run, i));
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, references), references);
}

TEST(CallbackListener, PipelinedRequestsAreAnsweredInOrder) {
  Bridge bridge;
  const unsigned run = 0xfa570003;
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.connected());
  std::string batch;
  std::set<std::string> references;
  for (int i = 1; i <= 5; ++i) {
    batch += callback_request(load_body(run, i));
    references.insert(load_reference(run, i));
  }
  ASSERT_TRUE(connection.send(batch));
  // In order: the Keep-Alive max of each answer counts down from the default 100.
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(without_date(connection.read_answer().head), ok_keep_alive(100 - i));
  EXPECT_EQ(connection.read_answer(200ms).status, -1) << "more answers than requests";
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, references), references);
}

TEST(CallbackListener, PipelinedMixOfFramingsIsAnsweredInOrderAndTheLastCloses) {
  Bridge bridge([](config::Config& c) { c.http.keep_alive_max_requests = 3; });
  const unsigned run = 0xfa570004;
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.connected());
  // A query string, then a chunked body, between plain Content-Length requests.
  const std::string chunked_body = load_body(run, 3);
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", chunked_body.size());
  ASSERT_TRUE(connection.send(
      callback_request(load_body(run, 1)) +
      callback_request(load_body(run, 2), "", "/callbacks/jumio?n=2") +
      "POST /callbacks/jumio HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" +
      size + chunked_body + "\r\n0\r\n\r\n" + callback_request(load_body(run, 4))));
  EXPECT_EQ(without_date(connection.read_answer().head), ok_keep_alive(2));
  EXPECT_EQ(without_date(connection.read_answer().head), ok_keep_alive(1));
  EXPECT_EQ(without_date(connection.read_answer().head), kOkClose) << "the third is the last";
  EXPECT_TRUE(connection.closed_by_server()) << "the fourth request must not be served";
  const std::set<std::string> references{load_reference(run, 1), load_reference(run, 2),
                                         load_reference(run, 3)};
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, references), references);
}

TEST(CallbackListener, EveryFramingIsServedByTheOneFramingLayer) {
  Bridge bridge;
  const unsigned run = 0xfa570005;
  const int port = bridge.daemon().port();
  std::set<std::string> published;
  EXPECT_EQ(
      round_trip(port, callback_request(load_body(run, 1), "", "/callbacks/jumio?x=1")).status, 200)
      << "query string";
  published.insert(load_reference(run, 1));
  {
    SCOPED_TRACE("Expect: 100-continue, in any case");
    RawConnection connection(port);
    const std::string body = load_body(run, 2);
    const std::string request = callback_request(body, "Expect: 100-Continue\r\n");
    ASSERT_TRUE(connection.send(request.substr(0, request.size() - body.size())));
    const Answer interim = connection.read_answer(5s);
    EXPECT_EQ(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(connection.send(body));
    const Answer final_answer = connection.read_answer();
    EXPECT_EQ(without_date(final_answer.head), ok_keep_alive(99));
    published.insert(load_reference(run, 2));
  }
  {
    SCOPED_TRACE("chunked, with an extension and a trailer");
    const std::string body = load_body(run, 3);
    char size[32];
    std::snprintf(size, sizeof size, "%zx;name=\"value\"\r\n", body.size());
    EXPECT_EQ(round_trip(port,
                         "POST /callbacks/jumio HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n" +
                             (size + body) + "\r\n0\r\nX-Trailer: t\r\n\r\n")
                  .status,
              200);
    published.insert(load_reference(run, 3));
  }
  {
    SCOPED_TRACE("repeated Content-Type: which one applies is ambiguous");
    RawConnection connection(port);
    ASSERT_TRUE(connection.send(callback_request(
        load_body(run, 4), "Content-Type: application/x-www-form-urlencoded\r\n")));
    const Answer answer = connection.read_answer();
    EXPECT_EQ(answer.status, 400) << answer.head;
    EXPECT_TRUE(connection.closed_by_server());
  }
  EXPECT_EQ(
      round_trip(port, callback_request(load_body(run, 7), "Content-Encoding: gzip\r\n")).status,
      415);
  const Answer get = round_trip(port, "GET /callbacks/jumio HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(get.status, 405);
  EXPECT_NE(get.head.find("Allow: POST\r\n"), std::string::npos) << get.head;
  {
    SCOPED_TRACE("HTTP/1.0 without keep-alive: answered, then closed");
    std::string request = callback_request(load_body(run, 6));
    request.replace(request.find("HTTP/1.1"), 8, "HTTP/1.0");
    RawConnection connection(port);
    ASSERT_TRUE(connection.send(request));
    EXPECT_EQ(without_date(connection.read_answer().head), kOkClose);
    EXPECT_TRUE(connection.closed_by_server());
    published.insert(load_reference(run, 6));
  }
  {
    SCOPED_TRACE("HTTP/1.0 with keep-alive: kept, and said so");
    std::string request = callback_request(load_body(run, 8), "Connection: keep-alive\r\n");
    request.replace(request.find("HTTP/1.1"), 8, "HTTP/1.0");
    RawConnection connection(port);
    ASSERT_TRUE(connection.send(request));
    EXPECT_EQ(without_date(connection.read_answer().head),
              "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n"
              "Keep-Alive: timeout=5, max=99\r\n\r\n");
    published.insert(load_reference(run, 8));
  }
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, published), published);
}

TEST(CallbackListener, SendersNotAllowedOrNotAuthenticatedAreRefused) {
  const unsigned run = 0xfa570008;
  {
    // Behind a trusted proxy, a client that is not allowed gets 403 before its body is read;
    // the small body is read away and the proxy's connection kept for its next request.
    Bridge bridge([](config::Config& c) {
      c.security.allow = {"10.0.0.0/8"};
      c.security.trusted_proxies = {"127.0.0.1/32"};
    });
    RawConnection connection(bridge.daemon().port());
    ASSERT_TRUE(
        connection.send(callback_request(load_body(run, 1), "X-Forwarded-For: 203.0.113.9\r\n")));
    const Answer answer = connection.read_answer();
    EXPECT_EQ(answer.status, 403) << answer.head;
    EXPECT_EQ(answer.head.find("Connection: close"), std::string::npos) << answer.head;
    EXPECT_NE(answer.head.find("Keep-Alive"), std::string::npos) << answer.head;
    ASSERT_TRUE(
        connection.send(callback_request(load_body(run, 2), "X-Forwarded-For: 10.1.2.3\r\n")));
    EXPECT_EQ(connection.read_answer().status, 200) << "the proxy's next request on the connection";
    const auto published = bridge.read({"^jumio\\..*"}, 2, 5s);
    ASSERT_EQ(published.size(), 1u) << "the refused body was published";
  }
  Bridge bridge([](config::Config& c) {
    c.http.basic_auth.user = "jumio";
    c.http.basic_auth.password = "s3cret-pass";
  });
  const int port = bridge.daemon().port();
  for (const char* authorization : {"", "Authorization: Basic anVtaW86d3Jvbmc=\r\n",  // jumio:wrong
                                    "Authorization: Bearer anVtaW86czNjcmV0LXBhc3M=\r\n"}) {
    SCOPED_TRACE(authorization);
    const Answer answer = round_trip(port, callback_request(load_body(run, 2), authorization));
    EXPECT_EQ(answer.status, 401) << answer.head;
    EXPECT_NE(answer.head.find("WWW-Authenticate: Basic"), std::string::npos) << answer.head;
  }
  EXPECT_EQ(without_date(round_trip(port, callback_request(
                                              load_body(run, 3),
                                              "Authorization: Basic anVtaW86czNjcmV0LXBhc3M=\r\n"))
                             .head),
            ok_keep_alive(99));
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, {load_reference(run, 3)}),
            std::set<std::string>{load_reference(run, 3)});
}

TEST(CallbackListener, KafkaDownAndSpoolFullIsA503WithRetryAfter) {
  Bridge bridge([](config::Config& c) {
    c.spool.ack_timeout_ms = 300;
    c.spool.max_bytes = 64;  // no record fits
  });
  const unsigned run = 0xfa570009;
  ASSERT_NO_FATAL_FAILURE(warm_up(bridge, run));
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.send(callback_request(load_body(run, 1))));
  const Answer answer = connection.read_answer(5s);
  EXPECT_EQ(without_date(answer.head),
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\n"
            "Content-Length: 24\r\nKeep-Alive: timeout=5, max=99\r\n\r\n");
  EXPECT_EQ(answer.body, "503 Service Unavailable\n");
  // The connection still serves: the next callback, with Kafka back, is a 200.
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  std::string status;
  for (int attempt = 2; attempt < 12 && status.rfind("HTTP/1.1 200 OK", 0) != 0; ++attempt) {
    ASSERT_TRUE(connection.send(callback_request(load_body(run, attempt))));
    status = connection.read_answer(5s).head;
  }
  EXPECT_EQ(status.rfind("HTTP/1.1 200 OK", 0), 0u) << status;
}

TEST(CallbackListener, DeadLetterIsAnswered200AndPublished) {
  Bridge bridge;
  const std::string body =
      "callBackType=NETVERIFYID&jumioIdScanReference=ref-fast-dl&verificationStatus=MAYBE";
  EXPECT_EQ(without_date(round_trip(bridge.daemon().port(), callback_request(body)).head),
            ok_keep_alive(99));
  const auto records = bridge.read({"jumio.deadletter"}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "ref-fast-dl");
  EXPECT_EQ(header(records[0], "x-deadletter-reason"), "unknown_status");
  EXPECT_NE(records[0].value.find("\"remoteAddr\":\"127.0.0.1\""), std::string::npos)
      << records[0].value;
}

TEST(CallbackListener, BrokerDownTheAckTimerSpoolsAndAnswers200ThenTheSpoolDrains) {
  Bridge bridge([](config::Config& c) { c.spool.ack_timeout_ms = 300; });
  const unsigned run = 0xfa570006;
  ASSERT_NO_FATAL_FAILURE(warm_up(bridge, run));
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.connected());
  const auto sent = Clock::now();
  ASSERT_TRUE(connection.send(callback_request(load_body(run, 1))));
  const Answer answer = connection.read_answer(5s);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
  std::printf("[ figures  ] answered after %lld ms with the broker down\n",
              static_cast<long long>(waited.count()));
  EXPECT_EQ(without_date(answer.head), ok_keep_alive(99));
  EXPECT_EQ(bridge.daemon().spool().depth(), 1u);
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  EXPECT_TRUE(spool_empties(bridge, 30s)) << "the drain did not publish the spooled callback";
  const std::set<std::string> references{load_reference(run, 0), load_reference(run, 1)};
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, references), references);
}

TEST(CallbackListener, StopWithCallbacksInFlightAnswersOrClosesEveryOneAndSpoolsEvery200) {
  Bridge bridge([](config::Config& c) { c.spool.ack_timeout_ms = 1500; });
  const unsigned run = 0xfa570007;
  ASSERT_NO_FATAL_FAILURE(warm_up(bridge, run));
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  constexpr int kClients = 8;
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 1; i <= kClients; ++i) {
    clients.push_back(std::make_unique<RawConnection>(bridge.daemon().port()));
    ASSERT_TRUE(clients.back()->connected());
    // The last client pipelines a second request behind its first.
    std::string request = callback_request(load_body(run, i));
    if (i == kClients) request += callback_request(load_body(run, 100 + i));
    ASSERT_TRUE(clients.back()->send(request));
  }
  std::this_thread::sleep_for(200ms);  // every request reaches the daemon
  for (auto& client : clients) EXPECT_EQ(client->read_answer(0ms).status, -1) << "answered early";

  const auto stop_started = Clock::now();
  auto stopped = std::async(std::launch::async, [&] {
    bridge.daemon().stop(1s);
    return Clock::now() - stop_started;
  });
  std::set<std::string> answered;
  const auto give_up = stop_started + 20s;
  for (int i = 1; i <= kClients; ++i) {
    RawConnection* client = clients[static_cast<size_t>(i - 1)].get();
    const Answer answer = client->read_answer(
        std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now()));
    if (answer.status == -1) {
      EXPECT_TRUE(client->closed_by_server(0ms)) << "neither answered nor closed";
      continue;
    }
    // During the stop, every answer is the connection's last.
    EXPECT_EQ(without_date(answer.head), kOkClose);
    answered.insert(load_reference(run, i));
    EXPECT_TRUE(client->closed_by_server(1s));
  }
  ASSERT_EQ(stopped.wait_until(give_up), std::future_status::ready) << "stop did not return";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(stopped.get());
  std::printf("[ figures  ] stop took %lld ms; %zu of %d clients answered 200\n",
              static_cast<long long>(took.count()), answered.size(), kClients);
  EXPECT_LT(took, 15s);
  EXPECT_EQ(answered.size(), static_cast<size_t>(kClients))
      << "each first request was in flight: the spool could take it";
  // The stopped daemon closed its spool: what it holds is read from the directory.
  std::string error;
  auto spool = spool::Spool::open({bridge.config().spool.dir}, &error);
  ASSERT_TRUE(spool) << error;
  std::set<std::string> spooled;
  for (const auto& taken : spool->take(100, 1s)) spooled.insert(taken.spooled.record.key);
  EXPECT_EQ(spool->depth(), answered.size());
  EXPECT_EQ(spooled, answered) << "every callback answered 200 is in the spool, nothing else";
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
}

// Sends one callback on each of `count` new connections at once and reads every answer.
std::vector<Answer> post_at_once(Bridge& bridge, unsigned run, int count) {
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 1; i <= count; ++i) {
    connections.push_back(std::make_unique<RawConnection>(bridge.daemon().port()));
    connections.back()->send(callback_request(load_body(run, i)));
  }
  std::vector<Answer> answers;
  for (auto& connection : connections) answers.push_back(connection->read_answer(15s));
  return answers;
}

// More callbacks than may wait for Kafka at once (64): the rest wait their turn, already
// normalised, and are all published when Kafka answers, none of them through the spool.
TEST(CallbackListener, CallbacksBeyondTheKafkaSlotsWaitTheirTurnAndAreAllPublished) {
  Bridge bridge([](config::Config& c) { c.spool.ack_timeout_ms = 8000; });
  const unsigned run = 0xfa570008;
  ASSERT_NO_FATAL_FAILURE(warm_up(bridge, run));
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  std::thread bring_up([&bridge] {
    std::this_thread::sleep_for(1500ms);
    rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  });
  const std::vector<Answer> answers = post_at_once(bridge, run, 150);
  bring_up.join();
  std::set<std::string> references{load_reference(run, 0)};
  for (int i = 1; i <= 150; ++i) {
    EXPECT_EQ(answers[i - 1].status, 200) << "callback " << i;
    references.insert(load_reference(run, i));
  }
  EXPECT_EQ(bridge.daemon().spool().stats().appended, 0u) << "waited for Kafka, not the spool";
  EXPECT_EQ(read_keys(bridge, kAuthenticationTopic, references), references);
}

// An outage that outlasts the acknowledgement wait: the callbacks waiting for a Kafka slot go to
// the spool behind the ones whose wait ran out, and everything is published once Kafka is back.
TEST(CallbackListener, CallbacksWaitingForAKafkaSlotGoBehindTheSpoolInAnOutage) {
  Bridge bridge([](config::Config& c) { c.spool.ack_timeout_ms = 500; });
  const unsigned run = 0xfa570009;
  ASSERT_NO_FATAL_FAILURE(warm_up(bridge, run));
  rd_kafka_mock_broker_set_down(bridge.broker().mock(), 1);
  const std::vector<Answer> answers = post_at_once(bridge, run, 150);
  std::set<std::string> references{load_reference(run, 0)};
  for (int i = 1; i <= 150; ++i) {
    EXPECT_EQ(answers[i - 1].status, 200) << "callback " << i;
    references.insert(load_reference(run, i));
  }
  EXPECT_EQ(bridge.daemon().spool().depth(), 150u);
  rd_kafka_mock_broker_set_up(bridge.broker().mock(), 1);
  EXPECT_TRUE(spool_empties(bridge, 30s)) << "the drain did not publish the spooled callbacks";
  // Those produced before their wait ran out may be in Kafka twice (from the spool as well), and
  // the drain's retried batches may add more: read everything there is.
  const auto records = bridge.read({kAuthenticationTopic}, 2 * references.size(), 8s);
  const std::set<std::string> keys = keys_of(records);
  std::vector<std::string> missing;
  std::set_difference(references.begin(), references.end(), keys.begin(), keys.end(),
                      std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << references.size() << " missing in "
                               << records.size() << " records, first " << missing.front();
}

}  // namespace
}  // namespace jb::test
