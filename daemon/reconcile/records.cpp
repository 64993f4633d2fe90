#include "reconcile/records.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/platform.h"
#include "callback/timestamp.h"
#include "common/json_writer.h"
#include "replay/filter.h"
#include "retrieval/mapping.h"

namespace jb::reconcile {
namespace {

constexpr size_t kMaxReferenceBytes = 255;

Settlement parse_settlement(std::string_view text) {
  for (Settlement s : {Settlement::callback, Settlement::retrieval, Settlement::deadletter,
                       Settlement::given_up}) {
    if (settlement_name(s) == text) return s;
  }
  return Settlement::none;
}

using JsonWriter = SafeJsonWriter;

void write_string(JsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// A string value with every byte, NULs included (GetString() alone would stop at the first).
std::string_view view(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string state_record_json(const StateRecord& record) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("reference");
  write_string(writer, record.reference);
  writer.Key("kind");
  write_string(writer, callback::kind_type(record.kind));
  writer.Key("asks");
  writer.Int(record.asks);
  writer.Key("lastAskedAt");
  if (record.asks > 0) {
    write_string(writer, callback::format_timestamp(record.last_asked));
  } else {
    writer.Null();
  }
  writer.Key("lastStatus");
  write_string(writer, record.last_status);
  writer.Key("settled");
  if (record.settled == Settlement::none) {
    writer.Null();
  } else {
    write_string(writer, settlement_name(record.settled));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool parse_state_record(std::string_view json, StateRecord* out) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) return false;
  StateRecord record;
  auto reference = document.FindMember("reference");
  auto kind = document.FindMember("kind");
  auto asks = document.FindMember("asks");
  if (reference == document.MemberEnd() || !reference->value.IsString() ||
      reference->value.GetStringLength() == 0 ||
      reference->value.GetStringLength() > kMaxReferenceBytes || kind == document.MemberEnd() ||
      !kind->value.IsString() || !retrieval::parse_kind(view(kind->value), &record.kind) ||
      asks == document.MemberEnd() || !asks->value.IsInt() || asks->value.GetInt() < 0) {
    return false;
  }
  record.reference.assign(reference->value.GetString(), reference->value.GetStringLength());
  record.asks = asks->value.GetInt();
  // Checked whatever asks says, kept only after an ask: as state_record_json writes it.
  // lastAskedAt and lastStatus: absent, null or a string; anything else is not a state record.
  auto last = document.FindMember("lastAskedAt");
  auto status = document.FindMember("lastStatus");
  for (auto member : {last, status}) {
    if (member != document.MemberEnd() && !member->value.IsNull() && !member->value.IsString())
      return false;
  }
  if (last != document.MemberEnd() && last->value.IsString() &&
      !callback::parse_timestamp(view(last->value), &record.last_asked)) {
    return false;
  }
  if (record.asks == 0) record.last_asked = Time{};
  if (status != document.MemberEnd() && status->value.IsString())
    record.last_status.assign(status->value.GetString(), status->value.GetStringLength());
  auto settled = document.FindMember("settled");
  if (settled != document.MemberEnd() && settled->value.IsString())
    record.settled = parse_settlement(view(settled->value));
  *out = std::move(record);
  return true;
}

bool parse_expected_record(std::string_view json, ExpectedRecord* out, std::string* why) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    *why = "not a JSON object";
    return false;
  }
  ExpectedRecord record;
  auto reference = document.FindMember("reference");
  if (reference == document.MemberEnd() || !reference->value.IsString() ||
      reference->value.GetStringLength() == 0 ||
      reference->value.GetStringLength() > kMaxReferenceBytes) {
    *why = "reference is absent, empty, not a string or longer than 255";
    return false;
  }
  record.reference.assign(reference->value.GetString(), reference->value.GetStringLength());
  auto kind = document.FindMember("kind");
  if (kind == document.MemberEnd() || !kind->value.IsString() ||
      !retrieval::parse_kind(view(kind->value), &record.kind)) {
    *why = "kind is not netverify, authentication, document or workflow";
    return false;
  }
  if (record.kind == callback::Kind::workflow) {
    // A workflow execution is asked for under its account: both ids go into request paths.
    auto account = document.FindMember("accountId");
    if (!callback::is_uuid(record.reference)) {
      *why = "reference of a workflow is not a UUID";
      return false;
    }
    if (account == document.MemberEnd() || !account->value.IsString() ||
        !callback::is_uuid(view(account->value))) {
      *why = "accountId of a workflow is absent or not a UUID";
      return false;
    }
    record.account_id.assign(account->value.GetString(), account->value.GetStringLength());
  }
  auto initiated = document.FindMember("initiatedAt");
  if (initiated == document.MemberEnd() || !initiated->value.IsString() ||
      !replay::parse_rfc3339(view(initiated->value), &record.initiated_at)) {
    *why = "initiatedAt is not an RFC 3339 timestamp";
    return false;
  }
  *out = std::move(record);
  return true;
}

Settlement settlement_of(bool dead_letter_topic,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  if (dead_letter_topic) return Settlement::deadletter;
  // The last ce_source counts, as librdkafka's header_get_last would read it.
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == "ce_source")
      return ends_with(it->second, ":retrieval") ? Settlement::retrieval : Settlement::callback;
  }
  return Settlement::callback;
}

}  // namespace jb::reconcile
