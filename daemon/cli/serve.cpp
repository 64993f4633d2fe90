#include <csignal>
#include <cstdio>

#include "cli/cli.h"
#include "cli/config_loading.h"
#include "cli/daemon.h"
#include "common/log.h"
#include "common/notify.h"
#include "config/config.h"

namespace jb::cli {
namespace {

constexpr const char* kServeUsage =
    "usage: jumio-bridge serve [--config PATH]\n"
    "\n"
    "Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads the config (allowlist, routing, log\n"
    "level, TLS certificate and key). Exit codes: 0 clean stop, 78 bad config, 1 fatal.\n"
    "\n"
    "Kafka secrets can stay out of the config file: JUMIO_BRIDGE_KAFKA_SASL_PASSWORD=... sets\n"
    "kafka.properties' sasl.password (any sasl.* or ssl.* property, dots written as underscores),\n"
    "and so does a file kafka.sasl.password (or kafka_sasl.password) in $CREDENTIALS_DIRECTORY.\n";

// Re-reads the config on SIGHUP; a config with errors is logged and the running one stays.
void reload(const std::string& path, Daemon* daemon) {
  notify::reloading();
  config::Config reloaded;
  auto errors = load_config_with_secrets(path, &reloaded);
  if (errors.empty()) {
    log_config_warnings(reloaded);
    daemon->reload(reloaded);
  }
  for (const auto& e : errors)
    log::error("config reload rejected; keeping the running config",
               {{"key", e.key}, {"line", e.line}, {"problem", e.message}});
  notify::ready(errors.empty() ? "serving; config reloaded" : "serving; config reload rejected");
}

}  // namespace

int run_serve(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parse_args(argc, argv, 2, {}, &args, &error) || !args.positional.empty()) {
    std::fprintf(stderr, "jumio-bridge serve: %s\n%s", error.c_str(), kServeUsage);
    return kExitConfig;
  }
  if (args.help) {
    std::fputs(kServeUsage, stdout);
    return kExitOk;
  }
  config::Config config;
  if (!load_command_config(args.config_path, &config, ConfigWarnings::leave)) return kExitConfig;

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  log::use_stdout(true);
  log_config_warnings(config);
  notify::Watchdog watchdog;
  auto daemon = Daemon::start(config, &error);
  if (!daemon) {
    log::error("cannot start", {{"error", error}});
    return kExitFatal;
  }
  notify::ready("serving on port " + std::to_string(daemon->port()));
  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal != SIGHUP) break;
    reload(args.config_path, daemon.get());
  }
  notify::stopping();
  log::info("stopping");
  daemon->stop();
  return kExitOk;
}

}  // namespace jb::cli
