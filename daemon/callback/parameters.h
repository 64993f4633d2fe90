// The spec's parameter tables: what each callback parameter (and JSON member) may hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace jb::callback {

// The shape of a parameter's value and how it is checked.
enum class ValueKind {
  text,               // a string; too_long past max_length
  enumerated,         // a string from `values`; others warn unknown_value
  timestamp,          // rewritten canonically; otherwise invalid_timestamp
  date,               // YYYY-MM-DD; "N/A" warns unknown_value; otherwise invalid_date
  boolean,            // a JSON boolean or one of `values` as a string
  scalar,             // a string, number or boolean
  object,             // a JSON object whose members are `members`
  object_list,        // a JSON array of such objects, or a single one
  string_list,        // a JSON array of strings
  id_address,         // Netverify idAddress: US, EU or Raw object, replaced by Raw form
  extracted_address,  // Document Verification extractedData.address, key countryCode
  text_or_json,       // a string, parsed as an array of strings or an object when it starts so
};

struct ParameterSpec;
class ParameterTable;

struct ParameterSpec {
  std::string_view name;
  size_t max_length = 0;  // in Unicode characters; 0 when the spec gives none
  bool required = false;  // bold in the spec
  ValueKind kind = ValueKind::text;
  std::vector<std::string_view> values = {};  // allowed values of enumerated and boolean kinds
  const ParameterTable* members = nullptr;    // member table of object kinds
};

// A parameter table: its specs in the spec's order, and an index of their names built with it.
class ParameterTable : public std::vector<ParameterSpec> {
 public:
  ParameterTable(std::initializer_list<ParameterSpec> specs);

  // The spec named `name`, or nullptr: one hash and, mostly, one comparison.
  const ParameterSpec* find(std::string_view name) const;
  // The indexes of the required specs, in table order.
  const std::vector<uint16_t>& required() const { return required_; }

 private:
  std::vector<uint16_t> slots_;  // open addressing: index + 1 of a spec, 0 for an empty slot
  std::vector<uint16_t> required_;
};

// Netverify form parameters (spec "Callback for Netverify").
const ParameterTable& netverify_parameters();
// Authentication form parameters (spec "Callback for Authentication").
const ParameterTable& authentication_parameters();
// Document Verification form parameters with their transaction/document members.
const ParameterTable& document_verification_parameters();

// The spec of `name` in `table`, or nullptr when the spec does not list it.
const ParameterSpec* find_parameter(const ParameterTable& table, std::string_view name);

// At most this many names are ranked; with more, no name is (every rank is kNoRank).
inline constexpr size_t kMaxRanks = 128;

// The parameter names of the three form tables (Netverify, Authentication, Document
// Verification) in byte order, each with its rank there, and each table's spec per rank.
class ParameterRanks {
 public:
  ParameterRanks();

  // The rank of `name`, or kNoRank (form.h) when no form table lists it. Ranks order as the names
  // do, so distinct ranked names sort by rank.
  uint16_t rank(std::string_view name) const;
  // For one of the three form tables, its spec of each rank (nullptr where it does not list that
  // name): specs(table)[rank(name)] == table.find(name) for a ranked name. nullptr for any other
  // table.
  const ParameterSpec* const* specs(const ParameterTable& table) const;

 private:
  static constexpr size_t kSlots = 2 * kMaxRanks;
  std::vector<std::string_view> names_;
  uint16_t slots_[kSlots];  // open addressing: rank + 1, 0 for an empty slot
  const ParameterTable* tables_[3];
  const ParameterSpec* specs_[3][kMaxRanks];
};

// The ranks, built on first use.
const ParameterRanks& parameter_ranks();

}  // namespace jb::callback
