// Checks callback values against the spec's parameter tables and rewrites them canonically:
// JSON parsed, timestamps normalised, addresses converted to Raw form.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "callback/event.h"
#include "callback/parameters.h"
#include "callback/problem.h"
#include "callback/timestamp.h"
#include "common/same_text.h"

namespace jb::callback {

class ValueChecker {
 public:
  // Values are allocated from `allocator`; warnings are appended to *warnings in the order found.
  ValueChecker(rapidjson::Document::AllocatorType& allocator, std::vector<Warning>* warnings);

  // Whether `text` passes its spec's check without a warning: a text within its length or a
  // listed value of an enumerated spec (no other kind is judged here).
  static bool is_plainly_valid(const ParameterSpec& spec, std::string_view text) {
    if (spec.kind != ValueKind::text && spec.kind != ValueKind::enumerated) return false;
    if (spec.max_length != 0 && text.size() > spec.max_length) return false;
    if (spec.kind == ValueKind::text) return true;
    for (std::string_view value : spec.values) {
      if (same_text(value, text)) return true;
    }
    return false;
  }

  // Checks the form parameter described by `spec` and sets *out to its value for the event's data.
  // A plain string value refers to `text`, which must outlive *out.
  Checked check_parameter(const ParameterSpec& spec, std::string_view text, rapidjson::Value* out) {
    // Most values are texts within their length or listed values: checked here without a call.
    if (is_plainly_valid(spec, text)) {
      out->SetString(rapidjson::StringRef(text.data(), text.size()));  // text outlives the data
      return std::nullopt;
    }
    return check_parameter_in_full(spec, text, out);
  }
  // Records a warning (problem is one of the Warning problems).
  void warn(std::string field, std::string_view problem);

 private:
  Checked check_parameter_in_full(const ParameterSpec& spec, std::string_view text,
                                  rapidjson::Value* out);
  // The checks below read the path of the value they check from path_ ("idAddress",
  // "rejectReason.rejectReasonDetails[0]"): one buffer, extended and cut back as checking descends.
  class PathScope;
  Checked check_value(const ParameterSpec& spec, rapidjson::Value& value);
  // check_string and check_boolean name the value by `path` (path_, or a form parameter's name).
  Checked check_string(const ParameterSpec& spec, rapidjson::Value& value, std::string_view path);
  Checked check_boolean(const ParameterSpec& spec, const rapidjson::Value& value,
                        std::string_view path);
  Checked check_object(const ParameterTable& members, rapidjson::Value& object);
  Checked check_object_list(const ParameterTable& members, rapidjson::Value& value);
  Checked check_text_or_json(rapidjson::Value& value);
  Checked convert_address(const ParameterSpec& spec, rapidjson::Value& value);
  // invalid_json naming path_.
  Problem invalid_json(std::string_view what) const;

  rapidjson::Document::AllocatorType& allocator_;
  std::vector<Warning>* warnings_;
  std::string& path_;  // one buffer per thread, reused (one checker at a time on a thread)
  char timestamp_[kCanonicalTimestampSize];  // a canonical timestamp before the data copies it
};

}  // namespace jb::callback
