#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "common/log.h"
#include "config/validate.h"

namespace jb::config {
namespace {

constexpr size_t kMaxTopicLength = 249;

struct KindStatuses {
  std::string_view type;
  std::string_view
      statuses;  // the statuses Jumio sends for this kind, lower-cased, comma-separated
};

constexpr std::array<KindStatuses, 4> kKindStatuses = {{
    {"netverify",
     "approved_verified, denied_fraud, denied_unsupported_id_type, "
     "denied_unsupported_id_country, error_not_readable_id, no_id_uploaded"},
    {"authentication", "passed, failed, invalid, expired"},
    {"document", "uploaded, extracted, discarded, failed"},
    {"workflow", "passed, rejected, warning, not_executed"},
}};

// The longest expansions of the placeholders, to bound the length of a templated topic.
constexpr std::string_view kLongestType = "authentication";
constexpr std::string_view kLongestStatus = "denied_unsupported_id_country";

bool is_topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool lists_status(std::string_view statuses, std::string_view status) {
  while (!statuses.empty()) {
    size_t comma = statuses.find(", ");
    if (statuses.substr(0, comma) == status) return true;
    if (comma == std::string_view::npos) break;
    statuses.remove_prefix(comma + 2);
  }
  return false;
}

}  // namespace

std::string http_path_problem(const std::string& path) {
  if (path.empty() || path.front() != '/') return "must start with '/'";
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return "must not contain whitespace";
    if (c == '?' || c == '#') return "must be a path without query or fragment";
  }
  return "";
}

std::string topic_name_problem(const std::string& name) {
  if (name.empty()) return "is empty; expected a Kafka topic name";
  if (name.size() > kMaxTopicLength) return "is longer than 249 characters";
  if (name == "." || name == "..") return "cannot be \".\" or \"..\"";
  for (char c : name) {
    if (!is_topic_char(c)) return "may contain only a-z, A-Z, 0-9, '.', '_' and '-'";
  }
  return "";
}

std::string topic_template_problem(const std::string& topic_template) {
  if (topic_template.empty()) return "is empty; expected a topic name with {type} and {status}";
  size_t longest = 0;
  for (size_t i = 0; i < topic_template.size(); ++i) {
    char c = topic_template[i];
    if (c == '{') {
      size_t close = topic_template.find('}', i);
      if (close == std::string::npos) return "has '{' without the closing '}'";
      std::string name = topic_template.substr(i + 1, close - i - 1);
      if (name == "type") {
        longest += kLongestType.size();
      } else if (name == "status") {
        longest += kLongestStatus.size();
      } else {
        return "has the unknown placeholder {" + name + "}; only {type} and {status} exist";
      }
      i = close;
    } else if (c == '}') {
      return "has '}' without an opening '{'";
    } else if (!is_topic_char(c)) {
      return "may contain only a-z, A-Z, 0-9, '.', '_', '-' and the {type} and {status} "
             "placeholders";
    } else {
      ++longest;
    }
  }
  if (longest > kMaxTopicLength) return "can expand to a topic name longer than 249 characters";
  return "";
}

std::string override_key_problem(const std::string& key) {
  size_t dot = key.find('.');
  std::string_view type = std::string_view(key).substr(0, dot);
  for (const KindStatuses& kind : kKindStatuses) {
    if (kind.type != type) continue;
    if (dot == std::string::npos) return "must be \"{type}.{status}\", e.g. netverify.denied_fraud";
    std::string_view status = std::string_view(key).substr(dot + 1);
    if (lists_status(kind.statuses, status)) return "";
    return "is not a status Jumio sends for " + std::string(type) +
           "; expected one of (lower-case): " + std::string(kind.statuses);
  }
  return "must start with netverify, authentication, document or workflow, as in "
         "\"{type}.{status}\"";
}

std::string datacenter_problem(const std::string& name) {
  if (name == "US" || name == "EU" || name == "SGP") return "";
  return "is not a Jumio datacenter; expected US, EU or SGP";
}

std::string retrieval_auth_problem(const std::string& auth) {
  if (auth == "oauth2" || auth == "basic") return "";
  return "is not an authentication Jumio offers; expected oauth2 or basic";
}

std::string user_agent_problem(const std::string& user_agent) {
  if (user_agent.size() > 256) return "is longer than 256 characters";
  for (char c : user_agent) {
    if (c < 0x20 || c > 0x7e) return "must be printable ASCII";
  }
  return "";
}

std::string consumer_group_problem(const std::string& group) {
  if (group.empty()) return "is empty; expected a consumer group id";
  if (group.size() > 255) return "is longer than 255 characters";
  for (char c : group) {
    if (c <= 0x20 || c > 0x7e) return "must be printable ASCII without spaces";
  }
  return "";
}

std::string schedule_step_problem(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return "is not a whole number of seconds 1..86400";
  int seconds = std::stoi(text);
  if (seconds < 1 || seconds > 86400) return "is not a whole number of seconds 1..86400";
  return "";
}

std::string log_level_problem(const std::string& level) {
  log::Level parsed = log::Level::info;
  if (log::parse_level(level, &parsed)) return "";
  return "must be debug, info, warn or error";
}

std::string kafka_property_name_problem(const std::string& key) {
  const auto is_name_byte = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  if (key.empty() || !std::all_of(key.begin(), key.end(), is_name_byte)) {
    return "is not a librdkafka property name (letters, digits, '.', '_' and '-' only)";
  }
  return "";
}

std::string kafka_property_conflict(const std::string& key) {
  if (key == "enable.idempotence" || key == "acks" || key == "request.required.acks") {
    return "is fixed: the producer is always idempotent with acks=all";
  }
  if (key == "bootstrap.servers" || key == "metadata.broker.list") {
    return "is fixed: brokers come from kafka.brokers";
  }
  if (key == "transactional.id") {
    return "is not supported: the producer is idempotent, not transactional";
  }
  return "";
}

}  // namespace jb::config

namespace jb::config {

std::string basic_auth_user_problem(const std::string& user) {
  for (char c : user) {
    if (c == ':') return "must not contain ':'";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "must not contain control bytes";
  }
  return "";
}

std::string drop_field_problem(const std::string& field) {
  if (field.empty() || field.front() == '.' || field.back() == '.' ||
      field.find("..") != std::string::npos)
    return "is not a parameter name or dotted path such as idAddress.line1";
  for (char c : field) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return "may contain only letters, digits, '.', '_' and '-'";
  }
  return "";
}

}  // namespace jb::config
