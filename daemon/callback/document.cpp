#include "callback/kind.h"
#include "callback/statuses.h"

namespace jb::callback {
namespace {

const rapidjson::Value* object_member(const rapidjson::Value& object, const char* name) {
  auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsObject()) return nullptr;
  return &found->value;
}

}  // namespace

// Status: document.status when transaction.status is DONE, else transaction.status (FAILED).
Checked read_document_envelope(const rapidjson::Value& data, Envelope* envelope) {
  static const rapidjson::Value kEmptyObject(rapidjson::kObjectType);
  const rapidjson::Value* transaction = object_member(data, "transaction");
  if (transaction == nullptr) transaction = &kEmptyObject;
  const rapidjson::Value* document = object_member(data, "document");

  std::string_view transaction_status;
  if (auto problem = read_status(*transaction, "status", "transaction.status",
                                 document_transaction_statuses(), &transaction_status)) {
    return problem;
  }
  std::string_view document_status;
  if (document != nullptr) {
    if (auto problem = read_status(*document, "status", "document.status", document_statuses(),
                                   &document_status)) {
      if (transaction_status == "DONE" || problem->reason == DeadLetterReason::unknown_status) {
        return problem;
      }
    }
  } else if (transaction_status == "DONE") {
    return Problem{DeadLetterReason::missing_status,
                   "document is absent although transaction.status is DONE"};
  }
  envelope->status = transaction_status == "DONE" ? document_status : transaction_status;
  envelope->merchant_reference = string_member(*transaction, "merchantScanReference");
  envelope->customer_id = string_member(*transaction, "customerId");
  envelope->transaction_date = string_member(*transaction, "date");
  envelope->callback_date = string_member(data, "timestamp");
  return std::nullopt;
}

}  // namespace jb::callback
