// RequestParser: any bytes, parsed as the listener does (a pipeline of requests, each starting
// where the previous one ended), give the same outcome whatever the points at which they arrive;
// and every outcome keeps the parser's promises. Aborts on the first broken one:
//  - whole input, one byte at a time, and random splits (seeded from the input) agree on every
//    request: head seen, complete / error / need_more, status and reason, request_bytes, body, and
//    everything the head says;
//  - `head` comes once, before `complete`, and the head does not change until `complete`;
//  - request_bytes is within the input; a Content-Length body is exactly the input's slice before
//    request_bytes; a body is never over max_body_bytes;
//  - after `complete`, reset() and the rest of the input give what a fresh parser gives;
//  - a complete request written out again from its head (request line, fields, the body with a
//    Content-Length in place of chunked) parses to the same head and body.
// Each check runs with the default limits and with tiny ones, so the limits are reached too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_parser.h"
#include "http/syntax.h"

namespace {

using jb::http::FramingLimits;
using jb::http::RequestHead;
using jb::http::RequestParser;
using Progress = RequestParser::Progress;

[[noreturn]] void violated(const char* what, int line) {
  std::fprintf(stderr, "request_parser_fuzzer: invariant broken at line %d: %s\n", line, what);
  std::abort();
}
#define CHECK(condition) \
  if (!(condition)) violated(#condition, __LINE__)

struct HeadRecord {
  std::string method, target, path, query, authority;
  int minor_version = 0;
  bool keep_alive = false, chunked = false, expect_continue = false;
  uint64_t content_length = 0;
  std::string content_type, content_encoding, authorization, forwarded_for;
  std::vector<std::pair<std::string, std::string>> fields;

  bool operator==(const HeadRecord& o) const {
    return method == o.method && target == o.target && path == o.path && query == o.query &&
           authority == o.authority && minor_version == o.minor_version &&
           keep_alive == o.keep_alive && chunked == o.chunked &&
           expect_continue == o.expect_continue && content_length == o.content_length &&
           content_type == o.content_type && content_encoding == o.content_encoding &&
           authorization == o.authorization && forwarded_for == o.forwarded_for &&
           fields == o.fields;
  }
};

HeadRecord record(const RequestHead& head) {
  HeadRecord r;
  r.method = head.method;
  r.target = head.target;
  r.path = head.path;
  r.query = head.query;
  r.authority = head.authority;
  r.minor_version = head.minor_version;
  r.keep_alive = head.keep_alive;
  r.chunked = head.chunked;
  r.expect_continue = head.expect_continue;
  r.content_length = head.content_length;
  r.content_type = head.content_type;
  r.content_encoding = head.content_encoding;
  r.authorization = head.authorization;
  r.forwarded_for = head.forwarded_for;
  for (const auto& field : head.fields()) r.fields.emplace_back(field.name, field.value);
  return r;
}

// One request of the pipeline.
struct Outcome {
  Progress progress = Progress::need_more;  // complete, error, or need_more (input ran out)
  bool head_seen = false;
  int status = 0;
  std::string reason;
  size_t start = 0;  // where it starts in the input
  size_t request_bytes = 0;
  std::string body;
  HeadRecord head;

  bool operator==(const Outcome& o) const {
    return progress == o.progress && head_seen == o.head_seen && status == o.status &&
           reason == o.reason && start == o.start && request_bytes == o.request_bytes &&
           body == o.body && (!head_seen || head == o.head);
  }
};

bool is_error_status(int status) {
  switch (status) {
    case 400:
    case 413:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505:
      return true;
    default:
      return false;
  }
}

// Parses `input` as the listener does, its bytes arriving up to each of `cuts` in turn (the last
// cut is input.size()). Stops at the first error.
std::vector<Outcome> run(std::string_view input, const FramingLimits& limits,
                         const std::vector<size_t>& cuts) {
  RequestParser parser(limits);
  std::vector<Outcome> outcomes;
  Outcome current;
  HeadRecord head_at_event;
  size_t base = 0;
  for (size_t available : cuts) {
    for (bool more = true; more;) {
      const std::string_view now = input.substr(base, available - base);
      const Progress progress = parser.parse(now);
      switch (progress) {
        case Progress::need_more:
          CHECK(!parser.done());
          if (current.head_seen) CHECK(parser.body_pending());
          more = false;
          break;
        case Progress::head:
          CHECK(!current.head_seen);
          current.head_seen = true;
          head_at_event = record(parser.head());
          break;
        case Progress::error:
          CHECK(is_error_status(parser.status()));
          CHECK(parser.reason() != nullptr && parser.reason()[0] != '\0');
          CHECK(parser.parse(now) == Progress::error);  // stays failed
          current.progress = Progress::error;
          current.status = parser.status();
          current.reason = parser.reason();
          current.start = base;
          if (current.head_seen) current.head = head_at_event;
          outcomes.push_back(std::move(current));
          return outcomes;
        case Progress::complete: {
          CHECK(current.head_seen);
          CHECK(parser.done() && !parser.body_pending());
          const RequestHead& head = parser.head();
          current.head = record(head);
          CHECK(current.head == head_at_event);
          const size_t taken = parser.request_bytes();
          CHECK(taken > 0 && taken <= now.size());
          const std::string_view body = parser.body();
          CHECK(body.size() <= limits.max_body_bytes);
          if (head.chunked) {
            CHECK(head.content_length == 0 && head.minor_version == 1);
          } else {
            CHECK(body.size() == head.content_length);
            CHECK(head.content_length == 0 || (body.data() == now.data() + taken - body.size()));
          }
          CHECK(parser.parse(now) == Progress::complete);  // stays complete
          current.progress = Progress::complete;
          current.start = base;
          current.request_bytes = taken;
          current.body.assign(body.data(), body.size());
          outcomes.push_back(std::move(current));
          current = Outcome();
          base += taken;
          parser.reset();
          CHECK(!parser.done() && !parser.body_pending());
          break;
        }
      }
    }
  }
  if (base < input.size() || current.head_seen) {
    current.progress = Progress::need_more;
    current.start = base;
    if (current.head_seen) current.head = head_at_event;
    outcomes.push_back(std::move(current));
  }
  return outcomes;
}

uint64_t splitmix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Cut points at random steps of 1..max_step bytes, ending at the input's size.
std::vector<size_t> random_cuts(size_t size, uint64_t* seed, uint64_t max_step) {
  std::vector<size_t> cuts;
  size_t at = 0;
  while (at < size) {
    at += 1 + static_cast<size_t>(splitmix(seed) % max_step);
    if (at > size) at = size;
    cuts.push_back(at);
  }
  if (cuts.empty()) cuts.push_back(0);
  return cuts;
}

// The request written out again from its head: request line, fields as "name:value" (never longer
// than they came), and a Content-Length body in place of a chunked one.
std::string reserialise(const Outcome& outcome, HeadRecord* expected) {
  const HeadRecord& head = outcome.head;
  *expected = head;
  std::string text =
      head.method + " " + head.target + " HTTP/1." + std::to_string(head.minor_version) + "\r\n";
  expected->fields.clear();
  for (const auto& [name, value] : head.fields) {
    if (head.chunked && jb::http::syntax::equals_lower(name, "transfer-encoding")) continue;
    text += name + ":" + value + "\r\n";
    expected->fields.emplace_back(name, value);
  }
  if (head.chunked) {
    const std::string length = std::to_string(outcome.body.size());
    text += "Content-Length:" + length + "\r\n";
    expected->fields.emplace_back("Content-Length", length);
    expected->chunked = false;
    expected->content_length = outcome.body.size();
  }
  text += "\r\n" + outcome.body;
  return text;
}

void check_limits(std::string_view input, const FramingLimits& limits) {
  const std::vector<size_t> whole_cut{input.size()};
  const std::vector<Outcome> whole = run(input, limits, whole_cut);

  std::vector<size_t> byte_cuts;
  for (size_t i = 1; i <= input.size(); ++i) byte_cuts.push_back(i);
  if (byte_cuts.empty()) byte_cuts.push_back(0);
  CHECK(run(input, limits, byte_cuts) == whole);

  uint64_t seed = 14695981039346656037ULL;
  for (char c : input) seed = (seed ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  CHECK(run(input, limits, random_cuts(input.size(), &seed, 8)) == whole);
  CHECK(run(input, limits, random_cuts(input.size(), &seed, 300)) == whole);

  for (size_t i = 0; i < whole.size(); ++i) {
    const Outcome& outcome = whole[i];
    // reset() leaves nothing behind: a fresh parser on the rest sees the same request.
    if (i > 0 && i < 8) {
      const std::string_view rest = input.substr(outcome.start);
      std::vector<Outcome> fresh = run(rest, limits, {rest.size()});
      CHECK(!fresh.empty());
      fresh[0].start = outcome.start;
      CHECK(fresh[0] == outcome);
    }
    if (outcome.progress != Progress::complete) continue;
    HeadRecord expected;
    const std::string again = reserialise(outcome, &expected);
    const std::vector<Outcome> reparsed = run(again, limits, {again.size()});
    CHECK(reparsed.size() == 1);
    CHECK(reparsed[0].progress == Progress::complete);
    CHECK(reparsed[0].request_bytes == again.size());
    CHECK(reparsed[0].body == outcome.body);
    CHECK(reparsed[0].head == expected);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_limits(input, FramingLimits{});
  FramingLimits tiny;
  tiny.max_head_bytes = 200;
  tiny.max_target_bytes = 40;
  tiny.max_header_fields = 6;
  tiny.max_body_bytes = 100;
  tiny.max_chunk_overhead = 120;
  tiny.max_chunk_line_bytes = 24;
  check_limits(input, tiny);
  return 0;
}
