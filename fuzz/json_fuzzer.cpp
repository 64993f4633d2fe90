// JSON-valued parameters: parse_json_value (plain JSON read in one pass, the rest by RapidJSON)
// and RapidJSON's reader alone accept the same texts and give the same value, written out the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/json_value.h"
#include "callback/plain_json.h"
#include "common/json_writer.h"

namespace {

// With jb::SafeJsonWriter: RapidJSON's default Writer<StringBuffer> (RAPIDJSON_SSE2) leaves the
// control bytes 0x1A-0x1F unescaped inside a 16-byte aligned block, so two equal values whose
// strings sit at different alignments could be written differently.
std::string written(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  jb::SafeJsonWriter writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rapidjson::MemoryPoolAllocator<> allocator;
  rapidjson::Value both;
  rapidjson::Value by_rapidjson;
  const bool parsed = jb::callback::parse_json_value(text, &both, allocator);
  const bool parsed_by_rapidjson =
      jb::callback::parse_json_value_by_rapidjson(text, &by_rapidjson, allocator);
  if (parsed != parsed_by_rapidjson) std::abort();
  // Written out, not compared with ==: RapidJSON's == finds a repeated name's first member.
  if (parsed && written(both) != written(by_rapidjson)) std::abort();
  // Plain text is never refused by the reader that reads the rest.
  rapidjson::Value plain;
  if (jb::callback::parse_plain_json(text, &plain, allocator) == jb::callback::PlainJson::parsed &&
      !parsed_by_rapidjson)
    std::abort();
  return 0;
}
