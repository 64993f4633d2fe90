// A Kafka consumer for `consume`, `replay` and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jb::kafka {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp_ms = -1;
};

struct ConsumerOptions {
  std::string brokers;
  std::vector<std::string> topics;                // names, or regexes starting with '^'
  std::string group;                              // empty: a fresh group per run, nothing committed
  bool from_beginning = false;                    // auto.offset.reset=earliest
  std::map<std::string, std::string> properties;  // passed through (security.protocol, sasl.*, ...)
};

class Consumer {
 public:
  static std::unique_ptr<Consumer> create(const ConsumerOptions& options, std::string* error);
  virtual ~Consumer() = default;

  // The next message, or nullopt when none arrived within timeout. Errors that are not partition
  // EOF or timeouts are written to *error (and nullopt returned).
  virtual std::optional<ConsumedMessage> poll(std::chrono::milliseconds timeout,
                                              std::string* error) = 0;
  // Synchronously commits offset + 1 of the message for its partition.
  virtual bool commit(const ConsumedMessage& message, std::string* error) = 0;
  // True once the group has assigned this consumer at least one partition.
  virtual bool has_partitions() = 0;
};

// One message as a JSON line: {"topic","partition","offset","key","headers":{…},"value"} where
// value is embedded as JSON when it parses as JSON, else as a string. Bytes that are not UTF-8
// (key, a header value, a non-JSON value) appear base64-encoded under the name + "Base64".
std::string message_json(const ConsumedMessage& message);

}  // namespace jb::kafka
