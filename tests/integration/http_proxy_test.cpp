// The cases of http_framing_test.cpp again, through Debian's nginx as a reverse proxy, the way a
// deployment puts the daemon behind one. Loopback addresses stand for the parties:
//   127.0.0.1  the daemon listens here (and nginx, on a port of its own);
//   127.0.0.2  nginx connects to the daemon from here: security.trusted_proxies;
//   127.0.0.3  the attacker: not in security.allow, so closed at accept when it connects
//              directly, and refused (403) through nginx, which appends 127.0.0.3 to whatever
//              X-Forwarded-For it sent;
//   127.0.0.5  an allowed client: security.allow, and what every smuggled request claims in its
//              X-Forwarded-For.
// The old server published a callback smuggled through nginx's trusted connection (an early
// answer left the body, a whole request claiming 127.0.0.5, on the kept-alive upstream
// connection); here nothing the attacker sends may reach Kafka, and after each attack an allowed
// client's callback through the same nginx must still get its own answer (the upstream
// connections stay in step).
//
// Each answer the client reads is named by who wrote it: "nginx" for nginx's own answers (its
// HTML error pages, its 100 Continue) and "daemon" for the daemon's, relayed by nginx (plain
// text, or no body). nginx answers many malformed requests itself, and re-frames what it
// accepts: it reads the client's body whole (chunked or not) and sends the daemon a
// Content-Length body, so chunked framing never reaches the daemon through it. Each case says
// what nginx (1.22, Debian 12) does.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/bridge.h"
#include "support/http_cases.h"
#include "support/load.h"
#include "support/nginx.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kAttacker[] = "127.0.0.3";
constexpr char kAllowed[] = "127.0.0.5";

// Answers as the client sees them: who wrote it, and the status line.
const std::string kOk = "daemon: HTTP/1.1 200 OK";
const std::string kForbidden = "daemon: HTTP/1.1 403 Forbidden";
const std::string kNotFound = "daemon: HTTP/1.1 404 Not Found";
const std::string kNotAllowed = "daemon: HTTP/1.1 405 Method Not Allowed";
const std::string kNginx400 = "nginx: HTTP/1.1 400 Bad Request";
const std::string kNginx405 = "nginx: HTTP/1.1 405 Not Allowed";
const std::string kNginx413 = "nginx: HTTP/1.1 413 Request Entity Too Large";
const std::string kNginx414 = "nginx: HTTP/1.1 414 Request-URI Too Large";
const std::string kNginx501 = "nginx: HTTP/1.1 501 Not Implemented";
const std::string kNginx505 = "nginx: HTTP/1.1 505 HTTP Version Not Supported";

// ---------------------------------------------------------------------------------------------
// Exchanges through nginx.

enum class Then { closes, stays_open };

constexpr char kProbe[] = "GET /probe HTTP/1.1\r\nHost: probe\r\n\r\n";

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "nginx: HTTP/1.1 400 Bad Request": nginx's own answers are HTML error pages (or its interim
// 100 Continue); the daemon's are plain text or have no body.
std::string seen(const Answer& answer) {
  if (answer.status < 0) return "no answer";
  const bool by_nginx =
      answer.status == 100 || lower(answer.field("Content-Type")).rfind("text/html", 0) == 0;
  return std::string(by_nginx ? "nginx: " : "daemon: ") + answer.status_line();
}

void check_answer(const Answer& answer) {
  if (answer.status < 200) return;
  const std::string text = answer.head + answer.body;
  EXPECT_EQ(answer.field("Date").size(), 29u) << "no IMF-fixdate Date:\n" << answer.head;
  EXPECT_FALSE(lower(answer.field("Connection")) == "close" && answer.has_field("Keep-Alive"))
      << "Connection: close and Keep-Alive both:\n"
      << answer.head;
  EXPECT_FALSE(answer.has_field("Content-Range")) << answer.head;
  EXPECT_EQ(lower(answer.field("Content-Type")).find("multipart"), std::string::npos);
  for (const char* leak : {"EXCEPTION_WHAT", "bad_function_call", "what()", "std::", "exception"})
    EXPECT_EQ(text.find(leak), std::string::npos) << "leaks " << leak << ":\n" << text;
  if (seen(answer) == kNotAllowed) {
    EXPECT_EQ(answer.field("Allow"), "POST") << answer.head;
  }
}

std::vector<Answer> exchange(RawConnection& connection, const std::string& request,
                             const std::vector<std::string>& expected, Then then) {
  EXPECT_TRUE(connection.connected());
  connection.send(request);  // may fail part-way when nginx answers and closes first
  std::vector<Answer> answers;
  for (const std::string& want : expected) {
    Answer answer = connection.read_answer(5s);
    EXPECT_EQ(seen(answer), want) << "answer " << answers.size() + 1 << ":\n"
                                  << answer.head << answer.body;
    check_answer(answer);
    answers.push_back(answer);
    if (answer.status < 0) return answers;
  }
  if (then == Then::closes) {
    if (!answers.empty()) {
      EXPECT_EQ(lower(answers.back().field("Connection")), "close") << answers.back().head;
    }
    EXPECT_TRUE(connection.closed_by_server())
        << "not closed, or more was sent: " << connection.unread();
  } else {
    for (const Answer& answer : answers)
      EXPECT_NE(lower(answer.field("Connection")), "close") << answer.head;
    connection.send(kProbe);
    const Answer probe = connection.read_answer(5s);
    EXPECT_EQ(seen(probe), kNotFound) << "the connection is not open and in step; got:\n"
                                      << probe.head << probe.body << connection.unread();
    EXPECT_EQ(connection.unread(), "") << "more answers than requests";
  }
  return answers;
}

double metric(const std::string& exposition, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t at = ("\n" + exposition).find(needle);
  if (at == std::string::npos) return 0;
  return std::atof(exposition.c_str() + at + needle.size() - 1);
}

class HttpProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Nginx::installed()) GTEST_SKIP() << Nginx::kMissing;
    bridge_ = std::make_unique<Bridge>([](config::Config& c) {
      c.security.allow = {"127.0.0.5/32"};
      c.security.trusted_proxies = {"127.0.0.2/32"};
    });
    nginx_ = std::make_unique<Nginx>(bridge_->daemon().port());
    ASSERT_TRUE(nginx_->started());
  }

  void TearDown() override {
    if (HasFailure() && nginx_)
      std::printf("nginx access log:\n%s\nnginx error log:\n%s\n", nginx_->access_log().c_str(),
                  nginx_->error_log().c_str());
  }

  int daemon_port() const { return bridge_->daemon().port(); }
  int proxy_port() const { return nginx_->port(); }
  Bridge& bridge() { return *bridge_; }

  // `request` from `source` through nginx, on a new connection.
  std::vector<Answer> through_proxy(const std::string& source, const std::string& request,
                                    const std::vector<std::string>& expected, Then then) {
    RawConnection connection(source, proxy_port());
    return exchange(connection, request, expected, then);
  }
  std::vector<Answer> attack(const std::string& request, const std::vector<std::string>& expected,
                             Then then) {
    return through_proxy(kAttacker, request, expected, then);
  }
  // After an attack: an allowed client's callback through the same nginx gets its own 200.
  void victim(Ledger& ledger, const std::string& after) {
    SCOPED_TRACE("the allowed client's callback after: " + after);
    through_proxy(kAllowed, post(ledger.published("allowed client after " + after)), {kOk},
                  Then::stays_open);
  }

  std::string scrape_metrics() {
    RawConnection connection(bridge_->daemon().admin_port());
    connection.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n");
    const Answer answer = connection.read_answer(5s);
    EXPECT_EQ(answer.status, 200) << answer.head;
    return answer.body;
  }

 private:
  std::unique_ptr<Bridge> bridge_;
  std::unique_ptr<Nginx> nginx_;  // stops before the daemon
};

// ---------------------------------------------------------------------------------------------
// Who gets in: the attacker neither directly nor through nginx; the allowed client both ways.

TEST_F(HttpProxy, TheAttackerIsRefusedDirectlyAndThroughTheProxy) {
  Ledger ledger(0x9a0c0001);
  {
    SCOPED_TRACE("127.0.0.3 directly: closed at accept, nothing read or answered");
    RawConnection direct(kAttacker, daemon_port());
    ASSERT_TRUE(direct.connected());
    direct.send(post(ledger.never("127.0.0.3 directly")));
    EXPECT_TRUE(direct.closed_by_server()) << direct.unread();
  }
  {
    SCOPED_TRACE("127.0.0.3 through nginx: 403");
    attack(post(ledger.never("127.0.0.3 through nginx")), {kForbidden}, Then::stays_open);
  }
  {
    SCOPED_TRACE("127.0.0.3 claiming 127.0.0.5: nginx appends 127.0.0.3, the daemon takes it");
    attack(post(ledger.never("X-Forwarded-For: 127.0.0.5"), "X-Forwarded-For: 127.0.0.5\r\n"),
           {kForbidden}, Then::stays_open);
    attack(post(ledger.never("two X-Forwarded-For"),
                "X-Forwarded-For: 127.0.0.5\r\nX-Forwarded-For: 127.0.0.5\r\n"),
           {kForbidden}, Then::stays_open);
    attack(post(ledger.never("X-Forwarded-For: 127.0.0.5, 127.0.0.2"),
                "X-Forwarded-For: 127.0.0.5, 127.0.0.2\r\n"),
           {kForbidden}, Then::stays_open);
  }
  {
    SCOPED_TRACE("the allowed client through nginx and directly: served");
    through_proxy(kAllowed, post(ledger.published("127.0.0.5 through nginx")), {kOk},
                  Then::stays_open);
    RawConnection direct(kAllowed, daemon_port());
    direct.send(post(ledger.published("127.0.0.5 directly"), "Connection: close\r\n"));
    EXPECT_EQ(direct.read_answer().status_line(), "HTTP/1.1 200 OK");
    EXPECT_TRUE(direct.closed_by_server());
  }
  EXPECT_EQ(metric(scrape_metrics(),
                   "jumio_bridge_http_connections_refused_total{reason=\"address_not_allowed\"}"),
            1);
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 1. Early answers: the body nginx forwards is never run as a request by the daemon.

TEST_F(HttpProxy, SmuggledRequestsThroughTheProxyPublishNothing) {
  Ledger ledger(0x9a0c0002);
  {
    // The finding: nginx forwards the GET with its Content-Length body on a kept-alive upstream
    // connection; the daemon answers 404 from the head and closes that connection, so the body
    // (a callback claiming 127.0.0.5) is never a request. nginx keeps the client's connection.
    SCOPED_TRACE("GET /healthz + Range: bytes=z + Content-Length, inner POST claiming 127.0.0.5");
    attack(with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n",
                       smuggled(ledger.never("GET /healthz + Range, inner"))),
           {kNotFound}, Then::stays_open);
    victim(ledger, "GET /healthz smuggling");
  }
  {
    SCOPED_TRACE("the same twice in a row on one connection, then an allowed client");
    const std::string one =
        with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n",
                    smuggled(ledger.never("GET /healthz twice, first inner")));
    const std::string two =
        with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n",
                    smuggled(ledger.never("GET /healthz twice, second inner")));
    attack(one + two, {kNotFound, kNotFound}, Then::stays_open);
    victim(ledger, "GET /healthz smuggling twice");
  }
  {
    SCOPED_TRACE("GET on the callback path with Range and a request as its body: 405");
    attack(
        with_length(std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n",
                    smuggled(ledger.never("GET callback path, inner"))),
        {kNotAllowed}, Then::stays_open);
    victim(ledger, "GET callback path smuggling");
  }
  {
    SCOPED_TRACE("Range on a callback POST is ignored");
    attack(post(ledger.never("attacker POST with Range"), "Range: bytes=z\r\n"), {kForbidden},
           Then::stays_open);
    through_proxy(kAllowed, post(ledger.published("allowed POST with Range"), "Range: bytes=z\r\n"),
                  {kOk}, Then::stays_open);
  }
  for (size_t target_bytes : {9000u, 15000u}) {
    // nginx reads a request line into one 8 KiB buffer (large_client_header_buffers 4 8k): a
    // longer one is its own 414, and it closes.
    SCOPED_TRACE("request line of " + std::to_string(target_bytes) + " bytes: nginx's 414");
    const std::string target = "/callbacks/jumio?pad=" + std::string(target_bytes - 21, 'a');
    attack(post(smuggled(ledger.never("long request line, inner")), "", target), {kNginx414},
           Then::closes);
    victim(ledger, "long request line");
  }
  {
    SCOPED_TRACE("a target of 8000 bytes fits nginx's buffer and is served");
    const std::string target = "/callbacks/jumio?pad=" + std::string(8000 - 21, 'a');
    through_proxy(kAllowed, post(ledger.published("8000-byte target"), "", target), {kOk},
                  Then::stays_open);
  }
  {
    // nginx refuses TRACE itself (405) and closes.
    SCOPED_TRACE("TRACE with a body: nginx's 405");
    attack(with_length(std::string("TRACE /callbacks/jumio HTTP/1.1\r\n") + kHost,
                       smuggled(ledger.never("TRACE, inner"))),
           {kNginx405}, Then::closes);
    attack(std::string("TRACE /callbacks/jumio HTTP/1.1\r\n") + kHost +
               "Transfer-Encoding: chunked\r\n\r\n" +
               one_chunk(smuggled(ledger.never("TRACE chunked, inner"))),
           {kNginx405}, Then::closes);
    victim(ledger, "TRACE");
  }
  {
    // nginx refuses CONNECT itself: 400 for the authority-form, 405 for an origin-form target.
    SCOPED_TRACE("CONNECT with a body: nginx's 400 or 405");
    attack(with_length(std::string("CONNECT 127.0.0.1:443 HTTP/1.1\r\n") + kHost,
                       smuggled(ledger.never("CONNECT authority, inner"))),
           {kNginx400}, Then::closes);
    attack(with_length(std::string("CONNECT /callbacks/jumio HTTP/1.1\r\n") + kHost,
                       smuggled(ledger.never("CONNECT origin-form, inner"))),
           {kNginx405}, Then::closes);
    victim(ledger, "CONNECT");
  }
  {
    // nginx forwards these with their bodies; the daemon answers from the head and closes the
    // upstream connection.
    SCOPED_TRACE("OPTIONS and DELETE with a body: the daemon's 405");
    attack(with_length(std::string("OPTIONS /callbacks/jumio HTTP/1.1\r\n") + kHost,
                       smuggled(ledger.never("OPTIONS, inner"))),
           {kNotAllowed}, Then::stays_open);
    attack(with_length(std::string("DELETE /callbacks/jumio HTTP/1.1\r\n") + kHost,
                       smuggled(ledger.never("DELETE, inner"))),
           {kNotAllowed}, Then::stays_open);
    victim(ledger, "OPTIONS and DELETE");
  }
  {
    SCOPED_TRACE("multipart: refused for the attacker; dead-lettered whole for the allowed");
    auto multipart = [&](const std::string& reference, const std::string& label) {
      return with_length(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost +
                             "Content-Type: multipart/form-data; boundary=XyZ\r\n",
                         "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                         "&transactionReference=" +
                             reference +
                             "&\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n" +
                             smuggled(ledger.never(label + ", inner")) + "\r\n--XyZ--\r\n");
    };
    attack(multipart(ledger.reference("attacker multipart"), "attacker multipart"), {kForbidden},
           Then::stays_open);
    const std::string reference = ledger.reference("allowed multipart");
    through_proxy(kAllowed, multipart(reference, "allowed multipart"), {kOk}, Then::stays_open);
    ledger.expect_record(kDeadLetterTopic, reference, "allowed multipart");
  }
  {
    // nginx frames the pipeline itself: each request is its own, and each is answered.
    SCOPED_TRACE("pipelined: callbacks and an early answer with a request as its body");
    attack(post(ledger.never("pipeline first")) +
               with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost,
                           smuggled(ledger.never("pipeline early answer, inner"))) +
               post(ledger.never("pipeline last")),
           {kForbidden, kNotFound, kForbidden}, Then::stays_open);
    victim(ledger, "pipeline");
  }
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 2. Loose chunked framing. nginx decodes the chunked body itself before it forwards anything:
// what it finds malformed is its own 400 (and a close); what it accepts leniently (a bare LF for
// a CRLF, a space after the size, leading zeros, any extension) it decodes and forwards as a
// Content-Length body, and frames what follows as the client's next request. For the attacker
// both are refused: the outer by its address, the inner by the address nginx appends.

TEST_F(HttpProxy, LooseChunkedFramingPublishesNothing) {
  Ledger ledger(0x9a0c0003);
  struct Case {
    const char* name;
    std::string (*chunks)(const std::string& body);
    std::vector<std::string> answers;
    Then then;
  };
  const std::vector<std::string> nginx_400{kNginx400};
  // Accepted by nginx: the outer request and the inner one, each refused by the daemon.
  const std::vector<std::string> both_refused{kForbidden, kForbidden};
  const Case cases[] = {
      {"chunk data not followed by CRLF",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "XX\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"chunk size smaller than its data",
       [](const std::string& b) { return hex(b.size() - 5) + "\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"chunk size larger than its data",
       [](const std::string& b) { return hex(b.size() + 2) + "\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"bare LF after chunk data (nginx accepts it)",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\n0\r\n\r\n"; },
       both_refused, Then::stays_open},
      {"bare LF ending the chunk-size line (nginx accepts it)",
       [](const std::string& b) { return hex(b.size()) + "\n" + b + "\r\n0\r\n\r\n"; },
       both_refused, Then::stays_open},
      {"LF inside a chunk extension (nginx: data starts after the LF, misaligned)",
       [](const std::string& b) { return hex(b.size()) + ";a\nb\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"LF ending a chunk extension (nginx accepts it)",
       [](const std::string& b) { return hex(b.size()) + ";a=1\n" + b + "\r\n0\r\n\r\n"; },
       both_refused, Then::stays_open},
      {"size written 0x..",
       [](const std::string& b) { return "0x" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"size written +..",
       [](const std::string& b) { return "+" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"size written ' ..'",
       [](const std::string& b) { return " " + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; },
       nginx_400, Then::closes},
      {"size followed by a space (nginx accepts it)",
       [](const std::string& b) { return hex(b.size()) + " \r\n" + b + "\r\n0\r\n\r\n"; },
       both_refused, Then::stays_open},
      {"size with 17 hex digits (nginx accepts leading zeros)",
       [](const std::string& b) {
         return "0000000000000000" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n";
       },
       both_refused, Then::stays_open},
      {"malformed chunk extension (nginx ignores extensions)",
       [](const std::string& b) { return hex(b.size()) + ";=x\r\n" + b + "\r\n0\r\n\r\n"; },
       both_refused, Then::stays_open},
      {"bare LF after the last chunk (nginx accepts it)",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\r\n0\n\r\n"; },
       both_refused, Then::stays_open},
      {"obs-fold in a trailer (nginx skips trailers)",
       [](const std::string& b) {
         return hex(b.size()) + "\r\n" + b + "\r\n0\r\nX-T: a\r\n b\r\n\r\n";
       },
       both_refused, Then::stays_open},
      {"trailer without a colon (nginx skips trailers)",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\r\n0\r\nX-T\r\n\r\n"; },
       both_refused, Then::stays_open},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string body = ledger.never(std::string(c.name) + ", outer");
    const std::string inner = smuggled(ledger.never(std::string(c.name) + ", inner"));
    attack(chunked_post(c.chunks(body) + inner), c.answers, c.then);
    victim(ledger, c.name);
  }
  {
    SCOPED_TRACE("exact chunked framing from the allowed client is served");
    const std::string body = ledger.published("exact chunked");
    const size_t half = body.size() / 2;
    through_proxy(kAllowed,
                  chunked_post(hex(half) + ";name=value\r\n" + body.substr(0, half) + "\r\n" +
                               hex(body.size() - half) + "\r\n" + body.substr(half) +
                               "\r\n0\r\nX-Trailer: yes\r\n\r\n"),
                  {kOk}, Then::stays_open);
  }
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 3. No Content-Length and no Transfer-Encoding: no body. nginx forwards such a request without
// a body, and frames what follows as the next request.

TEST_F(HttpProxy, WithoutLengthOrTransferEncodingThereIsNoBody) {
  Ledger ledger(0x9a0c0004);
  {
    SCOPED_TRACE("POST without a body, then a callback (allowed client)");
    through_proxy(kAllowed,
                  std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm + "\r\n" +
                      post(ledger.published("after a lengthless POST")),
                  {kOk, kOk}, Then::stays_open);
    ledger.expect_record(kDeadLetterTopic, kEmptyBodyKey, "lengthless POST");
  }
  {
    SCOPED_TRACE("GET without a body, then a callback (allowed client)");
    through_proxy(kAllowed,
                  std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
                      post(ledger.published("after a lengthless GET")),
                  {kNotAllowed, kOk}, Then::stays_open);
  }
  {
    // An HTTP/1.0 request without keep-alive: nginx answers and closes the client's connection.
    SCOPED_TRACE("HTTP/1.0 POST without a length: answered, then closed (allowed client)");
    through_proxy(kAllowed,
                  std::string("POST /callbacks/jumio HTTP/1.0\r\n") + kHost + kForm + "\r\n" +
                      post(ledger.never("after an HTTP/1.0 lengthless POST")),
                  {kOk}, Then::closes);
    ledger.expect_record(kDeadLetterTopic, kEmptyBodyKey, "HTTP/1.0 lengthless POST");
  }
  {
    SCOPED_TRACE("the attacker: a lengthless POST, then a request claiming 127.0.0.5");
    attack(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm + "\r\n" +
               smuggled(ledger.never("attacker after a lengthless POST")),
           {kForbidden, kForbidden}, Then::stays_open);
    victim(ledger, "lengthless POST");
  }
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 4. Bad request lines. nginx refuses most itself (400 and a close); it normalises some (several
// spaces between the parts) and forwards them.

TEST_F(HttpProxy, BadRequestLinesPublishNothing) {
  Ledger ledger(0x9a0c0005);
  struct Case {
    const char* name;
    std::string line;
    std::vector<std::string> answers;
    Then then;
  };
  const Case cases[] = {
      {"not a request line", "GARBAGE", {kNginx400}, Then::closes},
      // nginx allows several spaces and forwards "GET /callbacks/jumio": the daemon's 405
      // (body unread, its upstream connection closed); nginx then frames the trailing GET /x.
      {"two spaces after the method (nginx normalises it)",
       "GET  /callbacks/jumio HTTP/1.1",
       {kNotAllowed, kNotFound},
       Then::stays_open},
      {"three parts and more", "GET /callbacks/jumio HTTP/1.1 extra", {kNginx400}, Then::closes},
      {"malformed version", "GET /callbacks/jumio HTTP/1.x", {kNginx400}, Then::closes},
      {"lower-case version", "GET /callbacks/jumio http/1.1", {kNginx400}, Then::closes},
      {"target without a slash", "GET callbacks/jumio HTTP/1.1", {kNginx400}, Then::closes},
      {"method with a non-token byte", "P@ST /callbacks/jumio HTTP/1.1", {kNginx400}, Then::closes},
      {"lower-case method", "post /callbacks/jumio HTTP/1.1", {kNginx400}, Then::closes},
      {"a field line where the request line belongs", "Host: 127.0.0.1", {kNginx400}, Then::closes},
      {"HTTP/2.0 in an HTTP/1 request line",
       "POST /callbacks/jumio HTTP/2.0",
       {kNginx505},
       Then::closes},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    attack(with_length(c.line + "\r\n" + kHost + "X-After: 1\r\n",
                       smuggled(ledger.never(std::string(c.name) + ", inner"))) +
               "GET /x HTTP/1.1\r\n" + kHost + "\r\n",
           c.answers, c.then);
    victim(ledger, c.name);
  }
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 5. Range and /metrics: the proxied listener is the callback listener, where /metrics is 404.

TEST_F(HttpProxy, RangeIsIgnoredAndMetricsIsNotProxied) {
  Ledger ledger(0x9a0c0006);
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2041; ++i) ranges += ",0-";
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    SCOPED_TRACE(path);
    const auto answers = attack(
        std::string("GET ") + path + " HTTP/1.1\r\n" + kHost + "Range: " + ranges + "\r\n\r\n",
        {kNotFound}, Then::stays_open);
    EXPECT_EQ(answers[0].body, "404 Not Found\n");
  }
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 6. The lesser deviations through nginx.

TEST_F(HttpProxy, HostAndFieldNameRules) {
  Ledger ledger(0x9a0c0007);
  struct Case {
    const char* name;
    std::string head;
    std::vector<std::string> answers;
    Then then;
  };
  const std::string line = "POST /callbacks/jumio HTTP/1.1\r\n";
  const Case cases[] = {
      {"missing Host", line + kForm, {kNginx400}, Then::closes},
      {"duplicate Host", line + "Host: a\r\nHost: a\r\n" + kForm, {kNginx400}, Then::closes},
      {"Host with a slash", line + "Host: a/b\r\n" + kForm, {kNginx400}, Then::closes},
      {"Host with a space", line + "Host: a b\r\n" + kForm, {kNginx400}, Then::closes},
      {"Host naming only a port", line + "Host: :80\r\n" + kForm, {kNginx400}, Then::closes},
      // nginx lets "[::1" through as a Host and sends the daemon its own Host (the upstream's
      // name): the attacker's POST and the request after its body are each refused.
      {"Host with an open bracket (nginx accepts it)",
       line + "Host: [::1\r\n" + kForm,
       {kForbidden, kForbidden},
       Then::stays_open},
      {"space inside a field name",
       line + kHost + kForm + "X Injected: 1\r\n",
       {kNginx400},
       Then::closes},
      {"space before the colon",
       line + "Host : 127.0.0.1\r\n" + kHost + kForm,
       {kNginx400},
       Then::closes},
      // nginx drops a field line it cannot parse (ignore_invalid_headers on) and goes on.
      {"field line without a colon (nginx drops it)",
       line + kHost + kForm + "X-No-Colon\r\n",
       {kForbidden, kForbidden},
       Then::stays_open},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    attack(with_length(c.head, ledger.never(std::string(c.name) + ", body")) +
               smuggled(ledger.never(std::string(c.name) + ", next")),
           c.answers, c.then);
    victim(ledger, c.name);
  }
  {
    // The daemon takes an empty Host (RFC 9112 §3.2); nginx refuses it itself.
    SCOPED_TRACE("an empty Host from the allowed client: nginx's 400");
    through_proxy(kAllowed,
                  with_length("POST /callbacks/jumio HTTP/1.1\r\nHost:\r\n" + std::string(kForm),
                              ledger.never("empty Host")),
                  {kNginx400}, Then::closes);
  }
  {
    SCOPED_TRACE("a field name with a space in it where Content-Length belongs");
    const std::string body = ledger.never("Content Length, body");
    attack(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm +
               "Content Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
           {kNginx400}, Then::closes);
    victim(ledger, "Content Length");
  }
  ledger.verify(bridge());
}

TEST_F(HttpProxy, AcceptedRequestFormsAndConnectionHandling) {
  Ledger ledger(0x9a0c0008);
  {
    // nginx takes the path from an absolute-form target and sends origin-form upstream.
    SCOPED_TRACE("absolute-form target");
    through_proxy(kAllowed,
                  post(ledger.published("absolute-form"), "", "http://127.0.0.1/callbacks/jumio"),
                  {kOk}, Then::stays_open);
    through_proxy(kAllowed,
                  post(ledger.published("absolute-form with port and other Host"), "",
                       "http://callbacks.example:8080/callbacks/jumio"),
                  {kOk}, Then::stays_open);
  }
  {
    SCOPED_TRACE("empty lines before the request line are ignored");
    through_proxy(kAllowed, "\r\n" + post(ledger.published("one CRLF first")), {kOk},
                  Then::stays_open);
  }
  {
    SCOPED_TRACE("Connection: keep-alive, close and Connection: Close close");
    through_proxy(kAllowed,
                  post(ledger.published("keep-alive, close"), "Connection: keep-alive, close\r\n") +
                      post(ledger.never("after keep-alive, close")),
                  {kOk}, Then::closes);
    through_proxy(kAllowed,
                  post(ledger.published("Connection: Close"), "Connection: Close\r\n") +
                      post(ledger.never("after Connection: Close")),
                  {kOk}, Then::closes);
  }
  {
    SCOPED_TRACE("HTTP/1.0 without Host: served, then closed");
    through_proxy(kAllowed,
                  with_length("POST /callbacks/jumio HTTP/1.0\r\n" + std::string(kForm),
                              ledger.published("HTTP/1.0")),
                  {kOk}, Then::closes);
  }
  {
    SCOPED_TRACE("HTTP/1.0 with chunked: nginx's 400");
    attack("POST /callbacks/jumio HTTP/1.0\r\n" + std::string(kHost) + kForm +
               "Transfer-Encoding: chunked\r\n\r\n" + one_chunk(ledger.never("HTTP/1.0 chunked")) +
               smuggled(ledger.never("HTTP/1.0 chunked, next")),
           {kNginx400}, Then::closes);
    victim(ledger, "HTTP/1.0 chunked");
  }
  {
    // nginx answers the expectation itself when it starts reading the body.
    SCOPED_TRACE("Expect: 100-Continue (mixed case): 100 Continue, then the answer");
    RawConnection connection(kAllowed, proxy_port());
    const std::string body = ledger.published("Expect: 100-Continue");
    const std::string request = post(body, "Expect: 100-Continue\r\n");
    ASSERT_TRUE(connection.send(request.substr(0, request.size() - body.size())));
    const Answer interim = connection.read_answer(5s);
    EXPECT_EQ(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_EQ(connection.unread(), "");
    exchange(connection, body, {kOk}, Then::stays_open);
  }
  {
    SCOPED_TRACE("405 through nginx carries Allow: POST; nginx keeps the client's connection");
    through_proxy(kAllowed, std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n",
                  {kNotAllowed}, Then::stays_open);
    through_proxy(kAllowed,
                  with_length(std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost,
                              ledger.never("405 with a body")),
                  {kNotAllowed}, Then::stays_open);
  }
  ledger.verify(bridge());
}

TEST_F(HttpProxy, PutAndPatchWithoutBodyAre405AndCounted) {
  Ledger ledger(0x9a0c0009);
  const std::string series = "jumio_bridge_http_responses_total{code=\"405\"}";
  const double before = metric(scrape_metrics(), series);
  for (const char* method : {"PUT", "PATCH"}) {
    SCOPED_TRACE(method);
    attack(std::string(method) + " /callbacks/jumio HTTP/1.1\r\n" + kHost + "\r\n" +
               post(ledger.never(std::string("attacker after ") + method)),
           {kNotAllowed, kForbidden}, Then::stays_open);
  }
  EXPECT_EQ(metric(scrape_metrics(), series), before + 2);
  ledger.verify(bridge());
}

// nginx has timeouts of its own (client_header_timeout, client_body_timeout: 1 s here) and
// reads the whole body before it forwards anything: a silent client is closed by nginx without
// an answer, and the daemon never sees the request.
TEST_F(HttpProxy, SlowSendersAreClosedByNginxAndNeverReachTheDaemon) {
  Ledger ledger(0x9a0c000a);
  const std::string body = ledger.never("slow chunked");
  const std::string allowed_body = ledger.never("allowed slow chunked");
  struct Slow {
    const char* name;
    const char* source;
    std::string request;
  };
  const Slow cases[] = {
      {"a head that stops", kAttacker,
       std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + "X-Slow: "},
      {"a chunked body that stops", kAttacker,
       chunked_post(hex(body.size()) + "\r\n" + body.substr(0, 10))},
      {"the allowed client's chunked body that stops", kAllowed,
       chunked_post(hex(allowed_body.size()) + "\r\n" + allowed_body.substr(0, 10))},
  };
  // All at once: each waits for nginx's timeout.
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (const Slow& slow : cases) {
    connections.push_back(std::make_unique<RawConnection>(slow.source, proxy_port()));
    EXPECT_TRUE(connections.back()->send(slow.request)) << slow.name;
  }
  const auto start = Clock::now();
  for (size_t i = 0; i < connections.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    EXPECT_TRUE(connections[i]->closed_by_server(4s))
        << "answered or kept open: " << connections[i]->unread();
  }
  EXPECT_LT(Clock::now() - start, 3s);
  victim(ledger, "slow senders");
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// Framing that must keep holding, through nginx: conflicting or obfuscated framing.

TEST_F(HttpProxy, ConflictingOrObfuscatedFramingPublishesNothing) {
  Ledger ledger(0x9a0c000b);
  const std::string line = "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kHost) + kForm;
  struct Case {
    const char* name;
    std::string fields;
    bool chunked;
    std::vector<std::string> answers;
    Then then;
  };
  // nginx took a 5-byte body, forwarded it (the attacker: 403), then read the rest of the body
  // as the next request: its own 400.
  const std::vector<std::string> five_then_400{kForbidden, kNginx400};
  const Case cases[] = {
      {"Content-Length then Transfer-Encoding",
       "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
       true,
       {kNginx400},
       Then::closes},
      {"Transfer-Encoding then Content-Length",
       "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
       true,
       {kNginx400},
       Then::closes},
      {"Transfer-Encoding twice",
       "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       true,
       {kNginx400},
       Then::closes},
      {"chunked, chunked",
       "Transfer-Encoding: chunked, chunked\r\n",
       true,
       {kNginx501},
       Then::closes},
      {"xchunked", "Transfer-Encoding: xchunked\r\n", true, {kNginx501}, Then::closes},
      {"chunked, identity",
       "Transfer-Encoding: chunked, identity\r\n",
       true,
       {kNginx501},
       Then::closes},
      {"quoted chunked", "Transfer-Encoding: \"chunked\"\r\n", true, {kNginx501}, Then::closes},
      {"vertical tab before chunked",
       "Transfer-Encoding: \x0b"
       "chunked\r\n",
       true,
       {kNginx501},
       Then::closes},
      {"NUL after chunked",
       bytes("Transfer-Encoding: chunked\0\r\n"),
       true,
       {kNginx400},
       Then::closes},
      {"space before the colon",
       "Transfer-Encoding : chunked\r\n",
       true,
       {kNginx400},
       Then::closes},
      {"obs-fold into Transfer-Encoding",
       "Transfer-Encoding:\r\n chunked\r\n",
       true,
       {kNginx400},
       Then::closes},
      {"identity, chunked",
       "Transfer-Encoding: identity, chunked\r\n",
       true,
       {kNginx501},
       Then::closes},
      {"gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", true, {kNginx501}, Then::closes},
      {"two different Content-Lengths",
       "Content-Length: 5\r\nContent-Length: 6\r\n",
       false,
       {kNginx400},
       Then::closes},
      {"two equal Content-Lengths",
       "Content-Length: 5\r\nContent-Length: 5\r\n",
       false,
       {kNginx400},
       Then::closes},
      {"Content-Length list", "Content-Length: 5, 5\r\n", false, {kNginx400}, Then::closes},
      {"Content-Length +5", "Content-Length: +5\r\n", false, {kNginx400}, Then::closes},
      {"Content-Length -1", "Content-Length: -1\r\n", false, {kNginx400}, Then::closes},
      {"Content-Length 0x5", "Content-Length: 0x5\r\n", false, {kNginx400}, Then::closes},
      {"Content-Length 5 5", "Content-Length: 5 5\r\n", false, {kNginx400}, Then::closes},
      {"Content-Length of 20 digits (nginx reads 5)", "Content-Length: 00000000000000000005\r\n",
       false, five_then_400, Then::closes},
      {"empty Content-Length", "Content-Length: \r\n", false, {kNginx400}, Then::closes},
      {"Content-Length over nginx's 1 MiB",
       "Content-Length: 2000000\r\n",
       false,
       {kNginx413},
       Then::closes},
      {"obs-fold in another field",
       "X-A: b\r\n c\r\nContent-Length: 5\r\n",
       false,
       {kNginx400},
       Then::closes},
      {"NUL in a field value",
       bytes("X-A: a\0b\r\nContent-Length: 5\r\n"),
       false,
       {kNginx400},
       Then::closes},
      {"bare CR in a field value",
       "X-A: a\rb\r\nContent-Length: 5\r\n",
       false,
       {kNginx400},
       Then::closes},
      {"bare LF ending a field line (nginx accepts it)", "X-A: a\nContent-Length: 5\r\n", false,
       five_then_400, Then::closes},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string body = ledger.never(std::string(c.name) + ", body");
    const std::string inner = smuggled(ledger.never(std::string(c.name) + ", inner"));
    attack(line + c.fields + "\r\n" + (c.chunked ? one_chunk(body) : body) + inner, c.answers,
           c.then);
    victim(ledger, c.name);
  }
  ledger.verify(bridge());
}

// Pipelines of mixed requests through nginx: answered in order, each callback published once.
TEST_F(HttpProxy, MixedPipelineIsAnsweredInOrderAndEachCallbackPublishedOnce) {
  Ledger ledger(0x9a0c000c);
  const std::string second = ledger.published("pipeline chunked");
  const size_t half = second.size() / 2;
  through_proxy(
      kAllowed,
      post(ledger.published("pipeline Content-Length")) +
          std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
          chunked_post(hex(half) + "\r\n" + second.substr(0, half) + "\r\n" +
                       hex(second.size() - half) + ";x=y\r\n" + second.substr(half) +
                       "\r\n0\r\nX-Trailer: 1\r\n\r\n") +
          post(ledger.published("pipeline absolute-form"), "", "http://127.0.0.1/callbacks/jumio") +
          std::string("GET /healthz HTTP/1.1\r\n") + kHost + "\r\n" +
          std::string("PUT /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
          post(ledger.published("pipeline last"), "Connection: close\r\n") +
          post(ledger.never("pipeline after the last")),
      {kOk, kNotAllowed, kOk, kOk, kNotFound, kNotAllowed, kOk}, Then::closes);
  ledger.verify(bridge());
}

// ---------------------------------------------------------------------------------------------
// 7. The attacker's connections straight to the daemon are closed at accept and do not shut
// the proxied clients out.

TEST_F(HttpProxy, AttackerConnectionsDoNotShutOutProxiedClients) {
  Ledger ledger(0x9a0c000d);
  std::vector<std::unique_ptr<RawConnection>> refused;
  for (int i = 0; i < 256; ++i) {
    refused.push_back(std::make_unique<RawConnection>(kAttacker, daemon_port()));
    ASSERT_TRUE(refused.back()->connected()) << i;
  }
  for (auto& connection : refused)
    EXPECT_TRUE(connection->closed_by_server(3s)) << connection->unread();
  victim(ledger, "256 connections of the attacker");
  EXPECT_EQ(metric(scrape_metrics(),
                   "jumio_bridge_http_connections_refused_total{reason=\"address_not_allowed\"}"),
            256);
  ledger.verify(bridge());
}

}  // namespace
}  // namespace jb::test
