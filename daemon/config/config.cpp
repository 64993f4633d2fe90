#include "config/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "config/validate.h"
#include "config/yaml_reader.h"

namespace jb::config {
namespace {

constexpr int64_t kMaxBodyBytesLimit = 64 * 1024 * 1024;
constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

constexpr int64_t kMemoryBudgetMin = 1048576;
constexpr int64_t kMemoryBudgetMax = int64_t{1} << 40;
// What chunk framing may add to a connection's buffers besides its head and body.
constexpr uint64_t kChunkFramingBytes = 65536;

// Reads an integer field into any integral member; the member keeps its default on error.
template <class T>
bool read_integer_into(YamlReader& reader, const YamlEntry& entry, int64_t min, int64_t max,
                       T* out) {
  int64_t value = 0;
  if (!reader.read_integer(entry, min, max, &value)) return false;
  *out = static_cast<T>(value);
  return true;
}

void read_checked_string(YamlReader& reader, const YamlEntry& entry,
                         std::string (*problem)(const std::string&), std::string* out) {
  if (reader.read_string(entry, out)) reader.check(entry, problem(*out));
}

void read_http_tls(YamlReader& reader, const YamlEntry& entry, TlsConfig* tls) {
  reader.read_fields(
      entry, {
                 {"cert_file", [&](const YamlEntry& e) { reader.read_string(e, &tls->cert_file); }},
                 {"key_file", [&](const YamlEntry& e) { reader.read_string(e, &tls->key_file); }},
             });
  if (tls->cert_file.empty() != tls->key_file.empty())
    reader.error(entry, "needs both cert_file and key_file, or neither");
}

void read_http_basic_auth(YamlReader& reader, const YamlEntry& entry, BasicAuthConfig* auth) {
  reader.read_fields(
      entry,
      {
          {"user",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, basic_auth_user_problem, &auth->user);
           }},
          {"password_env", [&](const YamlEntry& e) { reader.read_string(e, &auth->password_env); }},
      });
  if (auth->user.empty() != auth->password_env.empty()) {
    reader.error(entry, "needs both user and password_env, or neither");
  } else if (!auth->user.empty()) {
    const char* password = std::getenv(auth->password_env.c_str());
    if (password == nullptr || *password == '\0') {
      reader.error(entry, "password_env names " + auth->password_env +
                              ", which is not set or empty in the environment");
    } else {
      auth->password = password;
    }
  }
}

// The lines of the http keys that size the memory budget (0 when absent), and whether all of
// them were read without error.
struct BudgetKeys {
  int max_body_bytes_line = 0;
  int max_connections_line = 0;
  int max_header_bytes_line = 0;
  int memory_budget_bytes_line = 0;
  bool valid = true;
};

// Refuses limits whose connections could together hold more than http.memory_budget_bytes. The
// error names the key most likely to be lowered: max_body_bytes, else max_connections, if given.
void check_memory_budget(YamlReader& reader, const YamlEntry& http_entry, const HttpConfig& http,
                         const BudgetKeys& keys) {
  uint64_t per_connection =
      2 * http.max_body_bytes + static_cast<uint64_t>(http.max_header_bytes) + kChunkFramingBytes;
  uint64_t needed = static_cast<uint64_t>(http.max_connections) * per_connection;
  if (needed <= http.memory_budget_bytes) return;
  YamlEntry at{"http.memory_budget_bytes",
               keys.memory_budget_bytes_line > 0 ? keys.memory_budget_bytes_line : http_entry.line,
               http_entry.value};
  if (keys.max_body_bytes_line > 0) {
    at = {"http.max_body_bytes", keys.max_body_bytes_line, http_entry.value};
  } else if (keys.max_connections_line > 0) {
    at = {"http.max_connections", keys.max_connections_line, http_entry.value};
  }
  reader.error(at, "max_connections × (2 × max_body_bytes + max_header_bytes + 65536) = " +
                       std::to_string(http.max_connections) + " × (2 × " +
                       std::to_string(http.max_body_bytes) + " + " +
                       std::to_string(http.max_header_bytes) + " + 65536) = " +
                       std::to_string(needed) + " bytes, more than http.memory_budget_bytes (" +
                       std::to_string(http.memory_budget_bytes) +
                       "); lower max_body_bytes or max_connections, or raise memory_budget_bytes");
}

void read_http(YamlReader& reader, const YamlEntry& entry, HttpConfig* http,
               std::vector<ConfigError>* obsolete) {
  auto timeout_rule = [&](int* out) {
    return [&reader, out](const YamlEntry& e) { read_integer_into(reader, e, 100, 600000, out); };
  };
  BudgetKeys budget_keys;
  // A key that sizes the memory budget: its line is kept, and whether it was read.
  auto budget_rule = [&](int* line, int64_t min, int64_t max, auto* out) {
    return [&reader, &budget_keys, line, min, max, out](const YamlEntry& e) {
      *line = e.line;
      if (!read_integer_into(reader, e, min, max, out)) budget_keys.valid = false;
    };
  };
  reader.read_fields(
      entry,
      {
          {"listen",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, listen_address_problem, &http->listen);
           }},
          {"path",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, http_path_problem, &http->path);
           }},
          {"max_body_bytes", budget_rule(&budget_keys.max_body_bytes_line, 1, kMaxBodyBytesLimit,
                                         &http->max_body_bytes)},
          {"threads",
           [&](const YamlEntry& e) {
             int threads = 0;
             read_integer_into(reader, e, 1, 1024, &threads);
             obsolete->push_back({e.key, e.line,
                                  "no longer used (every request is served by the reader threads); "
                                  "remove it"});
           }},
          {"delivery_timeout_ms",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 100, 600000, &http->delivery_timeout_ms);
           }},
          {"read_timeout_ms", timeout_rule(&http->read_timeout_ms)},
          {"write_timeout_ms", timeout_rule(&http->write_timeout_ms)},
          {"request_timeout_ms", timeout_rule(&http->request_timeout_ms)},
          {"keep_alive_timeout_ms", timeout_rule(&http->keep_alive_timeout_ms)},
          {"proxy_keep_alive_timeout_ms", timeout_rule(&http->proxy_keep_alive_timeout_ms)},
          {"keep_alive_max_requests",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 1000000, &http->keep_alive_max_requests);
           }},
          {"max_connections",
           budget_rule(&budget_keys.max_connections_line, 1, 100000, &http->max_connections)},
          {"max_connections_per_address",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 100000, &http->max_connections_per_address);
           }},
          {"max_header_bytes",
           budget_rule(&budget_keys.max_header_bytes_line, 1024, 1048576, &http->max_header_bytes)},
          {"max_headers",
           [&](const YamlEntry& e) { read_integer_into(reader, e, 1, 1000, &http->max_headers); }},
          {"memory_budget_bytes",
           budget_rule(&budget_keys.memory_budget_bytes_line, kMemoryBudgetMin, kMemoryBudgetMax,
                       &http->memory_budget_bytes)},
          {"tls", [&](const YamlEntry& e) { read_http_tls(reader, e, &http->tls); }},
          {"basic_auth",
           [&](const YamlEntry& e) { read_http_basic_auth(reader, e, &http->basic_auth); }},
      });
  if (budget_keys.valid) check_memory_budget(reader, entry, *http, budget_keys);
}

std::string admin_listen_problem(const std::string& listen) {
  return listen.empty() ? "" : listen_address_problem(listen);
}

void read_admin(YamlReader& reader, const YamlEntry& entry, AdminConfig* admin) {
  reader.read_fields(
      entry,
      {
          {"listen",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, admin_listen_problem, &admin->listen);
           }},
          {"allow",
           [&](const YamlEntry& e) { reader.read_string_list(e, cidr_problem, &admin->allow); }},
          {"max_connections_per_address",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 100000, &admin->max_connections_per_address);
           }},
      });
}

// Warns about each trusted proxy that overlaps security.allow: what it forwards without
// X-Forwarded-For would be checked as coming from the proxy itself.
void warn_trusted_proxies_allowed(const SecurityConfig& security, const std::vector<int>& lines,
                                  std::vector<ConfigError>* warnings) {
  for (size_t i = 0; i < security.trusted_proxies.size(); ++i) {
    const std::string& proxy = security.trusted_proxies[i];
    for (const std::string& allowed : security.allow) {
      if (!cidrs_overlap(proxy, allowed)) continue;
      std::string overlap = proxy == allowed ? "is also in security.allow"
                                             : "overlaps " + allowed + " in security.allow";
      warnings->push_back({"security.trusted_proxies", lines[i],
                           proxy + " " + overlap +
                               ": requests it forwards without X-Forwarded-For are allowed as its "
                               "own"});
      break;
    }
  }
}

void read_security(YamlReader& reader, const YamlEntry& entry, SecurityConfig* security,
                   std::vector<ConfigError>* warnings) {
  std::vector<int> proxy_lines;  // the line of each trusted proxy
  reader.read_fields(
      entry,
      {
          {"allow",
           [&](const YamlEntry& e) { reader.read_string_list(e, cidr_problem, &security->allow); }},
          {"jumio_datacenters",
           [&](const YamlEntry& e) {
             reader.read_string_list(e, datacenter_problem, &security->jumio_datacenters);
           }},
          {"trusted_proxies",
           [&](const YamlEntry& e) {
             if (!reader.read_string_list(e, cidr_problem, &security->trusted_proxies)) return;
             for (const YAML::Node& item : e.value)
               proxy_lines.push_back(item.Mark().line >= 0 ? item.Mark().line + 1 : e.line);
           }},
          {"jumio_refresh_s",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 604800, &security->jumio_refresh_s);
           }},
      });
  proxy_lines.resize(security->trusted_proxies.size(), entry.line);
  warn_trusted_proxies_allowed(*security, proxy_lines, warnings);
}

// Warns about a linger under half a millisecond: under load librdkafka 2.0.2's broker threads then
// busy-poll while a partition waits for acknowledgements (its idempotent producer sends nothing
// more to a partition with five records unacknowledged, and the broker thread stops sleeping as
// soon as a waiting record's linger has passed). Measured at 64 connections: linger.ms 0 cost 7-14
// times the CPU per callback and answered a seventh of the rate.
void warn_short_linger(const YamlEntry& properties, const KafkaConfig& kafka,
                       std::vector<ConfigError>* warnings) {
  for (const char* name : {"linger.ms", "queue.buffering.max.ms"}) {
    const auto found = kafka.properties.find(name);
    if (found == kafka.properties.end()) continue;
    char* end = nullptr;
    const double ms = std::strtod(found->second.c_str(), &end);
    if (end == found->second.c_str() || *end != '\0' || !(ms < 0.5)) continue;
    int line = properties.line;
    for (auto it = properties.value.begin(); it != properties.value.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == name) line = it->first.Mark().line + 1;
    warnings->push_back(
        {"kafka.properties." + std::string(name), line,
         found->second + " is under 0.5 ms: under load librdkafka's broker threads busy-poll "
                         "while partitions wait for acknowledgements (the daemon's default is 1)"});
  }
}

void read_kafka(YamlReader& reader, const YamlEntry& entry, KafkaConfig* kafka,
                std::vector<ConfigError>* warnings) {
  auto property_problem = [](const std::string& key, const std::string&) {
    std::string problem = kafka_property_name_problem(key);
    return problem.empty() ? kafka_property_conflict(key) : problem;
  };
  reader.read_fields(entry,
                     {
                         {"brokers",
                          [&](const YamlEntry& e) {
                            read_checked_string(reader, e, broker_list_problem, &kafka->brokers);
                          }},
                         {"properties",
                          [&](const YamlEntry& e) {
                            if (reader.read_scalar_map(e, property_problem, &kafka->properties))
                              warn_short_linger(e, *kafka, warnings);
                          }},
                     });
}

void read_topics(YamlReader& reader, const YamlEntry& entry, TopicsConfig* topics) {
  auto override_problem = [](const std::string& key, const std::string& topic) {
    std::string problem = override_key_problem(key);
    if (problem.empty() && !topic_name_problem(topic).empty()) {
      problem = "names a topic that " + topic_name_problem(topic);
    }
    return problem;
  };
  reader.read_fields(
      entry, {
                 {"template",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, topic_template_problem, &topics->topic_template);
                  }},
                 {"overrides",
                  [&](const YamlEntry& e) {
                    reader.read_scalar_map(e, override_problem, &topics->overrides);
                  }},
                 {"deadletter",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, topic_name_problem, &topics->deadletter);
                  }},
                 {"workflow_callbacks",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, topic_name_problem, &topics->workflow_callbacks);
                  }},
             });
}

std::string spool_dir_problem(const std::string& dir) {
  return dir.empty() ? "is empty; expected a directory" : "";
}

void read_spool(YamlReader& reader, const YamlEntry& entry, SpoolConfig* spool) {
  reader.read_fields(entry, {
                                {"dir",
                                 [&](const YamlEntry& e) {
                                   read_checked_string(reader, e, spool_dir_problem, &spool->dir);
                                 }},
                                {"max_bytes",
                                 [&](const YamlEntry& e) {
                                   read_integer_into(reader, e, 1, kUnbounded, &spool->max_bytes);
                                 }},
                                {"ack_timeout_ms",
                                 [&](const YamlEntry& e) {
                                   read_integer_into(reader, e, 100, 600000,
                                                     &spool->ack_timeout_ms);
                                 }},
                            });
}

void read_privacy(YamlReader& reader, const YamlEntry& entry, PrivacyConfig* privacy) {
  reader.read_fields(entry, {
                                {"drop_fields",
                                 [&](const YamlEntry& e) {
                                   reader.read_string_list(e, drop_field_problem,
                                                           &privacy->drop_fields);
                                 }},
                                {"netverify_masking",
                                 [&](const YamlEntry& e) {
                                   std::string text;
                                   if (!reader.read_string(e, &text)) return;
                                   if (text == "true" || text == "false") {
                                     privacy->netverify_masking = text == "true";
                                   } else {
                                     reader.error(e, "expected true or false");
                                   }
                                 }},
                            });
}

void read_retrieval(YamlReader& reader, const YamlEntry& entry, RetrievalConfig* retrieval) {
  reader.read_fields(
      entry,
      {
          {"datacenter",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, datacenter_problem, &retrieval->datacenter);
           }},
          {"base_url",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, retrieval_base_url_problem, &retrieval->base_url);
           }},
          {"user_agent",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, user_agent_problem, &retrieval->user_agent);
           }},
          {"timeout_ms",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 100, 600000, &retrieval->timeout_ms);
           }},
          {"max_requests_per_second",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 1000, &retrieval->max_requests_per_second);
           }},
          {"max_attempts",
           [&](const YamlEntry& e) {
             read_integer_into(reader, e, 1, 100, &retrieval->max_attempts);
           }},
          {"ca_file", [&](const YamlEntry& e) { reader.read_string(e, &retrieval->ca_file); }},
          {"auth",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, retrieval_auth_problem, &retrieval->auth);
           }},
          {"token_url",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, retrieval_base_url_problem, &retrieval->token_url);
           }},
          {"platform_base_url",
           [&](const YamlEntry& e) {
             read_checked_string(reader, e, retrieval_base_url_problem,
                                 &retrieval->platform_base_url);
           }},
          {"api_token",
           [&](const YamlEntry& e) {
             reader.error(e,
                          "is a secret: set JUMIO_BRIDGE_RETRIEVAL_API_TOKEN or the credential "
                          "retrieval.api_token instead");
           }},
          {"api_secret",
           [&](const YamlEntry& e) {
             reader.error(e,
                          "is a secret: set JUMIO_BRIDGE_RETRIEVAL_API_SECRET or the "
                          "credential retrieval.api_secret instead");
           }},
      });
}

void read_reconcile(YamlReader& reader, const YamlEntry& entry, ReconcileConfig* reconcile) {
  reader.read_fields(
      entry, {
                 {"expected_topic",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, topic_name_problem, &reconcile->expected_topic);
                  }},
                 {"group",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, consumer_group_problem, &reconcile->group);
                  }},
                 {"grace_s",
                  [&](const YamlEntry& e) {
                    read_integer_into(reader, e, 0, 31 * 86400, &reconcile->grace_s);
                  }},
                 {"schedule_s",
                  [&](const YamlEntry& e) {
                    std::vector<std::string> texts;
                    if (!reader.read_string_list(e, schedule_step_problem, &texts)) return;
                    if (texts.empty()) {
                      reader.error(e, "is empty; expected at least one wait in seconds");
                      return;
                    }
                    reconcile->schedule_s.clear();
                    for (const auto& text : texts) reconcile->schedule_s.push_back(std::stoi(text));
                  }},
                 {"daily_for_days",
                  [&](const YamlEntry& e) {
                    read_integer_into(reader, e, 0, 365, &reconcile->daily_for_days);
                  }},
                 {"state_topic",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, topic_name_problem, &reconcile->state_topic);
                  }},
                 {"admin_listen",
                  [&](const YamlEntry& e) {
                    read_checked_string(reader, e, admin_listen_problem, &reconcile->admin_listen);
                  }},
             });
}

void read_log(YamlReader& reader, const YamlEntry& entry, LogConfig* log) {
  reader.read_fields(entry, {
                                {"level",
                                 [&](const YamlEntry& e) {
                                   read_checked_string(reader, e, log_level_problem, &log->level);
                                 }},
                            });
}

void read_document(YamlReader& reader, const YAML::Node& document, Config* config) {
  YamlEntry root{"", 1, document};
  if (!document.IsNull() && !document.IsMap()) {
    reader.error(root, "expected a mapping of sections (http, security, kafka, ...)");
    return;
  }
  reader.read_fields(
      root,
      {
          {"http",
           [&](const YamlEntry& e) { read_http(reader, e, &config->http, &config->obsolete); }},
          {"admin", [&](const YamlEntry& e) { read_admin(reader, e, &config->admin); }},
          {"security",
           [&](const YamlEntry& e) {
             read_security(reader, e, &config->security, &config->warnings);
           }},
          {"kafka",
           [&](const YamlEntry& e) { read_kafka(reader, e, &config->kafka, &config->warnings); }},
          {"topics", [&](const YamlEntry& e) { read_topics(reader, e, &config->topics); }},
          {"spool", [&](const YamlEntry& e) { read_spool(reader, e, &config->spool); }},
          {"log", [&](const YamlEntry& e) { read_log(reader, e, &config->log); }},
          {"privacy", [&](const YamlEntry& e) { read_privacy(reader, e, &config->privacy); }},
          {"retrieval", [&](const YamlEntry& e) { read_retrieval(reader, e, &config->retrieval); }},
          {"reconcile", [&](const YamlEntry& e) { read_reconcile(reader, e, &config->reconcile); }},
      });
}

// Sees document starts and nothing else.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last_start_line = mark.line + 1; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  int last_start_line = 0;
};

// How many documents the text holds, counting at most two. yaml-cpp 0.7's LoadAll loops for ever
// on some malformed input (a stray ',' at the start of a line: yaml-cpp #1040, fixed upstream by
// #1319), so the count is bounded here and the first document is loaded with Load.
int count_documents(const std::string& yaml_text, int* second_line) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  int documents = 0;
  while (documents < 2 && parser.HandleNextDocument(counter)) ++documents;
  *second_line = documents > 1 ? counter.last_start_line : 0;
  return documents;
}

}  // namespace

std::vector<ConfigError> parse_config(const std::string& yaml_text, Config* config) {
  std::vector<ConfigError> errors;
  Config parsed;
  YamlReader reader(&errors);
  try {
    int second_document_line = 0;
    if (count_documents(yaml_text, &second_document_line) > 1) {
      errors.push_back({"", second_document_line,
                        "a second YAML document (or a line that cannot be parsed) starts here; the "
                        "config is one document"});
    } else {
      read_document(reader, YAML::Load(yaml_text), &parsed);
    }
  } catch (const YAML::Exception& e) {
    errors.push_back({"", e.mark.line >= 0 ? e.mark.line + 1 : 0, "invalid YAML: " + e.msg});
  } catch (const std::exception& e) {
    errors.push_back({"", 0, std::string("cannot read the config: ") + e.what()});
  }
  if (errors.empty()) *config = std::move(parsed);
  return errors;
}

std::vector<ConfigError> load_config(const std::string& path, Config* config) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return {ConfigError{"", 0, "cannot read the config file: it is a directory"}};
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::string reason = errno != 0 ? std::strerror(errno) : "cannot open it";
    return {ConfigError{"", 0, "cannot read the config file: " + reason}};
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return {ConfigError{"", 0, "cannot read the config file: read error"}};
  return parse_config(text.str(), config);
}

std::string format_error(const std::string& path, const ConfigError& error) {
  std::string text = path;
  if (error.line > 0) text += ":" + std::to_string(error.line);
  text += ": ";
  if (!error.key.empty()) text += error.key + ": ";
  return text + error.message;
}

}  // namespace jb::config
