#include "route/deadletter.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_writer.h"
#include "common/sha256.h"
#include "common/utf8.h"

namespace jb::route {
namespace {

using Writer = SafeJsonWriter;  // a dead letter's body may hold any byte

void write_field(Writer& writer, const char* name, std::string_view text) {
  writer.Key(name);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// Copies member `name` into *out when it is a string; false when it is present but not a string.
bool read_optional_string(const rapidjson::Value& object, const char* name, std::string* out) {
  auto member = object.FindMember(name);
  if (member == object.MemberEnd()) return true;
  if (!member->value.IsString()) return false;
  out->assign(member->value.GetString(), member->value.GetStringLength());
  return true;
}

bool read_body(const rapidjson::Value& object, std::string* body) {
  auto text = object.FindMember("body");
  if (text != object.MemberEnd()) {
    if (!text->value.IsString()) return false;
    body->assign(text->value.GetString(), text->value.GetStringLength());
    return true;
  }
  auto encoded = object.FindMember("bodyBase64");
  if (encoded == object.MemberEnd() || !encoded->value.IsString()) return false;
  return base64_decode({encoded->value.GetString(), encoded->value.GetStringLength()}, body);
}

}  // namespace

std::string dead_letter_value(const DeadLetter& letter) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_field(writer, "reason", letter.reason);
  write_field(writer, "detail", letter.detail);
  write_field(writer, "receivedAt", letter.received_at);
  write_field(writer, "remoteAddr", letter.remote_addr);
  write_field(writer, "contentType", letter.content_type);
  if (is_valid_utf8(letter.body)) {
    write_field(writer, "body", letter.body);
  } else {
    write_field(writer, "bodyBase64", base64_encode(letter.body));
  }
  write_field(writer, "bodySha256", sha256_hex(letter.body));
  writer.Key("attempts");
  writer.Int(letter.attempts);
  if (!letter.origin.empty()) {
    write_field(writer, "origin", letter.origin);
    write_field(writer, "kind", letter.kind);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool parse_dead_letter(std::string_view value, DeadLetter* out) {
  rapidjson::Document document;
  document.Parse(value.data(), value.size());
  if (document.HasParseError() || !document.IsObject()) return false;

  DeadLetter letter;
  auto reason = document.FindMember("reason");
  if (reason == document.MemberEnd() || !reason->value.IsString()) return false;
  letter.reason.assign(reason->value.GetString(), reason->value.GetStringLength());

  auto attempts = document.FindMember("attempts");
  if (attempts == document.MemberEnd() || !attempts->value.IsInt() || attempts->value.GetInt() < 1)
    return false;
  letter.attempts = attempts->value.GetInt();

  if (!read_body(document, &letter.body)) return false;
  if (!read_optional_string(document, "detail", &letter.detail) ||
      !read_optional_string(document, "receivedAt", &letter.received_at) ||
      !read_optional_string(document, "remoteAddr", &letter.remote_addr) ||
      !read_optional_string(document, "contentType", &letter.content_type) ||
      !read_optional_string(document, "bodySha256", &letter.body_sha256) ||
      !read_optional_string(document, "origin", &letter.origin) ||
      !read_optional_string(document, "kind", &letter.kind))
    return false;
  *out = std::move(letter);
  return true;
}

}  // namespace jb::route
