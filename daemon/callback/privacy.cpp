#include "callback/privacy.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace jb::callback {
namespace {

struct MaskingRow {
  std::string_view country;
  std::string_view id_type;
  std::string_view fields;  // comma-separated
};

// The spec's "Netverify Masking" table (Netherlands driver licences mask only the image).
constexpr MaskingRow kMasking[] = {
    {"DEU", "PASSPORT", "idCheckMRZcode,idNumber"},
    {"DEU", "ID_CARD", "idCheckMRZcode,idNumber"},
    {"HKG", "PASSPORT", "idCheckMRZcode,idNumber"},
    {"HKG", "ID_CARD", "idNumber"},
    {"JPN", "ID_CARD", "idNumber"},
    {"NLD", "PASSPORT", "idCheckMRZcode,personalNumber"},
    {"NLD", "ID_CARD", "idCheckMRZcode,personalNumber"},
    {"SGP", "PASSPORT", "idCheckMRZcode,idNumber"},
    {"SGP", "DRIVING_LICENSE", "idNumber"},
    {"SGP", "ID_CARD", "idNumber"},
    {"KOR", "PASSPORT", "idCheckMRZcode,personalNumber"},
    {"KOR", "ID_CARD", "idNumber,idDob"},
    {"KOR", "DRIVING_LICENSE", "idDob"},
};

std::string_view string_member(const rapidjson::Value& object, const char* name) {
  auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsString()) return {};
  return {found->value.GetString(), found->value.GetStringLength()};
}

// Removes the member at a dotted path below `object`; absent paths are ignored.
void remove_path(rapidjson::Value& object, std::string_view path) {
  rapidjson::Value* current = &object;
  for (;;) {
    auto dot = path.find('.');
    std::string_view name = path.substr(0, dot);
    rapidjson::Value key(rapidjson::StringRef(name.data(), name.size()));
    auto found = current->FindMember(key);
    if (found == current->MemberEnd()) return;
    if (dot == std::string_view::npos) {
      current->EraseMember(found);
      return;
    }
    if (!found->value.IsObject()) return;
    current = &found->value;
    path.remove_prefix(dot + 1);
  }
}

// A workflow event's extractedData member for a Netverify parameter of the masking table; its
// dateOfBirth also has dateOfBirthParts. idCheckMRZcode has none.
std::vector<std::string_view> workflow_members(std::string_view parameter) {
  if (parameter == "idNumber") return {"documentNumber"};
  if (parameter == "personalNumber") return {"personalNumber"};
  if (parameter == "idDob") return {"dateOfBirth", "dateOfBirthParts"};
  return {};
}

}  // namespace

std::vector<std::string_view> netverify_masked_fields(std::string_view id_country,
                                                      std::string_view id_type) {
  std::vector<std::string_view> fields;
  for (const MaskingRow& row : kMasking) {
    if (row.country != id_country || row.id_type != id_type) continue;
    std::string_view rest = row.fields;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      fields.push_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return fields;
}

bool apply_privacy(const PrivacyRules& rules, std::string* event_json) {
  if (rules.drop_fields.empty() && !rules.netverify_masking) return true;
  rapidjson::Document event;
  event.Parse<rapidjson::kParseValidateEncodingFlag>(event_json->data(), event_json->size());
  if (event.HasParseError() || !event.IsObject()) return false;
  auto data = event.FindMember("data");
  if (data == event.MemberEnd() || !data->value.IsObject()) return false;

  for (const std::string& field : rules.drop_fields) remove_path(data->value, field);
  if (rules.netverify_masking && string_member(event, "callbackType") == "NETVERIFYID") {
    for (std::string_view field : netverify_masked_fields(string_member(data->value, "idCountry"),
                                                          string_member(data->value, "idType")))
      remove_path(data->value, field);
  }
  // The same table for a workflow event's extracted document (issuingCountry x type).
  auto extracted = data->value.FindMember("extractedData");
  if (rules.netverify_masking && string_member(event, "callbackType") == "WORKFLOW" &&
      extracted != data->value.MemberEnd() && extracted->value.IsObject()) {
    for (std::string_view field :
         netverify_masked_fields(string_member(extracted->value, "issuingCountry"),
                                 string_member(extracted->value, "type"))) {
      for (std::string_view name : workflow_members(field)) remove_path(extracted->value, name);
    }
  }

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
      writer(buffer);
  if (!event.Accept(writer)) return false;
  event_json->assign(buffer.GetString(), buffer.GetSize());
  return true;
}

}  // namespace jb::callback
