// Writes reconcile's input for bench/reconcile.sh: COUNT expected records
// {"reference", "kind": "netverify", "initiatedAt"} keyed by reference, and optionally an event
// (a callback's, on --event-topic) for every SETTLE_EVERY-th reference, so that share is settled.
// Keys are partitioned with murmur2, as the bridge's producer does. Batched, no wait per record;
// waits for every delivery at the end, prints "delivered N failed M" and exits 1 on a failure.
//
// usage: jb_reconcile_load --brokers LIST --topic TOPIC --count N [--first I]
//                          [--initiated-ago SECONDS] [--event-topic TOPIC --settle-every K]
//
// References are "00000000-0000-4000-8000-" and twelve hex digits of the index (FIRST .. FIRST +
// N - 1): the length of Jumio's, and the same index gives the same reference in every run.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

struct Options {
  std::string brokers;
  std::string topic;
  long long count = -1;
  long long first = 0;
  long long initiated_ago_s = 0;
  std::string event_topic;
  long long settle_every = 0;
};

bool parse_options(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return false;
    const std::string name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--brokers") {
      options->brokers = value;
    } else if (name == "--topic") {
      options->topic = value;
    } else if (name == "--event-topic") {
      options->event_topic = value;
    } else if (name == "--count") {
      options->count = std::atoll(value);
    } else if (name == "--first") {
      options->first = std::atoll(value);
    } else if (name == "--initiated-ago") {
      options->initiated_ago_s = std::atoll(value);
    } else if (name == "--settle-every") {
      options->settle_every = std::atoll(value);
    } else {
      return false;
    }
  }
  return !options->brokers.empty() && !options->topic.empty() && options->count >= 0 &&
         options->first >= 0 && options->settle_every >= 0 &&
         (options->settle_every == 0 || !options->event_topic.empty());
}

std::atomic<long long> delivered{0};
std::atomic<long long> failed{0};
char first_error[256];

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err) {
    if (failed++ == 0)
      std::snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(message->err));
  } else {
    ++delivered;
  }
}

// Produces one record, serving delivery reports while librdkafka's queue is full.
bool produce(rd_kafka_t* producer, const std::string& topic, const std::string& key,
             const std::string& value, rd_kafka_headers_t* headers) {
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(headers ? rd_kafka_headers_copy(headers) : nullptr), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      std::fprintf(stderr, "produce to %s: %s\n", topic.c_str(), rd_kafka_err2str(err));
      return false;
    }
    rd_kafka_poll(producer, 50);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: jb_reconcile_load --brokers LIST --topic TOPIC --count N [--first I]\n"
                 "                         [--initiated-ago SECONDS] [--event-topic TOPIC "
                 "--settle-every K]\n");
    return 2;
  }
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const char* settings[][2] = {
      {"bootstrap.servers", options.brokers.c_str()},
      {"partitioner", "murmur2_random"},
      {"linger.ms", "20"},
      {"batch.num.messages", "10000"},
      {"batch.size", "1000000"},
      {"queue.buffering.max.messages", "500000"},
      {"queue.buffering.max.kbytes", "262144"},
      {"log_level", "3"},
  };
  for (const auto& setting : settings) {
    if (rd_kafka_conf_set(conf, setting[0], setting[1], error, sizeof error) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", setting[0], error);
      return 1;
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!producer) {
    std::fprintf(stderr, "%s\n", error);
    return 1;
  }

  char initiated_at[32];
  const std::time_t at = std::time(nullptr) - static_cast<std::time_t>(options.initiated_ago_s);
  std::tm utc{};
  gmtime_r(&at, &utc);
  std::strftime(initiated_at, sizeof initiated_at, "%Y-%m-%dT%H:%M:%SZ", &utc);

  rd_kafka_headers_t* event_headers = rd_kafka_headers_new(2);
  rd_kafka_header_add(event_headers, "ce_source", -1, "urn:jumio-bridge:netverify:callback", -1);
  rd_kafka_header_add(event_headers, "content-type", -1, "application/json", -1);

  long long produced = 0;
  bool ok = true;
  char reference[40];
  for (long long i = options.first; ok && i < options.first + options.count; ++i) {
    std::snprintf(reference, sizeof reference, "00000000-0000-4000-8000-%012llx", i);
    const std::string key = reference;
    const std::string expected = std::string("{\"reference\":\"") + reference +
                                 "\",\"kind\":\"netverify\",\"initiatedAt\":\"" + initiated_at +
                                 "\"}";
    ok = produce(producer, options.topic, key, expected, nullptr);
    ++produced;
    if (ok && options.settle_every > 0 && (i - options.first) % options.settle_every == 0) {
      const std::string event = std::string("{\"reference\":\"") + reference +
                                "\",\"kind\":\"netverify\",\"status\":\"APPROVED_VERIFIED\"}";
      ok = produce(producer, options.event_topic, key, event, event_headers);
      ++produced;
    }
    if ((produced & 1023) == 0) rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 120000);
  rd_kafka_headers_destroy(event_headers);
  rd_kafka_destroy(producer);
  std::printf("delivered %lld failed %lld\n", delivered.load(), failed.load());
  if (failed > 0) std::fprintf(stderr, "first failure: %s\n", first_error);
  return ok && failed == 0 && delivered == produced ? 0 : 1;
}
