// A librdkafka mock cluster in its own process, for the benchmark: creates the cluster and the
// topics, prints the bootstrap servers on one line, then runs until SIGTERM or SIGINT.
// SIGUSR1 takes every broker down (a Kafka outage), SIGUSR2 brings them back up.
//
// usage: jb_mock_broker [--brokers N] [--partitions N] [--rtt-ms N] TOPIC[:PARTITIONS]...
// (a topic's own partition count, when given, replaces --partitions for it; --rtt-ms delays every
// broker's answers by N ms, as a cluster across a network would)
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
  int brokers = 3;
  int partitions = 3;
  int rtt_ms = 0;
  std::vector<std::string> topics;
};

bool parse_options(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--brokers" || arg == "--partitions") && i + 1 < argc) {
      int value = std::atoi(argv[++i]);
      if (value < 1) return false;
      (arg == "--brokers" ? options->brokers : options->partitions) = value;
    } else if (arg == "--rtt-ms" && i + 1 < argc) {
      char* end = nullptr;
      const long rtt_ms = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || end == argv[i] || rtt_ms < 0 || rtt_ms > 60000) return false;
      options->rtt_ms = static_cast<int>(rtt_ms);
    } else if (arg.rfind("--", 0) == 0) {
      return false;
    } else {
      options->topics.push_back(arg);
    }
  }
  return true;
}

void set_all_brokers(rd_kafka_mock_cluster_t* cluster, int brokers, bool up) {
  for (int id = 1; id <= brokers; ++id) {
    rd_kafka_resp_err_t err =
        up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id);
    if (err) std::fprintf(stderr, "broker %d: %s\n", id, rd_kafka_err2str(err));
  }
  std::fprintf(stderr, "mock brokers %s\n", up ? "up" : "down");
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: jb_mock_broker [--brokers N] [--partitions N] [--rtt-ms N] "
                 "TOPIC[:PARTITIONS]...\n");
    return 2;
  }
  // Every thread librdkafka starts inherits this mask, so the signals reach sigwait() below.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the mock brokers and never connects anywhere itself.
  if (rd_kafka_conf_set(conf, "bootstrap.servers", "", error, sizeof error) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "%s\n", error);
    return 1;
  }
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle) {
    std::fprintf(stderr, "%s\n", error);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, options.brokers);
  if (!cluster) {
    std::fprintf(stderr, "the mock cluster could not be started\n");
    rd_kafka_destroy(handle);
    return 1;
  }
  for (int id = 1; id <= options.brokers && options.rtt_ms > 0; ++id)
    rd_kafka_mock_broker_set_rtt(cluster, id, options.rtt_ms);
  int replication = options.brokers < 3 ? options.brokers : 3;
  for (std::string topic : options.topics) {
    int partitions = options.partitions;
    if (auto colon = topic.find(':'); colon != std::string::npos) {
      partitions = std::atoi(topic.c_str() + colon + 1);
      topic.resize(colon);
      if (partitions < 1) partitions = options.partitions;
    }
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, replication);
    if (err) std::fprintf(stderr, "topic %s: %s\n", topic.c_str(), rd_kafka_err2str(err));
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);

  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal == SIGUSR1 || signal == SIGUSR2) {
      set_all_brokers(cluster, options.brokers, signal == SIGUSR2);
      continue;
    }
    break;
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
