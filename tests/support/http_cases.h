// Request bytes and a record ledger shared by the HTTP attack tests (http_framing_test.cpp
// directly, http_proxy_test.cpp through nginx): callbacks with references of their own, and an
// exact comparison of what reached Kafka with what the cases must publish.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "support/bridge.h"

namespace jb::test {

constexpr char kPath[] = "/callbacks/jumio";
constexpr char kPassedTopic[] = "jumio.authentication.passed";
constexpr char kDeadLetterTopic[] = "jumio.deadletter";
// The dead-letter key of an empty body: SHA-256 of no bytes.
constexpr char kEmptyBodyKey[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kHost[] = "Host: 127.0.0.1\r\n";
constexpr char kForm[] = "Content-Type: application/x-www-form-urlencoded\r\n";

// A string literal's bytes, NULs included.
template <size_t N>
std::string bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

std::string hex(size_t value);
// `head_lines` (request line and fields, each ending in CRLF) with Content-Length and a body.
std::string with_length(const std::string& head_lines, const std::string& body);
// A callback POST framed by Content-Length; `fields` are extra field lines.
std::string post(const std::string& body, const std::string& fields = "",
                 const std::string& target = kPath);
// `body` as one chunk and the last chunk.
std::string one_chunk(const std::string& body);
// A callback POST with Transfer-Encoding: chunked and these chunked bytes after the head.
std::string chunked_post(const std::string& chunked_bytes, const std::string& fields = "");
// The smuggled request: a whole callback POST claiming, in X-Forwarded-For, the allowed
// address 127.0.0.5.
std::string smuggled(const std::string& body);

// Every record of every jumio.* topic as "topic key", sorted: each partition read from its
// beginning to its end (partition EOF), so the answer is what Kafka holds now, without waiting
// for records that may not exist. Empty when it cannot read (and a failure is added).
std::vector<std::string> all_records(const std::string& brokers);

// Hands out callbacks with references of their own and remembers which must reach Kafka; at the
// end of a test, verify() reads every record of ^jumio\..* once and compares.
class Ledger {
 public:
  explicit Ledger(unsigned run) : run_(run) {}

  // The body of a new callback that must be published exactly once.
  std::string published(const std::string& label) { return add(label, true); }
  // The body of a new callback that must never be published.
  std::string never(const std::string& label) { return add(label, false); }
  // A fresh reference, for bodies built by hand.
  std::string reference(const std::string& label);
  // A record (other than a callback event) that must be published once.
  void expect_record(const std::string& topic, const std::string& key, const std::string& label) {
    expected_.push_back(topic + " " + key);
    labels_.emplace(key, label);
  }

  // Reads every record once all expected ones are there (bounded), and once more a moment later
  // for any that must not be, then compares "topic key" lines to exactly the expected ones,
  // duplicates included; only a record the daemon spooled may have been published twice.
  void verify(Bridge& bridge) const;

 private:
  std::string add(const std::string& label, bool publish);

  unsigned run_;
  int count_ = 0;
  std::vector<std::string> expected_;
  std::map<std::string, std::string> labels_;  // reference -> case
};

}  // namespace jb::test
