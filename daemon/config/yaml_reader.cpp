#include "config/yaml_reader.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>

namespace jb::config {
namespace {

int line_of(const YAML::Node& node) {
  int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? "a quoted string" : "a scalar";
    default:
      return "nothing";
  }
}

std::string join_key(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

std::string rule_names(const std::vector<FieldRule>& rules) {
  std::string names;
  for (const FieldRule& rule : rules) {
    if (!names.empty()) names += ", ";
    names += rule.name;
  }
  return names;
}

const FieldRule* find_rule(const std::vector<FieldRule>& rules, const std::string& name) {
  for (const FieldRule& rule : rules) {
    if (name == rule.name) return &rule;
  }
  return nullptr;
}

enum class IntegerParse { ok, not_a_number, out_of_range };

// Parses an optional '-' and decimal digits into an int64_t.
IntegerParse parse_integer(const std::string& text, int64_t* out) {
  bool negative = !text.empty() && text.front() == '-';
  size_t start = negative ? 1 : 0;
  if (text.size() == start) return IntegerParse::not_a_number;
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t magnitude = 0;
  bool overflow = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return IntegerParse::not_a_number;
    auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) overflow = true;
    if (!overflow) magnitude = magnitude * 10 + digit;
  }
  if (overflow) return IntegerParse::out_of_range;
  *out = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  return IntegerParse::ok;
}

// Plain YAML booleans become the spelling librdkafka expects.
std::string scalar_text(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "True" || text == "TRUE") return "true";
  if (text == "false" || text == "False" || text == "FALSE") return "false";
  return text;
}

}  // namespace

YamlEntry child_entry(const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
  int line = value.IsNull() ? 0 : line_of(value);
  return YamlEntry{key, line > 0 ? line : line_of(key_node), value};
}

void YamlReader::error(const YamlEntry& entry, const std::string& message) {
  errors_->push_back(ConfigError{entry.key, entry.line, message});
}

void YamlReader::check(const YamlEntry& entry, const std::string& problem) {
  if (!problem.empty()) error(entry, problem);
}

void YamlReader::read_fields(const YamlEntry& entry, const std::vector<FieldRule>& rules) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsMap()) {
    error(entry, "expected a mapping of " + rule_names(rules) + ", got " + kind_of(entry.value));
    return;
  }
  std::set<std::string> seen;
  for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
    YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      error({entry.key, line_of(key_node), key_node}, "has a key that is not a string");
      continue;
    }
    const std::string& name = key_node.Scalar();
    YamlEntry child = child_entry(join_key(entry.key, name), key_node, it->second);
    YamlEntry at_key{child.key, line_of(key_node), key_node};
    const FieldRule* rule = find_rule(rules, name);
    if (rule == nullptr) {
      error(at_key, "is not a known key; expected one of: " + rule_names(rules));
    } else if (!seen.insert(name).second) {
      error(at_key, "is given more than once");
    } else {
      rule->read(child);
    }
  }
}

bool YamlReader::read_string(const YamlEntry& entry, std::string* out) {
  if (entry.value.IsScalar()) {
    *out = entry.value.Scalar();
    return true;
  }
  error(entry, "expected a string, got " + kind_of(entry.value));
  return false;
}

bool YamlReader::read_integer(const YamlEntry& entry, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  if (!entry.value.IsScalar() || entry.value.Tag() == "!") {
    error(entry, "expected an integer, got " + kind_of(entry.value));
    return false;
  }
  IntegerParse parsed = parse_integer(entry.value.Scalar(), &value);
  if (parsed == IntegerParse::not_a_number) {
    error(entry, "expected an integer, got \"" + entry.value.Scalar() + "\"");
    return false;
  }
  bool unbounded = max == std::numeric_limits<int64_t>::max();
  if (parsed == IntegerParse::out_of_range && unbounded) {
    error(entry, "is too large");
    return false;
  }
  if (parsed == IntegerParse::out_of_range || value < min || value > max) {
    error(entry, unbounded
                     ? "must be at least " + std::to_string(min)
                     : "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  *out = value;
  return true;
}

bool YamlReader::read_string_list(
    const YamlEntry& entry, const std::function<std::string(const std::string&)>& item_problem,
    std::vector<std::string>* out) {
  if (!entry.value.IsSequence()) {
    error(entry, "expected a list ([] for none), got " + kind_of(entry.value));
    return false;
  }
  bool ok = true;
  std::vector<std::string> items;
  size_t index = 0;
  for (const YAML::Node& item : entry.value) {
    YamlEntry item_entry{entry.key + "[" + std::to_string(index++) + "]", 0, item};
    item_entry.line = item.IsNull() ? entry.line : line_of(item);
    std::string text;
    if (!read_string(item_entry, &text)) {
      ok = false;
      continue;
    }
    std::string problem = item_problem(text);
    if (!problem.empty()) {
      error(item_entry, problem);
      ok = false;
    }
    items.push_back(text);
  }
  if (ok) *out = std::move(items);
  return ok;
}

bool YamlReader::read_scalar_map(
    const YamlEntry& entry,
    const std::function<std::string(const std::string&, const std::string&)>& entry_problem,
    std::map<std::string, std::string>* out) {
  if (!entry.value.IsMap()) {
    error(entry, "expected a mapping ({} for none), got " + kind_of(entry.value));
    return false;
  }
  bool ok = true;
  std::map<std::string, std::string> values;
  for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
    YAML::Node key_node = it->first;
    if (!key_node.IsScalar() || key_node.Scalar().empty()) {
      error({entry.key, line_of(key_node), key_node}, "has a key that is not a non-empty string");
      ok = false;
      continue;
    }
    YamlEntry child = child_entry(entry.key + "." + key_node.Scalar(), key_node, it->second);
    if (!child.value.IsScalar()) {
      error(child, "expected a string, number or boolean, got " + kind_of(child.value));
      ok = false;
      continue;
    }
    std::string value = scalar_text(child.value);
    std::string problem = entry_problem(key_node.Scalar(), value);
    if (!problem.empty()) {
      error(child, problem);
      ok = false;
    } else if (!values.emplace(key_node.Scalar(), std::move(value)).second) {
      error(child, "is given more than once");
      ok = false;
    }
  }
  if (ok) *out = std::move(values);
  return ok;
}

}  // namespace jb::config
