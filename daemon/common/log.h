// Structured logs: one JSON object per line. Fields carry references and reason codes, never PII.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace jb::log {

enum class Level { debug, info, warn, error };

bool parse_level(std::string_view name, Level* level);
void set_level(Level level);
// Logs go to stderr unless the daemon (serve) sends them to stdout for journald.
void use_stdout(bool yes);

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// {"ts":"…","level":"info","msg":"…", field: value, …} on one line; fields with an empty value are
// left out. Below the set level (info by default) nothing is written.
void write(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view m, Fields f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, Fields f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, Fields f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, Fields f = {}) {
  write(Level::error, m, f);
}

}  // namespace jb::log
