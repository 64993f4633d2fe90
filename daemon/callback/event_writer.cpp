#include "callback/event_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/utf8.h"

namespace jb::callback {
namespace {

// Every string reaching the writer was checked as UTF-8 when it was decoded (form values) or
// parsed (JSON-in-form values, with kParseValidateEncodingFlag), so the writer copies runs of
// plain characters without validating each one; the finished JSON is checked once instead.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

bool write_string(JsonWriter& writer, std::string_view text) {
  return writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

bool write_optional(JsonWriter& writer, const std::optional<std::string>& text) {
  return text ? write_string(writer, *text) : writer.Null();
}

bool write_warnings(JsonWriter& writer, const std::vector<Warning>& warnings) {
  bool ok = writer.StartArray();
  for (const auto& warning : warnings) {
    ok = ok && writer.StartObject() && writer.Key("field") && write_string(writer, warning.field) &&
         writer.Key("problem") && write_string(writer, warning.problem) && writer.EndObject();
  }
  return ok && writer.EndArray();
}

}  // namespace

bool write_event_json(Kind kind, const std::string& event_id, const Envelope& envelope,
                      const std::string& received_at, const std::vector<Warning>& warnings,
                      const rapidjson::Value& data, std::string* json) {
  // One buffer per thread, reused: its memory stays at the largest event seen.
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  JsonWriter writer(buffer);
  bool ok = writer.StartObject() && writer.Key("eventId") && write_string(writer, event_id) &&
            writer.Key("schemaVersion") && writer.Int(1) && writer.Key("callbackType") &&
            write_string(writer, kind_callback_type(kind)) && writer.Key("status") &&
            write_string(writer, envelope.status) && writer.Key("reference") &&
            write_string(writer, envelope.reference) && writer.Key("merchantReference") &&
            write_optional(writer, envelope.merchant_reference) && writer.Key("customerId") &&
            write_optional(writer, envelope.customer_id) && writer.Key("transactionDate") &&
            write_optional(writer, envelope.transaction_date) && writer.Key("callbackDate") &&
            write_optional(writer, envelope.callback_date) && writer.Key("receivedAt") &&
            write_string(writer, received_at) && writer.Key("warnings") &&
            write_warnings(writer, warnings) && writer.Key("data") && data.Accept(writer) &&
            writer.EndObject();
  if (!ok) return false;
  const std::string_view written(buffer.GetString(), buffer.GetSize());
  if (!is_valid_utf8(written)) return false;
  json->assign(written);
  return true;
}

}  // namespace jb::callback
