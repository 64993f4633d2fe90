// Config errors and warnings as the commands print them, for test failure messages.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace jb::config {

inline std::string describe(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) text += format_error("config.yaml", error) + "\n";
  return text;
}

}  // namespace jb::config
