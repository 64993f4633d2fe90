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

// The event members taken from the callback, before eventId and receivedAt are added, as `Text`:
// std::string where they are kept, std::string_view in an Envelope.
template <typename Text>
struct BasicEnvelope {
  BasicEnvelope() = default;
  // Views of another envelope's members (or copies of them), member by member.
  template <typename Other>
  explicit BasicEnvelope(const BasicEnvelope<Other>& other)
      : status(other.status),
        reference(other.reference),
        merchant_reference(other.merchant_reference),
        customer_id(other.customer_id),
        transaction_date(other.transaction_date),
        callback_date(other.callback_date) {}

  Text status;
  Text reference;
  std::optional<Text> merchant_reference;
  std::optional<Text> customer_id;
  std::optional<Text> transaction_date;
  std::optional<Text> callback_date;
};

// Views of the values the members were read from, valid while those are.
using Envelope = BasicEnvelope<std::string_view>;

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
