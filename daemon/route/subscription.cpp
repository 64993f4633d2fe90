#include "route/subscription.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace jb::route {
namespace {

constexpr std::string_view kTypePlaceholder = "{type}";
constexpr std::string_view kStatusPlaceholder = "{status}";
constexpr std::string_view kTypePattern = "(netverify|authentication|document|workflow)";
constexpr std::string_view kStatusPattern = "[a-z0-9_.-]+";

std::string escape_regex(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (std::strchr(".[]()*+?{}|^$\\", c) != nullptr) out += '\\';
    out += c;
  }
  return out;
}

std::string template_regex(std::string_view topic_template) {
  std::string regex = "^";
  while (!topic_template.empty()) {
    const size_t type_at = topic_template.find(kTypePlaceholder);
    const size_t status_at = topic_template.find(kStatusPlaceholder);
    const size_t next = std::min(type_at, status_at);
    regex += escape_regex(topic_template.substr(0, next));
    if (next == std::string_view::npos) break;
    const bool is_type = next == type_at;
    regex += is_type ? kTypePattern : kStatusPattern;
    topic_template.remove_prefix(next + (is_type ? kTypePlaceholder : kStatusPlaceholder).size());
  }
  return regex + "$";
}

}  // namespace

std::vector<std::string> routed_topics(const config::TopicsConfig& topics) {
  std::vector<std::string> out = {template_regex(topics.topic_template)};
  const auto add = [&out](const std::string& topic) {
    if (std::find(out.begin(), out.end(), topic) == out.end()) out.push_back(topic);
  };
  for (const auto& [route, topic] : topics.overrides) add(topic);
  add(topics.workflow_callbacks);
  add(topics.deadletter);
  return out;
}

}  // namespace jb::route
