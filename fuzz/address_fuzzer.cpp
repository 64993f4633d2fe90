// Address conversion: any JSON value the callback stage accepts (parse_json_value: valid UTF-8,
// bounded depth) converts to a Raw address object with a UTF-8 formattedAddress, or is reported as
// not convertible. The first byte picks the country member's name.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "address/address.h"
#include "callback/json_value.h"
#include "common/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto key =
      (data[0] & 1) ? jb::address::CountryKey::country_code : jb::address::CountryKey::country;
  rapidjson::Document output;
  rapidjson::Value input;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!jb::callback::parse_json_value(text, &input, output.GetAllocator())) return 0;
  rapidjson::Value raw;
  jb::address::Conversion conversion;
  bool converted = jb::address::to_raw(input, key, &raw, output.GetAllocator(), &conversion);
  if (!raw.IsObject()) std::abort();
  if (!converted) return 0;
  auto formatted = raw.FindMember("formattedAddress");
  if (formatted == raw.MemberEnd() || !formatted->value.IsString()) std::abort();
  if (!jb::is_valid_utf8(formatted->value.GetString())) std::abort();
  return 0;
}
