#include "callback/parameters.h"

#include <algorithm>
#include <cstring>

#include "callback/form.h"
#include "common/same_text.h"

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

namespace {

// Where a name starts probing: its length and a few of its bytes, enough to tell a table's names
// apart mostly.
size_t name_hash(std::string_view name) {
  if (name.empty()) return 0;
  const auto byte = [name](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(name[at]));
  };
  return name.size() * 31 + byte(0) * 7 + byte(name.size() - 1) * 131 + byte(name.size() / 2) * 17 +
         byte(name.size() / 4) * 3;
}

}  // namespace

ParameterTable::ParameterTable(std::initializer_list<ParameterSpec> specs)
    : std::vector<ParameterSpec>(specs) {
  size_t capacity = 8;
  while (capacity < 2 * size()) capacity *= 2;
  slots_.assign(capacity, 0);
  for (size_t index = 0; index < size(); ++index) {
    size_t slot = name_hash((*this)[index].name) & (capacity - 1);
    while (slots_[slot] != 0) slot = (slot + 1) & (capacity - 1);
    slots_[slot] = static_cast<uint16_t>(index + 1);
    if ((*this)[index].required) required_.push_back(static_cast<uint16_t>(index));
  }
}

const ParameterSpec* ParameterTable::find(std::string_view name) const {
  const size_t mask = slots_.size() - 1;
  for (size_t slot = name_hash(name) & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    const ParameterSpec& spec = (*this)[slots_[slot] - 1];
    if (same_text(spec.name, name)) return &spec;
  }
  return nullptr;
}

const ParameterSpec* find_parameter(const ParameterTable& table, std::string_view name) {
  return table.find(name);
}

ParameterRanks::ParameterRanks() {
  const ParameterTable* const tables[] = {&netverify_parameters(), &authentication_parameters(),
                                          &document_verification_parameters()};
  for (const ParameterTable* table : tables)
    for (const ParameterSpec& spec : *table) names_.push_back(spec.name);
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
  if (names_.size() > kMaxRanks) names_.clear();  // ranks nothing: every name takes the slow way
  std::fill(std::begin(slots_), std::end(slots_), 0);
  for (size_t rank = 0; rank < names_.size(); ++rank) {
    size_t slot = name_hash(names_[rank]) & (kSlots - 1);
    while (slots_[slot] != 0) slot = (slot + 1) & (kSlots - 1);
    slots_[slot] = static_cast<uint16_t>(rank + 1);
  }
  for (size_t t = 0; t < 3; ++t) {
    tables_[t] = tables[t];
    std::fill(std::begin(specs_[t]), std::end(specs_[t]), nullptr);
    for (size_t rank = 0; rank < names_.size(); ++rank)
      specs_[t][rank] = tables[t]->find(names_[rank]);
  }
}

uint16_t ParameterRanks::rank(std::string_view name) const {
  for (size_t slot = name_hash(name) & (kSlots - 1); slots_[slot] != 0;
       slot = (slot + 1) & (kSlots - 1)) {
    const auto rank = static_cast<uint16_t>(slots_[slot] - 1);
    if (same_text(names_[rank], name)) return rank;
  }
  return kNoRank;
}

const ParameterSpec* const* ParameterRanks::specs(const ParameterTable& table) const {
  for (size_t t = 0; t < 3; ++t)
    if (tables_[t] == &table) return specs_[t];
  return nullptr;
}

const ParameterRanks& parameter_ranks() {
  static const ParameterRanks ranks;
  return ranks;
}

}  // namespace jb::callback
