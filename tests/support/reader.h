// Reads records back from Kafka for tests, without a consumer group: every partition of every
// matching topic is assigned from the beginning, so nothing waits for a group rebalance.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kafka/consumer.h"

namespace jb::test {

// Records of the topics (names, or regexes starting with '^') until `count` arrived or timeout.
std::vector<kafka::ConsumedMessage> read_records(const std::string& brokers,
                                                 const std::vector<std::string>& topics,
                                                 size_t count, std::chrono::milliseconds timeout);

}  // namespace jb::test
