#include "callback/kind.h"

namespace jb::callback {

Checked read_authentication_envelope(const rapidjson::Value& data, Envelope* envelope) {
  static const std::vector<std::string_view> kResults = {"PASSED", "FAILED", "INVALID", "EXPIRED"};
  if (auto problem = read_status(data, "transactionResult", "transactionResult", kResults,
                                 &envelope->status)) {
    return problem;
  }
  envelope->merchant_reference = std::nullopt;
  envelope->customer_id = string_member(data, "userReference");
  envelope->transaction_date = string_member(data, "transactionDate");
  envelope->callback_date = string_member(data, "callbackDate");
  return std::nullopt;
}

}  // namespace jb::callback
