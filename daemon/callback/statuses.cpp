#include "callback/statuses.h"

namespace jb::callback {

const std::vector<std::string_view>& event_statuses(Kind kind) {
  static const std::vector<std::string_view> kNetverify = {
      "APPROVED_VERIFIED",          "DENIED_FRAUD",
      "DENIED_UNSUPPORTED_ID_TYPE", "DENIED_UNSUPPORTED_ID_COUNTRY",
      "ERROR_NOT_READABLE_ID",      "NO_ID_UPLOADED"};
  static const std::vector<std::string_view> kAuthentication = {"PASSED", "FAILED", "INVALID",
                                                                "EXPIRED"};
  static const std::vector<std::string_view> kDocument = {"UPLOADED", "EXTRACTED", "DISCARDED",
                                                          "FAILED"};
  // A workflow event's status is its details' decision.type.
  static const std::vector<std::string_view> kWorkflow = {"PASSED", "REJECTED", "WARNING",
                                                          "NOT_EXECUTED"};
  switch (kind) {
    case Kind::netverify:
      return kNetverify;
    case Kind::authentication:
      return kAuthentication;
    case Kind::document:
      return kDocument;
    case Kind::workflow:
      return kWorkflow;
  }
  return kNetverify;
}

const std::vector<std::string_view>& document_statuses() {
  static const std::vector<std::string_view> kStatuses = {"UPLOADED", "EXTRACTED", "DISCARDED"};
  return kStatuses;
}

const std::vector<std::string_view>& document_transaction_statuses() {
  static const std::vector<std::string_view> kStatuses = {"DONE", "FAILED"};
  return kStatuses;
}

}  // namespace jb::callback
