// Reads records back from Kafka for tests, without a consumer group: every partition of every
// matching topic is assigned from the beginning, so nothing waits for a group rebalance. And
// writes them: every record produced, then every acknowledgement awaited.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "route/router.h"

namespace jb::test {

// Records of the topics (names, or regexes starting with '^'), each partition from its beginning;
// partitions of matching topics that appear later are read too. A GoogleTest failure when the
// client cannot be made.
class Reader {
 public:
  Reader(const std::string& brokers, std::vector<std::string> topics);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next record, or nullopt when none arrived within timeout.
  std::optional<kafka::ConsumedMessage> poll(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Records of the topics (names, or regexes starting with '^') until `count` arrived or timeout.
std::vector<kafka::ConsumedMessage> read_records(const std::string& brokers,
                                                 const std::vector<std::string>& topics,
                                                 size_t count, std::chrono::milliseconds timeout);

// The value of the record's last header `name`, "" when it has none.
std::string header_of(const kafka::ConsumedMessage& message, const std::string& name);

// Produces every record, then waits for each acknowledgement; a GoogleTest failure when one is
// not enqueued, not acknowledged within 30 s or not stored.
void produce_acknowledged(kafka::Producer& producer, const std::vector<route::Record>& records);

}  // namespace jb::test
