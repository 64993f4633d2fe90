#include <csignal>
#include <cstdio>

#include "cli/cli.h"
#include "cli/daemon.h"
#include "common/log.h"
#include "config/config.h"

namespace jb::cli {
namespace {

constexpr const char* kServeUsage =
    "usage: jumio-bridge serve [--config PATH]\n"
    "\n"
    "Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads the config (allowlist, routing, log\n"
    "level). Exit codes: 0 clean stop, 78 bad config, 1 fatal.\n";

bool load(const std::string& path, config::Config* config) {
  auto errors = config::load_config(path, config);
  for (const auto& error : errors)
    std::fprintf(stderr, "%s\n", config::format_error(path, error).c_str());
  return errors.empty();
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
  if (!load(args.config_path, &config)) return kExitConfig;

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  log::use_stdout(true);
  auto daemon = Daemon::start(config, &error);
  if (!daemon) {
    log::error("cannot start", {{"error", error}});
    return kExitFatal;
  }
  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal != SIGHUP) break;
    config::Config reloaded;
    auto errors = config::load_config(args.config_path, &reloaded);
    if (!errors.empty()) {
      for (const auto& e : errors)
        log::error("config reload rejected; keeping the running config",
                   {{"key", e.key}, {"line", std::to_string(e.line)}, {"problem", e.message}});
      continue;
    }
    daemon->reload(reloaded);
  }
  log::info("stopping");
  daemon->stop();
  return kExitOk;
}

}  // namespace jb::cli
