#include "callback/parameters.h"

#include <algorithm>

namespace jb::callback {
namespace {

using K = ValueKind;

const ParameterTable& transaction_members() {
  static const ParameterTable table = {
      {"date", 0, true, K::timestamp},
      {"status", 0, true, K::text},
      {"source", 0, true, K::enumerated, {"DOC_UPLOAD", "DOC_API", "DOC_SDK"}},
      {"merchantScanReference", 255, true},
      {"customerId", 255, true},
      {"merchantReportingCriteria", 255},
      {"clientIp", 100},
  };
  return table;
}

// The spec's extractedData table, plus dueDate and cardNumberLastFourDigits, which its "Supported
// documents for data extraction" table names as extracted for UB and CCS documents.
const ParameterTable& extracted_data_members() {
  static const ParameterTable table = {
      {"firstName", 255},
      {"lastName", 255},
      {"name", 100},
      {"accountNumber", 34},
      {"pan", 20},
      {"issueDate", 0, false, K::date},
      {"expiryDate", 0, false, K::date},
      {"ssn", 255},
      {"signatureAvailable", 0, false, K::boolean, {"true", "false"}},
      {"swiftCode", 20},
      {"address", 0, false, K::extracted_address},
      {"dueDate", 0},
      {"cardNumberLastFourDigits", 0},
  };
  return table;
}

const ParameterTable& document_members() {
  static const ParameterTable table = {
      {"status", 0, true, K::text},
      {"country", 3, true},
      {"type", 0, true, K::enumerated, {"CC",  "BS",   "IC",   "UB",   "CAAP",   "CRC",  "CCS",
                                        "LAG", "LOAP", "MOAP", "TR",   "VT",     "VC",   "STUC",
                                        "HCC", "CB",   "SENC", "MEDC", "BC",     "WWCC", "SS",
                                        "TAC", "SEL",  "PB",   "SSC",  "CUSTOM", "OTHER"}},
      {"images", 0, true, K::string_list},
      {"originalDocument", 0},
      {"customDocumentCode", 100},
      {"extractedData", 0, false, K::object, {}, &extracted_data_members()},
  };
  return table;
}

}  // namespace

const ParameterTable& authentication_parameters() {
  static const ParameterTable table = {
      {"callbackDate", 0, true, K::timestamp},
      {"transactionReference", 36, true},
      {"enrollmentTransactionReference", 36, true},
      {"transactionResult", 0, true},
      {"transactionDate", 0, true, K::timestamp},
      {"scanSource", 0, true, K::enumerated, {"SDK", "WEB"}},
      {"callBackType", 0, true},
      {"idScanImageFace", 0, false, K::text_or_json},
      {"livenessImages", 0, false, K::string_list},
      {"userReference", 0},
  };
  return table;
}

const ParameterTable& document_verification_parameters() {
  static const ParameterTable table = {
      {"scanReference", 36, true},
      {"timestamp", 0, true, K::timestamp},
      {"transaction", 0, true, K::object, {}, &transaction_members()},
      {"document", 0, false, K::object, {}, &document_members()},
  };
  return table;
}

const ParameterSpec* find_parameter(const ParameterTable& table, std::string_view name) {
  auto found = std::find_if(table.begin(), table.end(),
                            [name](const ParameterSpec& spec) { return spec.name == name; });
  return found == table.end() ? nullptr : &*found;
}

}  // namespace jb::callback
