#include "support/http_cases.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "support/load.h"

namespace jb::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string hex(size_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", value);
  return text;
}

std::string with_length(const std::string& head_lines, const std::string& body) {
  return head_lines + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string post(const std::string& body, const std::string& fields, const std::string& target) {
  return with_length("POST " + target + " HTTP/1.1\r\n" + kHost + kForm + fields, body);
}

std::string one_chunk(const std::string& body) {
  return hex(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n";
}

std::string chunked_post(const std::string& chunked_bytes, const std::string& fields) {
  return "POST " + std::string(kPath) + " HTTP/1.1\r\n" + kHost + kForm + fields +
         "Transfer-Encoding: chunked\r\n\r\n" + chunked_bytes;
}

std::string smuggled(const std::string& body) {
  return post(body, "X-Forwarded-For: 127.0.0.5\r\n");
}

std::vector<std::string> all_records(const std::string& brokers) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] :
       std::vector<std::pair<const char*, std::string>>{{"bootstrap.servers", brokers},
                                                        {"group.id", "jumio-bridge-http-test"},
                                                        {"enable.auto.commit", "false"},
                                                        {"enable.partition.eof", "true"},
                                                        {"fetch.wait.max.ms", "10"},
                                                        {"fetch.error.backoff.ms", "10"},
                                                        {"log_level", "3"}})
    rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof error);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    ADD_FAILURE() << "Kafka consumer: " << error;
    return {};
  }
  std::vector<std::string> records;
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_partition_list_t* partitions = rd_kafka_topic_partition_list_new(16);
  if (rd_kafka_metadata(consumer, 1, nullptr, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      const auto& topic = metadata->topics[t];
      if (std::string_view(topic.topic).rfind("jumio.", 0) != 0) continue;
      EXPECT_EQ(topic.err, RD_KAFKA_RESP_ERR_NO_ERROR) << topic.topic;
      for (int p = 0; p < topic.partition_cnt; ++p)
        rd_kafka_topic_partition_list_add(partitions, topic.topic, topic.partitions[p].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(metadata);
  } else {
    ADD_FAILURE() << "Kafka metadata could not be read";
  }
  const size_t count = static_cast<size_t>(partitions->cnt);
  if (count > 0) rd_kafka_assign(consumer, partitions);
  std::set<std::pair<std::string, int32_t>> ended;
  const auto until = Clock::now() + 10s;
  while (ended.size() < count && Clock::now() < until) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (message == nullptr) continue;
    const std::string topic = rd_kafka_topic_name(message->rkt);
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ended.insert({topic, message->partition});
    } else if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* key = static_cast<const char*>(message->key);
      records.push_back(topic + " " + (key ? std::string(key, message->key_len) : std::string()));
    }
    rd_kafka_message_destroy(message);
  }
  EXPECT_EQ(ended.size(), count) << "not every partition was read to its end";
  rd_kafka_topic_partition_list_destroy(partitions);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  std::sort(records.begin(), records.end());
  return records;
}

namespace {

// How many records the daemon wrote to its spool, from its /metrics; 0 when it cannot say.
size_t spooled_records(Bridge& bridge) {
  const auto answer = bridge.admin_client().Get("/metrics");
  if (!answer || answer->status != 200) return 0;
  const std::string series = "\njumio_bridge_spool_writes_total{result=\"stored\"} ";
  const size_t at = answer->body.find(series);
  return at == std::string::npos ? 0 : std::stoul(answer->body.substr(at + series.size()));
}

// `actual` without up to `allowed` copies of expected lines beyond their expected count (both
// sorted). A callback whose acknowledgement came later than spool.ack_timeout_ms (a loaded
// machine) was spooled too, and both the late acknowledgement and the drain published it: at
// least once, as documented, so as many extra copies as records were spooled are no fault.
std::vector<std::string> without_spool_copies(const std::vector<std::string>& actual,
                                              const std::vector<std::string>& expected,
                                              size_t allowed) {
  std::vector<std::string> kept;
  for (auto it = actual.begin(); it != actual.end();) {
    const auto end = std::upper_bound(it, actual.end(), *it);
    const auto copies = static_cast<size_t>(end - it);
    const auto wanted = static_cast<size_t>(std::count(expected.begin(), expected.end(), *it));
    const size_t dropped = wanted > 0 && copies > wanted ? std::min(copies - wanted, allowed) : 0;
    allowed -= dropped;
    kept.insert(kept.end(), it, end - static_cast<std::ptrdiff_t>(dropped));
    it = end;
  }
  return kept;
}

}  // namespace

std::string Ledger::reference(const std::string& label) {
  const std::string reference = load_reference(run_, ++count_);
  labels_[reference] = label;
  return reference;
}

void Ledger::verify(Bridge& bridge) const {
  std::vector<std::string> expected = expected_;
  std::sort(expected.begin(), expected.end());
  const std::string& brokers = bridge.broker().bootstraps();
  const auto until = Clock::now() + 15s;
  std::vector<std::string> actual = all_records(brokers);
  while (!std::includes(actual.begin(), actual.end(), expected.begin(), expected.end()) &&
         Clock::now() < until) {
    std::this_thread::sleep_for(200ms);
    actual = all_records(brokers);
  }
  std::this_thread::sleep_for(250ms);
  actual = without_spool_copies(all_records(brokers), expected, spooled_records(bridge));
  EXPECT_EQ(actual, expected);
  std::vector<std::string> unexpected;
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(unexpected));
  for (const auto& line : unexpected) {
    const auto found = labels_.find(line.substr(line.find(' ') + 1));
    ADD_FAILURE() << "published but must not be: " << line
                  << " (case: " << (found == labels_.end() ? "unknown" : found->second) << ")";
  }
  std::vector<std::string> missing;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  for (const auto& line : missing) {
    const auto found = labels_.find(line.substr(line.find(' ') + 1));
    ADD_FAILURE() << "not published: " << line
                  << " (case: " << (found == labels_.end() ? "unknown" : found->second) << ")";
  }
}

std::string Ledger::add(const std::string& label, bool publish) {
  const int index = ++count_;
  const std::string reference = load_reference(run_, index);
  labels_[reference] = label;
  if (publish) expected_.push_back(std::string(kPassedTopic) + " " + reference);
  return load_body(run_, index);
}

}  // namespace jb::test
