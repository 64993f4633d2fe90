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

}  // namespace jb::callback
