// Subcommands of the jumio-bridge binary (CONTRACT.md section 1).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace jb::cli {

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitDataErr = 65;  // normalize: invalid callback
constexpr int kExitConfig = 78;   // bad config

struct Args {
  std::string config_path = "config.yaml";
  bool help = false;
  std::vector<std::string> positional;
  std::multimap<std::string, std::string>
      options;  // "--topic" -> "jumio.x" (without dashes: "topic")

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> get_all(const std::string& name) const;
};

// Parses argv[first..]: "--name value", "--name=value", and the no-value flags in `flags`.
// --config and --help are handled for every subcommand. False with *error on unknown syntax.
bool parse_args(int argc, char** argv, int first, const std::set<std::string>& flags, Args* out,
                std::string* error);

int run_serve(int argc, char** argv);
int run_normalize(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_consume(int argc, char** argv);
int run_check_config(int argc, char** argv);
int run_retrieve(int argc, char** argv);
int run_reconcile(int argc, char** argv);

// Dispatches argv[1] to its subcommand.
int main(int argc, char** argv);

}  // namespace jb::cli
