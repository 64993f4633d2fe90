#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_writer.h"
#include "common/sha256.h"
#include "common/utf8.h"
#include "kafka/consumer.h"

namespace jb::kafka {
namespace {

using Writer = SafeJsonWriter;  // keys, headers and values may hold any byte

void write_string(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// "name": text when text is UTF-8, else "nameBase64": base64(text).
void write_bytes(Writer& writer, const char* name, std::string_view text) {
  if (is_valid_utf8(text)) {
    writer.Key(name);
    write_string(writer, text);
  } else {
    writer.Key((std::string(name) + "Base64").c_str());
    write_string(writer, base64_encode(text));
  }
}

}  // namespace

std::string message_json(const ConsumedMessage& message) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("topic");
  write_string(writer, message.topic);
  writer.Key("partition");
  writer.Int(message.partition);
  writer.Key("offset");
  writer.Int64(message.offset);
  write_bytes(writer, "key", message.key);
  writer.Key("headers");
  writer.StartObject();
  for (const auto& [name, value] : message.headers) write_bytes(writer, name.c_str(), value);
  writer.EndObject();

  rapidjson::Document value;
  value.Parse<rapidjson::kParseValidateEncodingFlag>(message.value.data(), message.value.size());
  if (!value.HasParseError()) {
    writer.Key("value");
    value.Accept(writer);
  } else {
    write_bytes(writer, "value", message.value);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace jb::kafka
