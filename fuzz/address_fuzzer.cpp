// Address conversion: any JSON value the callback stage accepts (parse_json_value: valid UTF-8,
// bounded depth) converts to a Raw address object with a UTF-8 formattedAddress, or is reported as
// not convertible. The first byte picks the country member's name. A converted address is valid
// against the schema's closed Raw address, and formattedAddress keeps the value of every member
// that was not reported as dropped (country members aside: they show as the country's name).
#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "address/address.h"
#include "callback/json_value.h"
#include "common/utf8.h"
#include "support/schema_check.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "address_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::string serialized(const rapidjson::Value& value) {
  return jb::schema::to_json(value);  // not Writer<StringBuffer>: see schema_check.h
}

}  // namespace

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

  const std::string raw_json = serialized(raw);
  const char* definition =
      key == jb::address::CountryKey::country
          ? "event.envelope.schema.json#/definitions/rawAddressWithCountry"
          : "event.envelope.schema.json#/definitions/rawAddressWithCountryCode";
  std::string error = jb::schema::schema_error(raw_json, definition);
  if (!error.empty()) fail("the Raw address fails the schema", error + "\naddress: " + raw_json);

  std::string_view formatted_text(formatted->value.GetString(), formatted->value.GetStringLength());
  for (const auto& member : input.GetObject()) {
    std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name == "country" || name == "countryCode" || name == "formattedAddress") continue;
    if (std::find(conversion.dropped.begin(), conversion.dropped.end(), name) !=
        conversion.dropped.end()) {
      continue;
    }
    std::string_view value(member.value.GetString(), member.value.GetStringLength());
    if (formatted_text.find(value) == std::string_view::npos) {
      fail("formattedAddress lost a member that was not dropped",
           std::string(name) + "\naddress: " + raw_json);
    }
  }
  return 0;
}
