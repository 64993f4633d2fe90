// Form decoding: any bytes give fields or a dead-letter reason; decoded fields are valid UTF-8
// without NUL bytes and their names are unique.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "callback/form.h"
#include "common/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto result = jb::callback::decode_form(body);
  if (!result.ok()) return 0;
  std::set<std::string_view> names;
  for (const auto& [name, value] : result.value()) {
    if (!jb::is_valid_utf8(name) || !jb::is_valid_utf8(value)) std::abort();
    if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) std::abort();
    if (!names.insert(name).second) std::abort();
  }
  return 0;
}
