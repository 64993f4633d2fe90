// Type-checked reads from a yaml-cpp tree that collect every error with its dotted key and line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace jb::config {

// One value in the tree: its dotted key, its 1-based line, and the node.
struct YamlEntry {
  std::string key;
  int line = 0;
  YAML::Node value;
};

// How one key of a mapping is read.
struct FieldRule {
  const char* name;
  std::function<void(const YamlEntry&)> read;
};

class YamlReader {
 public:
  explicit YamlReader(std::vector<ConfigError>* errors) : errors_(errors) {}

  // Records an error at entry's key and line.
  void error(const YamlEntry& entry, const std::string& message);
  // Records `problem` unless it is empty (the convention of validate.h).
  void check(const YamlEntry& entry, const std::string& problem);

  // Dispatches each key of a mapping to its rule; null is an empty mapping; unknown and duplicate
  // keys are errors.
  void read_fields(const YamlEntry& entry, const std::vector<FieldRule>& rules);
  // A string scalar; false (with an error) for null, lists and mappings.
  bool read_string(const YamlEntry& entry, std::string* out);
  // An unquoted integer within [min, max].
  bool read_integer(const YamlEntry& entry, int64_t min, int64_t max, int64_t* out);
  // A list of strings, each checked by `item_problem`; entries are keyed "key[index]".
  bool read_string_list(const YamlEntry& entry,
                        const std::function<std::string(const std::string&)>& item_problem,
                        std::vector<std::string>* out);
  // A mapping of string keys to scalar values (numbers and booleans as their text), each pair
  // checked by `entry_problem(name, value)`; entries are keyed "key.name".
  bool read_scalar_map(
      const YamlEntry& entry,
      const std::function<std::string(const std::string&, const std::string&)>& entry_problem,
      std::map<std::string, std::string>* out);

 private:
  std::vector<ConfigError>* errors_;
};

// The entry of a mapping value: null values take the line of their key, which yaml-cpp marks
// better than the empty value.
YamlEntry child_entry(const std::string& key, const YAML::Node& key_node, const YAML::Node& value);

}  // namespace jb::config
