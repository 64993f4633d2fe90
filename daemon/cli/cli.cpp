#include "cli/cli.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace jb::cli {
namespace {

// Also the source of the man page (help2man): "Usage:" becomes its SYNOPSIS, the headed blocks its
// sections.
constexpr const char* kUsage =
    "Usage: jumio-bridge COMMAND [--config PATH] [OPTION]...\n"
    "  or:  jumio-bridge --version\n"
    "\n"
    "Receives Jumio identity-verification callbacks over HTTP, normalises them into canonical "
    "JSON\n"
    "events and publishes them to Kafka.\n"
    "\n"
    "Commands:\n"
    "  serve          run the daemon until SIGTERM/SIGINT; SIGHUP reloads the config\n"
    "  normalize      print the canonical event of one callback body (FILE or -)\n"
    "  replay         re-process dead-lettered callbacks\n"
    "  consume        print events from Kafka as JSON lines\n"
    "  check-config   validate the config and print the effective config\n"
    "  retrieve       fetch transactions from Jumio's Retrieval API and publish their events\n"
    "  reconcile      run the service that retrieves what has no callback in time\n"
    "\n"
    "Options of every command:\n"
    "  --config PATH  the config file (default: config.yaml in the working directory)\n"
    "  --help         the command's usage and options: jumio-bridge COMMAND --help\n"
    "  --version      print the version\n";

struct Command {
  std::string_view name;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"serve", run_serve},         {"normalize", run_normalize},       {"replay", run_replay},
    {"consume", run_consume},     {"check-config", run_check_config}, {"retrieve", run_retrieve},
    {"reconcile", run_reconcile},
};

}  // namespace

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  std::vector<std::string> values;
  auto [begin, end] = options.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

bool parse_args(int argc, char** argv, int first, const std::set<std::string>& flags, Args* out,
                std::string* error) {
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-" || arg.substr(0, 2) != "--") {
      out->positional.emplace_back(arg);
      continue;
    }
    std::string name(arg.substr(2));
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    if (name == "help") {
      out->help = true;
      continue;
    }
    if (flags.count(name)) {
      if (has_value) {
        *error = "option --" + name + " takes no value";
        return false;
      }
      out->options.emplace(name, "");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        *error = "option --" + name + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    if (name == "config") {
      out->config_path = value;
    } else {
      out->options.emplace(name, value);
    }
  }
  return true;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 64;
  }
  std::string_view command = argv[1];
  if (command == "--version" || command == "version") {
    std::printf("jumio-bridge %s\n", JB_VERSION);
    return kExitOk;
  }
  if (command == "--help" || command == "help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  for (const auto& c : kCommands) {
    if (c.name == command) return c.run(argc, argv);
  }
  std::fprintf(stderr, "jumio-bridge: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 64;
}

}  // namespace jb::cli
