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

// The members before data, and "data": (the event writer's fixed order).
void write_head(JsonOut& out, Kind kind, Origin origin, const std::string& event_id,
                const Envelope& envelope, const std::string& received_at,
                const std::vector<Warning>& warnings) {
  out.raw("{\"eventId\":");
  out.string(event_id);
  out.raw(",\"schemaVersion\":1,\"origin\":");
  out.string(origin_name(origin));
  out.raw(",\"callbackType\":");
  out.string(kind_callback_type(kind));
  out.raw(",\"status\":");
  out.string(envelope.status);
  out.raw(",\"reference\":");
  out.string(envelope.reference);
  out.raw(",\"merchantReference\":");
  out.optional(envelope.merchant_reference);
  out.raw(",\"customerId\":");
  out.optional(envelope.customer_id);
  out.raw(",\"transactionDate\":");
  out.optional(envelope.transaction_date);
  out.raw(",\"callbackDate\":");
  out.optional(envelope.callback_date);
  out.raw(",\"receivedAt\":");
  out.string(received_at);
  out.raw(",\"warnings\":");
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
  write_head(out, kind, origin, event_id, envelope, received_at, warnings);
  if (!out.any(data)) return false;
  return finish(out, buffer, json);
}

bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, std::string_view data_json,
                      std::string* json) {
  Bytes& buffer = event_buffer();
  JsonOut out(&buffer);
  write_head(out, kind, origin, event_id, envelope, received_at, warnings);
  out.raw(data_json);
  return finish(out, buffer, json);
}

}  // namespace jb::callback
