#include "callback/platform.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>

#include "callback/event_id.h"
#include "callback/json_value.h"
#include "callback/timestamp.h"
#include "common/json_writer.h"
#include "common/utf8.h"

namespace jb::callback {
namespace {

// Iterative parsing: RapidJSON's recursive parser would recurse once per nesting level of the body.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;

std::string_view skip_whitespace(std::string_view text) {
  size_t at = 0;
  while (at < text.size() &&
         (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
    ++at;
  }
  return text.substr(at);
}

// Reads the body's events without building it: whether the top-level object has a member
// workflowExecution whose value opens an object.
struct ShapeHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ShapeHandler> {
  int depth = 0;
  bool expecting_workflow_execution = false;
  bool found = false;

  bool Default() {
    expecting_workflow_execution = false;
    return true;
  }
  bool StartObject() {
    if (depth == 1 && expecting_workflow_execution) found = true;
    expecting_workflow_execution = false;
    ++depth;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool StartArray() {
    expecting_workflow_execution = false;
    ++depth;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    expecting_workflow_execution =
        depth == 1 && std::string_view(text, length) == "workflowExecution";
    return true;
  }
};

// The first problem of a string or member name anywhere in `value`: a NUL (\u0000), or text that
// is not UTF-8 (RapidJSON decodes a lone low surrogate escape, \udc00, into bytes that are not).
// The depth is bounded by kMaxJsonDepth before parsing.
std::optional<std::string> unclean_string(const rapidjson::Value& value) {
  auto problem_of = [](const rapidjson::Value& text) -> std::optional<std::string> {
    const std::string_view view(text.GetString(), text.GetStringLength());
    if (view.find('\0') != std::string_view::npos)
      return std::string("the body has a NUL character (\\u0000) in a string");
    if (!is_valid_utf8(view)) return std::string("the body has a string that is not UTF-8");
    return std::nullopt;
  };
  if (value.IsString()) return problem_of(value);
  if (value.IsArray()) {
    for (const auto& item : value.GetArray())
      if (auto problem = unclean_string(item)) return problem;
  } else if (value.IsObject()) {
    for (const auto& entry : value.GetObject()) {
      if (auto problem = problem_of(entry.name)) return problem;
      if (auto problem = unclean_string(entry.value)) return problem;
    }
  }
  return std::nullopt;
}

std::string_view text_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

Failure invalid(std::string detail, std::string reference = {}) {
  return Failure{DeadLetterReason::platform_invalid, std::move(detail), std::move(reference)};
}

// True when two members of an object have the same name: which one counts would be a guess.
bool has_repeated_member(const rapidjson::Value& object) {
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (const auto& entry : object.GetObject()) names.push_back(text_of(entry.name));
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// A required object member: "<path> is absent" / "<path> is not an object" / "<path> has a
// repeated member".
std::optional<std::string> require_object(const rapidjson::Value& object, std::string_view name,
                                          std::string_view path, const rapidjson::Value** out) {
  *out = member(object, name);
  if (*out == nullptr) return std::string(path) + " is absent";
  if (!(*out)->IsObject()) return std::string(path) + " is not an object";
  if (has_repeated_member(**out)) return std::string(path) + " has a repeated member";
  return std::nullopt;
}

// A required UUID member.
std::optional<std::string> require_uuid(const rapidjson::Value& object, std::string_view name,
                                        std::string_view path, std::string* out) {
  const rapidjson::Value* value = member(object, name);
  if (value == nullptr) return std::string(path) + " is absent";
  if (!value->IsString()) return std::string(path) + " is not a string";
  if (!is_uuid(text_of(*value))) return std::string(path) + " is not a UUID";
  out->assign(text_of(*value));
  return std::nullopt;
}

// An optional string member: absent or null gives nothing.
std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view name,
                                           std::string_view path, std::optional<std::string>* out) {
  const rapidjson::Value* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->IsString()) return std::string(path) + " is not a string";
  *out = std::string(text_of(*value));
  return std::nullopt;
}

// What a platform callback says, checked.
struct Announcement {
  std::string execution_id;
  std::string status;
  std::string account_id;
  std::optional<std::string> definition_key;
  std::optional<std::string> callback_sent_at;  // canonical
  std::optional<std::string> user_reference;
};

// Reads and checks the members; on failure, the detail naming the member (out->execution_id is
// set once the id was read, so the dead letter is keyed by it).
std::optional<std::string> read_announcement(const rapidjson::Value& body, Announcement* out) {
  if (has_repeated_member(body)) return std::string("the body has a repeated member");
  const rapidjson::Value* execution = nullptr;
  if (auto problem = require_object(body, "workflowExecution", "workflowExecution", &execution))
    return problem;
  if (auto problem = require_uuid(*execution, "id", "workflowExecution.id", &out->execution_id))
    return problem;
  const rapidjson::Value* status = member(*execution, "status");
  if (status == nullptr) return std::string("workflowExecution.status is absent");
  if (!status->IsString()) return std::string("workflowExecution.status is not a string");
  if (status->GetStringLength() == 0) return std::string("workflowExecution.status is empty");
  out->status.assign(text_of(*status));
  if (auto problem = optional_string(*execution, "definitionKey", "workflowExecution.definitionKey",
                                     &out->definition_key))
    return problem;
  const rapidjson::Value* account = nullptr;
  if (auto problem = require_object(body, "account", "account", &account)) return problem;
  if (auto problem = require_uuid(*account, "id", "account.id", &out->account_id)) return problem;
  std::optional<std::string> sent_at;
  if (auto problem = optional_string(body, "callbackSentAt", "callbackSentAt", &sent_at))
    return problem;
  if (sent_at) {
    std::string canonical;
    if (!canonical_timestamp(*sent_at, &canonical))
      return std::string("callbackSentAt is not a timestamp");
    out->callback_sent_at = std::move(canonical);
  }
  return optional_string(body, "userReference", "userReference", &out->user_reference);
}

void write_optional(SafeJsonWriter& writer, const std::optional<std::string>& text) {
  if (text) {
    writer.String(text->data(), static_cast<rapidjson::SizeType>(text->size()));
  } else {
    writer.Null();
  }
}

void write_string(SafeJsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string notification_json(const Announcement& announcement, const std::string& event_id,
                              const std::string& received_at) {
  rapidjson::StringBuffer buffer;
  SafeJsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("eventId");
  write_string(writer, event_id);
  writer.Key("schemaVersion");
  writer.Int(1);
  writer.Key("callbackType");
  write_string(writer, kind_callback_type(Kind::workflow));
  writer.Key("status");
  write_string(writer, announcement.status);
  writer.Key("reference");
  write_string(writer, announcement.execution_id);
  writer.Key("accountId");
  write_string(writer, announcement.account_id);
  writer.Key("definitionKey");
  write_optional(writer, announcement.definition_key);
  writer.Key("workflowStatus");
  write_string(writer, announcement.status);
  writer.Key("callbackSentAt");
  write_optional(writer, announcement.callback_sent_at);
  writer.Key("receivedAt");
  write_string(writer, received_at);
  writer.Key("userReference");
  write_optional(writer, announcement.user_reference);
  writer.Key("origin");
  write_string(writer, origin_name(Origin::callback));
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool is_platform_callback(std::string_view body) {
  body = skip_whitespace(body);
  if (body.empty() || body.front() != '{') return false;
  ShapeHandler handler;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(body.data(), body.size());
  reader.Parse<kParseFlags>(stream, handler);
  return !reader.HasParseError() && handler.found;
}

Result<Event> normalize_platform_callback(std::string_view body,
                                          std::chrono::system_clock::time_point received_at) {
  if (std::memchr(body.data(), '\0', body.size()) != nullptr)
    return invalid("the body holds a NUL byte");
  if (!is_valid_utf8(body)) return invalid("the body is not valid UTF-8");
  if (nests_deeper_than(body, kMaxJsonDepth)) {
    return invalid("the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  rapidjson::Document document;
  document.Parse<kParseFlags | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    return invalid("the body is not valid JSON (" +
                   std::string(rapidjson::GetParseError_En(document.GetParseError())) +
                   " at offset " + std::to_string(document.GetErrorOffset()) + ")");
  }
  if (!document.IsObject()) return invalid("the body is not a JSON object");
  if (auto problem = unclean_string(document)) return invalid(std::move(*problem));

  Announcement announcement;
  if (auto problem = read_announcement(document, &announcement))
    return invalid(std::move(*problem), announcement.execution_id);

  std::vector<FormField> identifying = {
      {"workflowExecution.id", announcement.execution_id},
      {"workflowExecution.status", announcement.status},
  };
  if (announcement.callback_sent_at)
    identifying.emplace_back("callbackSentAt", *announcement.callback_sent_at);

  Event event;
  event.kind = Kind::workflow;
  event.origin = Origin::callback;
  event.notification = true;
  event.event_id = event_id(identifying);
  event.status = announcement.status;
  event.reference = announcement.execution_id;
  event.callback_date = announcement.callback_sent_at.value_or("");
  event.received_at = format_timestamp(received_at);
  event.json = notification_json(announcement, event.event_id, event.received_at);
  return event;
}

bool is_terminal_workflow_status(std::string_view status) {
  return status == "PROCESSED" || status == "SESSION_EXPIRED" || status == "TOKEN_EXPIRED";
}

bool is_documented_workflow_status(std::string_view status) {
  return is_terminal_workflow_status(status) || status == "INITIATED" || status == "ACQUIRED";
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

bool parse_notification(std::string_view value, Notification* out) {
  if (nests_deeper_than(value, kMaxJsonDepth)) return false;
  rapidjson::Document document;
  document.Parse<kParseFlags | rapidjson::kParseValidateEncodingFlag>(value.data(), value.size());
  if (document.HasParseError() || !document.IsObject()) return false;
  auto string_of = [&document](std::string_view name) -> std::optional<std::string_view> {
    const rapidjson::Value* found = member(document, name);
    if (found == nullptr || !found->IsString()) return std::nullopt;
    return text_of(*found);
  };
  const auto callback_type = string_of("callbackType");
  const auto reference = string_of("reference");
  const auto account_id = string_of("accountId");
  const auto status = string_of("workflowStatus");
  if (!callback_type || *callback_type != kind_callback_type(Kind::workflow)) return false;
  if (!reference || !is_uuid(*reference) || !account_id || !is_uuid(*account_id)) return false;
  if (!status || status->empty()) return false;
  Notification notification;
  notification.event_id = std::string(string_of("eventId").value_or(""));
  notification.execution_id = std::string(*reference);
  notification.account_id = std::string(*account_id);
  notification.definition_key = std::string(string_of("definitionKey").value_or(""));
  notification.status = std::string(*status);
  *out = std::move(notification);
  return true;
}

}  // namespace jb::callback
