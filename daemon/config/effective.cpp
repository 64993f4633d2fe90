#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "config/config.h"

namespace jb::config {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

// librdkafka properties whose values are credentials: matched as lower-case substrings of the key.
constexpr std::array<std::string_view, 5> kSecretKeyParts = {
    "password", "secret", "sasl.jaas.config", "ssl.key.pem", "sasl.oauthbearer.config"};

bool is_secret_property(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(kSecretKeyParts.begin(), kSecretKeyParts.end(),
                     [&](std::string_view part) { return key.find(part) != std::string::npos; });
}

void emit_string(YAML::Emitter& out, const char* key, const std::string& value) {
  out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
}

void emit_list(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& item : items) out << YAML::DoubleQuoted << item;
  out << YAML::EndSeq;
}

void emit_map(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& map,
              bool redact_secrets) {
  out << YAML::Key << key << YAML::Value;
  if (map.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  for (const auto& [name, value] : map) {
    bool redact = redact_secrets && is_secret_property(name);
    out << YAML::Key << YAML::DoubleQuoted << name << YAML::Value << YAML::DoubleQuoted
        << (redact ? std::string(kRedacted) : value);
  }
  out << YAML::EndMap;
}

}  // namespace

std::string effective_config_yaml(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;

  out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
  emit_string(out, "listen", config.http.listen);
  emit_string(out, "path", config.http.path);
  out << YAML::Key << "max_body_bytes" << YAML::Value << config.http.max_body_bytes;
  out << YAML::Key << "delivery_timeout_ms" << YAML::Value << config.http.delivery_timeout_ms;
  const HttpConfig& http = config.http;
  for (const auto& [key, value] :
       {std::pair<const char*, int>{"read_timeout_ms", http.read_timeout_ms},
        {"write_timeout_ms", http.write_timeout_ms},
        {"request_timeout_ms", http.request_timeout_ms},
        {"keep_alive_timeout_ms", http.keep_alive_timeout_ms},
        {"proxy_keep_alive_timeout_ms", http.proxy_keep_alive_timeout_ms},
        {"keep_alive_max_requests", http.keep_alive_max_requests},
        {"max_connections", http.max_connections},
        {"max_connections_per_address", http.max_connections_per_address},
        {"max_header_bytes", http.max_header_bytes},
        {"max_headers", http.max_headers}})
    out << YAML::Key << key << YAML::Value << value;
  out << YAML::Key << "memory_budget_bytes" << YAML::Value << http.memory_budget_bytes;
  out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
  emit_string(out, "cert_file", http.tls.cert_file);
  emit_string(out, "key_file", http.tls.key_file);
  out << YAML::EndMap;
  out << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
  emit_string(out, "user", http.basic_auth.user);
  emit_string(out, "password_env", http.basic_auth.password_env);
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
  emit_string(out, "listen", config.admin.listen);
  emit_list(out, "allow", config.admin.allow);
  out << YAML::Key << "max_connections_per_address" << YAML::Value
      << config.admin.max_connections_per_address;
  out << YAML::EndMap;

  out << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
  emit_list(out, "allow", config.security.allow);
  emit_list(out, "jumio_datacenters", config.security.jumio_datacenters);
  emit_list(out, "trusted_proxies", config.security.trusted_proxies);
  out << YAML::Key << "jumio_refresh_s" << YAML::Value << config.security.jumio_refresh_s;
  out << YAML::EndMap;

  out << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
  emit_string(out, "brokers", config.kafka.brokers);
  emit_map(out, "properties", config.kafka.properties, /*redact_secrets=*/true);
  out << YAML::EndMap;

  out << YAML::Key << "topics" << YAML::Value << YAML::BeginMap;
  emit_string(out, "template", config.topics.topic_template);
  emit_map(out, "overrides", config.topics.overrides, /*redact_secrets=*/false);
  emit_string(out, "deadletter", config.topics.deadletter);
  emit_string(out, "workflow_callbacks", config.topics.workflow_callbacks);
  out << YAML::EndMap;

  out << YAML::Key << "spool" << YAML::Value << YAML::BeginMap;
  emit_string(out, "dir", config.spool.dir);
  out << YAML::Key << "max_bytes" << YAML::Value << config.spool.max_bytes;
  out << YAML::Key << "ack_timeout_ms" << YAML::Value << config.spool.ack_timeout_ms;
  out << YAML::EndMap;

  out << YAML::Key << "privacy" << YAML::Value << YAML::BeginMap;
  emit_list(out, "drop_fields", config.privacy.drop_fields);
  out << YAML::Key << "netverify_masking" << YAML::Value << config.privacy.netverify_masking;
  out << YAML::EndMap;

  const RetrievalConfig& retrieval = config.retrieval;
  out << YAML::Key << "retrieval" << YAML::Value << YAML::BeginMap;
  emit_string(out, "datacenter", retrieval.datacenter);
  emit_string(out, "base_url", retrieval.base_url);
  emit_string(out, "user_agent", retrieval.user_agent);
  out << YAML::Key << "timeout_ms" << YAML::Value << retrieval.timeout_ms;
  out << YAML::Key << "max_requests_per_second" << YAML::Value << retrieval.max_requests_per_second;
  out << YAML::Key << "max_attempts" << YAML::Value << retrieval.max_attempts;
  emit_string(out, "ca_file", retrieval.ca_file);
  emit_string(out, "auth", retrieval.auth);
  emit_string(out, "token_url", retrieval.token_url);
  emit_string(out, "platform_base_url", retrieval.platform_base_url);
  out << YAML::Comment(std::string("API token ") +
                       (retrieval.api_token.empty() ? "not set" : "set") + ", API secret " +
                       (retrieval.api_secret.empty() ? "not set" : "set") +
                       " (environment or credential files)");
  out << YAML::EndMap;

  const ReconcileConfig& reconcile = config.reconcile;
  out << YAML::Key << "reconcile" << YAML::Value << YAML::BeginMap;
  emit_string(out, "expected_topic", reconcile.expected_topic);
  emit_string(out, "group", reconcile.group);
  out << YAML::Key << "grace_s" << YAML::Value << reconcile.grace_s;
  out << YAML::Key << "schedule_s" << YAML::Value << YAML::Flow << reconcile.schedule_s;
  out << YAML::Key << "daily_for_days" << YAML::Value << reconcile.daily_for_days;
  emit_string(out, "state_topic", reconcile.state_topic);
  emit_string(out, "admin_listen", reconcile.admin_listen);
  out << YAML::EndMap;

  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  emit_string(out, "level", config.log.level);
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace jb::config
