// Typed configuration (CONTRACT.md section 2): one struct per section, defaults in the declaration.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace jb::config {

struct HttpConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  std::string path = "/callbacks/jumio";  // POST target for all three callback kinds
  uint64_t max_body_bytes = 262144;       // larger bodies are answered 413
  int threads = 64;                       // worker threads; each serves one connection at a time
  int delivery_timeout_ms = 10000;        // longest wait for Kafka's acknowledgement before 503
};

struct SecurityConfig {
  std::vector<std::string> allow = {"127.0.0.1/32", "::1/128"};  // CIDRs allowed to POST callbacks
  std::vector<std::string> jumio_datacenters;  // any of US, EU, SGP: adds Jumio's callback IPs
  std::vector<std::string> trusted_proxies;    // CIDRs whose X-Forwarded-For is believed
};

struct KafkaConfig {
  std::string brokers = "embedded";               // "embedded" or "host:port,..."
  std::map<std::string, std::string> properties;  // passed to librdkafka as-is
};

struct TopicsConfig {
  std::string topic_template = "jumio.{type}.{status}";  // the YAML key is "template"
  std::map<std::string, std::string> overrides;          // "{type}.{status}" -> topic
  std::string deadletter = "jumio.deadletter";
};

struct SpoolConfig {
  std::string dir = "var/spool";    // durable local store for unacknowledged callbacks
  uint64_t max_bytes = 1073741824;  // spool size limit
};

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
};

struct Config {
  HttpConfig http;
  SecurityConfig security;
  KafkaConfig kafka;
  TopicsConfig topics;
  SpoolConfig spool;
  LogConfig log;
};

// One problem in a config file: the dotted key, its 1-based line (0 when unknown), and what is
// wrong.
struct ConfigError {
  std::string key;
  int line = 0;
  std::string message;
};

// Parses YAML text. Fills *config and returns no errors, or returns every error found.
std::vector<ConfigError> parse_config(const std::string& yaml_text, Config* config);
// Reads and parses a file; a missing or unreadable file is one error with key "" and line 0.
std::vector<ConfigError> load_config(const std::string& path, Config* config);
// "path:line: key: message" for a terminal.
std::string format_error(const std::string& path, const ConfigError& error);
// The effective config as YAML, with secrets (sasl.password, ssl.*password*, ...) redacted.
std::string effective_config_yaml(const Config& config);

}  // namespace jb::config
