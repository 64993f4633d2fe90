#include "callback/kind.h"
#include "callback/statuses.h"

namespace jb::callback {

Checked read_authentication_envelope(const rapidjson::Value& data, Envelope* envelope) {
  if (auto problem = read_status(data, "transactionResult", "transactionResult",
                                 event_statuses(Kind::authentication), &envelope->status)) {
    return problem;
  }
  envelope->merchant_reference = std::nullopt;
  envelope->customer_id = string_member(data, "userReference");
  envelope->transaction_date = string_member(data, "transactionDate");
  envelope->callback_date = string_member(data, "callbackDate");
  return std::nullopt;
}

}  // namespace jb::callback
