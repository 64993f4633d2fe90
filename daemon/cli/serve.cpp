#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "cli/daemon.h"
#include "common/log.h"
#include "common/notify.h"
#include "config/config.h"

extern char** environ;

namespace jb::cli {
namespace {

constexpr const char* kServeUsage =
    "usage: jumio-bridge serve [--config PATH]\n"
    "\n"
    "Runs the daemon until SIGTERM or SIGINT; SIGHUP reloads the config (allowlist, routing, log\n"
    "level). Exit codes: 0 clean stop, 78 bad config, 1 fatal.\n"
    "\n"
    "Kafka secrets can stay out of the config file: JUMIO_BRIDGE_KAFKA_SASL_PASSWORD=... sets\n"
    "kafka.properties' sasl.password (any sasl.* or ssl.* property, dots written as underscores),\n"
    "and so does a file kafka.sasl.password (or kafka_sasl.password) in $CREDENTIALS_DIRECTORY.\n";

constexpr std::string_view kSecretEnvPrefix = "JUMIO_BRIDGE_KAFKA_";

// Only credentials and TLS material come from outside the file; the rest stays validated there.
bool is_secret_property(const std::string& name) {
  return name.rfind("sasl.", 0) == 0 || name.rfind("ssl.", 0) == 0;
}

std::string property_of_env_name(std::string_view suffix) {
  std::string name;
  for (char c : suffix)
    name += c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// Secrets from the environment (EnvironmentFile=) and from systemd credentials (LoadCredential=).
void add_secret_properties(config::Config* config) {
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (text.rfind(kSecretEnvPrefix, 0) != 0 || equals == std::string_view::npos) continue;
    std::string name = property_of_env_name(
        text.substr(kSecretEnvPrefix.size(), equals - kSecretEnvPrefix.size()));
    if (is_secret_property(name))
      config->kafka.properties[name] = std::string(text.substr(equals + 1));
  }
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (!credentials) return;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(credentials, ec)) {
    std::string id = file.path().filename().string();
    if (id.rfind("kafka.", 0) != 0 && id.rfind("kafka_", 0) != 0) continue;
    std::string name = id.substr(6);
    if (!is_secret_property(name)) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::ostringstream value;
    value << in.rdbuf();
    std::string secret = value.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    config->kafka.properties[name] = secret;
  }
}

bool load(const std::string& path, config::Config* config) {
  auto errors = config::load_config(path, config);
  for (const auto& error : errors)
    std::fprintf(stderr, "%s\n", config::format_error(path, error).c_str());
  add_secret_properties(config);
  return errors.empty();
}

// Re-reads the config on SIGHUP; a config with errors is logged and the running one stays.
void reload(const std::string& path, Daemon* daemon) {
  notify::reloading();
  config::Config reloaded;
  auto errors = config::load_config(path, &reloaded);
  if (errors.empty()) {
    add_secret_properties(&reloaded);
    daemon->reload(reloaded);
  }
  for (const auto& e : errors)
    log::error("config reload rejected; keeping the running config",
               {{"key", e.key}, {"line", std::to_string(e.line)}, {"problem", e.message}});
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
