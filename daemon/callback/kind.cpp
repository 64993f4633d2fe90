#include "callback/kind.h"

#include <algorithm>

#include "common/same_text.h"

namespace jb::callback {
namespace {

std::string_view trimmed(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// ASCII letters only, as std::tolower does in the "C" locale, without a locale lookup per byte.
char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

const FieldView* find_field(const std::vector<FieldView>& fields, std::string_view name) {
  auto found = std::find_if(fields.begin(), fields.end(),
                            [name](const FieldView& field) { return field.name == name; });
  return found == fields.end() ? nullptr : &*found;
}

}  // namespace

bool is_form_content_type(std::string_view content_type) {
  // The usual spelling first, compared as words: the case-insensitive comparison goes byte by byte.
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (same_text(content_type, kForm)) return true;
  if (trimmed(content_type).empty()) return true;
  std::string_view media_type = trimmed(content_type.substr(0, content_type.find(';')));
  return equals_ignoring_case(media_type, kForm);
}

Checked detect_kind(const std::vector<FieldView>& fields, Kind* kind) {
  if (const FieldView* type = find_field(fields, "callBackType")) {
    if (type->value == "NETVERIFYID") {
      *kind = Kind::netverify;
    } else if (type->value == "NETVERIFY_AUTHENTICATION") {
      *kind = Kind::authentication;
    } else {
      return Problem{DeadLetterReason::unknown_kind,
                     "callBackType is neither NETVERIFYID nor NETVERIFY_AUTHENTICATION"};
    }
    return std::nullopt;
  }
  if (find_field(fields, "scanReference") != nullptr &&
      find_field(fields, "transaction") != nullptr) {
    *kind = Kind::document;
    return std::nullopt;
  }
  return Problem{DeadLetterReason::unknown_kind,
                 "no callBackType, and not Document Verification (scanReference and transaction)"};
}

const KindRules& rules_of(Kind kind) {
  static const KindRules kNetverify{netverify_parameters,
                                    "jumioIdScanReference",
                                    read_netverify_envelope,
                                    {"verificationStatus", "merchantIdScanReference", "customerId",
                                     "transactionDate", "callbackDate"}};
  static const KindRules kAuthentication{
      authentication_parameters,
      "transactionReference",
      read_authentication_envelope,
      {"transactionResult", "userReference", "transactionDate", "callbackDate"}};
  static const KindRules kDocument{document_verification_parameters,
                                   "scanReference",
                                   read_document_envelope,
                                   {"transaction", "document", "timestamp"}};
  switch (kind) {
    case Kind::netverify:
      return kNetverify;
    case Kind::authentication:
      return kAuthentication;
    case Kind::document:
    case Kind::workflow:  // not a form: platform callbacks are read by callback/platform.h
      break;
  }
  return kDocument;
}

std::optional<std::string_view> string_member(const rapidjson::Value& object,
                                              std::string_view name) {
  if (!object.IsObject()) return std::nullopt;
  // The first member of that name, as FindMember finds it.
  for (const auto& member : object.GetObject()) {
    if (!same_text({member.name.GetString(), member.name.GetStringLength()}, name)) continue;
    if (!member.value.IsString()) return std::nullopt;
    return std::string_view(member.value.GetString(), member.value.GetStringLength());
  }
  return std::nullopt;
}

Checked read_status(const rapidjson::Value& object, std::string_view name, std::string_view path,
                    const std::vector<std::string_view>& allowed, std::string_view* status) {
  std::optional<std::string_view> value = string_member(object, name);
  if (!value || value->empty()) {
    return Problem{DeadLetterReason::missing_status, std::string(path) + " is absent or empty"};
  }
  if (std::none_of(allowed.begin(), allowed.end(),
                   [&value](std::string_view status) { return same_text(status, *value); })) {
    return Problem{DeadLetterReason::unknown_status,
                   std::string(path) + " is not a status the spec lists"};
  }
  *status = *value;
  return std::nullopt;
}

}  // namespace jb::callback
