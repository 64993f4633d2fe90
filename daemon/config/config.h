// Typed configuration (CONTRACT.md section 2): one struct per section, defaults in the declaration.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace jb::config {

struct TlsConfig {
  std::string cert_file;  // PEM certificate chain; with key_file, the listener speaks HTTPS only
  std::string key_file;   // PEM private key
};

struct BasicAuthConfig {
  std::string user;          // when set, callbacks need HTTP Basic auth as this user
  std::string password_env;  // the environment variable holding the password
  std::string password;      // read from password_env at load time; never printed
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  std::string path = "/callbacks/jumio";  // POST target for all three callback kinds
  uint64_t max_body_bytes = 262144;       // larger bodies are answered 413
  int delivery_timeout_ms = 10000;        // longest wait for Kafka's acknowledgement before 503
  int read_timeout_ms = 5000;             // longest silence while a request is arriving
  int write_timeout_ms = 5000;            // longest wait to write an answer
  int request_timeout_ms = 10000;         // a whole request (head and body) must arrive within
  int keep_alive_timeout_ms = 5000;       // idle time before a kept-alive connection is closed
  int keep_alive_max_requests = 100;      // requests per connection
  int max_connections = 256;              // open connections; more are answered 503
  int max_connections_per_address = 64;   // open connections from one peer address; more get 503
  int max_header_bytes = 16384;           // request line and header fields; more is 431
  int max_headers = 64;                   // header fields; more is 431
  // Idle time before a kept-alive connection from a peer in security.trusted_proxies is closed:
  // longer than proxies' own upstream idle timeouts, so that the proxy closes first.
  int proxy_keep_alive_timeout_ms = 120000;
  // A config is refused when max_connections × (2 × max_body_bytes + max_header_bytes + 65536),
  // what its connections may hold at once, exceeds this.
  uint64_t memory_budget_bytes = 1073741824;
  TlsConfig tls;
  BasicAuthConfig basic_auth;
};

struct AdminConfig {
  std::string listen = "127.0.0.1:9090";  // /healthz, /readyz, /metrics; "" = no admin listener
  std::vector<std::string> allow = {"127.0.0.1/32", "::1/128"};  // CIDRs that may connect
  int max_connections_per_address = 16;  // open admin connections from one peer address
};

struct SecurityConfig {
  std::vector<std::string> allow = {"127.0.0.1/32", "::1/128"};  // CIDRs allowed to POST callbacks
  std::vector<std::string> jumio_datacenters;  // any of US, EU, SGP: adds Jumio's callback IPs
  int jumio_refresh_s = 3600;  // the data centres' callback host names are resolved this often
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-For is believed
};

struct KafkaConfig {
  std::string brokers = "embedded";               // "embedded" or "host:port,..."
  std::map<std::string, std::string> properties;  // passed to librdkafka as-is
};

struct TopicsConfig {
  std::string topic_template = "jumio.{type}.{status}";  // the YAML key is "template"
  std::map<std::string, std::string> overrides;          // "{type}.{status}" -> topic
  std::string deadletter = "jumio.deadletter";
  std::string workflow_callbacks = "jumio.workflow.callbacks";  // platform callbacks, stored
};

struct SpoolConfig {
  std::string dir = "var/spool";    // durable local store for unacknowledged callbacks
  uint64_t max_bytes = 1073741824;  // spool size limit
  int ack_timeout_ms = 2000;        // wait for Kafka's acknowledgement before spooling a callback
};

struct PrivacyConfig {
  std::vector<std::string> drop_fields;  // parameters removed from data before publishing
  bool netverify_masking = false;        // drop what the spec's Netverify masking table lists
};

// The Jumio Retrieval API (retrieve, reconcile). The token and secret never come from the file:
// JUMIO_BRIDGE_RETRIEVAL_API_TOKEN / _SECRET in the environment, or the credential files
// retrieval.api_token / retrieval.api_secret in $CREDENTIALS_DIRECTORY.
struct RetrievalConfig {
  std::string datacenter = "US";    // US | EU | SGP: Jumio's documented base URLs
  std::string base_url;             // overrides datacenter; http:// only to loopback addresses
  std::string user_agent;           // "Company App/1.0"; required by retrieve and reconcile
  int timeout_ms = 10000;           // one request: connect, send and read the answer
  int max_requests_per_second = 2;  // all requests of the process together
  int max_attempts = 5;             // per request, on 429, 5xx and network errors
  std::string ca_file;              // PEM CA certificates to trust; "" = the system's CA store
  std::string api_token;            // from the environment or credentials; never printed
  std::string api_secret;           // from the environment or credentials; never printed
  std::string auth = "oauth2";      // oauth2 | basic (legacy Netverify APIs only)
  std::string token_url;          // "" = https://auth.{amer-1|emea-1|apac-1}.jumio.ai/oauth2/token
  std::string platform_base_url;  // "" = https://retrieval.{amer-1|emea-1|apac-1}.jumio.ai
};

// jumio-bridge reconcile: retrieves what has no final callback in time.
struct ReconcileConfig {
  std::string expected_topic = "jumio.expected";
  std::string group = "jumio-bridge-reconcile";
  int grace_s = 900;  // after initiatedAt, before asking Jumio
  std::vector<int> schedule_s = {40, 60, 100, 160, 240, 340, 460, 600, 760, 940};
  int daily_for_days = 7;  // then once a day for this many days, then given up
  std::string state_topic = "jumio.reconcile.state";  // asks made so far, by reference
  std::string admin_listen = "127.0.0.1:9091";  // reconcile's /healthz, /readyz, /metrics; "" = off
};

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
};

// One problem in a config file: the dotted key, its 1-based line (0 when unknown), and what is
// wrong.
struct ConfigError {
  std::string key;
  int line = 0;
  std::string message;
};

struct Config {
  HttpConfig http;
  AdminConfig admin;
  SecurityConfig security;
  KafkaConfig kafka;
  TopicsConfig topics;
  SpoolConfig spool;
  LogConfig log;
  PrivacyConfig privacy;
  RetrievalConfig retrieval;
  ReconcileConfig reconcile;
  // Keys that are accepted but no longer do anything: "key", line, and what to do instead.
  std::vector<ConfigError> obsolete;
  // Valid settings that are likely a mistake (a trusted proxy also in security.allow).
  std::vector<ConfigError> warnings;
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
