#include "callback/kind.h"

namespace jb::callback {

Checked read_netverify_envelope(const rapidjson::Value& data, Envelope* envelope) {
  static const std::vector<std::string_view> kStatuses = {
      "APPROVED_VERIFIED",          "DENIED_FRAUD",
      "DENIED_UNSUPPORTED_ID_TYPE", "DENIED_UNSUPPORTED_ID_COUNTRY",
      "ERROR_NOT_READABLE_ID",      "NO_ID_UPLOADED"};
  if (auto problem = read_status(data, "verificationStatus", "verificationStatus", kStatuses,
                                 &envelope->status)) {
    return problem;
  }
  envelope->merchant_reference = string_member(data, "merchantIdScanReference");
  envelope->customer_id = string_member(data, "customerId");
  envelope->transaction_date = string_member(data, "transactionDate");
  envelope->callback_date = string_member(data, "callbackDate");
  return std::nullopt;
}

}  // namespace jb::callback
