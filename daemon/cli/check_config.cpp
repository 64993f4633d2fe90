#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/config_loading.h"
#include "config/config.h"

namespace jb::cli {
namespace {

constexpr int kExitUsage = 64;

constexpr const char* kCheckConfigUsage =
    "usage: jumio-bridge check-config [--config PATH]\n"
    "\n"
    "Validates the config (default config.yaml) and prints the effective config, defaults filled\n"
    "in and secrets redacted. Every problem is reported on stderr as PATH:LINE: KEY: message.\n"
    "Exit codes: 0 valid, 78 invalid.\n";

std::string usage_problem(const Args& args) {
  if (!args.positional.empty()) return "unexpected argument '" + args.positional.front() + "'";
  if (!args.options.empty()) return "unknown option --" + args.options.begin()->first;
  return "";
}

}  // namespace

int run_check_config(int argc, char** argv) {
  Args args;
  std::string error;
  bool parsed = parse_args(argc, argv, 2, {}, &args, &error);
  if (parsed) error = usage_problem(args);
  if (!parsed || !error.empty()) {
    std::fprintf(stderr, "jumio-bridge check-config: %s\n%s", error.c_str(), kCheckConfigUsage);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kCheckConfigUsage, stdout);
    return kExitOk;
  }
  config::Config config;
  if (!load_command_config(args.config_path, &config)) return kExitConfig;
  std::fputs(config::effective_config_yaml(config).c_str(), stdout);
  return kExitOk;
}

}  // namespace jb::cli
