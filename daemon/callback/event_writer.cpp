#include "callback/event_writer.h"

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/utf8.h"

namespace jb::callback {
namespace {

// Every string reaching the writer was checked as UTF-8 when it was decoded (form values) or
// parsed (JSON-in-form values, with kParseValidateEncodingFlag), so the writer copies runs of
// plain characters without validating each one; the finished JSON is checked once instead.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
// RapidJSON 1.1.0's vectorised copy of plain runs (RAPIDJSON_SSE2: its Writer<StringBuffer>
// specialisation) takes only bytes up to 0x19 for control characters, so 0x1A-0x1F inside a
// 16-byte block are written unescaped: not JSON. Any other Writer type escapes byte by byte; this
// one differs only in a flag that matters for NaN and infinity, which parsed JSON never holds.
using BytewiseJsonWriter =
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

template <class Writer>
bool write_string(Writer& writer, std::string_view text) {
  return writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

template <class Writer>
bool write_optional(Writer& writer, const std::optional<std::string>& text) {
  return text ? write_string(writer, *text) : writer.Null();
}

template <class Writer>
bool write_warnings(Writer& writer, const std::vector<Warning>& warnings) {
  bool ok = writer.StartArray();
  for (const auto& warning : warnings) {
    ok = ok && writer.StartObject() && writer.Key("field") && write_string(writer, warning.field) &&
         writer.Key("problem") && write_string(writer, warning.problem) && writer.EndObject();
  }
  return ok && writer.EndArray();
}

template <class Writer>
bool write_event(Writer& writer, Kind kind, Origin origin, const std::string& event_id,
                 const Envelope& envelope, const std::string& received_at,
                 const std::vector<Warning>& warnings, const rapidjson::Value& data) {
  return writer.StartObject() && writer.Key("eventId") && write_string(writer, event_id) &&
         writer.Key("schemaVersion") && writer.Int(1) && writer.Key("origin") &&
         write_string(writer, origin_name(origin)) && writer.Key("callbackType") &&
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
}

// The writer escapes every control character and writes no whitespace: a byte below 0x20 in its
// output is one the vectorised copy let through.
bool has_control_byte(std::string_view json) {
  return std::any_of(json.begin(), json.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace

bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, const rapidjson::Value& data,
                      std::string* json) {
  // One buffer per thread, reused: its memory stays at the largest event seen.
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  JsonWriter writer(buffer);
  if (!write_event(writer, kind, origin, event_id, envelope, received_at, warnings, data))
    return false;
  if (has_control_byte({buffer.GetString(), buffer.GetSize()})) {
    buffer.Clear();
    BytewiseJsonWriter bytewise(buffer);
    if (!write_event(bytewise, kind, origin, event_id, envelope, received_at, warnings, data))
      return false;
  }
  const std::string_view written(buffer.GetString(), buffer.GetSize());
  if (!is_valid_utf8(written)) return false;
  json->assign(written);
  return true;
}

}  // namespace jb::callback
