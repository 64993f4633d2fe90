#include <csignal>
#include <cstdio>
#include <optional>
#include <set>

#include "cli/brokers.h"
#include "cli/cli.h"
#include "cli/config_loading.h"
#include "common/log.h"
#include "config/config.h"
#include "kafka/consumer.h"
#include "route/subscription.h"

namespace jb::cli {
namespace {

constexpr int kExitUsage = 64;
constexpr std::chrono::milliseconds kPollSlice{200};
// How much longer --timeout-ms waits while the consumer group has not assigned any partition yet
// (brokers delay a new group's first assignment by group.initial.rebalance.delay.ms, 3 s).
constexpr std::chrono::milliseconds kJoinAllowance{10000};

constexpr const char* kConsumeUsage =
    "usage: jumio-bridge consume [--config PATH] [--topic T]... [--from-beginning] [--max N]\n"
    "                            [--group G] [--brokers LIST] [--timeout-ms N]\n"
    "\n"
    "Prints records from Kafka as JSON lines on stdout:\n"
    "  {\"topic\",\"partition\",\"offset\",\"key\",\"headers\":{...},\"value\"}\n"
    "where value is the record's JSON (a string when the record is not JSON).\n"
    "\n"
    "  --topic T          a topic, or a regex starting with '^' (repeatable). Default: all\n"
    "                     topics the config routes to: the topics.template pattern (e.g.\n"
    "                     ^jumio\\.(netverify|authentication|document)\\.[a-z0-9_.-]+$), each\n"
    "                     topics.overrides topic and topics.deadletter\n"
    "  --from-beginning   start at the oldest record instead of new records only\n"
    "  --max N            stop after N records\n"
    "  --group G          consumer group; its position is committed after each printed record.\n"
    "                     Without it a fresh group is used and nothing is committed\n"
    "  --brokers LIST     host:port,... instead of kafka.brokers (with kafka.brokers: embedded,\n"
    "                     the address a running `serve` wrote to {spool.dir}/embedded-brokers)\n"
    "  --timeout-ms N     stop after N ms without a record, counted from when the group assigned\n"
    "                     partitions (at most 10 s later than from the start). Default: run until\n"
    "                     SIGINT/SIGTERM or --max\n"
    "\n"
    "kafka.properties from the config are passed to the consumer (producer-only ones skipped).\n"
    "Exit codes: 0 ok, 1 Kafka unusable, 64 bad usage, 78 bad config.\n";

volatile std::sig_atomic_t g_stop = 0;

void request_stop(int) {
  g_stop = 1;
}

struct Limits {
  std::optional<long long> max_records;
  std::optional<std::chrono::milliseconds> idle_timeout;
};

bool parse_count(const std::string& text, long long* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  try {
    *out = std::stoll(text);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

bool known_options_only(const Args& args, std::string* error) {
  static const std::set<std::string> known = {"topic", "from-beginning", "max",
                                              "group", "brokers",        "timeout-ms"};
  for (const auto& [name, value] : args.options) {
    if (!known.count(name)) {
      *error = "unknown option --" + name;
      return false;
    }
  }
  return true;
}

bool parse_limits(const Args& args, Limits* limits, std::string* error) {
  long long value = 0;
  if (args.has("max")) {
    if (!parse_count(args.get("max"), &value) || value < 1) {
      *error = "--max needs a positive number";
      return false;
    }
    limits->max_records = value;
  }
  if (args.has("timeout-ms")) {
    if (!parse_count(args.get("timeout-ms"), &value)) {
      *error = "--timeout-ms needs a number of milliseconds";
      return false;
    }
    limits->idle_timeout = std::chrono::milliseconds(value);
  }
  return true;
}

// Tells when --timeout-ms has passed without a record.
class IdleClock {
 public:
  explicit IdleClock(std::optional<std::chrono::milliseconds> timeout)
      : timeout_(timeout), since_(std::chrono::steady_clock::now()) {}

  void restart() { since_ = std::chrono::steady_clock::now(); }
  bool expired(kafka::Consumer& consumer) {
    if (!timeout_) return false;
    if (!joined_ && consumer.has_partitions()) {
      joined_ = true;
      restart();
    }
    const auto limit = joined_ ? *timeout_ : *timeout_ + kJoinAllowance;
    return std::chrono::steady_clock::now() - since_ >= limit;
  }

 private:
  std::optional<std::chrono::milliseconds> timeout_;
  std::chrono::steady_clock::time_point since_;
  bool joined_ = false;
};

int consume(kafka::Consumer& consumer, const Limits& limits, bool commit) {
  long long printed = 0;
  IdleClock idle(limits.idle_timeout);
  while (!g_stop) {
    if (limits.max_records && printed >= *limits.max_records) break;
    if (idle.expired(consumer)) break;
    std::string error;
    auto message = consumer.poll(kPollSlice, &error);
    if (!error.empty()) log::warn("kafka consume error", {{"error", error}});
    if (!message) continue;
    idle.restart();
    const std::string line = kafka::message_json(*message) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    ++printed;
    if (commit && !consumer.commit(*message, &error))
      log::warn("kafka commit failed", {{"error", error}});
  }
  return kExitOk;
}

}  // namespace

int run_consume(int argc, char** argv) {
  Args args;
  std::string error;
  Limits limits;
  if (!parse_args(argc, argv, 2, {"from-beginning"}, &args, &error) || !args.positional.empty() ||
      !known_options_only(args, &error) || !parse_limits(args, &limits, &error)) {
    if (error.empty()) error = "unexpected argument " + args.positional.front();
    std::fprintf(stderr, "jumio-bridge consume: %s\n%s", error.c_str(), kConsumeUsage);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kConsumeUsage, stdout);
    return kExitOk;
  }

  config::Config config;
  if (!load_command_config(args.config_path, &config)) return kExitConfig;

  KafkaTarget target;
  if (!resolve_kafka_target(config, args.get("brokers"), "consume", &target)) return kExitFatal;
  kafka::ConsumerOptions options;
  options.brokers = target.brokers;
  options.properties = target.consumer_properties;
  options.topics = args.get_all("topic");
  if (options.topics.empty()) options.topics = route::routed_topics(config.topics);
  options.group = args.get("group");
  options.from_beginning = args.has("from-beginning");

  auto consumer = kafka::Consumer::create(options, &error);
  if (!consumer) {
    std::fprintf(stderr, "jumio-bridge consume: %s\n", error.c_str());
    return kExitFatal;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  return consume(*consumer, limits, !options.group.empty());
}

}  // namespace jb::cli
