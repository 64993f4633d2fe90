// librdkafka alone, without the daemon: the time from rd_kafka_producev to the delivery report with
// a fixed number of records waiting, spread over one topic or many. The producer is configured as
// the daemon's (idempotent, acks=all, murmur2_random, the given linger.ms) and writes to a mock
// cluster inside this process (three brokers unless --brokers says otherwise, three partitions per
// topic). Prints p50, p90 and p99 in milliseconds. A measuring instrument for bench/README.md, not
// a test.
//
// usage: jb_produce_latency [--topics N] [--in-flight K] [--count N] [--linger-ms L]
//                           [--idempotence true|false] [--brokers N]
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kafka/embedded.h"
#include "kafka/rdkafka_conf.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int topics = 20;
  int in_flight = 4;
  int count = 3000;
  int brokers = 3;
  std::string linger_ms = "1";
  std::string idempotence = "true";  // the daemon's, which it does not let anyone change
};

bool parse_options(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--linger-ms") {
      options->linger_ms = value;
      continue;
    }
    if (arg == "--idempotence") {
      options->idempotence = value;
      if (options->idempotence != "true" && options->idempotence != "false") return false;
      continue;
    }
    const int number = std::atoi(value);
    if (number < 1) return false;
    if (arg == "--topics") {
      options->topics = number;
    } else if (arg == "--in-flight") {
      options->in_flight = number;
    } else if (arg == "--count") {
      options->count = number;
    } else if (arg == "--brokers") {
      options->brokers = number;
    } else {
      return false;
    }
  }
  return true;
}

struct Run {
  std::vector<double> latencies_ms;
  int waiting = 0;
  int failed = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* run = static_cast<Run*>(opaque);
  auto* produced = static_cast<Clock::time_point*>(message->_private);
  if (message->err) ++run->failed;
  run->latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(Clock::now() - *produced).count());
  delete produced;
  --run->waiting;
}

// Produces `count` records, keeping `in_flight` waiting for their reports; each key goes to the
// next topic in turn.
void produce(rd_kafka_t* producer, Run* run, const std::vector<std::string>& topics, int count,
             int in_flight, int first_key) {
  const std::string value(1800, 'x');  // about an event's size
  for (int sent = 0; sent < count;) {
    while (run->waiting < in_flight && sent < count) {
      const std::string key = std::to_string((first_key + sent) * 7919);
      auto* produced = new Clock::time_point(Clock::now());
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(topics[static_cast<size_t>(sent) % topics.size()].c_str()),
          RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(produced), RD_KAFKA_V_END);
      if (err) {
        delete produced;
        rd_kafka_poll(producer, 1);
        continue;
      }
      ++run->waiting;
      ++sent;
    }
    rd_kafka_poll(producer, 1);
  }
  rd_kafka_flush(producer, 10000);
}

double percentile(const std::vector<double>& sorted, double fraction) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(fraction * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: jb_produce_latency [--topics N] [--in-flight K] [--count N] "
                 "[--linger-ms L] [--idempotence true|false] [--brokers N]\n");
    return 2;
  }
  // The daemon's `kafka.brokers: embedded` cluster (kafka/embedded.h).
  std::string error;
  const auto cluster = jb::kafka::EmbeddedCluster::start(options.brokers, &error);
  if (!cluster) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::vector<std::string> topics;
  for (int i = 0; i < options.topics; ++i) {
    topics.push_back("bench.latency." + std::to_string(i));
    rd_kafka_mock_topic_create(cluster->mock(), topics.back().c_str(), 3,
                               std::min(3, options.brokers));
  }

  Run run;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!jb::kafka::set_properties(conf,
                                 {{"bootstrap.servers", cluster->bootstraps()},
                                  {"linger.ms", options.linger_ms},
                                  {"enable.idempotence", options.idempotence},
                                  {"acks", "all"},
                                  {"partitioner", "murmur2_random"}},
                                 &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &run);
  char message[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof message);
  if (!producer) {
    std::fprintf(stderr, "%s\n", message);
    return 1;
  }
  // A first round touches every partition (metadata, producer id), then the measured one.
  produce(producer, &run, topics, 2000, options.in_flight, 0);
  run.latencies_ms.clear();
  run.failed = 0;
  produce(producer, &run, topics, options.count, options.in_flight, 2000);
  std::vector<double>& latencies = run.latencies_ms;
  std::sort(latencies.begin(), latencies.end());
  if (latencies.empty()) {
    std::fprintf(stderr, "no delivery reports\n");
    return 1;
  }
  std::printf(
      "topics %d, in flight %d, linger.ms %s, idempotence %s: %zu reports (%d failed), p50 %.2f "
      "ms, "
      "p90 %.2f ms, p99 %.2f ms\n",
      options.topics, options.in_flight, options.linger_ms.c_str(), options.idempotence.c_str(),
      latencies.size(), run.failed, percentile(latencies, 0.5), percentile(latencies, 0.9),
      percentile(latencies, 0.99));
  rd_kafka_destroy(producer);
  return run.failed == 0 ? 0 : 1;
}
