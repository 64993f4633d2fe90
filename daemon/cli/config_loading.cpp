#include "cli/config_loading.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"

extern char** environ;

namespace jb::cli {
namespace {

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

// A credential file's content without the trailing line break.
std::string read_credential(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream value;
  value << in.rdbuf();
  std::string secret = value.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
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
  if (const char* token = std::getenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN"))
    config->retrieval.api_token = token;
  if (const char* secret = std::getenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET"))
    config->retrieval.api_secret = secret;
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (!credentials) return;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(credentials, ec)) {
    std::string id = file.path().filename().string();
    if (id == "retrieval.api_token" || id == "retrieval_api_token") {
      config->retrieval.api_token = read_credential(file.path());
      continue;
    }
    if (id == "retrieval.api_secret" || id == "retrieval_api_secret") {
      config->retrieval.api_secret = read_credential(file.path());
      continue;
    }
    if (id.rfind("kafka.", 0) != 0 && id.rfind("kafka_", 0) != 0) continue;
    std::string name = id.substr(6);
    if (!is_secret_property(name)) continue;
    config->kafka.properties[name] = read_credential(file.path());
  }
}

}  // namespace

std::vector<config::ConfigError> load_config_with_secrets(const std::string& path,
                                                          config::Config* config) {
  auto errors = config::load_config(path, config);
  if (errors.empty()) add_secret_properties(config);
  return errors;
}

bool load_command_config(const std::string& path, config::Config* config, ConfigWarnings warnings) {
  auto errors = load_config_with_secrets(path, config);
  for (const auto& error : errors)
    std::fprintf(stderr, "%s\n", config::format_error(path, error).c_str());
  if (!errors.empty()) return false;
  if (warnings == ConfigWarnings::print) {
    for (const auto* list : {&config->obsolete, &config->warnings}) {
      for (const auto& warning : *list)
        std::fprintf(stderr, "warning: %s\n", config::format_error(path, warning).c_str());
    }
  }
  log::Level level;
  if (log::parse_level(config->log.level, &level)) log::set_level(level);
  return true;
}

void log_config_warnings(const config::Config& config) {
  for (const auto* list : {&config.obsolete, &config.warnings}) {
    for (const auto& warning : *list)
      log::warn("config warning",
                {{"key", warning.key}, {"line", warning.line}, {"problem", warning.message}});
  }
}

}  // namespace jb::cli
