#include "callback/event_writer.h"

#include "callback/json_out.h"
#include "common/utf8.h"

namespace jb::callback {
namespace {

using json_out::Bytes;
using json_out::JsonOut;

void write_warnings(JsonOut& out, const std::vector<Warning>& warnings) {
  out.raw('[');
  bool first = true;
  for (const auto& warning : warnings) {
    out.raw(first ? "{\"field\":" : ",{\"field\":");
    first = false;
    out.string(warning.field);
    out.raw(",\"problem\":");
    out.string(warning.problem);
    out.raw('}');
  }
  out.raw(']');
}

// The members before data, and "data": (the event writer's fixed order). Room for all but the
// warnings is made once.
void write_head(Bytes& buffer, JsonOut& out, Kind kind, Origin origin, const std::string& event_id,
                const Envelope& envelope, const std::string& received_at,
                const std::vector<Warning>& warnings) {
  const std::string_view origin_text = origin_name(origin);
  const std::string_view callback_type = kind_callback_type(kind);
  const auto optional_room = [](const std::optional<std::string_view>& text) {
    return text ? JsonOut::string_room(*text) : 4;
  };
  // The members' names and punctuation are fewer than 256 bytes.
  const size_t room =
      256 + JsonOut::string_room(event_id) + JsonOut::string_room(origin_text) +
      JsonOut::string_room(callback_type) + JsonOut::string_room(envelope.status) +
      JsonOut::string_room(envelope.reference) + optional_room(envelope.merchant_reference) +
      optional_room(envelope.customer_id) + optional_room(envelope.transaction_date) +
      optional_room(envelope.callback_date) + JsonOut::string_room(received_at);
  const auto put_optional = [](const std::optional<std::string_view>& text, char* write) {
    return text ? JsonOut::put_string(*text, write) : JsonOut::put_raw("null", write);
  };
  char* write = buffer.room(room);
  write = JsonOut::put_raw("{\"eventId\":", write);
  write = JsonOut::put_string(event_id, write);
  write = JsonOut::put_raw(",\"schemaVersion\":1,\"origin\":", write);
  write = JsonOut::put_string(origin_text, write);
  write = JsonOut::put_raw(",\"callbackType\":", write);
  write = JsonOut::put_string(callback_type, write);
  write = JsonOut::put_raw(",\"status\":", write);
  write = JsonOut::put_string(envelope.status, write);
  write = JsonOut::put_raw(",\"reference\":", write);
  write = JsonOut::put_string(envelope.reference, write);
  write = JsonOut::put_raw(",\"merchantReference\":", write);
  write = put_optional(envelope.merchant_reference, write);
  write = JsonOut::put_raw(",\"customerId\":", write);
  write = put_optional(envelope.customer_id, write);
  write = JsonOut::put_raw(",\"transactionDate\":", write);
  write = put_optional(envelope.transaction_date, write);
  write = JsonOut::put_raw(",\"callbackDate\":", write);
  write = put_optional(envelope.callback_date, write);
  write = JsonOut::put_raw(",\"receivedAt\":", write);
  write = JsonOut::put_string(received_at, write);
  write = JsonOut::put_raw(",\"warnings\":", write);
  buffer.commit(write);
  write_warnings(out, warnings);
  out.raw(",\"data\":");
}

// The buffer the event is written into: one per thread, reused, its memory staying at the largest
// event seen.
Bytes& event_buffer() {
  thread_local Bytes buffer;
  buffer.clear();
  return buffer;
}

bool finish(JsonOut& out, const Bytes& buffer, std::string* json) {
  out.raw('}');
  if (!is_valid_utf8(buffer.view())) return false;
  json->assign(buffer.view());
  return true;
}

}  // namespace

bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, const rapidjson::Value& data,
                      std::string* json) {
  Bytes& buffer = event_buffer();
  JsonOut out(&buffer);
  write_head(buffer, out, kind, origin, event_id, envelope, received_at, warnings);
  if (!out.any(data)) return false;
  return finish(out, buffer, json);
}

bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, std::string_view data_json,
                      std::string* json) {
  Bytes& buffer = event_buffer();
  JsonOut out(&buffer);
  write_head(buffer, out, kind, origin, event_id, envelope, received_at, warnings);
  out.raw(data_json);
  return finish(out, buffer, json);
}

}  // namespace jb::callback
