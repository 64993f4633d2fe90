// The HTTP framing layer under attack, directly: exact request bytes over real loopback sockets
// to the daemon (no proxy in front; tests/integration/http_proxy_test.cpp has the same cases
// through nginx). Each case is on a connection of its own and asserts
//   - the exact answers the client reads (status lines; one answer per request, never more),
//   - whether the server closed the connection after them (else a probe request on the same
//     connection must get the very next answer: the connection is open and in step),
//   - every answer's Date, its Connection / Keep-Alive fields (never both) and that no internals
//     leak,
// and each test ends by reading every record of ^jumio\..* once and comparing the records to
// exactly those its cases must publish: each callback sent carries a reference of its own
// (transactionReference), so a smuggled request that ran would show as a record.
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
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string k200 = "HTTP/1.1 200 OK";
const std::string k400 = "HTTP/1.1 400 Bad Request";
const std::string k404 = "HTTP/1.1 404 Not Found";
const std::string k405 = "HTTP/1.1 405 Method Not Allowed";
const std::string k408 = "HTTP/1.1 408 Request Timeout";
const std::string k413 = "HTTP/1.1 413 Content Too Large";
const std::string k414 = "HTTP/1.1 414 URI Too Long";
const std::string k501 = "HTTP/1.1 501 Not Implemented";
const std::string k503 = "HTTP/1.1 503 Service Unavailable";
const std::string k505 = "HTTP/1.1 505 HTTP Version Not Supported";

// ---------------------------------------------------------------------------------------------
// Exchanges.

enum class Then { closes, stays_open };

// Sent after the answers on a connection that must stay open: its answer must be the very next.
constexpr char kProbe[] = "GET /probe HTTP/1.1\r\nHost: probe\r\n\r\n";

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// What every final answer must be, whatever the request.
void check_answer(const Answer& answer) {
  if (answer.status < 200) return;
  const std::string text = answer.head + answer.body;
  EXPECT_EQ(answer.field("Date").size(), 29u) << "no IMF-fixdate Date:\n" << answer.head;
  EXPECT_FALSE(answer.has_field("Connection") && lower(answer.field("Connection")) == "close" &&
               answer.has_field("Keep-Alive"))
      << "Connection: close and Keep-Alive both:\n"
      << answer.head;
  EXPECT_FALSE(answer.has_field("Content-Range")) << answer.head;
  EXPECT_EQ(lower(answer.field("Content-Type")).find("multipart"), std::string::npos);
  for (const char* leak : {"EXCEPTION_WHAT", "bad_function_call", "what()", "std::", "exception"})
    EXPECT_EQ(text.find(leak), std::string::npos) << "leaks " << leak << ":\n" << text;
  if (answer.status == 405) {
    EXPECT_TRUE(answer.has_field("Allow")) << answer.head;
  }
}

// Sends `request` on `connection`, reads one answer per expected status line and checks it,
// then checks how the connection ends (see the file comment). The answers read.
std::vector<Answer> exchange(RawConnection& connection, const std::string& request,
                             const std::vector<std::string>& expected, Then then) {
  EXPECT_TRUE(connection.connected());
  connection.send(request);  // may fail part-way when the server answers and closes first
  std::vector<Answer> answers;
  for (const std::string& want : expected) {
    Answer answer = connection.read_answer(5s);
    EXPECT_EQ(answer.status_line(), want) << "answer " << answers.size() + 1 << ":\n"
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
    EXPECT_EQ(probe.status_line(), k404) << "the connection is not open and in step; got:\n"
                                         << probe.head << probe.body << connection.unread();
    EXPECT_EQ(connection.unread(), "") << "more answers than requests";
  }
  return answers;
}

// The same on a new connection to port (from `source`, default 127.0.0.1).
std::vector<Answer> exchange(int port, const std::string& request,
                             const std::vector<std::string>& expected, Then then,
                             const std::string& source = "") {
  RawConnection connection(source.empty() ? "127.0.0.1" : source, port);
  return exchange(connection, request, expected, then);
}

// The value of one series in a Prometheus exposition (0 when absent).
double metric(const std::string& exposition, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t at = ("\n" + exposition).find(needle);
  if (at == std::string::npos) return 0;
  return std::atof(exposition.c_str() + at + needle.size() - 1);
}

std::string scrape_metrics(Bridge& bridge) {
  RawConnection connection(bridge.daemon().admin_port());
  connection.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n");
  const Answer answer = connection.read_answer(5s);
  EXPECT_EQ(answer.status, 200) << answer.head;
  return answer.body;
}

// ---------------------------------------------------------------------------------------------
// 1. An answer given before the body was read closes the connection: the body never runs as a
// request (it used to, past the allowlist).

TEST(HttpFraming, EarlyAnswerClosesTheConnectionAndTheUnreadBodyNeverRuns) {
  Bridge bridge;
  Ledger ledger(0x4f7a0001);
  const int port = bridge.daemon().port();
  const int admin = bridge.daemon().admin_port();
  {
    SCOPED_TRACE("Range on a callback POST is ignored: read whole, answered, published");
    exchange(port, post(ledger.published("range on POST"), "Range: bytes=z\r\n"), {k200},
             Then::stays_open);
  }
  {
    SCOPED_TRACE("GET on the callback path with Range and a whole request as its body");
    const std::string body = smuggled(ledger.never("GET callback path + Range, inner"));
    exchange(
        port,
        with_length(std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n",
                    body),
        {k405}, Then::closes);
  }
  {
    SCOPED_TRACE("GET /healthz + Range + Content-Length, inner POST claiming 127.0.0.5: 404");
    const std::string body = smuggled(ledger.never("GET /healthz + Range, inner"));
    exchange(
        port,
        with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n", body),
        {k404}, Then::closes);
  }
  {
    // The admin listener answers every request from its head: the body is never read, and the
    // connection closes.
    SCOPED_TRACE("the same on the admin listener: 200 from the head, closed");
    const std::string body = smuggled(ledger.never("admin GET /healthz + Range, inner"));
    const auto answers = exchange(
        admin,
        with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n", body),
        {k200}, Then::closes);
    EXPECT_EQ(answers[0].body, "ok\n");
  }
  {
    SCOPED_TRACE("admin GET /healthz with Range and no body: 200, kept open");
    const auto answers =
        exchange(admin, std::string("GET /healthz HTTP/1.1\r\n") + kHost + "Range: bytes=z\r\n\r\n",
                 {"HTTP/1.1 200 OK"}, Then::stays_open);
    EXPECT_EQ(answers[0].body, "ok\n");
  }
  {
    SCOPED_TRACE("admin POST /metrics with a chunked body: 405 from the head, closed");
    const auto answers = exchange(
        admin,
        std::string("POST /metrics HTTP/1.1\r\n") + kHost + "Transfer-Encoding: chunked\r\n\r\n" +
            one_chunk(smuggled(ledger.never("admin POST /metrics chunked, inner"))),
        {k405}, Then::closes);
    EXPECT_EQ(answers[0].field("Allow"), "GET, HEAD");
  }
  for (size_t target_bytes : {9000u, 15000u}) {
    SCOPED_TRACE("request line of " + std::to_string(target_bytes) + " bytes: 414");
    const std::string target = "/callbacks/jumio?pad=" + std::string(target_bytes - 21, 'a');
    exchange(port, post(smuggled(ledger.never("long request line, inner")), "", target), {k414},
             Then::closes);
  }
  {
    SCOPED_TRACE("a target of 8192 bytes is the longest served; 8193 is 414");
    const std::string longest = "/callbacks/jumio?pad=" + std::string(8192 - 21, 'a');
    exchange(port, post(ledger.published("8192-byte target"), "", longest), {k200},
             Then::stays_open);
    exchange(port, post(ledger.never("8193-byte target"), "", longest + "a"), {k414}, Then::closes);
  }
  {
    SCOPED_TRACE("TRACE with a body: 405 (callback path) or 404 (other path), closed");
    exchange(port,
             with_length(std::string("TRACE /callbacks/jumio HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("TRACE callback path, inner"))),
             {k405}, Then::closes);
    exchange(port,
             with_length(std::string("TRACE / HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("TRACE /, inner"))),
             {k404}, Then::closes);
    exchange(port,
             std::string("TRACE /callbacks/jumio HTTP/1.1\r\n") + kHost +
                 "Transfer-Encoding: chunked\r\n\r\n" +
                 one_chunk(smuggled(ledger.never("TRACE chunked, inner"))),
             {k405}, Then::closes);
  }
  {
    SCOPED_TRACE("CONNECT with a body: 404 (authority-form) or 400 (origin-form), closed");
    exchange(port,
             with_length(std::string("CONNECT 127.0.0.1:443 HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("CONNECT authority, inner"))),
             {k404}, Then::closes);
    exchange(port,
             with_length(std::string("CONNECT /callbacks/jumio HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("CONNECT origin-form, inner"))),
             {k400}, Then::closes);
    exchange(port,
             std::string("CONNECT 127.0.0.1:443 HTTP/1.1\r\n") + kHost +
                 "Transfer-Encoding: chunked\r\n\r\n" +
                 one_chunk(smuggled(ledger.never("CONNECT chunked, inner"))),
             {k404}, Then::closes);
  }
  {
    SCOPED_TRACE("OPTIONS and DELETE with a body: 405, closed");
    exchange(port,
             with_length(std::string("OPTIONS /callbacks/jumio HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("OPTIONS, inner"))),
             {k405}, Then::closes);
    exchange(port,
             with_length(std::string("DELETE /callbacks/jumio HTTP/1.1\r\n") + kHost,
                         smuggled(ledger.never("DELETE, inner"))),
             {k405}, Then::closes);
  }
  {
    SCOPED_TRACE("a multipart body is read whole (dead-lettered); the request inside never runs");
    const std::string reference = ledger.reference("multipart body");
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
        "&transactionReference=" +
        reference + "&\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n" +
        smuggled(ledger.never("multipart, inner")) + "\r\n--XyZ--\r\n";
    exchange(port,
             with_length(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost +
                             "Content-Type: multipart/form-data; boundary=XyZ\r\n",
                         body),
             {k200}, Then::stays_open);
    ledger.expect_record(kDeadLetterTopic, reference, "multipart body");
  }
  {
    SCOPED_TRACE("pipelined: a callback, then an early answer: the rest never runs");
    exchange(port,
             post(ledger.published("pipeline before early answer")) +
                 with_length(std::string("GET /healthz HTTP/1.1\r\n") + kHost,
                             smuggled(ledger.never("pipeline early answer, inner"))) +
                 post(ledger.never("pipeline after early answer")),
             {k200, k404}, Then::closes);
  }
  ledger.verify(bridge);
}

// The critical case as the daemon receives it behind a proxy: on a connection from the trusted
// proxy (127.0.0.2), the bytes nginx forwarded for the attacker (127.0.0.3): a GET with a
// Content-Length body that is a whole callback claiming the allowed 127.0.0.5. The old server
// answered the GET, left the body on the kept-alive connection and published it as a request.
// Now a small body after an early answer to a trusted proxy is read away by its Content-Length,
// as the proxy framed it, and the connection is kept: the body never runs, and what follows it
// is the proxy's next request, served like any other.
TEST(HttpFraming, SmuggledRequestOnATrustedProxyConnectionNeverRuns) {
  Bridge bridge([](config::Config& c) {
    c.security.allow = {"127.0.0.5/32"};
    c.security.trusted_proxies = {"127.0.0.2/32"};
  });
  Ledger ledger(0x4f7a000e);
  const int port = bridge.daemon().port();
  constexpr char kProxy[] = "127.0.0.2";
  const std::string from_attacker = "X-Forwarded-For: 127.0.0.3\r\n";
  {
    SCOPED_TRACE("GET /healthz + Range + Content-Length, inner POST claiming 127.0.0.5");
    exchange(port,
             with_length(
                 "GET /healthz HTTP/1.1\r\n" + from_attacker + "Host: bridge\r\nRange: bytes=z\r\n",
                 smuggled(ledger.never("from the proxy: GET /healthz, inner"))),
             {k404}, Then::stays_open, kProxy);
  }
  {
    SCOPED_TRACE("the attacker's own POST through the proxy: 403 from the head, body read away");
    exchange(port,
             post(ledger.never("from the proxy: attacker POST"), from_attacker) +
                 smuggled(ledger.published("from the proxy: its next request, after the 403")),
             {"HTTP/1.1 403 Forbidden", k200}, Then::stays_open, kProxy);
  }
  {
    SCOPED_TRACE("an allowed client's POST, then the smuggling GET, on one proxy connection");
    exchange(port,
             post(ledger.published("from the proxy: allowed"), "X-Forwarded-For: 127.0.0.5\r\n") +
                 with_length("GET /callbacks/jumio HTTP/1.1\r\n" + from_attacker +
                                 "Host: bridge\r\nRange: bytes=z\r\n",
                             smuggled(ledger.never("from the proxy: GET callback path, inner"))) +
                 post(ledger.published("from the proxy: after the early answer"),
                      "X-Forwarded-For: 127.0.0.5\r\n"),
             {k200, k405, k200}, Then::stays_open, kProxy);
  }
  {
    SCOPED_TRACE("the attacker directly: closed at accept");
    RawConnection direct("127.0.0.3", port);
    direct.send(smuggled(ledger.never("127.0.0.3 directly")));
    EXPECT_TRUE(direct.closed_by_server()) << direct.unread();
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 2. Chunked framing is exact: anything loose is one 400 and a close, and nothing after it runs.

TEST(HttpFraming, LooseChunkedFramingIsOne400AndAClose) {
  Bridge bridge;
  Ledger ledger(0x4f7a0002);
  const int port = bridge.daemon().port();
  struct Case {
    const char* name;
    std::string (*chunks)(const std::string& body);
  };
  const Case cases[] = {
      {"chunk data not followed by CRLF",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "XX\r\n0\r\n\r\n"; }},
      {"chunk size smaller than its data",
       [](const std::string& b) { return hex(b.size() - 5) + "\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"chunk size larger than its data",
       [](const std::string& b) { return hex(b.size() + 2) + "\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"bare LF after chunk data",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\n0\r\n\r\n"; }},
      {"bare LF ending the chunk-size line",
       [](const std::string& b) { return hex(b.size()) + "\n" + b + "\r\n0\r\n\r\n"; }},
      {"LF inside a chunk extension",
       [](const std::string& b) { return hex(b.size()) + ";a\nb\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"LF ending a chunk extension",
       [](const std::string& b) { return hex(b.size()) + ";a=1\n" + b + "\r\n0\r\n\r\n"; }},
      {"size written 0x..",
       [](const std::string& b) { return "0x" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"size written +..",
       [](const std::string& b) { return "+" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"size written ' ..'",
       [](const std::string& b) { return " " + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"size followed by a space and no extension",
       [](const std::string& b) { return hex(b.size()) + " \r\n" + b + "\r\n0\r\n\r\n"; }},
      {"size with 17 hex digits",
       [](const std::string& b) {
         return "0000000000000000" + hex(b.size()) + "\r\n" + b + "\r\n0\r\n\r\n";
       }},
      {"malformed chunk extension",
       [](const std::string& b) { return hex(b.size()) + ";=x\r\n" + b + "\r\n0\r\n\r\n"; }},
      {"bare LF after the last chunk",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\r\n0\n\r\n"; }},
      {"obs-fold in a trailer",
       [](const std::string& b) {
         return hex(b.size()) + "\r\n" + b + "\r\n0\r\nX-T: a\r\n b\r\n\r\n";
       }},
      {"trailer without a colon",
       [](const std::string& b) { return hex(b.size()) + "\r\n" + b + "\r\n0\r\nX-T\r\n\r\n"; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string body = ledger.never(std::string(c.name) + ", outer");
    const std::string inner = smuggled(ledger.never(std::string(c.name) + ", inner"));
    exchange(port, chunked_post(c.chunks(body) + inner), {k400}, Then::closes);
  }
  {
    // Trailer fields never frame anything: a Content-Length or Transfer-Encoding there is just a
    // field, and the next request starts right after the trailer section.
    SCOPED_TRACE("framing fields in the trailer section change nothing");
    const std::string body = ledger.published("framing fields as trailers");
    exchange(port,
             chunked_post(hex(body.size()) + "\r\n" + body +
                          "\r\n0\r\nContent-Length: 900\r\nTransfer-Encoding: chunked\r\n\r\n") +
                 post(ledger.published("after framing fields as trailers")),
             {k200, k200}, Then::stays_open);
  }
  {
    SCOPED_TRACE("exact chunked framing with extensions and a trailer is served");
    const std::string body = ledger.published("exact chunked");
    const size_t half = body.size() / 2;
    exchange(port,
             chunked_post(hex(half) + " ; name=value;quoted=\"a b\"\r\n" + body.substr(0, half) +
                          "\r\n" + hex(body.size() - half) + "\r\n" + body.substr(half) +
                          "\r\n0\r\nX-Trailer: yes\r\n\r\n"),
             {k200}, Then::stays_open);
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 3. Neither Content-Length nor Transfer-Encoding: no body (RFC 9112 §6.3). What follows is the
// next request.

TEST(HttpFraming, WithoutLengthOrTransferEncodingThereIsNoBody) {
  Bridge bridge;
  Ledger ledger(0x4f7a0003);
  const int port = bridge.daemon().port();
  {
    SCOPED_TRACE("POST without a body, then a callback: two answers, both served");
    exchange(port,
             std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm + "\r\n" +
                 post(ledger.published("after a lengthless POST")),
             {k200, k200}, Then::stays_open);
    // The empty body is dead-lettered: it is no callback.
    ledger.expect_record(kDeadLetterTopic, kEmptyBodyKey, "lengthless POST");
  }
  {
    SCOPED_TRACE("GET without a body, then a callback");
    exchange(port,
             std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
                 post(ledger.published("after a lengthless GET")),
             {k405, k200}, Then::stays_open);
  }
  {
    SCOPED_TRACE("HTTP/1.0 POST without a length: no body; the connection closes after it");
    exchange(port,
             std::string("POST /callbacks/jumio HTTP/1.0\r\n") + kHost + kForm + "\r\n" +
                 post(ledger.never("after an HTTP/1.0 lengthless POST")),
             {k200}, Then::closes);
    ledger.expect_record(kDeadLetterTopic, kEmptyBodyKey, "HTTP/1.0 lengthless POST");
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 4. A bad request line is one 400 and a close: the field lines after it are never read as
// requests.

TEST(HttpFraming, BadRequestLineIsOneAnswerAndAClose) {
  Bridge bridge;
  Ledger ledger(0x4f7a0004);
  const int port = bridge.daemon().port();
  const std::pair<const char*, std::string> lines[] = {
      {"not a request line", "GARBAGE"},
      {"two spaces after the method", "GET  /callbacks/jumio HTTP/1.1"},
      {"three parts and more", "GET /callbacks/jumio HTTP/1.1 extra"},
      {"no version", "GET /callbacks/jumio"},
      {"malformed version", "GET /callbacks/jumio HTTP/1.x"},
      {"lower-case version", "GET /callbacks/jumio http/1.1"},
      {"tab instead of space", "GET /callbacks/jumio\tHTTP/1.1"},
      {"target without a slash", "GET callbacks/jumio HTTP/1.1"},
      {"fragment in the target", "GET /callbacks/jumio#x HTTP/1.1"},
      {"method with a non-token byte", "P@ST /callbacks/jumio HTTP/1.1"},
      {"a field line where the request line belongs", "Host: 127.0.0.1"},
  };
  for (const auto& [name, line] : lines) {
    SCOPED_TRACE(name);
    exchange(port,
             with_length(line + "\r\n" + kHost + "X-After: 1\r\n",
                         smuggled(ledger.never(std::string(name) + ", inner"))) +
                 "GET /x HTTP/1.1\r\n" + kHost + "\r\n",
             {k400}, Then::closes);
  }
  {
    SCOPED_TRACE("a request line, then a request line as its first field");
    exchange(port, "GET /x HTTP/1.1 junk\r\n" + post(ledger.never("request line as field, inner")),
             {k400}, Then::closes);
  }
  {
    SCOPED_TRACE("HTTP/2.0 in an HTTP/1 request line: 505, closed");
    exchange(port,
             with_length(std::string("POST /callbacks/jumio HTTP/2.0\r\n") + kHost + kForm,
                         ledger.never("HTTP/2.0")),
             {k505}, Then::closes);
  }
  {
    SCOPED_TRACE("an unknown method with a body: 501, closed");
    exchange(port,
             with_length(std::string("post /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm,
                         smuggled(ledger.never("lower-case method, inner"))),
             {k501}, Then::closes);
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 5. Range is ignored (no amplification), and /metrics is on the admin listener only.

TEST(HttpFraming, RangeIsIgnoredAndMetricsIsOnlyOnTheAdminListener) {
  Bridge bridge;
  Ledger ledger(0x4f7a0005);
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2041; ++i) ranges += ",0-";
  const std::string plain = scrape_metrics(bridge);
  {
    SCOPED_TRACE("2,041 ranges on the admin listener's /metrics: a normal 200");
    const auto answers =
        exchange(bridge.daemon().admin_port(),
                 std::string("GET /metrics HTTP/1.1\r\n") + kHost + "Range: " + ranges + "\r\n\r\n",
                 {k200}, Then::stays_open);
    EXPECT_EQ(answers[0].field("Content-Type"), "text/plain; version=0.0.4");
    EXPECT_EQ(answers[0].body.rfind("# HELP ", 0), 0u) << answers[0].body.substr(0, 200);
    EXPECT_LT(answers[0].body.size(), plain.size() + 4096) << "grew with the ranges";
  }
  {
    SCOPED_TRACE("the same on the callback listener: 404");
    const auto answers =
        exchange(bridge.daemon().port(),
                 std::string("GET /metrics HTTP/1.1\r\n") + kHost + "Range: " + ranges + "\r\n\r\n",
                 {k404}, Then::stays_open);
    EXPECT_EQ(answers[0].body, "404 Not Found\n");
  }
  {
    SCOPED_TRACE("/healthz and /readyz are not on the callback listener either");
    exchange(bridge.daemon().port(), std::string("GET /healthz HTTP/1.1\r\n") + kHost + "\r\n",
             {k404}, Then::stays_open);
    exchange(bridge.daemon().port(), std::string("GET /readyz HTTP/1.1\r\n") + kHost + "\r\n",
             {k404}, Then::stays_open);
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 6. The lesser deviations.

TEST(HttpFraming, HostAndFieldNameRules) {
  Bridge bridge;
  Ledger ledger(0x4f7a0006);
  const int port = bridge.daemon().port();
  const std::pair<const char*, std::string> heads[] = {
      {"missing Host", "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kForm)},
      {"duplicate Host",
       "POST /callbacks/jumio HTTP/1.1\r\nHost: a\r\nHost: a\r\n" + std::string(kForm)},
      {"Host with a slash", "POST /callbacks/jumio HTTP/1.1\r\nHost: a/b\r\n" + std::string(kForm)},
      {"Host with a space", "POST /callbacks/jumio HTTP/1.1\r\nHost: a b\r\n" + std::string(kForm)},
      {"Host with a long port",
       "POST /callbacks/jumio HTTP/1.1\r\nHost: a:123456\r\n" + std::string(kForm)},
      {"Host naming only a port",
       "POST /callbacks/jumio HTTP/1.1\r\nHost: :80\r\n" + std::string(kForm)},
      {"Host with an open bracket",
       "POST /callbacks/jumio HTTP/1.1\r\nHost: [::1\r\n" + std::string(kForm)},
      {"space inside a field name",
       "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kHost) + kForm + "X Injected: 1\r\n"},
      {"space before the colon",
       "POST /callbacks/jumio HTTP/1.1\r\nHost : 127.0.0.1\r\n" + std::string(kHost) + kForm},
      {"space before the colon of Content-Type",
       "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kHost) +
           "Content-Type : application/x-www-form-urlencoded\r\n"},
      {"whitespace before the first field",
       "POST /callbacks/jumio HTTP/1.1\r\n X-First: 1\r\n" + std::string(kHost) + kForm},
      {"field line without a colon",
       "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kHost) + kForm + "X-No-Colon\r\n"},
  };
  for (const auto& [name, head] : heads) {
    SCOPED_TRACE(name);
    exchange(port,
             with_length(head, ledger.never(std::string(name) + ", body")) +
                 smuggled(ledger.never(std::string(name) + ", next")),
             {k400}, Then::closes);
  }
  {
    SCOPED_TRACE("an empty Host is valid (a target without an authority)");
    exchange(port,
             with_length("POST /callbacks/jumio HTTP/1.1\r\nHost:\r\n" + std::string(kForm),
                         ledger.published("empty Host")),
             {k200}, Then::stays_open);
  }
  {
    SCOPED_TRACE("a field name with a space in it where Content-Length belongs");
    const std::string body = ledger.never("Content Length, body");
    exchange(port,
             std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + kForm +
                 "Content Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
             {k400}, Then::closes);
  }
  ledger.verify(bridge);
}

TEST(HttpFraming, AcceptedRequestFormsAndConnectionHandling) {
  Bridge bridge;
  Ledger ledger(0x4f7a0007);
  const int port = bridge.daemon().port();
  {
    SCOPED_TRACE("absolute-form target");
    exchange(port, post(ledger.published("absolute-form"), "", "http://127.0.0.1/callbacks/jumio"),
             {k200}, Then::stays_open);
    exchange(port,
             post(ledger.published("absolute-form with port and other Host"), "",
                  "http://callbacks.example:8080/callbacks/jumio"),
             {k200}, Then::stays_open);
    exchange(port,
             post(ledger.published("absolute-form, https, query"), "",
                  "https://127.0.0.1/callbacks/jumio?x=1"),
             {k200}, Then::stays_open);
  }
  {
    SCOPED_TRACE("empty lines before the request line are ignored");
    exchange(port, "\r\n" + post(ledger.published("one CRLF first")), {k200}, Then::stays_open);
    exchange(port, "\r\n\r\n" + post(ledger.published("two CRLF first")), {k200}, Then::stays_open);
  }
  {
    SCOPED_TRACE("Connection: keep-alive, close closes");
    exchange(port,
             post(ledger.published("keep-alive, close"), "Connection: keep-alive, close\r\n") +
                 post(ledger.never("after keep-alive, close")),
             {k200}, Then::closes);
  }
  {
    SCOPED_TRACE("Connection: Close closes");
    exchange(port,
             post(ledger.published("Connection: Close"), "Connection: Close\r\n") +
                 post(ledger.never("after Connection: Close")),
             {k200}, Then::closes);
  }
  {
    SCOPED_TRACE("HTTP/1.0 without Host is served and closed; with keep-alive kept");
    exchange(port,
             with_length("POST /callbacks/jumio HTTP/1.0\r\n" + std::string(kForm),
                         ledger.published("HTTP/1.0")),
             {k200}, Then::closes);
    const auto kept = exchange(port,
                               with_length("POST /callbacks/jumio HTTP/1.0\r\n" +
                                               std::string(kForm) + "Connection: keep-alive\r\n",
                                           ledger.published("HTTP/1.0 keep-alive")),
                               {k200}, Then::stays_open);
    EXPECT_EQ(lower(kept[0].field("Connection")), "keep-alive") << kept[0].head;
    EXPECT_TRUE(kept[0].has_field("Keep-Alive")) << kept[0].head;
  }
  {
    SCOPED_TRACE("HTTP/1.0 with chunked: 400, closed");
    exchange(port,
             "POST /callbacks/jumio HTTP/1.0\r\n" + std::string(kHost) + kForm +
                 "Transfer-Encoding: chunked\r\n\r\n" +
                 one_chunk(ledger.never("HTTP/1.0 chunked")) +
                 smuggled(ledger.never("HTTP/1.0 chunked, next")),
             {k400}, Then::closes);
  }
  {
    SCOPED_TRACE("Expect: 100-Continue (mixed case) gets 100 Continue before the body");
    RawConnection connection(port);
    const std::string body = ledger.published("Expect: 100-Continue");
    const std::string request = post(body, "Expect: 100-Continue\r\n");
    ASSERT_TRUE(connection.send(request.substr(0, request.size() - body.size())));
    const Answer interim = connection.read_answer(5s);
    EXPECT_EQ(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_EQ(connection.unread(), "");
    exchange(connection, body, {k200}, Then::stays_open);
  }
  {
    // An answer to HEAD has the fields of the answer to GET and no body: the next answer on the
    // connection starts right after its head.
    SCOPED_TRACE("HEAD: head only, and the connection stays in step");
    RawConnection connection(port);
    connection.send(std::string("HEAD /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
                    post(ledger.published("after HEAD")));
    const Answer head = connection.read_head_answer(5s);
    EXPECT_EQ(head.status_line(), k405);
    EXPECT_EQ(head.field("Allow"), "POST");
    check_answer(head);
    exchange(connection, "", {k200}, Then::stays_open);
    RawConnection admin_connection(bridge.daemon().admin_port());
    admin_connection.send(std::string("HEAD /healthz HTTP/1.1\r\n") + kHost + "\r\n");
    const Answer healthz = admin_connection.read_head_answer(5s);
    EXPECT_EQ(healthz.status_line(), k200);
    EXPECT_EQ(healthz.field("Content-Length"), "3");
    check_answer(healthz);
    exchange(admin_connection, "", {}, Then::stays_open);
  }
  {
    SCOPED_TRACE("an unsupported expectation: 417, closed");
    exchange(port, post(ledger.never("Expect: 200-ok"), "Expect: 200-ok\r\n"),
             {"HTTP/1.1 417 Expectation Failed"}, Then::closes);
  }
  {
    SCOPED_TRACE("405 keeps the connection when there is no body, closes when one is unread");
    const auto kept =
        exchange(port, std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n", {k405},
                 Then::stays_open);
    EXPECT_EQ(kept[0].field("Allow"), "POST");
    EXPECT_TRUE(kept[0].has_field("Keep-Alive"));
    const auto closed =
        exchange(port,
                 with_length(std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost,
                             ledger.never("405 with a body")),
                 {k405}, Then::closes);
    EXPECT_EQ(closed[0].field("Allow"), "POST");
    EXPECT_FALSE(closed[0].has_field("Keep-Alive"));
  }
  ledger.verify(bridge);
}

TEST(HttpFraming, PutAndPatchWithoutBodyAre405AndCounted) {
  Bridge bridge;
  Ledger ledger(0x4f7a0008);
  const std::string series = "jumio_bridge_http_responses_total{code=\"405\"}";
  const double before = metric(scrape_metrics(bridge), series);
  for (const char* method : {"PUT", "PATCH"}) {
    SCOPED_TRACE(method);
    const auto answers =
        exchange(bridge.daemon().port(),
                 std::string(method) + " /callbacks/jumio HTTP/1.1\r\n" + kHost + "\r\n" +
                     post(ledger.published(std::string("after ") + method)),
                 {k405, k200}, Then::stays_open);
    EXPECT_EQ(answers[0].field("Allow"), "POST");
  }
  EXPECT_EQ(metric(scrape_metrics(bridge), series), before + 2);
  ledger.verify(bridge);
}

TEST(HttpFraming, SlowSendersGet408) {
  Bridge bridge([](config::Config& c) { c.http.request_timeout_ms = 1000; });
  Ledger ledger(0x4f7a0009);
  // Sends `first`, then a byte every 100 ms, until an answer comes (bounded): that answer.
  auto dribble = [&](const std::string& first, char each) {
    RawConnection connection(bridge.daemon().port());
    EXPECT_TRUE(connection.send(first));
    const auto start = Clock::now();
    Answer answer;
    while (answer.status < 0 && Clock::now() - start < 4s) {
      connection.send(std::string(1, each));
      answer = connection.read_answer(100ms);
    }
    EXPECT_EQ(answer.status_line(), k408) << answer.head;
    check_answer(answer);
    EXPECT_LT(Clock::now() - start, 3s);
    EXPECT_EQ(lower(answer.field("Connection")), "close");
    EXPECT_TRUE(connection.closed_by_server());
  };
  {
    SCOPED_TRACE("a head that never ends");
    dribble(std::string("POST /callbacks/jumio HTTP/1.1\r\n") + kHost + "X-Slow: ", 'a');
  }
  {
    SCOPED_TRACE("a chunked body sent a byte at a time");
    const std::string body = ledger.never("slow chunked");
    dribble(chunked_post(hex(body.size()) + "\r\n" + body.substr(0, 10)), 'a');
  }
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// Framing that must keep holding: conflicting or obfuscated framing fields are refused and close
// the connection; nothing in or after the request runs.

TEST(HttpFraming, ConflictingOrObfuscatedFramingIsRefusedAndCloses) {
  Bridge bridge;
  Ledger ledger(0x4f7a000a);
  const int port = bridge.daemon().port();
  const std::string line = "POST /callbacks/jumio HTTP/1.1\r\n" + std::string(kHost) + kForm;
  struct Case {
    const char* name;
    std::string fields;  // framing field lines
    bool chunked;        // the body is sent chunked (else as Content-Length would frame it)
    std::string status;
  };
  const Case cases[] = {
      {"Content-Length then Transfer-Encoding",
       "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", true, k400},
      {"Transfer-Encoding then Content-Length",
       "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", true, k400},
      {"Transfer-Encoding twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       true, k400},
      {"chunked, chunked", "Transfer-Encoding: chunked, chunked\r\n", true, k400},
      {"xchunked", "Transfer-Encoding: xchunked\r\n", true, k400},
      {"chunked, identity", "Transfer-Encoding: chunked, identity\r\n", true, k400},
      {"quoted chunked", "Transfer-Encoding: \"chunked\"\r\n", true, k400},
      {"vertical tab before chunked",
       "Transfer-Encoding: \x0b"
       "chunked\r\n",
       true, k400},
      {"NUL after chunked", bytes("Transfer-Encoding: chunked\0\r\n"), true, k400},
      {"space before the colon", "Transfer-Encoding : chunked\r\n", true, k400},
      {"obs-fold into Transfer-Encoding", "Transfer-Encoding:\r\n chunked\r\n", true, k400},
      {"empty Transfer-Encoding", "Transfer-Encoding: \r\n", true, k400},
      {"identity, chunked", "Transfer-Encoding: identity, chunked\r\n", true, k501},
      {"gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", true, k501},
      {"two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6\r\n", false, k400},
      {"two equal Content-Lengths", "Content-Length: 5\r\nContent-Length: 5\r\n", false, k400},
      {"Content-Length list", "Content-Length: 5, 5\r\n", false, k400},
      {"Content-Length +5", "Content-Length: +5\r\n", false, k400},
      {"Content-Length -1", "Content-Length: -1\r\n", false, k400},
      {"Content-Length 0x5", "Content-Length: 0x5\r\n", false, k400},
      {"Content-Length 5 5", "Content-Length: 5 5\r\n", false, k400},
      {"Content-Length of 20 digits", "Content-Length: 00000000000000000005\r\n", false, k400},
      {"empty Content-Length", "Content-Length: \r\n", false, k400},
      {"Content-Length over the body limit", "Content-Length: 1000000\r\n", false, k413},
      {"obs-fold in another field", "X-A: b\r\n c\r\nContent-Length: 5\r\n", false, k400},
      {"NUL in a field value", bytes("X-A: a\0b\r\nContent-Length: 5\r\n"), false, k400},
      {"bare CR in a field value", "X-A: a\rb\r\nContent-Length: 5\r\n", false, k400},
      {"bare LF ending a field line", "X-A: a\nContent-Length: 5\r\n", false, k400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string body = ledger.never(std::string(c.name) + ", body");
    const std::string inner = smuggled(ledger.never(std::string(c.name) + ", inner"));
    exchange(port, line + c.fields + "\r\n" + (c.chunked ? one_chunk(body) : body) + inner,
             {c.status}, Then::closes);
  }
  ledger.verify(bridge);
}

// Pipelines of mixed requests are answered in order, each callback published exactly once.
TEST(HttpFraming, MixedPipelineIsAnsweredInOrderAndEachCallbackPublishedOnce) {
  Bridge bridge;
  Ledger ledger(0x4f7a000b);
  const std::string second = ledger.published("pipeline chunked");
  const size_t half = second.size() / 2;
  const auto answers = exchange(
      bridge.daemon().port(),
      post(ledger.published("pipeline Content-Length")) +
          std::string("GET /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
          chunked_post(hex(half) + "\r\n" + second.substr(0, half) + "\r\n" +
                       hex(second.size() - half) + ";x=y\r\n" + second.substr(half) +
                       "\r\n0\r\nX-Trailer: 1\r\n\r\n") +
          post(ledger.published("pipeline absolute-form"), "", "http://127.0.0.1/callbacks/jumio") +
          "OPTIONS * HTTP/1.1\r\n" + kHost + "\r\n" +
          std::string("PUT /callbacks/jumio HTTP/1.1\r\n") + kHost + "\r\n" +
          post(ledger.published("pipeline last"), "Connection: close\r\n") +
          post(ledger.never("pipeline after the last")),
      {k200, k405, k200, k200, k404, k405, k200}, Then::closes);
  // In order: each kept answer counts the requests left down from the default 100.
  for (size_t i = 0; i + 1 < answers.size(); ++i)
    EXPECT_EQ(answers[i].field("Keep-Alive"), "timeout=5, max=" + std::to_string(99 - i));
  ledger.verify(bridge);
}

// ---------------------------------------------------------------------------------------------
// 7. Connections: addresses not allowed are closed at accept and cannot exhaust the server; one
// allowed address cannot take more than http.max_connections_per_address.

TEST(HttpFraming, AddressesNotAllowedAreClosedAtAcceptAndCannotShutOthersOut) {
  // security.allow: 127.0.0.1/32 and ::1/128 (the default); as many connections as the server
  // takes, all from 127.0.0.3.
  Bridge bridge([](config::Config& c) { c.http.max_connections = 256; });
  Ledger ledger(0x4f7a000c);
  const int port = bridge.daemon().port();
  std::vector<std::unique_ptr<RawConnection>> refused;
  for (int i = 0; i < 256; ++i) {
    refused.push_back(std::make_unique<RawConnection>("127.0.0.3", port));
    ASSERT_TRUE(refused.back()->connected()) << i;
  }
  // One of them sends a whole callback first: still closed, never read.
  refused.front()->send(post(ledger.never("from 127.0.0.3")));
  for (auto& connection : refused)
    EXPECT_TRUE(connection->closed_by_server(3s))
        << "127.0.0.3 got bytes or stayed open: " << connection->unread();
  {
    SCOPED_TRACE("an allowed client is served while the 256 are still open on its side");
    exchange(port, post(ledger.published("allowed beside 256 refused")), {k200}, Then::stays_open);
  }
  EXPECT_EQ(metric(scrape_metrics(bridge),
                   "jumio_bridge_http_connections_refused_total{reason=\"address_not_allowed\"}"),
            256);
  ledger.verify(bridge);
}

TEST(HttpFraming, OneAddressCannotTakeMoreThanItsShareOfConnections) {
  Bridge bridge([](config::Config& c) {
    c.http.max_connections_per_address = 4;
    c.security.allow = {"127.0.0.1/32", "127.0.0.5/32"};
  });
  Ledger ledger(0x4f7a000d);
  const int port = bridge.daemon().port();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawConnection>("127.0.0.1", port));
  {
    SCOPED_TRACE("a fifth connection from 127.0.0.1: 503, closed");
    // The 503 is written at accept and the socket closed unread: the request is never read.
    const auto answers = exchange(port, post(ledger.never("fifth from 127.0.0.1")), {k503},
                                  Then::closes, "127.0.0.1");
    EXPECT_TRUE(answers[0].has_field("Retry-After")) << answers[0].head;
  }
  {
    SCOPED_TRACE("another allowed address is served meanwhile");
    exchange(port, post(ledger.published("from 127.0.0.5")), {k200}, Then::stays_open, "127.0.0.5");
  }
  {
    SCOPED_TRACE("the held connections are served; one closing makes room");
    exchange(*held[1], post(ledger.published("held connection")), {k200}, Then::stays_open);
    exchange(*held[0], post(ledger.published("held, closing"), "Connection: close\r\n"), {k200},
             Then::closes);
    exchange(port, post(ledger.published("into the room made")), {k200}, Then::stays_open,
             "127.0.0.1");
  }
  EXPECT_EQ(metric(scrape_metrics(bridge),
                   "jumio_bridge_http_connections_refused_total{reason="
                   "\"too_many_connections_from_address\"}"),
            1);
  ledger.verify(bridge);
}

}  // namespace
}  // namespace jb::test
