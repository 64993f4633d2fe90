// jumio-bridge retrieve REF...: asks Jumio's Retrieval API for transactions whose callback never
// arrived and publishes their events (CONTRACT.md section 6); with --kind workflow, the Jumio
// Platform's workflow executions of one account (section 8).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <future>
#include <set>

#include "callback/platform.h"
#include "callback/timestamp.h"
#include "cli/brokers.h"
#include "cli/cli.h"
#include "cli/config_loading.h"
#include "common/log.h"
#include "kafka/producer.h"
#include "retrieval/mapping.h"
#include "retrieval_api/fetch.h"
#include "route/router.h"

namespace jb::cli {
namespace {

constexpr int kExitUsage = 64;
constexpr int kExitPending = 75;  // EX_TEMPFAIL: ask again later
constexpr std::chrono::milliseconds kEnqueueTimeout{10000};
constexpr std::chrono::milliseconds kDeliveryTimeout{30000};

constexpr const char* kRetrieveUsage =
    "usage: jumio-bridge retrieve REF... [--config PATH] [--kind "
    "netverify|authentication|document]\n"
    "                             [--dry-run] [--brokers LIST]\n"
    "       jumio-bridge retrieve --kind workflow --account ACCOUNT_ID WORKFLOW_EXECUTION_ID...\n"
    "                             [--config PATH] [--dry-run] [--brokers LIST]\n"
    "\n"
    "Asks Jumio's Retrieval API for each transaction reference: its status first; when the\n"
    "transaction is finished (DONE or FAILED; for authentication, a result), its details once.\n"
    "The details become the canonical event, with \"origin\": \"retrieval\", published like a\n"
    "callback's event (same topic, key and headers; ce_source ends in :retrieval). Details that\n"
    "cannot become an event are dead-lettered whole (reason retrieval_invalid).\n"
    "\n"
    "  --kind K         which API to ask: netverify (ID verification, the default),\n"
    "                   authentication, document (Document Verification), or workflow (the\n"
    "                   Jumio Platform: finished = PROCESSED, SESSION_EXPIRED or TOKEN_EXPIRED;\n"
    "                   the event is the workflow event, on jumio.workflow.{decision})\n"
    "  --account ID     with --kind workflow: the account (a UUID) the executions (UUIDs) belong\n"
    "                   to\n"
    "  --dry-run        print each event (JSON, one line) on stdout instead of publishing it;\n"
    "                   the per-reference lines go to stderr\n"
    "  --brokers LIST   host:port,... instead of kafka.brokers (with kafka.brokers: embedded,\n"
    "                   the address a running `serve` wrote to {spool.dir}/embedded-brokers)\n"
    "\n"
    "Needs retrieval.user_agent in the config and the API token and secret (an OAuth2 client's\n"
    "id and secret with retrieval.auth oauth2, the default; workflow needs it) in\n"
    "JUMIO_BRIDGE_RETRIEVAL_API_TOKEN / JUMIO_BRIDGE_RETRIEVAL_API_SECRET (or the credential "
    "files\n"
    "retrieval.api_token / retrieval.api_secret in $CREDENTIALS_DIRECTORY).\n"
    "\n"
    "stdout: one line per reference: REF -> TOPIC, REF pending (STATUS), REF not found,\n"
    "REF failed: WHY (a dead-lettered answer: failed: retrieval_invalid: ... -> TOPIC).\n"
    "Exit codes: 0 all published, 75 some still pending (nothing published for them), 1 some not\n"
    "found or failed, 64 bad usage, 78 bad config or credentials refused (401/403: the remaining\n"
    "references are not asked).\n";

std::atomic<retrieval_api::Client*> g_client{nullptr};

void request_stop(int signo) {
  if (retrieval_api::Client* client = g_client.load()) client->stop();
  std::signal(signo, SIG_DFL);
}

// Publishes one record and waits for Kafka's acknowledgement; "" when stored, else why not.
std::string publish(kafka::Producer& producer, const route::Record& record) {
  auto delivered = std::make_shared<std::promise<kafka::Delivery>>();
  std::future<kafka::Delivery> delivery = delivered->get_future();
  std::string error;
  if (!producer.produce(
          record, [delivered](const kafka::Delivery& d) { delivered->set_value(d); },
          kEnqueueTimeout, &error)) {
    return "kafka: " + error;
  }
  if (delivery.wait_for(kDeliveryTimeout) != std::future_status::ready)
    return "kafka: no acknowledgement within 30 s";
  const kafka::Delivery result = delivery.get();
  return result.persisted ? "" : "kafka: " + result.error;
}

struct Totals {
  int published = 0;
  int pending = 0;
  int failed = 0;  // not found, failed, invalid, not acknowledged
  bool unauthorized = false;
  bool stopped = false;
};

class Retrieval {
 public:
  // account: with Kind::workflow, the account of every execution.
  Retrieval(const config::Config& config, callback::Kind kind, std::string account,
            retrieval_api::Client& client, kafka::Producer* producer)
      : kind_(kind),
        account_(std::move(account)),
        client_(client),
        producer_(producer),
        router_(config.topics, config.privacy) {}

  // Fetches and publishes one reference; prints its line.
  void run(const std::string& reference, Totals* totals) {
    using Outcome = retrieval_api::Fetched::Outcome;
    retrieval_api::Fetched fetched =
        kind_ == callback::Kind::workflow
            ? retrieval_api::fetch_workflow(client_, account_, reference)
            : retrieval_api::fetch(client_, kind_, reference);
    switch (fetched.outcome) {
      case Outcome::event: {
        route::Record record = router_.event_record(*fetched.event);
        if (!producer_) {
          std::printf("%s\n", record.value.c_str());
          line(reference + " -> " + record.topic + " (dry run)");
          ++totals->published;
          return;
        }
        const std::string error = publish(*producer_, record);
        if (error.empty()) {
          line(reference + " -> " + record.topic);
          ++totals->published;
          log::info("retrieve: published", {{"reference", reference},
                                            {"topic", record.topic},
                                            {"status", fetched.event->status}});
        } else {
          line(reference + " failed: " + error);
          ++totals->failed;
        }
        return;
      }
      case Outcome::invalid: {
        const Failure& failure = *fetched.failure;
        route::DeadLetterInput input;
        input.body = fetched.answer;
        input.content_type = "application/json";
        input.received_at = callback::format_timestamp(fetched.answered_at);
        input.origin = "retrieval";
        input.kind = callback::kind_type(kind_);
        route::Record record = router_.dead_letter_record(failure, input);
        std::string where = record.topic + (producer_ ? "" : " (dry run)");
        if (producer_) {
          const std::string error = publish(*producer_, record);
          if (!error.empty()) where = "not dead-lettered: " + error;
        }
        line(reference + " failed: " + std::string(reason_code(failure.reason)) + ": " +
             failure.detail + " -> " + where);
        log::warn("retrieve: answer dead-lettered",
                  {{"reference", reference}, {"reason", std::string(reason_code(failure.reason))}});
        ++totals->failed;
        return;
      }
      case Outcome::pending:
        line(reference + " pending (" + fetched.status + ")");
        ++totals->pending;
        return;
      case Outcome::not_found:
        line(reference + " not found");
        ++totals->failed;
        return;
      case Outcome::unauthorized:
        line(reference + " failed: " + fetched.error);
        totals->unauthorized = true;
        return;
      case Outcome::failed:
        line(reference + " failed: " + fetched.error);
        ++totals->failed;
        return;
      case Outcome::withdrawn:  // retrieve gives no before_details
      case Outcome::stopped:
        line(reference + " failed: interrupted");
        totals->stopped = true;
        return;
    }
  }

 private:
  void line(const std::string& text) {
    std::fprintf(producer_ ? stdout : stderr, "%s\n", text.c_str());
    std::fflush(producer_ ? stdout : stderr);
  }

  callback::Kind kind_;
  std::string account_;
  retrieval_api::Client& client_;
  kafka::Producer* producer_;
  route::Router router_;
};

}  // namespace

int run_retrieve(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parse_args(argc, argv, 2, {"dry-run"}, &args, &error)) {
    std::fprintf(stderr, "jumio-bridge retrieve: %s\n%s", error.c_str(), kRetrieveUsage);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kRetrieveUsage, stdout);
    return kExitOk;
  }
  static const std::set<std::string> known = {"dry-run", "kind", "brokers", "account"};
  for (const auto& [name, value] : args.options) {
    if (!known.count(name)) {
      std::fprintf(stderr, "jumio-bridge retrieve: unknown option --%s\n%s", name.c_str(),
                   kRetrieveUsage);
      return kExitUsage;
    }
  }
  callback::Kind kind;
  if (!retrieval::parse_kind(args.get("kind", "netverify"), &kind)) {
    std::fprintf(stderr,
                 "jumio-bridge retrieve: --kind must be netverify, authentication, document or "
                 "workflow\n");
    return kExitUsage;
  }
  if (args.positional.empty()) {
    std::fprintf(stderr, "jumio-bridge retrieve: no reference given\n%s", kRetrieveUsage);
    return kExitUsage;
  }
  const std::string account = args.get("account");
  if (kind == callback::Kind::workflow) {
    if (!callback::is_uuid(account)) {
      std::fprintf(stderr,
                   "jumio-bridge retrieve: --kind workflow needs --account ACCOUNT_ID, %s\n",
                   account.empty() ? "which is missing" : "and it is not a UUID");
      return kExitUsage;
    }
    for (const std::string& execution : args.positional) {
      if (!callback::is_uuid(execution)) {
        std::fprintf(stderr,
                     "jumio-bridge retrieve: a workflow execution id must be a UUID (argument "
                     "%zu is not)\n",
                     static_cast<size_t>(&execution - args.positional.data()) + 1);
        return kExitUsage;
      }
    }
  } else if (args.has("account")) {
    std::fprintf(stderr, "jumio-bridge retrieve: --account goes with --kind workflow only\n");
    return kExitUsage;
  }

  config::Config config;
  if (!load_command_config(args.config_path, &config)) return kExitConfig;
  if (kind == callback::Kind::workflow) {
    if (std::string problem = retrieval_api::Client::platform_problem(config.retrieval);
        !problem.empty()) {
      std::fprintf(stderr, "jumio-bridge retrieve: %s\n", problem.c_str());
      return kExitConfig;
    }
  }
  auto client = retrieval_api::Client::create(config.retrieval, &error);
  if (!client) {
    std::fprintf(stderr, "jumio-bridge retrieve: %s\n", error.c_str());
    return kExitConfig;
  }
  const bool dry_run = args.has("dry-run");
  std::unique_ptr<kafka::Producer> producer;
  if (!dry_run) {
    KafkaTarget target;
    if (!resolve_kafka_target(config, args.get("brokers"), "retrieve", &target)) return kExitFatal;
    producer = kafka::Producer::create(target.brokers, config.kafka.properties, &error);
    if (!producer) {
      std::fprintf(stderr, "jumio-bridge retrieve: %s\n", error.c_str());
      return kExitFatal;
    }
  }

  g_client = client.get();
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  Retrieval retrieval(config, kind, account, *client, producer.get());
  Totals totals;
  for (const std::string& reference : args.positional) {
    retrieval.run(reference, &totals);
    if (totals.unauthorized || totals.stopped) break;
  }
  g_client = nullptr;
  if (producer) producer->flush(kDeliveryTimeout);
  if (totals.unauthorized) {
    std::fprintf(stderr,
                 "jumio-bridge retrieve: Jumio refused the API credentials; check "
                 "JUMIO_BRIDGE_RETRIEVAL_API_TOKEN/_SECRET (or the credential files) and that "
                 "they may use the Retrieval API\n");
    return kExitConfig;
  }
  if (totals.failed > 0 || totals.stopped) return kExitFatal;
  if (totals.pending > 0) return kExitPending;
  return kExitOk;
}

}  // namespace jb::cli
