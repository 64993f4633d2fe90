// Which of Jumio's callbacks a body is, and the per-kind rules for reading it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "callback/event.h"
#include "callback/form.h"
#include "callback/parameters.h"
#include "callback/problem.h"

namespace jb::callback {

// True when a Content-Type allows reading the body as a form: absent (empty), or
// application/x-www-form-urlencoded in any case, with or without parameters (";charset=UTF-8").
bool is_form_content_type(std::string_view content_type);

// The kind the fields describe: callBackType NETVERIFYID or NETVERIFY_AUTHENTICATION, or Document
// Verification (no callBackType, scanReference and transaction present); unknown_kind otherwise.
Checked detect_kind(const std::vector<FieldView>& fields, Kind* kind);

// The event members taken from the callback, before eventId and receivedAt are added: views of
// the values they were read from, valid while those are.
struct Envelope {
  std::string_view status;
  std::string_view reference;
  std::optional<std::string_view> merchant_reference;
  std::optional<std::string_view> customer_id;
  std::optional<std::string_view> transaction_date;
  std::optional<std::string_view> callback_date;
};

// What differs between the kinds.
struct KindRules {
  const ParameterTable& (*parameters)();  // the spec's parameter table
  std::string_view reference_parameter;   // the form parameter carrying the reference
  // Reads status and envelope members (not the reference) from the checked data object:
  // missing_status or unknown_status when the status cannot route.
  Checked (*read_envelope)(const rapidjson::Value& data, Envelope* envelope);
  // The members of the data object read_envelope reads (it is given only these).
  std::vector<std::string_view> envelope_members;
};

const KindRules& rules_of(Kind kind);

// Per-kind envelope readers (netverify.cpp, authentication.cpp, document.cpp).
Checked read_netverify_envelope(const rapidjson::Value& data, Envelope* envelope);
Checked read_authentication_envelope(const rapidjson::Value& data, Envelope* envelope);
Checked read_document_envelope(const rapidjson::Value& data, Envelope* envelope);

// The string member `name` of an object, or nothing when absent, null or not a string.
std::optional<std::string_view> string_member(const rapidjson::Value& object,
                                              std::string_view name);
// Reads the routing status `name` of `object` into *status: missing_status when absent or empty,
// unknown_status when not one of `allowed`. `path` names it in details.
Checked read_status(const rapidjson::Value& object, std::string_view name, std::string_view path,
                    const std::vector<std::string_view>& allowed, std::string_view* status);

}  // namespace jb::callback
