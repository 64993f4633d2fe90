#include "callback/kind.h"
#include "callback/statuses.h"

namespace jb::callback {

Checked read_netverify_envelope(const rapidjson::Value& data, Envelope* envelope) {
  if (auto problem = read_status(data, "verificationStatus", "verificationStatus",
                                 event_statuses(Kind::netverify), &envelope->status)) {
    return problem;
  }
  envelope->merchant_reference = string_member(data, "merchantIdScanReference");
  envelope->customer_id = string_member(data, "customerId");
  envelope->transaction_date = string_member(data, "transactionDate");
  envelope->callback_date = string_member(data, "callbackDate");
  return std::nullopt;
}

}  // namespace jb::callback
