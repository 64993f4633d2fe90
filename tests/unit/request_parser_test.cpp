// RequestParser and RequestHead: HTTP/1.1 request framing (RFC 9112 §2.2, §3, §5, §6, §7, §9.6;
// RFC 9110 Host and Expect). Tables of accepted requests (what the head says, the body, how many
// bytes the request took) and rejected ones (status and reason code), pipelines, and a check that
// every case gives the same outcome whether its bytes arrive at once, one at a time, or in random
// pieces.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jb::http {
namespace {

using Progress = RequestParser::Progress;

// A request with the usual request line and Host, then `fields` (each ending in CRLF), the blank
// line, and `body`.
std::string post(const std::string& fields, const std::string& body = "") {
  return "POST /cb HTTP/1.1\r\nHost: example.com\r\n" + fields + "\r\n" + body;
}
std::string get(const std::string& request_line, const std::string& fields = "Host: a\r\n") {
  return request_line + "\r\n" + fields + "\r\n";
}
std::string chunked(const std::string& chunks) {
  return post("Transfer-Encoding: chunked\r\n", chunks);
}

FramingLimits tiny_limits() {
  FramingLimits limits;
  limits.max_head_bytes = 200;
  limits.max_target_bytes = 40;
  limits.max_header_fields = 6;
  limits.max_body_bytes = 100;
  limits.max_chunk_overhead = 120;
  limits.max_chunk_line_bytes = 24;
  return limits;
}

std::string fields(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += "X-F" + std::to_string(i) + ": v\r\n";
  return text;
}

// Printable test names.
std::string test_name(size_t index, const std::string& name) {
  std::string out = std::to_string(index) + "_";
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Driving the parser as the listener does.

struct Outcome {
  Progress progress = Progress::need_more;  // complete, error, or need_more at the end of input
  bool head_seen = false;
  int status = 0;
  std::string reason;
  size_t start = 0;
  size_t request_bytes = 0;
  std::string body;
  // What the head says, flattened for comparison.
  std::string head;

  bool operator==(const Outcome& o) const {
    return progress == o.progress && head_seen == o.head_seen && status == o.status &&
           reason == o.reason && start == o.start && request_bytes == o.request_bytes &&
           body == o.body && head == o.head;
  }
};

std::ostream& operator<<(std::ostream& out, const Outcome& o) {
  return out << "{progress " << static_cast<int>(o.progress) << ", head_seen " << o.head_seen
             << ", status " << o.status << ", reason " << o.reason << ", start " << o.start
             << ", request_bytes " << o.request_bytes << ", body " << testing::PrintToString(o.body)
             << ", head " << testing::PrintToString(o.head) << "}";
}

std::string flatten(const RequestHead& head) {
  std::string text = std::string(head.method) + "|" + std::string(head.target) + "|" +
                     std::string(head.path) + "|" + std::string(head.query) + "|" +
                     std::string(head.authority) + "|" + std::to_string(head.minor_version) +
                     (head.keep_alive ? "|keep" : "|close") + (head.chunked ? "|chunked" : "|") +
                     "|" + std::to_string(head.content_length) +
                     (head.expect_continue ? "|100" : "|") + "|" + std::string(head.content_type) +
                     "|" + std::string(head.content_encoding) + "|" +
                     std::string(head.authorization) + "|" + std::string(head.forwarded_for);
  for (const Field& field : head.fields())
    text += "|" + std::string(field.name) + "=" + std::string(field.value);
  return text;
}

// Every request of `input` in turn (reset() after each complete one), the bytes arriving up to
// each of `cuts` (increasing, the last one input.size()). Stops at the first error.
std::vector<Outcome> run(std::string_view input, const FramingLimits& limits,
                         const std::vector<size_t>& cuts) {
  RequestParser parser(limits);
  std::vector<Outcome> outcomes;
  Outcome current;
  size_t base = 0;
  for (size_t available : cuts) {
    for (;;) {
      const std::string_view now = input.substr(base, available - base);
      const Progress progress = parser.parse(now);
      if (progress == Progress::need_more) break;
      if (progress == Progress::head) {
        EXPECT_FALSE(current.head_seen) << "head reported twice";
        current.head_seen = true;
        current.head = flatten(parser.head());
        continue;
      }
      current.progress = progress;
      current.start = base;
      if (progress == Progress::error) {
        current.status = parser.status();
        current.reason = parser.reason();
        outcomes.push_back(current);
        return outcomes;
      }
      EXPECT_TRUE(current.head_seen) << "complete without head";
      EXPECT_EQ(current.head, flatten(parser.head())) << "head changed before complete";
      current.request_bytes = parser.request_bytes();
      current.body = std::string(parser.body());
      outcomes.push_back(current);
      current = Outcome();
      base += parser.request_bytes();
      parser.reset();
    }
  }
  if (base < input.size() || current.head_seen) {
    current.start = base;
    outcomes.push_back(current);
  }
  return outcomes;
}

std::vector<Outcome> run_whole(std::string_view input, const FramingLimits& limits = {}) {
  return run(input, limits, {input.size()});
}

// The first request's outcome, its bytes arriving at once.
Outcome first(std::string_view input, const FramingLimits& limits = {}) {
  std::vector<Outcome> outcomes = run_whole(input, limits);
  return outcomes.empty() ? Outcome() : outcomes.front();
}

// ---------------------------------------------------------------------------------------------
// Accepted requests.

struct Accepted {
  std::string name;
  std::string input;
  FramingLimits limits;
  // Expectations; request_bytes 0 means the whole input.
  std::string method = "POST";
  std::string target = "/cb";
  std::string path = "/cb";
  std::string query;
  std::string authority = "example.com";
  int minor_version = 1;
  bool keep_alive = true;
  bool chunked = false;
  uint64_t content_length = 0;
  bool expect_continue = false;
  std::string body;
  size_t request_bytes = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // checked when not empty
  std::string content_type, content_encoding, authorization, forwarded_for;

  Accepted(std::string n, std::string in) : name(std::move(n)), input(std::move(in)) {}
  Accepted& request(std::string m, std::string t, std::string p, std::string q = "") {
    method = std::move(m);
    target = std::move(t);
    path = std::move(p);
    query = std::move(q);
    return *this;
  }
  Accepted& host(std::string a) {
    authority = std::move(a);
    return *this;
  }
  Accepted& version(int minor) {
    minor_version = minor;
    return *this;
  }
  Accepted& close() {
    keep_alive = false;
    return *this;
  }
  Accepted& length(uint64_t n, std::string b) {
    content_length = n;
    body = std::move(b);
    return *this;
  }
  Accepted& chunked_body(std::string b) {
    chunked = true;
    body = std::move(b);
    return *this;
  }
  Accepted& expect() {
    expect_continue = true;
    return *this;
  }
  Accepted& takes(size_t bytes) {
    request_bytes = bytes;
    return *this;
  }
  Accepted& with_limits(const FramingLimits& l) {
    limits = l;
    return *this;
  }
  Accepted& with_fields(std::vector<std::pair<std::string, std::string>> f) {
    fields = std::move(f);
    return *this;
  }
  Accepted& routed(std::string type, std::string encoding, std::string auth, std::string xff) {
    content_type = std::move(type);
    content_encoding = std::move(encoding);
    authorization = std::move(auth);
    forwarded_for = std::move(xff);
    return *this;
  }
};

std::vector<Accepted> accepted_cases() {
  const std::string kGet = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  std::vector<Accepted> cases = {
      Accepted("Get", kGet).request("GET", "/", "/"),
      Accepted("GetWithQuery", get("GET /a/b?x=1&y=%20 HTTP/1.1", "Host: example.com\r\n"))
          .request("GET", "/a/b?x=1&y=%20", "/a/b", "x=1&y=%20"),
      Accepted("EmptyQuery", get("GET /a? HTTP/1.1", "Host: example.com\r\n"))
          .request("GET", "/a?", "/a", ""),
      Accepted("DoubleSlashPath", get("GET //x HTTP/1.1", "Host: example.com\r\n"))
          .request("GET", "//x", "//x"),
      Accepted("VisibleOddCharsInTarget", get("GET /a\"<>\\^`{|}b HTTP/1.1", "Host: h\r\n"))
          .request("GET", "/a\"<>\\^`{|}b", "/a\"<>\\^`{|}b")
          .host("h"),
      Accepted("LowerCaseMethodIsAToken", get("get / HTTP/1.1", "Host: example.com\r\n"))
          .request("get", "/", "/"),
      Accepted("ExtensionMethod", get("M-SEARCH! / HTTP/1.1", "Host: example.com\r\n"))
          .request("M-SEARCH!", "/", "/"),
      // 32 bytes: the longest method read (RFC 9110 §9.1 leaves it to the routes: 501).
      Accepted("LongestMethod", get(std::string(32, 'M') + " / HTTP/1.1", "Host: example.com\r\n"))
          .request(std::string(32, 'M'), "/", "/"),
      Accepted("ContentLengthBody", post("Content-Length: 5\r\n", "hello")).length(5, "hello"),
      Accepted("ContentLengthZero", post("Content-Length: 0\r\n")).length(0, ""),
      Accepted("ContentLengthLeadingZeros", post("Content-Length: 005\r\n", "hello"))
          .length(5, "hello"),
      Accepted("ContentLengthWithSpaces", post("Content-Length: \t 5 \t\r\n", "hello"))
          .length(5, "hello"),
      Accepted("ContentLengthNameAnyCase", post("cOnTeNt-LeNgTh: 2\r\n", "hi")).length(2, "hi"),
      Accepted("BodyBytesAreNotParsed",
               post("Content-Length: 8\r\n", std::string("\r\n\n\r\0\x01\xff#", 8)))
          .length(8, std::string("\r\n\n\r\0\x01\xff#", 8)),
      // Neither Content-Length nor Transfer-Encoding: no body; what follows is the next request.
      Accepted("NoFramingMeansNoBody", kGet + "hello").request("GET", "/", "/").takes(kGet.size()),
      Accepted("PostWithoutFramingHasNoBody", post("", "hello")).takes(post("").size()),
      Accepted("ChunkedBody", chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"))
          .chunked_body("hello world"),
      Accepted("ChunkedUpperCaseHex", chunked("A\r\n0123456789\r\n0\r\n\r\n"))
          .chunked_body("0123456789"),
      Accepted("ChunkedLowerCaseHex", chunked("a\r\n0123456789\r\n0\r\n\r\n"))
          .chunked_body("0123456789"),
      Accepted("ChunkedLeadingZeros", chunked("0005\r\nhello\r\n000\r\n\r\n"))
          .chunked_body("hello"),
      Accepted("ChunkSizeSixteenDigits",
               chunked("0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n"))
          .chunked_body("hello"),
      Accepted("ChunkedEmptyBody", chunked("0\r\n\r\n")).chunked_body(""),
      Accepted("ChunkExtensions",
               chunked("5;a\r\nhello\r\n1;a=b;c=\"d;e\\\"f\"\r\n!\r\n0;last\r\n\r\n"))
          .chunked_body("hello!"),
      Accepted("ChunkExtensionWithBws", chunked("5 ; a = b\t;\tc\r\nhello\r\n0 ;z\r\n\r\n"))
          .chunked_body("hello"),
      Accepted("ChunkExtensionQuotedObsText", chunked("1;a=\"\x80\xff\t \"\r\nx\r\n0\r\n\r\n"))
          .chunked_body("x"),
      Accepted("ChunkDataWithCrlfInside", chunked("4\r\n\r\n\r\n\r\n0\r\n\r\n"))
          .chunked_body("\r\n\r\n"),
      Accepted("Trailers", chunked("5\r\nhello\r\n0\r\nX-Trailer: 1\r\nContent-Length: 9\r\n\r\n"))
          .chunked_body("hello"),
      Accepted("TransferEncodingAnyCase", post("Transfer-Encoding: ChUnKeD\r\n", "0\r\n\r\n"))
          .chunked_body(""),
      Accepted("TransferEncodingWithOws", post("Transfer-Encoding:  \tchunked \r\n", "0\r\n\r\n"))
          .chunked_body(""),
      // Empty lines before the request line are ignored (§2.2); they belong to the request.
      Accepted("CrlfBeforeRequestLine", "\r\n" + kGet).request("GET", "/", "/"),
      Accepted("CrlfsBeforeRequestLine", "\r\n\r\n\r\n" + kGet).request("GET", "/", "/"),
      Accepted("AbsoluteForm", get("GET http://example.org/a?b HTTP/1.1", "Host: other\r\n"))
          .request("GET", "http://example.org/a?b", "/a", "b")
          .host("example.org"),
      Accepted("AbsoluteFormHttps",
               get("POST HTTPS://example.org:8443/cb HTTP/1.1", "Host: example.org:8443\r\n"))
          .request("POST", "HTTPS://example.org:8443/cb", "/cb")
          .host("example.org:8443"),
      Accepted("AbsoluteFormWithoutPath", get("GET http://example.org HTTP/1.1", "Host: x\r\n"))
          .request("GET", "http://example.org", "/")
          .host("example.org"),
      Accepted("AbsoluteFormQueryWithoutPath",
               get("GET http://example.org?q HTTP/1.1", "Host: x\r\n"))
          .request("GET", "http://example.org?q", "/", "q")
          .host("example.org"),
      Accepted("AbsoluteFormIpv6", get("GET http://[::1]:80/ HTTP/1.1", "Host: [::1]:80\r\n"))
          .request("GET", "http://[::1]:80/", "/")
          .host("[::1]:80"),
      Accepted("AuthorityFormForConnect",
               get("CONNECT example.org:443 HTTP/1.1", "Host: example.org:443\r\n"))
          .request("CONNECT", "example.org:443", "")
          .host("example.org:443"),
      Accepted("AsteriskFormForOptions", get("OPTIONS * HTTP/1.1", "Host: example.com\r\n"))
          .request("OPTIONS", "*", "*"),
      Accepted("HostWithPort", get("GET / HTTP/1.1", "Host: example.com:8080\r\n"))
          .request("GET", "/", "/")
          .host("example.com:8080"),
      Accepted("HostWithEmptyPort", get("GET / HTTP/1.1", "Host: example.com:\r\n"))
          .request("GET", "/", "/")
          .host("example.com:"),
      Accepted("AuthorityFormIpv6", get("CONNECT [::1]:443 HTTP/1.1", "Host: [::1]:443\r\n"))
          .request("CONNECT", "[::1]:443", "")
          .host("[::1]:443"),
      Accepted("HostIpv6", get("GET / HTTP/1.1", "Host: [2001:db8::1]\r\n"))
          .request("GET", "/", "/")
          .host("[2001:db8::1]"),
      Accepted("EmptyHost", get("GET / HTTP/1.1", "Host:\r\n")).request("GET", "/", "/").host(""),
      Accepted("HostNameAnyCase", get("GET / HTTP/1.1", "hOST: example.com\r\n"))
          .request("GET", "/", "/"),
      // HTTP/1.0: Host optional, persistent only with keep-alive.
      Accepted("Http10WithoutHost", "GET / HTTP/1.0\r\n\r\n")
          .request("GET", "/", "/")
          .host("")
          .version(0)
          .close(),
      Accepted("Http10KeepAlive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
          .request("GET", "/", "/")
          .host("")
          .version(0),
      Accepted("Http10KeepAliveAndClose", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")
          .request("GET", "/", "/")
          .host("")
          .version(0)
          .close(),
      Accepted("Http10ContentLength", "POST /cb HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
          .host("")
          .version(0)
          .close()
          .length(2, "hi"),
      // Later HTTP/1.x versions are served as 1.1.
      Accepted("Http12", "GET / HTTP/1.2\r\nHost: example.com\r\n\r\n").request("GET", "/", "/"),
      Accepted("Http19", "GET / HTTP/1.9\r\nHost: example.com\r\n\r\n").request("GET", "/", "/"),
      Accepted("ConnectionClose", post("Connection: close\r\n")).close(),
      Accepted("ConnectionCloseAnyCase", post("Connection: Close\r\n")).close(),
      Accepted("ConnectionKeepAliveThenClose", post("Connection: keep-alive, close\r\n")).close(),
      Accepted("ConnectionInTwoFields", post("Connection: keep-alive\r\nConnection: CLOSE\r\n"))
          .close(),
      Accepted("ConnectionOtherOptions", post("Connection: Upgrade, TE\r\nTE: trailers\r\n")),
      Accepted("ConnectionCloseAmongOthers", post("Connection: foo,close ,bar\r\n")).close(),
      Accepted("ConnectionCloseSubstringIsNotClose", post("Connection: closed, xclose\r\n")),
      // Empty list elements are ignored (RFC 9110 §5.6.1.2).
      Accepted("ConnectionTrailingComma", post("Connection: close,\r\n")).close(),
      Accepted("ConnectionEmptyElements", post("Connection: , ,close\r\n")).close(),
      Accepted("ConnectionEmpty", post("Connection:\r\n")),
      Accepted("ExpectEmpty", post("Expect:\r\n")),
      Accepted("ExpectContinueAmongEmptyElements",
               post("Expect: ,100-continue,\r\nContent-Length: 1\r\n", "x"))
          .length(1, "x")
          .expect(),
      Accepted("Expect100Continue", post("Expect: 100-continue\r\nContent-Length: 1\r\n", "x"))
          .expect()
          .length(1, "x"),
      Accepted("Expect100ContinueAnyCase", post("Expect: 100-Continue\r\n")).expect(),
      Accepted("ExpectIgnoredInHttp10",
               "POST /cb HTTP/1.0\r\nExpect: 100-continue, something-else\r\n\r\n")
          .host("")
          .version(0)
          .close(),
      Accepted("FieldsTrimmedInOrder",
               post("A: \t one two \t\r\nB:\r\nC:three\r\nD: caf\xc3\xa9 \x80\xff\r\n"))
          .with_fields({{"Host", "example.com"},
                        {"A", "one two"},
                        {"B", ""},
                        {"C", "three"},
                        {"D", "caf\xc3\xa9 \x80\xff"}}),
      Accepted("FieldValueWithTabAndColon", post("X: a:b\tc\r\n"))
          .with_fields({{"Host", "example.com"}, {"X", "a:b\tc"}}),
      Accepted("RoutedFields", post("Content-Type: application/x-www-form-urlencoded\r\n"
                                    "Content-Encoding: gzip\r\nAuthorization: Basic eDp5\r\n"
                                    "X-Forwarded-For: 10.0.0.1\r\n"))
          .routed("application/x-www-form-urlencoded", "gzip", "Basic eDp5", "10.0.0.1"),
      Accepted("RepeatedListFieldsJoined",
               post("X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nContent-Encoding: gzip\r\n"
                    "x-forwarded-for: 10.0.0.3\r\nCONTENT-ENCODING: br\r\n"
                    "X-Forwarded-For:\t10.0.0.4 \r\n"))
          .routed("", "gzip, br", "", "10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4"),
      Accepted("SixtyFourFields", post(fields(63))),
      Accepted("HeadExactlyAtLimit", post("X: " + std::string(200 - 45, 'a') + "\r\n"))
          .with_limits(tiny_limits()),
      Accepted("TargetExactlyAtLimit", get("GET /" + std::string(39, 't') + " HTTP/1.1"))
          .request("GET", "/" + std::string(39, 't'), "/" + std::string(39, 't'))
          .host("a")
          .with_limits(tiny_limits()),
      Accepted("ContentLengthAtLimit", post("Content-Length: 100\r\n", std::string(100, 'b')))
          .length(100, std::string(100, 'b'))
          .with_limits(tiny_limits()),
      Accepted("ChunkedAtLimit", chunked("32\r\n" + std::string(50, 'c') + "\r\n32\r\n" +
                                         std::string(50, 'd') + "\r\n0\r\n\r\n"))
          .chunked_body(std::string(50, 'c') + std::string(50, 'd'))
          .with_limits(tiny_limits()),
      Accepted("ChunkLineAtLimit", chunked("1;" + std::string(20, 'e') + "\r\nx\r\n0\r\n\r\n"))
          .chunked_body("x")
          .with_limits(tiny_limits()),
      Accepted("SixTrailersAtLimit", chunked("0\r\n" + fields(6) + "\r\n"))
          .chunked_body("")
          .with_limits(tiny_limits()),
  };
  return cases;
}

class AcceptedTest : public testing::TestWithParam<Accepted> {};

TEST_P(AcceptedTest, ParsesHeadAndBody) {
  const Accepted& c = GetParam();
  RequestParser parser(c.limits);
  ASSERT_EQ(parser.parse(c.input), Progress::head) << parser.status() << " " << parser.reason();
  const RequestHead& head = parser.head();
  EXPECT_EQ(head.method, c.method);
  EXPECT_EQ(head.target, c.target);
  EXPECT_EQ(head.path, c.path);
  EXPECT_EQ(head.query, c.query);
  EXPECT_EQ(head.authority, c.authority);
  EXPECT_EQ(head.minor_version, c.minor_version);
  EXPECT_EQ(head.keep_alive, c.keep_alive);
  EXPECT_EQ(head.chunked, c.chunked);
  EXPECT_EQ(head.content_length, c.content_length);
  EXPECT_EQ(head.expect_continue, c.expect_continue);
  EXPECT_EQ(head.has_body(), c.chunked || c.content_length > 0);
  EXPECT_EQ(head.content_type, c.content_type);
  EXPECT_EQ(head.content_encoding, c.content_encoding);
  EXPECT_EQ(head.authorization, c.authorization);
  EXPECT_EQ(head.forwarded_for, c.forwarded_for);
  if (!c.fields.empty()) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const Field& field : head.fields()) fields.emplace_back(field.name, field.value);
    EXPECT_EQ(fields, c.fields);
  }
  ASSERT_EQ(parser.parse(c.input), Progress::complete);
  EXPECT_TRUE(parser.done());
  EXPECT_FALSE(parser.body_pending());
  EXPECT_EQ(parser.body(), c.body);
  EXPECT_EQ(parser.request_bytes(), c.request_bytes == 0 ? c.input.size() : c.request_bytes);
  EXPECT_EQ(parser.parse(c.input), Progress::complete) << "complete stays complete";
  if (!c.chunked && c.content_length > 0) {
    // A Content-Length body is a view into the input, right before the request's end.
    EXPECT_EQ(parser.body().data(), c.input.data() + parser.request_bytes() - c.content_length);
  }
}

INSTANTIATE_TEST_SUITE_P(request_parser, AcceptedTest, testing::ValuesIn(accepted_cases()),
                         [](const auto& info) { return test_name(info.index, info.param.name); });

// ---------------------------------------------------------------------------------------------
// Rejected requests.

struct Rejected {
  std::string name;
  std::string input;
  int status;
  std::string reason;
  FramingLimits limits = {};
  bool head_seen = false;  // the error comes after a valid head (in the body)
};

Rejected body_error(std::string name, std::string input, int status, std::string reason,
                    FramingLimits limits = {}) {
  return Rejected{std::move(name), std::move(input), status, std::move(reason), limits, true};
}

std::vector<Rejected> rejected_cases() {
  const FramingLimits tiny = tiny_limits();
  std::vector<Rejected> cases = {
      // Line endings: CRLF only (§2.2).
      {"BareLfEverywhere", "GET / HTTP/1.1\nHost: a\n\n", 400, "bare_line_feed"},
      {"BareLfAfterField", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400, "bare_line_feed"},
      {"BareLfEndsHead", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare_line_feed"},
      {"BareLfBeforeRequestLine", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare_line_feed"},
      {"LfCrLf", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare_line_feed"},
      {"BareCrInRequestLine", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bare_carriage_return"},
      {"BareCrInField", "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400, "bare_carriage_return"},
      {"BareCrInTarget", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bare_carriage_return"},
      {"CrCrLf", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", 400, "bare_carriage_return"},
      {"BareCrBeforeRequestLine", "\r\rGET / HTTP/1.1\r\n", 400, "bare_carriage_return"},
      // Request line (§3).
      {"EmptyLinesThenNoRequestLine", "\r\n\r\nX\r\n\r\n", 400, "malformed_request_line"},
      {"NoSpaces", "GET\r\nHost: a\r\n\r\n", 400, "malformed_request_line"},
      {"OneSpace", "GET /\r\nHost: a\r\n\r\n", 400, "malformed_request_line"},
      {"TabSeparated", "GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed_request_line"},
      {"TwoSpacesBeforeTarget", get("GET  / HTTP/1.1"), 400, "malformed_target"},
      {"TwoSpacesBeforeVersion", get("GET /  HTTP/1.1"), 400, "malformed_version"},
      {"TrailingSpace", get("GET / HTTP/1.1 "), 400, "malformed_version"},
      {"LeadingSpace", get(" GET / HTTP/1.1"), 400, "malformed_method"},
      {"SpaceInTarget", get("GET /a b HTTP/1.1"), 400, "malformed_version"},
      {"BadMethod", get("GE(T / HTTP/1.1"), 400, "malformed_method"},
      // A method longer than 32 bytes is no method this server implements (RFC 9110 §9.1): 501
      // once 33 bytes of the line arrived without a space; not a token, 400.
      {"MethodOf33Bytes", get(std::string(33, 'M') + " / HTTP/1.1"), 501, "method_too_long"},
      {"MethodOf9000Bytes", get(std::string(9000, 'M') + " / HTTP/1.1"), 501, "method_too_long"},
      {"LongMethodUnterminated", std::string(40, 'M'), 501, "method_too_long"},
      {"LongMethodAfterEmptyLines", "\r\n\r\n" + std::string(33, 'M'), 501, "method_too_long"},
      {"LongMethodWithTarget", "M" + get(std::string(33, 'M') + " /" + std::string(9000, 'a')), 501,
       "method_too_long"},
      {"LongTabSeparatedLine", get("GET\t/" + std::string(40, 'a') + "\tHTTP/1.1"), 400,
       "malformed_method"},
      {"LongLineOfControlBytes", std::string(40, '\x01'), 400, "malformed_method"},
      {"LowerCaseVersion", get("GET / http/1.1"), 400, "malformed_version"},
      {"VersionWithoutMinor", get("GET / HTTP/1"), 400, "malformed_version"},
      {"VersionTwoDigits", get("GET / HTTP/1.10"), 400, "malformed_version"},
      {"VersionLetters", get("GET / HTTP/x.y"), 400, "malformed_version"},
      {"NoVersionName", get("GET / 1.1"), 400, "malformed_version"},
      {"Http2", get("GET / HTTP/2.0"), 505, "http_version_not_supported"},
      {"Http09", get("GET / HTTP/0.9"), 505, "http_version_not_supported"},
      {"Http3", get("GET / HTTP/3.1"), 505, "http_version_not_supported"},
      {"FragmentInTarget", get("GET /a#b HTTP/1.1"), 400, "malformed_target"},
      {"NonAsciiInTarget", get("GET /caf\xc3\xa9 HTTP/1.1"), 400, "malformed_target"},
      {"DelInTarget", get("GET /a\x7f HTTP/1.1"), 400, "malformed_target"},
      {"ControlInTarget", get("GET /a\x01 HTTP/1.1"), 400, "malformed_target"},
      {"NulInTarget", get(std::string("GET /a\0 HTTP/1.1", 16)), 400, "malformed_target"},
      {"RelativeTarget", get("GET a/b HTTP/1.1"), 400, "malformed_target"},
      {"AsteriskForGet", get("GET * HTTP/1.1"), 400, "malformed_target"},
      {"AsteriskWithMore", get("OPTIONS *x HTTP/1.1"), 400, "malformed_target"},
      {"AuthorityFormForGet", get("GET example.com:80 HTTP/1.1"), 400, "malformed_target"},
      {"ConnectWithoutPort", get("CONNECT example.com HTTP/1.1"), 400, "malformed_target"},
      {"ConnectWithPath", get("CONNECT /x HTTP/1.1"), 400, "malformed_target"},
      {"ConnectWithUserinfo", get("CONNECT u@example.com:443 HTTP/1.1"), 400, "malformed_target"},
      {"ConnectAbsoluteForm", get("CONNECT http://example.com:443/ HTTP/1.1"), 400,
       "malformed_target"},
      {"OtherScheme", get("GET ftp://example.com/ HTTP/1.1"), 400, "malformed_target"},
      {"AbsoluteFormWithoutAuthority", get("GET http:///x HTTP/1.1"), 400, "malformed_target"},
      {"AbsoluteFormWithUserinfo", get("GET http://u:p@example.com/ HTTP/1.1"), 400,
       "malformed_target"},
      // RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid; so is a port alone.
      {"AbsoluteFormEmptyHost", get("GET http://:80/ HTTP/1.1"), 400, "malformed_target"},
      {"ConnectEmptyHost", get("CONNECT :443 HTTP/1.1"), 400, "malformed_target"},
      {"AbsoluteFormBadPort", get("GET http://example.com:8x/ HTTP/1.1"), 400, "malformed_target"},
      {"TargetTooLong", get("GET /" + std::string(8192, 'a') + " HTTP/1.1"), 414,
       "target_too_long"},
      {"RequestLineFarTooLong", "GET /" + std::string(9000, 'a'), 414, "target_too_long"},
      {"TargetOverTinyLimit", get("GET /" + std::string(40, 't') + " HTTP/1.1"), 414,
       "target_too_long", tiny},
      // Field lines (§5).
      {"SpaceInFieldName", post("Content Length: 5\r\n", "hello"), 400, "malformed_field_name"},
      {"SpaceBeforeColon", post("Content-Length : 5\r\n", "hello"), 400, "malformed_field_name"},
      {"TabBeforeColon", post("Content-Length\t: 5\r\n", "hello"), 400, "malformed_field_name"},
      {"TransferEncodingSpaceBeforeColon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"),
       400, "malformed_field_name"},
      {"EmptyFieldName", post(": value\r\n"), 400, "malformed_field_name"},
      {"NonTokenFieldName", post("X(y): value\r\n"), 400, "malformed_field_name"},
      {"NonAsciiFieldName", post("Caf\xc3\xa9: value\r\n"), 400, "malformed_field_name"},
      {"NoColon", post("Nonsense\r\n"), 400, "malformed_field"},
      {"NulInValue", post(std::string("X: a\0b\r\n", 8)), 400, "control_byte_in_field"},
      {"NulInName", post(std::string("X\0: a\r\n", 7)), 400, "malformed_field_name"},
      {"DelInValue", post("X: a\x7f\r\n"), 400, "control_byte_in_field"},
      {"ControlInValue", post("X: a\x01\r\n"), 400, "control_byte_in_field"},
      {"VerticalTabInValue",
       post("X: a\x0b"
            "b\r\n"),
       400, "control_byte_in_field"},
      {"EscapeInValue", post("X: \x1b[0m\r\n"), 400, "control_byte_in_field"},
      {"ObsFold", post("X: a\r\n b\r\n"), 400, "obsolete_line_folding"},
      {"ObsFoldTab", post("X: a\r\n\tb\r\n"), 400, "obsolete_line_folding"},
      {"ObsFoldedTransferEncoding", post("Transfer-Encoding: x\r\n chunked\r\n", "0\r\n\r\n"), 400,
       "obsolete_line_folding"},
      {"WhitespaceBeforeFirstField", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400,
       "whitespace_before_first_field"},
      {"TabBeforeFirstField", "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", 400,
       "whitespace_before_first_field"},
      {"TooManyFields", post(fields(64)), 431, "too_many_header_fields"},
      {"TooManyFieldsTiny", post(fields(6), ""), 431, "too_many_header_fields", tiny},
      {"HeadTooLarge", post("X: " + std::string(17000, 'a') + "\r\n"), 431, "head_too_large"},
      {"HeadTooLargeNoEnd", "POST /cb HTTP/1.1\r\nX: " + std::string(17000, 'a'), 431,
       "head_too_large"},
      {"HeadOneOverTinyLimit", post("X: " + std::string(200 - 44, 'a') + "\r\n"), 431,
       "head_too_large", tiny},
      {"ManyEmptyLinesBeforeRequestLine",
       [] {
         std::string text;
         for (int i = 0; i < 100; ++i) text += "\r\n";
         return text + "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
       }(),
       431, "head_too_large", tiny},
      // Host (RFC 9110 §7.2, RFC 9112 §3.2).
      {"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400, "missing_host"},
      {"MissingHostHttp12", "GET / HTTP/1.2\r\nX: y\r\n\r\n", 400, "missing_host"},
      {"MissingHostAbsoluteForm", "GET http://example.com/ HTTP/1.1\r\n\r\n", 400, "missing_host"},
      {"DuplicateHost", get("GET / HTTP/1.1", "Host: a\r\nHost: b\r\n"), 400, "repeated_host"},
      {"DuplicateEqualHost", get("GET / HTTP/1.1", "Host: a\r\nhost: a\r\n"), 400, "repeated_host"},
      {"DuplicateHostHttp10", get("GET / HTTP/1.0", "Host: a\r\nHost: a\r\n"), 400,
       "repeated_host"},
      {"HostWithSpace", get("GET / HTTP/1.1", "Host: a b\r\n"), 400, "invalid_host"},
      {"HostWithUserinfo", get("GET / HTTP/1.1", "Host: u@a\r\n"), 400, "invalid_host"},
      {"HostWithPath", get("GET / HTTP/1.1", "Host: a/b\r\n"), 400, "invalid_host"},
      {"HostWithBadPort", get("GET / HTTP/1.1", "Host: a:b\r\n"), 400, "invalid_host"},
      {"HostList", get("GET / HTTP/1.1", "Host: a, b\r\n"), 400, "invalid_host"},
      {"HostPortOnly", get("GET / HTTP/1.1", "Host: :80\r\n"), 400, "invalid_host"},
      {"HostColonOnly", get("GET / HTTP/1.1", "Host: :\r\n"), 400, "invalid_host"},
      {"HostInvalidInAbsoluteForm", get("GET http://a/ HTTP/1.1", "Host: a b\r\n"), 400,
       "invalid_host"},
      // Content-Length (§6.3, RFC 9110 §8.6).
      {"ContentLengthPlus", post("Content-Length: +5\r\n", "hello"), 400,
       "malformed_content_length"},
      {"ContentLengthMinus", post("Content-Length: -1\r\n"), 400, "malformed_content_length"},
      {"ContentLengthHex", post("Content-Length: 0x5\r\n", "hello"), 400,
       "malformed_content_length"},
      {"ContentLengthList", post("Content-Length: 5, 5\r\n", "hello"), 400,
       "malformed_content_length"},
      {"ContentLengthTwoNumbers", post("Content-Length: 5 5\r\n", "hello"), 400,
       "malformed_content_length"},
      {"ContentLengthEmpty", post("Content-Length:\r\n"), 400, "malformed_content_length"},
      {"ContentLengthWord", post("Content-Length: five\r\n"), 400, "malformed_content_length"},
      {"ContentLengthTwentyDigits", post("Content-Length: 00000000000000000005\r\n", "hello"), 400,
       "malformed_content_length"},
      {"ContentLengthRepeatedEqual", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
       400, "repeated_content_length"},
      {"ContentLengthConflicting", post("Content-Length: 5\r\ncontent-length: 6\r\n", "hello!"),
       400, "repeated_content_length"},
      {"ContentLengthOverBodyLimit", post("Content-Length: 262145\r\n"), 413, "body_too_large"},
      {"ContentLengthNineteenDigits", post("Content-Length: 9999999999999999999\r\n"), 413,
       "body_too_large"},
      {"ContentLengthOverTinyLimit", post("Content-Length: 101\r\n"), 413, "body_too_large", tiny},
      // Transfer-Encoding (§6.1, §7).
      {"ContentLengthAndTransferEncoding",
       post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400,
       "conflicting_framing"},
      {"TransferEncodingAndContentLength",
       post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), 400,
       "conflicting_framing"},
      {"TransferEncodingInHttp10",
       "POST /cb HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       "transfer_encoding_in_http_1_0"},
      {"ChunkedTwiceInList", post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), 400,
       "chunked_twice"},
      {"ChunkedTwiceInFields",
       post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400,
       "chunked_twice"},
      {"ChunkedSecondFieldWithSpace",
       post("Transfer-Encoding: chunked\r\nTransfer-Encoding:  chunked\r\n", "0\r\n\r\n"), 400,
       "chunked_twice"},
      {"XChunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), 400, "chunked_not_final"},
      {"ChunkedNotFinal", post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), 400,
       "chunked_not_final"},
      {"ChunkedNotFinalAcrossFields",
       post("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", "0\r\n\r\n"), 400,
       "chunked_not_final"},
      {"OnlyGzip", post("Transfer-Encoding: gzip\r\n", "x"), 400, "chunked_not_final"},
      {"IdentityCoding", post("Transfer-Encoding: identity\r\n", "x"), 400, "chunked_not_final"},
      {"GzipThenChunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 501,
       "unsupported_transfer_coding"},
      {"GzipThenChunkedInFields",
       post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 501,
       "unsupported_transfer_coding"},
      {"TransferEncodingEmpty", post("Transfer-Encoding:\r\n"), 400, "malformed_transfer_encoding"},
      {"TransferEncodingTrailingComma", post("Transfer-Encoding: chunked,\r\n", "0\r\n\r\n"), 400,
       "malformed_transfer_encoding"},
      {"TransferEncodingLeadingComma", post("Transfer-Encoding: , chunked\r\n", "0\r\n\r\n"), 400,
       "malformed_transfer_encoding"},
      {"TransferEncodingParameter", post("Transfer-Encoding: chunked;q=1\r\n", "0\r\n\r\n"), 400,
       "malformed_transfer_encoding"},
      {"TransferEncodingQuoted", post("Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n"), 400,
       "malformed_transfer_encoding"},
      {"TransferEncodingSpaceInside", post("Transfer-Encoding: chun ked\r\n", "0\r\n\r\n"), 400,
       "malformed_transfer_encoding"},
      {"TransferEncodingVerticalTab", post("Transfer-Encoding: chunked\x0b\r\n", "0\r\n\r\n"), 400,
       "control_byte_in_field"},
      // Connection, Expect, fields the routes read once.
      {"ConnectionNotAToken", post("Connection: clo se\r\n"), 400, "malformed_connection"},
      {"ExpectOther", post("Expect: 200-ok\r\n"), 417, "unsupported_expectation"},
      {"ExpectContinueAndOther", post("Expect: 100-continue, x\r\n"), 417,
       "unsupported_expectation"},
      {"ExpectContinueWithParameter", post("Expect: 100-continue;a=b\r\n"), 417,
       "unsupported_expectation"},
      {"RepeatedContentType", post("Content-Type: a/b\r\nContent-Type: a/b\r\n"), 400,
       "repeated_field"},
      {"RepeatedAuthorization", post("Authorization: Basic eDp5\r\nauthorization: Basic eDp5\r\n"),
       400, "repeated_field"},
      // Chunked bodies (§7.1): the framing attacks this parser exists to refuse.
      body_error("ChunkDataNotFollowedByCrlf", chunked("5\r\nhelloXX0\r\n\r\n"), 400,
                 "chunk_data_not_followed_by_crlf"),
      body_error("ChunkSizeSmallerThanData", chunked("3\r\nhello\r\n0\r\n\r\n"), 400,
                 "chunk_data_not_followed_by_crlf"),
      body_error("ChunkSizeLargerThanData", chunked("6\r\nhello\r\n0\r\n\r\n"), 400,
                 "chunk_data_not_followed_by_crlf"),
      body_error("BareLfAfterChunkData", chunked("5\r\nhello\n0\r\n\r\n"), 400,
                 "chunk_data_not_followed_by_crlf"),
      body_error("BareCrAfterChunkData", chunked("5\r\nhello\r0\r\n\r\n"), 400,
                 "chunk_data_not_followed_by_crlf"),
      body_error("LfInChunkExtension", chunked("5;a\nb\r\nhello\r\n0\r\n\r\n"), 400,
                 "bare_line_feed"),
      body_error("CrInChunkExtension", chunked("5;a\rb\r\nhello\r\n0\r\n\r\n"), 400,
                 "bare_carriage_return"),
      body_error("BareLfAfterChunkSize", chunked("5\nhello\r\n0\r\n\r\n"), 400, "bare_line_feed"),
      body_error("BareLfAfterLastChunk", chunked("0\n\r\n"), 400, "bare_line_feed"),
      body_error("BareLfEndsTrailers", chunked("0\r\n\n"), 400, "bare_line_feed"),
      body_error("ChunkSize0x", chunked("0x5\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkSizePlus", chunked("+5\r\nhello\r\n0\r\n\r\n"), 400, "malformed_chunk_size"),
      body_error("ChunkSizeMinus", chunked("-5\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_size"),
      body_error("ChunkSizeLeadingSpace", chunked(" 5\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_size"),
      body_error("ChunkSizeLeadingTab", chunked("\t5\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_size"),
      body_error("ChunkSizeTrailingSpace", chunked("5 \r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkSizeMissing", chunked("\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_size"),
      body_error("ChunkSizeNotHex", chunked("g\r\n"), 400, "malformed_chunk_size"),
      body_error("ChunkSizeSeventeenDigits", chunked("00000000000000005\r\nhello\r\n0\r\n\r\n"),
                 400, "chunk_size_too_large"),
      body_error("ChunkSizeOverflow", chunked("10000000000000000\r\n"), 400,
                 "chunk_size_too_large"),
      body_error("ChunkSizeHuge", chunked("ffffffffffffffff\r\n"), 413, "body_too_large"),
      body_error("ChunkExtensionEmpty", chunked("5;\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionNoName", chunked("5;=b\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionNoValue", chunked("5;a=\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionTwoNames", chunked("5;a b\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionTrailingSpace", chunked("5;a=b \r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionUnterminatedQuote", chunked("5;a=\"b\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionQuoteThenJunk", chunked("5;a=\"b\"c\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionControlInQuote", chunked("5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionEscapedControl", chunked("5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n"),
                 400, "malformed_chunk_extension"),
      body_error("ChunkExtensionDel", chunked("5;a\x7f\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkExtensionNonToken", chunked("5;a/b\r\nhello\r\n0\r\n\r\n"), 400,
                 "malformed_chunk_extension"),
      body_error("ChunkLineTooLong", chunked("5;" + std::string(1100, 'a') + "\r\nhello\r\n"), 400,
                 "chunk_line_too_long"),
      body_error("ChunkLineOverTinyLimit",
                 chunked("1;" + std::string(21, 'e') + "\r\nx\r\n0\r\n\r\n"), 400,
                 "chunk_line_too_long", tiny),
      body_error(
          "ChunkFramingTooLarge",
          [] {
            std::string chunks;
            for (int i = 0; i < 30; ++i) chunks += "1\r\nx\r\n";
            return chunked(chunks + "0\r\n\r\n");
          }(),
          400, "chunk_framing_too_large", tiny),
      body_error("TrailersTooLarge", chunked("0\r\nX: " + std::string(120, 'a') + "\r\n\r\n"), 400,
                 "chunk_framing_too_large", tiny),
      body_error("ChunkedOverBodyLimit",
                 chunked("64\r\n" + std::string(100, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n"), 413,
                 "body_too_large", tiny),
      body_error("ChunkedOverDefaultBodyLimit", chunked("40001\r\n"), 413, "body_too_large"),
      body_error("ObsFoldInTrailer", chunked("0\r\nX: a\r\n b\r\n\r\n"), 400,
                 "obsolete_line_folding"),
      body_error("WhitespaceBeforeTrailer", chunked("0\r\n X: a\r\n\r\n"), 400,
                 "obsolete_line_folding"),
      body_error("TrailerWithoutColon", chunked("0\r\nnonsense\r\n\r\n"), 400, "malformed_field"),
      body_error("TrailerSpaceBeforeColon", chunked("0\r\nX : a\r\n\r\n"), 400,
                 "malformed_field_name"),
      body_error("NulInTrailer", chunked(std::string("0\r\nX: \0\r\n\r\n", 11)), 400,
                 "control_byte_in_field"),
      body_error("TooManyTrailers", chunked("0\r\n" + fields(65) + "\r\n"), 431,
                 "too_many_trailer_fields"),
      body_error("TooManyTrailersTiny", chunked("0\r\n" + fields(7) + "\r\n"), 431,
                 "too_many_trailer_fields", tiny),
  };
  return cases;
}

class RejectedTest : public testing::TestWithParam<Rejected> {};

TEST_P(RejectedTest, AnswersStatusAndReason) {
  const Rejected& c = GetParam();
  RequestParser parser(c.limits);
  Progress progress = parser.parse(c.input);
  if (c.head_seen) {
    ASSERT_EQ(progress, Progress::head) << parser.status() << " " << parser.reason();
    progress = parser.parse(c.input);
  }
  ASSERT_EQ(progress, Progress::error);
  EXPECT_EQ(parser.status(), c.status);
  EXPECT_EQ(std::string(parser.reason()), c.reason);
  EXPECT_FALSE(parser.done());
  EXPECT_FALSE(parser.body_pending());
  EXPECT_EQ(parser.parse(c.input), Progress::error) << "an error stays an error";
  // reset() forgets the error: a valid request parses afterwards.
  parser.reset();
  const std::string valid = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(parser.parse(valid), Progress::head);
  EXPECT_EQ(parser.parse(valid), Progress::complete);
}

INSTANTIATE_TEST_SUITE_P(request_parser, RejectedTest, testing::ValuesIn(rejected_cases()),
                         [](const auto& info) { return test_name(info.index, info.param.name); });

// ---------------------------------------------------------------------------------------------
// Pipelines, partial input, the API's promises.

TEST(request_parser, PipelinedRequestsAfterReset) {
  const std::string one = post("Content-Length: 5\r\n", "hello");
  const std::string two = chunked("3\r\nabc\r\n0\r\nT: 1\r\n\r\n");
  const std::string three = "\r\nGET /three?x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  const std::string input = one + two + three + "GET /four";
  const std::vector<Outcome> outcomes = run_whole(input);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].progress, Progress::complete);
  EXPECT_EQ(outcomes[0].body, "hello");
  EXPECT_EQ(outcomes[0].request_bytes, one.size());
  EXPECT_EQ(outcomes[1].progress, Progress::complete);
  EXPECT_EQ(outcomes[1].start, one.size());
  EXPECT_EQ(outcomes[1].body, "abc");
  EXPECT_EQ(outcomes[1].request_bytes, two.size());
  EXPECT_EQ(outcomes[2].progress, Progress::complete);
  EXPECT_EQ(outcomes[2].request_bytes, three.size());
  EXPECT_EQ(outcomes[2].body, "");
  EXPECT_NE(outcomes[2].head.find("GET|/three?x|/three|x|h|1|close"), std::string::npos)
      << outcomes[2].head;
  EXPECT_EQ(outcomes[3].progress, Progress::need_more);
  EXPECT_FALSE(outcomes[3].head_seen);
  EXPECT_EQ(outcomes[3].start, input.size() - 9);
}

TEST(request_parser, BytesAfterABodylessRequestAreTheNextRequest) {
  // A smuggling attempt: a body without Content-Length or Transfer-Encoding is not a body.
  const std::string first_request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string smuggled = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser parser;
  std::string buffer = first_request + smuggled;
  ASSERT_EQ(parser.parse(buffer), Progress::head);
  EXPECT_FALSE(parser.head().has_body());
  ASSERT_EQ(parser.parse(buffer), Progress::complete);
  EXPECT_EQ(parser.body(), "");
  EXPECT_EQ(parser.request_bytes(), first_request.size());
  buffer.erase(0, parser.request_bytes());
  parser.reset();
  ASSERT_EQ(parser.parse(buffer), Progress::head);
  EXPECT_EQ(parser.head().target, "/admin");
  ASSERT_EQ(parser.parse(buffer), Progress::complete);
  EXPECT_EQ(parser.request_bytes(), smuggled.size());
}

TEST(request_parser, GarbageAfterARequestFailsOnlyTheNextOne) {
  const std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::vector<Outcome> outcomes = run_whole(request + "hello\r\n\r\n");
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].progress, Progress::complete);
  EXPECT_EQ(outcomes[0].request_bytes, request.size());
  EXPECT_EQ(outcomes[1].progress, Progress::error);
  EXPECT_EQ(outcomes[1].status, 400);
  EXPECT_EQ(outcomes[1].reason, "malformed_request_line");
}

TEST(request_parser, NeedsMoreUntilTheHeadEnds) {
  const std::string input = post("Content-Length: 3\r\n", "abc");
  const size_t head_size = input.size() - 3;
  RequestParser parser;
  for (size_t size = 0; size < head_size; ++size) {
    EXPECT_EQ(parser.parse(std::string_view(input).substr(0, size)), Progress::need_more) << size;
    EXPECT_FALSE(parser.body_pending());
  }
  EXPECT_EQ(parser.parse(std::string_view(input).substr(0, head_size)), Progress::head);
  EXPECT_TRUE(parser.body_pending());
  EXPECT_EQ(parser.parse(std::string_view(input).substr(0, head_size)), Progress::need_more);
  EXPECT_EQ(parser.parse(std::string_view(input).substr(0, head_size + 2)), Progress::need_more);
  EXPECT_TRUE(parser.body_pending());
  EXPECT_FALSE(parser.done());
  EXPECT_EQ(parser.parse(input), Progress::complete);
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.body(), "abc");
}

TEST(request_parser, ExpectContinueHeadBeforeTheBody) {
  // The listener answers "100 Continue" when the head is in and the body is not.
  const std::string head = post("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n");
  RequestParser parser;
  ASSERT_EQ(parser.parse(head), Progress::head);
  EXPECT_TRUE(parser.head().expect_continue);
  EXPECT_EQ(parser.parse(head), Progress::need_more);
  EXPECT_TRUE(parser.body_pending());
  const std::string whole = head + "2\r\nok\r\n0\r\n\r\n";
  EXPECT_EQ(parser.parse(whole), Progress::complete);
  EXPECT_EQ(parser.body(), "ok");
}

TEST(request_parser, ChunkDataCheckedBeforeItsCrlfArrives) {
  // A wrong byte where the CRLF after chunk data belongs fails at once.
  const std::string head = chunked("");
  RequestParser parser;
  ASSERT_EQ(parser.parse(head + "3\r\nabc"), Progress::head);
  EXPECT_EQ(parser.parse(head + "3\r\nabc"), Progress::need_more);
  EXPECT_EQ(parser.parse(head + "3\r\nabc\r"), Progress::need_more);
  EXPECT_EQ(parser.parse(head + "3\r\nabc\rX"), Progress::error);
  EXPECT_EQ(std::string(parser.reason()), "chunk_data_not_followed_by_crlf");
  RequestParser early;
  ASSERT_EQ(early.parse(head + "3\r\nabcd"), Progress::head);
  EXPECT_EQ(early.parse(head + "3\r\nabcd"), Progress::error);
}

TEST(request_parser, LongLinesFailBeforeTheirEnd) {
  // An unterminated line over its limit fails without waiting for more bytes.
  EXPECT_EQ(first("GET /" + std::string(8300, 'a')).status, 414);
  EXPECT_EQ(first("GET / HTTP/1.1\r\nX: " + std::string(17000, 'a')).status, 431);
  const Outcome chunk_line = first(chunked("1;" + std::string(2000, 'x')));
  EXPECT_EQ(chunk_line.reason, "chunk_line_too_long");
  EXPECT_TRUE(chunk_line.head_seen);
}

TEST(request_parser, LongMethodFailsAtItsThirtyThirdByte) {
  // The parser is fed growing prefixes, as the listener does: a method's length decides as soon as
  // it is over 32 bytes, without waiting for the request line (8 KiB of target) to end.
  const std::string input = std::string(9000, 'A') + " / HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser parser;
  for (size_t size = 0; size <= 32; ++size)
    EXPECT_EQ(parser.parse(std::string_view(input).substr(0, size)), Progress::need_more) << size;
  EXPECT_EQ(parser.parse(std::string_view(input).substr(0, 33)), Progress::error);
  EXPECT_EQ(parser.status(), 501);
  EXPECT_EQ(std::string(parser.reason()), "method_too_long");
  // A method of 32 bytes and its space: the line goes on, up to the target's limit.
  const std::string longest = std::string(32, 'A') + " /" + std::string(8300, 'a');
  RequestParser other;
  for (size_t size = 0; size <= 8000; size += 100)
    EXPECT_EQ(other.parse(std::string_view(longest).substr(0, size)), Progress::need_more) << size;
  EXPECT_EQ(other.parse(longest), Progress::error);
  EXPECT_EQ(other.status(), 414);
}

TEST(request_parser, ChunkedBodyCapacityStaysWithinTheBodyLimit) {
  // 100 chunks of 1,000 bytes, the body limit exactly: grown by doubling, the decoded body's
  // capacity would reach 128,000; it stops at the limit. reset() gives a large one back.
  FramingLimits limits;
  limits.max_body_bytes = 100000;
  std::string chunks;
  for (int i = 0; i < 100; ++i) chunks += "3e8\r\n" + std::string(1000, 'x') + "\r\n";
  const std::string input = chunked(chunks + "0\r\n\r\n");
  RequestParser parser(limits);
  ASSERT_EQ(parser.parse(input), Progress::head);
  ASSERT_EQ(parser.parse(input), Progress::complete);
  EXPECT_EQ(parser.body(), std::string(100000, 'x'));
  EXPECT_EQ(parser.body_capacity(), 100000u);
  parser.reset();
  EXPECT_LE(parser.body_capacity(), 65536u);
  // The same, the bytes arriving in pieces: every step within the limit.
  RequestParser split(limits);
  size_t largest = 0;
  for (size_t size = 1;; size = std::min(input.size(), size + 97)) {
    const std::string_view prefix = std::string_view(input).substr(0, size);
    Progress progress = split.parse(prefix);
    if (progress == Progress::head) progress = split.parse(prefix);
    largest = std::max(largest, split.body_capacity());
    if (progress == Progress::complete) break;
    ASSERT_EQ(progress, Progress::need_more) << size;
    ASSERT_LT(size, input.size());
  }
  EXPECT_TRUE(split.done());
  EXPECT_EQ(split.body(), std::string(100000, 'x'));
  EXPECT_LE(largest, 100000u);
  // A small body keeps its small capacity across reset(): nothing is given back needlessly.
  RequestParser small;
  const std::string one = chunked("5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(small.parse(one), Progress::head);
  ASSERT_EQ(small.parse(one), Progress::complete);
  const size_t kept = small.body_capacity();
  small.reset();
  EXPECT_EQ(small.body_capacity(), kept);
}

TEST(request_parser, ResetForgetsEverything) {
  RequestParser parser;
  const std::string chunked_request = chunked("2\r\nab\r\n0\r\n\r\n");
  ASSERT_EQ(parser.parse(chunked_request), Progress::head);
  ASSERT_EQ(parser.parse(chunked_request), Progress::complete);
  EXPECT_EQ(parser.body(), "ab");
  parser.reset();
  EXPECT_FALSE(parser.done());
  EXPECT_EQ(parser.body(), "");
  const std::string http10 = "GET /x HTTP/1.0\r\n\r\n";
  ASSERT_EQ(parser.parse(http10), Progress::head);
  const RequestHead& head = parser.head();
  EXPECT_EQ(head.target, "/x");
  EXPECT_FALSE(head.chunked);
  EXPECT_EQ(head.minor_version, 0);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(head.authority, "");
  EXPECT_EQ(head.fields().size(), 0u);
  ASSERT_EQ(parser.parse(http10), Progress::complete);
  EXPECT_EQ(parser.body(), "");
  // Half a request, then reset(): the next one starts clean.
  parser.reset();
  EXPECT_EQ(parser.parse("POST /cb HTTP/1.1\r\nHo"), Progress::need_more);
  parser.reset();
  const std::string get_request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(parser.parse(get_request), Progress::head);
  EXPECT_EQ(parser.parse(get_request), Progress::complete);
}

TEST(request_parser, ResetClearsTheBodyCounters) {
  // Each request gets the whole chunk-framing and body allowance, however much the one before
  // it used: 80 bytes of framing and 60 of body each, against limits of 120 and 100.
  std::string chunks;
  for (int i = 0; i < 12; ++i) chunks += "5\r\n12345\r\n";
  const std::string one = chunked(chunks + "0;" + std::string(14, 'x') + "\r\n\r\n");
  const std::vector<Outcome> outcomes = run_whole(one + one + one, tiny_limits());
  ASSERT_EQ(outcomes.size(), 3u);
  for (const Outcome& outcome : outcomes) {
    EXPECT_EQ(outcome.progress, Progress::complete) << outcome;
    EXPECT_EQ(outcome.body.size(), 60u);
  }
}

TEST(request_parser, HeadOutlivesTheInput) {
  // The head keeps its own copy: its views stay valid when the connection's buffer changes.
  RequestParser parser;
  std::string buffer = "POST /cb?a=1 HTTP/1.1\r\nHost: example.com\r\nX: y\r\n\r\n";
  ASSERT_EQ(parser.parse(buffer), Progress::head);
  buffer.assign(buffer.size(), '#');
  buffer.shrink_to_fit();
  EXPECT_EQ(parser.head().target, "/cb?a=1");
  EXPECT_EQ(parser.head().query, "a=1");
  EXPECT_EQ(parser.head().authority, "example.com");
  ASSERT_EQ(parser.head().fields().size(), 2u);
  EXPECT_EQ(parser.head().fields()[1].value, "y");
}

// ---------------------------------------------------------------------------------------------
// Invariance: the same outcome whatever the pieces the bytes arrive in.

struct InvarianceCase {
  std::string name;
  std::string input;
  FramingLimits limits;
};

std::vector<InvarianceCase> invariance_cases() {
  std::vector<InvarianceCase> cases;
  for (const Accepted& c : accepted_cases())
    cases.push_back({"Accepted" + c.name, c.input, c.limits});
  for (const Rejected& c : rejected_cases())
    cases.push_back({"Rejected" + c.name, c.input, c.limits});
  const std::string get_request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  cases.push_back({"Pipeline",
                   post("Content-Length: 5\r\n", "hello") +
                       chunked("3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n") + "\r\n" + get_request +
                       get_request + "GET /",
                   {}});
  cases.push_back({"PipelineThenError", get_request + get_request + "GET / HTTP/1.1\n\n", {}});
  cases.push_back(
      {"PipelineOverLimits", get_request + post("Content-Length: 101\r\n"), tiny_limits()});
  return cases;
}

class InvarianceTest : public testing::TestWithParam<InvarianceCase> {};

TEST_P(InvarianceTest, SameOutcomeWholeBytewiseAndSplit) {
  const InvarianceCase& c = GetParam();
  const std::vector<Outcome> whole = run(c.input, c.limits, {c.input.size()});
  ASSERT_FALSE(whole.empty());
  std::vector<size_t> bytewise;
  for (size_t i = 1; i <= c.input.size(); ++i) bytewise.push_back(i);
  EXPECT_EQ(run(c.input, c.limits, bytewise), whole) << "one byte at a time";
  std::mt19937 random(static_cast<unsigned>(c.input.size() * 7919 + 17));
  for (int round = 0; round < 20; ++round) {
    std::vector<size_t> cuts;
    std::uniform_int_distribution<size_t> step(1, round < 10 ? 8 : 64);
    for (size_t at = 0; at < c.input.size();) {
      at = std::min(c.input.size(), at + step(random));
      cuts.push_back(at);
    }
    EXPECT_EQ(run(c.input, c.limits, cuts), whole) << "random split, round " << round;
  }
  // Two pieces, cut anywhere.
  for (size_t cut = 0; cut <= std::min<size_t>(c.input.size(), 400); ++cut)
    EXPECT_EQ(run(c.input, c.limits, {cut, c.input.size()}), whole) << "cut at " << cut;
}

INSTANTIATE_TEST_SUITE_P(request_parser, InvarianceTest, testing::ValuesIn(invariance_cases()),
                         [](const auto& info) { return test_name(info.index, info.param.name); });

}  // namespace
}  // namespace jb::http
