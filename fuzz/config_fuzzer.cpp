// Config loading: any text gives a config or a list of errors, each with a message; a config that
// loads prints an effective config that loads again to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  jb::config::Config config;
  auto errors = jb::config::parse_config(text, &config);
  for (const auto& error : errors)
    if (error.message.empty()) std::abort();
  if (!errors.empty()) return 0;
  std::string effective = jb::config::effective_config_yaml(config);
  jb::config::Config again;
  if (!jb::config::parse_config(effective, &again).empty()) std::abort();
  if (jb::config::effective_config_yaml(again) != effective) std::abort();
  return 0;
}
