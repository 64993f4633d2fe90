// Loading the config for a command, the same way for every command.
#pragma once

#include <string>

#include "config/config.h"

namespace jb::cli {

// Whether load_command_config prints the config's obsolete keys and warnings, or leaves them to
// the caller (serve logs them with log_config_warnings).
enum class ConfigWarnings { print, leave };

// Loads `path`, prints every error as "PATH:LINE: KEY: message" on stderr, adds Kafka secrets from
// JUMIO_BRIDGE_KAFKA_<PROPERTY> variables (EnvironmentFile=) and from kafka.<property> files in
// $CREDENTIALS_DIRECTORY (LoadCredential=) — sasl.* and ssl.* only —, the Retrieval API token and
// secret from JUMIO_BRIDGE_RETRIEVAL_API_TOKEN / _SECRET or the credential files
// retrieval.api_token / retrieval.api_secret, and applies log.level. Obsolete keys and warnings
// are printed as "warning: PATH:LINE: KEY: message" unless `warnings` is `leave`.
// False when the config has errors.
bool load_command_config(const std::string& path, config::Config* config,
                         ConfigWarnings warnings = ConfigWarnings::print);

// The same without printing: the errors, for a reload that logs them instead.
std::vector<config::ConfigError> load_config_with_secrets(const std::string& path,
                                                          config::Config* config);

// Logs the config's obsolete keys and warnings at warn level, with their key and line.
void log_config_warnings(const config::Config& config);

}  // namespace jb::cli
