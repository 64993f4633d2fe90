// Normalisation of one callback kind: JB_FUZZ_BODY_PREFIX (e.g. "callBackType=NETVERIFYID&") is
// put before the input so the fuzzer stays within that kind. Any body gives an event or a
// dead-letter reason; an event is valid UTF-8 JSON whose reference is its key, and it is valid
// against its schema in schemas/ with the envelope agreeing with data (the invariant "no event the
// daemon publishes fails its schema", checked in-process by tests/support/schema_check). A
// platform callback's notification has no data and is checked against its own schema.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "callback/normalize.h"
#include "common/utf8.h"
#include "support/schema_check.h"

#ifndef JB_FUZZ_BODY_PREFIX
#define JB_FUZZ_BODY_PREFIX ""
#endif

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail, const std::string& json) {
  std::fprintf(stderr, "normalize_fuzzer: %s: %s\nevent: %s\n", what, detail.c_str(), json.c_str());
  std::abort();
}

}  // namespace

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
  if (parsed.HasParseError() || !parsed.IsObject()) std::abort();
  if (parsed.HasMember("data") == event.notification) std::abort();
  const auto& reference = parsed["reference"];
  if (!reference.IsString() || event.reference != reference.GetString()) std::abort();
  std::string error = jb::schema::event_error(event.json);
  if (!error.empty()) fail("the event fails its schema", error, event.json);
  return 0;
}
