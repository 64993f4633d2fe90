// jumio-bridge reconcile: the service that retrieves what has no callback in time
// (CONTRACT.md section 6, docs/retrieval.md).
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <ctime>

#include "cli/brokers.h"
#include "cli/cli.h"
#include "cli/config_loading.h"
#include "common/log.h"
#include "common/notify.h"
#include "http/admin_routes.h"
#include "http/listener.h"
#include "http/server.h"
#include "kafka/producer.h"
#include "kafka/reader.h"
#include "reconcile/metrics.h"
#include "reconcile/service.h"
#include "reconcile/workflow_results.h"

namespace jb::cli {
namespace {

constexpr int kExitUsage = 64;

constexpr const char* kReconcileUsage =
    "usage: jumio-bridge reconcile [--config PATH] [--brokers LIST]\n"
    "\n"
    "Runs until SIGTERM or SIGINT. Reads the expected records the integrating application\n"
    "publishes to reconcile.expected_topic (key: the reference; value: {\"reference\", \"kind\",\n"
    "\"initiatedAt\"}), watches the event and dead-letter topics for what settles them, and for\n"
    "every reference with no event reconcile.grace_s after initiatedAt asks Jumio's Retrieval API\n"
    "on reconcile.schedule_s (then once a day for reconcile.daily_for_days, then gives it up): "
    "once\n"
    "the transaction is finished, its event is published as `retrieve` does. Instances with the\n"
    "same reconcile.group share the references; the state is in Kafka (reconcile.state_topic), so\n"
    "a restart continues where it stopped. It also reads the Jumio Platform callbacks serve\n"
    "stored on topics.workflow_callbacks (group reconcile.group + \"-workflow\") and, for a\n"
    "terminal status, fetches the workflow's details and publishes its workflow event.\n"
    "/healthz, /readyz and /metrics on reconcile.admin_listen.\n"
    "\n"
    "  --brokers LIST   host:port,... instead of kafka.brokers (with kafka.brokers: embedded,\n"
    "                   the address a running `serve` wrote to {spool.dir}/embedded-brokers)\n"
    "\n"
    "Exit codes: 0 stopped by a signal, 1 fatal (Kafka unusable, listener cannot bind), 64 bad\n"
    "usage, 78 bad config or Jumio refused the API credentials.\n";

}  // namespace

int run_reconcile(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parse_args(argc, argv, 2, {}, &args, &error) || !args.positional.empty()) {
    if (error.empty()) error = "unexpected argument " + args.positional.front();
    std::fprintf(stderr, "jumio-bridge reconcile: %s\n%s", error.c_str(), kReconcileUsage);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kReconcileUsage, stdout);
    return kExitOk;
  }
  for (const auto& [name, value] : args.options) {
    if (name != "brokers") {
      std::fprintf(stderr, "jumio-bridge reconcile: unknown option --%s\n%s", name.c_str(),
                   kReconcileUsage);
      return kExitUsage;
    }
  }
  config::Config config;
  if (!load_command_config(args.config_path, &config)) return kExitConfig;
  auto client = retrieval_api::Client::create(config.retrieval, &error);
  if (!client) {
    std::fprintf(stderr, "jumio-bridge reconcile: %s\n", error.c_str());
    return kExitConfig;
  }
  KafkaTarget target;
  if (!resolve_kafka_target(config, args.get("brokers"), "reconcile", &target)) return kExitFatal;
  auto producer = kafka::Producer::create(target.brokers, config.kafka.properties, &error);
  if (!producer) {
    std::fprintf(stderr, "jumio-bridge reconcile: %s\n", error.c_str());
    return kExitFatal;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  log::use_stdout(true);

  kafka::ReaderOptions readers;
  readers.brokers = target.brokers;
  readers.properties = target.consumer_properties;
  readers.group = config.reconcile.group;
  reconcile::Parts parts;
  const std::chrono::seconds span = reconcile::Service::read_span_of(config.reconcile);
  parts.expected = kafka::GroupReader::create(
      readers, config.reconcile.expected_topic,
      [span] { return std::chrono::system_clock::now() - span; }, &error);
  reconcile::WorkflowParts workflow_parts;
  if (parts.expected) {
    readers.group = config.reconcile.group + "-settled";
    parts.settled = kafka::PartitionReader::create(readers, &error);
  }
  // retrieval.auth: basic reaches the legacy APIs only: the platform's results are not fetched.
  const std::string platform_problem = retrieval_api::Client::platform_problem(config.retrieval);
  if (parts.settled && platform_problem.empty()) {
    // Read from the committed positions: committed only once a notification's event is stored.
    readers.group = config.reconcile.group + "-workflow";
    workflow_parts.notifications =
        kafka::GroupReader::create(readers, config.topics.workflow_callbacks, nullptr, &error);
  }
  if (!parts.expected || !parts.settled ||
      (platform_problem.empty() && !workflow_parts.notifications)) {
    std::fprintf(stderr, "jumio-bridge reconcile: cannot read Kafka: %s\n", error.c_str());
    return kExitFatal;
  }
  auto retriever = reconcile::api_retriever(client.get());
  auto publisher = reconcile::kafka_publisher(producer.get());
  parts.retriever = retriever.get();
  parts.publisher = publisher.get();
  reconcile::Service service(config, std::move(parts));
  workflow_parts.retriever = retriever.get();
  workflow_parts.publisher = publisher.get();
  workflow_parts.published_elsewhere = [&service](const std::string& execution_id) {
    return service.is_settled(execution_id);
  };
  std::unique_ptr<reconcile::WorkflowResults> workflows;
  if (workflow_parts.notifications)
    workflows = std::make_unique<reconcile::WorkflowResults>(config, std::move(workflow_parts));
  reconcile::Metrics metrics([&service, &workflows] {
    reconcile::Stats stats = service.stats();
    if (workflows) stats.workflow = workflows->stats();
    return stats;
  });
  auto unauthorized = [&service, &workflows] {
    return service.unauthorized() || (workflows && workflows->unauthorized());
  };
  http::AdminRoutes routes(
      [&metrics] { return metrics.exposition(); },
      [&service, &unauthorized] { return service.caught_up() && !unauthorized(); });
  routes.set_allow(config.admin.allow);
  std::unique_ptr<http::Listener> admin;
  if (!config.reconcile.admin_listen.empty()) {
    std::string host;
    int port = 0;
    http::ListenerOptions options = http::admin_listener_options(config.http, config.admin);
    options.name = "reconcile admin";
    admin = std::make_unique<http::Listener>(options, nullptr, &routes);
    if (!http::split_listen_address(config.reconcile.admin_listen, &host, &port) ||
        !admin->bind(host, port, &error)) {
      log::error("reconcile: cannot listen",
                 {{"listen", config.reconcile.admin_listen}, {"error", error}});
      return kExitFatal;
    }
    admin->start();
    log::info("reconcile: admin listening", {{"port", admin->port()}});
  }
  service.start();
  if (workflows) {
    workflows->start();
  } else {
    log::warn("reconcile: Jumio Platform results are not fetched",
              {{"topic", config.topics.workflow_callbacks}, {"why", platform_problem}});
  }
  notify::Watchdog watchdog;
  log::info("reconcile: started", {{"expected_topic", config.reconcile.expected_topic},
                                   {"group", config.reconcile.group}});

  // Until SIGTERM/SIGINT, or the service ends by itself (refused credentials, Kafka unusable).
  bool announced = false;
  bool signalled = false;
  const timespec tick{0, 100 * 1000 * 1000};
  while (!service.stopped() && !(workflows && workflows->stopped())) {
    if (!announced && service.caught_up()) {
      notify::ready("reconciling");
      announced = true;
    }
    if (sigtimedwait(&signals, nullptr, &tick) > 0) {
      signalled = true;
      break;
    }
  }
  notify::stopping();
  service.stop();  // stops the Retrieval API client too: asks in flight end at once
  if (workflows) workflows->stop();
  if (admin) admin->stop();
  producer->flush(std::chrono::seconds(10));
  if (unauthorized()) {
    std::fprintf(stderr,
                 "jumio-bridge reconcile: Jumio refused the API credentials; check "
                 "JUMIO_BRIDGE_RETRIEVAL_API_TOKEN/_SECRET (or the credential files) and that they "
                 "may use the Retrieval API\n");
    return kExitConfig;
  }
  if (!signalled) {
    log::error("reconcile: stopped by itself", {});
    return kExitFatal;
  }
  log::info("reconcile: stopped", {});
  return kExitOk;
}

}  // namespace jb::cli
