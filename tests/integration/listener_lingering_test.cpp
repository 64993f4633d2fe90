// jb::http::Listener after an answer given from the head, before the body was read: the body is
// read away and the connection kept when the peer is a trusted proxy and the body small, else the
// listener half-closes and drops up to 1 MiB or 2 s of input so the peer reads the answer; either
// way the connection leaves its slot for a lingering budget of its own, so refused requests
// cannot starve an address of connections. Also: a trusted proxy's idle connections are kept for
// the proxy's keep-alive time. Raw loopback sockets from several 127.0.0.x addresses.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/listener.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using http::Listener;
using http::ListenerOptions;

constexpr char kProxy[] = "127.0.0.2";
constexpr char kClient[] = "127.0.0.3";

// POST /refused is answered 403 from its head; other POSTs echo their body once it is read.
class Routes : public http::Routes {
 public:
  bool trusted_proxy(const std::string& peer_ip) const override { return peer_ip == kProxy; }
  bool answer_head(const http::RequestHead& head, const std::string&, http::Reply* reply) override {
    if (head.path != "/refused") return false;
    reply->status = 403;
    reply->content_type = "text/plain";
    reply->body = "403 Forbidden\n";
    return true;
  }
  void handle(const http::Request& request, http::Respond respond) override {
    thread_local std::string body;
    body = std::string(request.body);
    http::Reply reply;
    reply.content_type = "text/plain";
    reply.body = body;
    respond(reply);
  }
  void refused(int, const char*) override {}
  void connection_refused(const char*) override {}
};

class Server {
 public:
  explicit Server(const ListenerOptions& options) : listener_(options, nullptr, &routes_) {
    std::string error;
    running_ = listener_.bind("127.0.0.1", 0, &error);
    EXPECT_TRUE(running_) << error;
    if (running_) listener_.start();
  }
  ~Server() { listener_.stop(); }
  int port() const { return listener_.port(); }
  bool running() const { return running_; }

 private:
  Routes routes_;
  Listener listener_;
  bool running_ = false;
};

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string head_announcing(size_t length) {
  return "POST /refused HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(length) +
         "\r\n\r\n";
}

bool closes(const Answer& answer) {
  return answer.head.find("\r\nConnection: close\r\n") != std::string::npos;
}

TEST(ListenerLingering, RefusedConnectionsStillLingeringHoldNoSlotOfTheirAddress) {
  ListenerOptions options;
  options.max_connections_per_address = 2;
  Server server(options);
  ASSERT_TRUE(server.running());
  // Four refused requests whose bodies never come: each lingers up to 2 s after its answer.
  std::vector<std::unique_ptr<RawConnection>> refused;
  for (int i = 0; i < 4; ++i) {
    refused.push_back(std::make_unique<RawConnection>(kClient, server.port()));
    ASSERT_TRUE(refused.back()->send(head_announcing(200000) + "x"));
    const Answer answer = refused.back()->read_answer(2s);
    ASSERT_EQ(answer.status, 403) << "connection " << i;
    EXPECT_TRUE(closes(answer));
  }
  // The address's two slots are free for a request that is served.
  RawConnection next(kClient, server.port());
  ASSERT_TRUE(next.send(post("/echo", "served")));
  const Answer answer = next.read_answer(2s);
  EXPECT_EQ(answer.status, 200) << answer.head;
  EXPECT_EQ(answer.body, "served");
}

TEST(ListenerLingering, ABodySentAfterAnEarlyAnswerIsReadUpToAMebibyteAndTheAnswerArrives) {
  Server server(ListenerOptions{});
  ASSERT_TRUE(server.running());
  // 900 KiB after the answer: more than the socket buffers hold, so the listener must keep
  // reading; a close before the end would reset the connection under the client's feet. Over
  // max_body_bytes (256 KiB) too: the answer is the listener's own 413.
  const size_t length = 900 * 1024;
  RawConnection connection(kClient, server.port());
  ASSERT_TRUE(connection.send(head_announcing(length)));
  EXPECT_TRUE(connection.send(std::string(length, 'b'))) << "reset before the body was sent";
  const Answer answer = connection.read_answer(3s);
  EXPECT_EQ(answer.status, 413);
  EXPECT_TRUE(connection.closed_by_server(3s));
  // A route's refusal from the head lingers the same way.
  RawConnection refused(kClient, server.port());
  ASSERT_TRUE(refused.send(head_announcing(200 * 1024)));
  EXPECT_TRUE(refused.send(std::string(200 * 1024, 'b'))) << "reset before the body was sent";
  EXPECT_EQ(refused.read_answer(3s).status, 403);
  EXPECT_TRUE(refused.closed_by_server(3s));
}

TEST(ListenerLingering, ATrustedProxysSmallBodyIsReadAwayAndItsConnectionKept) {
  Server server(ListenerOptions{});
  ASSERT_TRUE(server.running());
  RawConnection proxy(kProxy, server.port());
  // The body arrives in two parts, after the answer.
  ASSERT_TRUE(proxy.send(head_announcing(1000) + std::string(400, 'a')));
  const Answer refused = proxy.read_answer(2s);
  EXPECT_EQ(refused.status, 403);
  EXPECT_FALSE(closes(refused)) << refused.head;
  ASSERT_TRUE(proxy.send(std::string(600, 'a') + post("/echo", "next")));
  const Answer next = proxy.read_answer(2s);
  EXPECT_EQ(next.status, 200) << next.head;
  EXPECT_EQ(next.body, "next") << "the drained body was taken for a request";

  // The same from a peer that is not a proxy, or over the drain limit, closes.
  RawConnection client(kClient, server.port());
  ASSERT_TRUE(client.send(head_announcing(1000) + std::string(1000, 'a')));
  EXPECT_TRUE(closes(client.read_answer(2s)));
  RawConnection large(kProxy, server.port());
  ASSERT_TRUE(large.send(head_announcing(65537)));
  EXPECT_TRUE(closes(large.read_answer(2s)));
}

TEST(ListenerLingering, ADrainedBodyThatStopsArrivingIsClosedWithoutAnotherAnswer) {
  Server server(ListenerOptions{});
  ASSERT_TRUE(server.running());
  RawConnection proxy(kProxy, server.port());
  ASSERT_TRUE(proxy.send(head_announcing(1000) + "only this"));
  EXPECT_EQ(proxy.read_answer(2s).status, 403);
  const auto since = Clock::now();
  EXPECT_TRUE(proxy.closed_by_server(10s));
  EXPECT_LT(Clock::now() - since, 8s)
      << "the drain is bounded by the linger time (2 s), not the request timeout (10 s)";
  EXPECT_EQ(proxy.unread(), "") << "a second answer (408?) to a request already answered";
}

TEST(ListenerLingering, ATrustedProxysIdleConnectionIsKeptForTheProxyKeepAliveTime) {
  ListenerOptions options;
  options.keep_alive_timeout = 1s;
  options.proxy_keep_alive_timeout = 4s;
  Server server(options);
  ASSERT_TRUE(server.running());
  RawConnection proxy(kProxy, server.port());
  RawConnection client(kClient, server.port());
  ASSERT_TRUE(proxy.send(post("/echo", "p")));
  ASSERT_TRUE(client.send(post("/echo", "c")));
  const Answer to_proxy = proxy.read_answer(2s);
  const Answer to_client = client.read_answer(2s);
  EXPECT_EQ(to_proxy.field("Keep-Alive"), "timeout=4, max=99");
  EXPECT_EQ(to_client.field("Keep-Alive"), "timeout=1, max=99");
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(client.closed_by_server(1s)) << "an ordinary peer's idle connection is closed";
  ASSERT_TRUE(proxy.send(post("/echo", "again")));
  const Answer again = proxy.read_answer(2s);
  EXPECT_EQ(again.body, "again") << "the proxy's idle connection was closed under it";
}

}  // namespace
}  // namespace jb::test
