// Normalisation of one callback kind: JB_FUZZ_BODY_PREFIX (e.g. "callBackType=NETVERIFYID&") is
// put before the input so the fuzzer stays within that kind. Any body gives an event or a
// dead-letter reason; an event is valid UTF-8 JSON whose reference is its key.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "callback/normalize.h"
#include "common/utf8.h"

#ifndef JB_FUZZ_BODY_PREFIX
#define JB_FUZZ_BODY_PREFIX ""
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body = JB_FUZZ_BODY_PREFIX;
  body.append(reinterpret_cast<const char*>(data), size);
  const auto received_at = std::chrono::system_clock::time_point(std::chrono::seconds(1600000000));
  auto result = jb::callback::normalize({body, "application/x-www-form-urlencoded", received_at});
  if (!result.ok()) {
    if (!jb::is_valid_utf8(result.failure().detail)) std::abort();
    return 0;
  }
  const jb::callback::Event& event = result.value();
  if (!jb::is_valid_utf8(event.json) || event.reference.empty()) std::abort();
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseValidateEncodingFlag>(event.json.data(), event.json.size());
  if (parsed.HasParseError() || !parsed.IsObject() || !parsed.HasMember("data")) std::abort();
  const auto& reference = parsed["reference"];
  if (!reference.IsString() || event.reference != reference.GetString()) std::abort();
  return 0;
}
