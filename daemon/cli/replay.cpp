#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>

#include "cli/brokers.h"
#include "cli/cli.h"
#include "cli/config_loading.h"
#include "common/log.h"
#include "config/config.h"
#include "kafka/consumer.h"
#include "kafka/partition_ranges.h"
#include "kafka/producer.h"
#include "replay/replayer.h"

namespace jb::cli {
namespace {

constexpr int kExitUsage = 64;
constexpr const char* kDefaultGroup = "jumio-bridge-replay";
constexpr std::chrono::milliseconds kAskTimeout{10000};
constexpr std::chrono::milliseconds kEnqueueTimeout{10000};

constexpr const char* kReplayUsage =
    "usage: jumio-bridge replay [--config PATH] [--dry-run] [--reason CODE]... [--reference "
    "REF]...\n"
    "                           [--since TIME] [--until TIME] [--limit N] [--group G]\n"
    "                           [--brokers LIST]\n"
    "\n"
    "Re-processes the dead letters on topics.deadletter with today's normalisation and routing:\n"
    "what now succeeds is published to its topic (same eventId and receivedAt as if it had never\n"
    "failed), what still fails is dead-lettered again with attempts + 1. The consumer group's\n"
    "position is committed only past records whose result Kafka acknowledged, so an interrupted\n"
    "run resumes where it stopped and a second run publishes nothing twice. A run reads up to the\n"
    "end of the topic as it was at start: the dead letters it writes itself wait for the next "
    "run.\n"
    "\n"
    "  --dry-run        print what would happen to each record; publish and commit nothing\n"
    "  --reason CODE    only dead letters with this reason (repeatable: any of them)\n"
    "  --reference REF  only dead letters of this transaction reference (repeatable)\n"
    "  --since TIME     only callbacks received at or after TIME (RFC 3339, e.g.\n"
    "                   2024-05-01T00:00:00Z, 2024-05-01T02:00:00+02:00 or 2024-05-01)\n"
    "  --until TIME     only callbacks received before TIME\n"
    "  --limit N        stop after N dead letters were taken (resume with the same command)\n"
    "  --group G        consumer group. Default: jumio-bridge-replay, or with any of --reason,\n"
    "                   --reference, --since, --until a group of that filter's own\n"
    "                   (jumio-bridge-replay-<hash>): records a filter skips stay unread for\n"
    "                   the default group, so a later run without filters still replays them\n"
    "                   (and also replays again what the filtered run replayed: same eventId)\n"
    "  --metrics-file F write the run's counters to F in Prometheus text format (for\n"
    "                   node_exporter's textfile collector; replaced atomically)\n"
    "  --brokers LIST   host:port,... instead of kafka.brokers (with kafka.brokers: embedded,\n"
    "                   the address a running `serve` wrote to {spool.dir}/embedded-brokers)\n"
    "\n"
    "stdout: one line per dead letter taken (partition, offset, reference, reason, -> topic or\n"
    "still failing: reason). stderr: a progress line every second on long runs, then a summary:\n"
    "read, replayed, still failing, skipped by filters, not dead-letter records (counted and left\n"
    "alone), not acknowledged, and by reason.\n"
    "Exit codes: 0 everything taken was replayed, 1 some still failing, not dead-letter records,\n"
    "Kafka trouble or interrupted, 64 bad usage, 78 bad config.\n";

std::atomic<bool> g_stop{false};

void request_stop(int signo) {
  g_stop = true;
  std::signal(signo, SIG_DFL);  // a second signal ends the run at once
}

bool parse_count(const std::string& text, long long* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  try {
    *out = std::stoll(text);
  } catch (const std::exception&) {
    return false;
  }
  return *out > 0;
}

bool parse_options(const Args& args, replay::Options* options, std::string* error) {
  static const std::set<std::string> known = {"dry-run", "reason",  "reference",
                                              "since",   "until",   "limit",
                                              "group",   "brokers", "metrics-file"};
  for (const auto& [name, value] : args.options) {
    if (!known.count(name)) {
      *error = "unknown option --" + name;
      return false;
    }
  }
  for (const auto& code : args.get_all("reason")) {
    DeadLetterReason reason;
    if (!parse_reason_code(code, &reason)) {
      *error = "--reason " + code + ": not a dead-letter reason code";
      return false;
    }
    options->filter.reasons.insert(code);
  }
  for (const auto& reference : args.get_all("reference"))
    options->filter.references.insert(reference);
  for (const char* bound : {"since", "until"}) {
    if (!args.has(bound)) continue;
    replay::TimePoint time;
    if (!replay::parse_rfc3339(args.get(bound), &time)) {
      *error = std::string("--") + bound + " needs an RFC 3339 time, e.g. 2024-05-01T00:00:00Z";
      return false;
    }
    (std::string(bound) == "since" ? options->filter.since : options->filter.until) = time;
  }
  if (args.has("limit")) {
    long long limit = 0;
    if (!parse_count(args.get("limit"), &limit)) {
      *error = "--limit needs a positive number";
      return false;
    }
    options->limit = limit;
  }
  return true;
}

class ConsumerSource final : public replay::Source {
 public:
  ConsumerSource(kafka::Consumer& consumer, std::string topic)
      : consumer_(consumer), topic_(std::move(topic)) {}

  std::optional<replay::SourceRecord> poll(std::chrono::milliseconds timeout) override {
    std::string error;
    auto message = consumer_.poll(timeout, &error);
    if (!error.empty()) log::warn("kafka consume error", {{"error", error}});
    if (!message) return std::nullopt;
    return replay::SourceRecord{message->partition, message->offset, std::move(message->key),
                                std::move(message->value), message->timestamp_ms};
  }
  bool commit(int32_t partition, int64_t position) override {
    kafka::ConsumedMessage last;
    last.topic = topic_;
    last.partition = partition;
    last.offset = position - 1;
    std::string error;
    if (consumer_.commit(last, &error)) return true;
    log::warn("kafka commit failed", {{"error", error}});
    return false;
  }
  bool assigned() override { return consumer_.has_partitions(); }

 private:
  kafka::Consumer& consumer_;
  std::string topic_;
};

class ProducerSink final : public replay::Sink {
 public:
  explicit ProducerSink(kafka::Producer& producer) : producer_(producer) {}

  bool publish(const route::Record& record, std::function<void(bool)> done) override {
    std::string error;
    const bool queued = producer_.produce(
        record, [done](const kafka::Delivery& delivery) { done(delivery.persisted); },
        kEnqueueTimeout, &error);
    if (!queued) log::warn("kafka produce failed", {{"error", error}});
    return queued;
  }

 private:
  kafka::Producer& producer_;
};

// Where the group stands and where the topic ends now; false (message printed) when unknown.
bool read_positions(const KafkaTarget& target, const std::string& topic, const std::string& group,
                    replay::Options* options) {
  std::vector<kafka::PartitionRange> ranges;
  std::string error;
  if (!kafka::partition_ranges(target.brokers, target.consumer_properties, topic, group,
                               kAskTimeout, &ranges, &error)) {
    std::fprintf(stderr, "jumio-bridge replay: cannot read the positions of %s: %s\n",
                 topic.c_str(), error.c_str());
    return false;
  }
  for (const auto& range : ranges) {
    options->starts[range.partition] = std::max(range.committed, range.low);
    options->ends[range.partition] = range.high;
  }
  return true;
}

bool nothing_to_read(const replay::Options& options) {
  for (const auto& [partition, end] : options.ends)
    if (options.starts.at(partition) < end) return false;
  return true;
}

// Writes the counters next to F and renames them over it, so a scraper never reads half a file.
bool write_metrics_file(const std::string& path, const replay::Tally& tally) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << replay::metrics_text(tally);
    if (!out.flush()) return false;
  }
  return std::rename(partial.c_str(), path.c_str()) == 0;
}

int exit_code(const replay::Tally& tally) {
  const bool clean = tally.still_failing == 0 && tally.invalid == 0 && tally.unacknowledged == 0 &&
                     !tally.interrupted && !tally.gave_up_waiting;
  return clean ? kExitOk : kExitFatal;
}

int replay_with(const config::Config& config, const KafkaTarget& target, const std::string& group,
                bool dry_run, const std::string& metrics_file, replay::Options options) {
  const std::string& topic = config.topics.deadletter;
  if (!read_positions(target, topic, group, &options)) return kExitFatal;
  if (nothing_to_read(options)) {
    std::fputs(replay::summary_text({}, group, dry_run).c_str(), stderr);
    if (!metrics_file.empty()) write_metrics_file(metrics_file, {});
    return kExitOk;
  }
  std::string error;
  std::unique_ptr<kafka::Producer> producer;
  if (!dry_run) {
    producer = kafka::Producer::create(target.brokers, config.kafka.properties, &error);
    if (!producer) {
      std::fprintf(stderr, "jumio-bridge replay: %s\n", error.c_str());
      return kExitFatal;
    }
  }
  kafka::ConsumerOptions consumer_options;
  consumer_options.brokers = target.brokers;
  consumer_options.properties = target.consumer_properties;
  consumer_options.topics = {topic};
  consumer_options.group = group;
  consumer_options.from_beginning = true;
  auto consumer = kafka::Consumer::create(consumer_options, &error);
  if (!consumer) {
    std::fprintf(stderr, "jumio-bridge replay: %s\n", error.c_str());
    return kExitFatal;
  }

  ConsumerSource source(*consumer, topic);
  std::optional<ProducerSink> sink;
  if (producer) sink.emplace(*producer);
  route::Router router(config.topics, config.privacy);
  replay::Output output{
      [](const std::string& line) { std::printf("%s\n", line.c_str()); },
      [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }};
  replay::Replayer replayer(router, source, sink ? &*sink : nullptr, std::move(options),
                            std::move(output));
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const replay::Tally tally = replayer.run(g_stop);
  std::fflush(stdout);
  std::fputs(replay::summary_text(tally, group, dry_run).c_str(), stderr);
  if (!metrics_file.empty() && !write_metrics_file(metrics_file, tally)) {
    std::fprintf(stderr, "jumio-bridge replay: cannot write %s\n", metrics_file.c_str());
    return kExitFatal;
  }
  return exit_code(tally);
}

}  // namespace

int run_replay(int argc, char** argv) {
  Args args;
  std::string error;
  replay::Options options;
  if (!parse_args(argc, argv, 2, {"dry-run"}, &args, &error) || !args.positional.empty() ||
      !parse_options(args, &options, &error)) {
    if (error.empty()) error = "unexpected argument " + args.positional.front();
    std::fprintf(stderr, "jumio-bridge replay: %s\n%s", error.c_str(), kReplayUsage);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kReplayUsage, stdout);
    return kExitOk;
  }

  config::Config config;
  if (!load_command_config(args.config_path, &config)) return kExitConfig;

  KafkaTarget target;
  if (!resolve_kafka_target(config, args.get("brokers"), "replay", &target)) return kExitFatal;
  const std::string group = args.get(
      "group", options.filter.empty() ? kDefaultGroup : replay::filtered_group(options.filter));
  return replay_with(config, target, group, args.has("dry-run"), args.get("metrics-file"),
                     std::move(options));
}

}  // namespace jb::cli
