#include "callback/value_check.h"

#include <algorithm>

#include "address/address.h"
#include "callback/json_value.h"
#include "callback/timestamp.h"
#include "common/utf8.h"

namespace jb::callback {
namespace {

std::string member_path(const std::string& prefix, std::string_view name) {
  std::string path;
  path.reserve(prefix.size() + 1 + name.size());
  if (!prefix.empty()) path.append(prefix).push_back('.');
  path.append(name);
  return path;
}

std::string element_path(const std::string& prefix, size_t index) {
  return prefix + "[" + std::to_string(index) + "]";
}

std::string_view text_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

Problem invalid_json(const std::string& path, std::string_view what) {
  return Problem{DeadLetterReason::invalid_json, path + " " + std::string(what)};
}

bool is_json_kind(ValueKind kind) {
  switch (kind) {
    case ValueKind::object:
    case ValueKind::object_list:
    case ValueKind::string_list:
    case ValueKind::id_address:
    case ValueKind::extracted_address:
      return true;
    default:
      return false;
  }
}

bool is_string_array(const rapidjson::Value& value) {
  return value.IsArray() && std::all_of(value.Begin(), value.End(),
                                        [](const rapidjson::Value& e) { return e.IsString(); });
}

bool has_repeated_member_name(const rapidjson::Value& object) {
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (const auto& member : object.GetObject()) names.push_back(text_of(member.name));
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

bool contains(const std::vector<std::string_view>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

ValueChecker::ValueChecker(rapidjson::Document::AllocatorType& allocator,
                           std::vector<Warning>* warnings)
    : allocator_(allocator), warnings_(warnings) {}

void ValueChecker::warn(std::string field, std::string_view problem) {
  warnings_->push_back(Warning{std::move(field), std::string(problem)});
}

void ValueChecker::warn_missing_required(const ParameterTable& table, const std::string& prefix,
                                         const std::function<bool(std::string_view)>& is_present) {
  for (const auto& spec : table) {
    if (spec.required && !is_present(spec.name)) {
      warn(member_path(prefix, spec.name), "missing_required");
    }
  }
}

Checked ValueChecker::check_parameter(const ParameterSpec& spec, std::string_view text,
                                      rapidjson::Value* out) {
  const std::string path(spec.name);
  if (is_json_kind(spec.kind)) {
    if (!parse_json_value(text, out, allocator_)) return invalid_json(path, "is not valid JSON");
  } else {
    out->SetString(rapidjson::StringRef(text.data(), text.size()));  // text outlives the data
  }
  return check_value(spec, *out, path);
}

Checked ValueChecker::check_value(const ParameterSpec& spec, rapidjson::Value& value,
                                  const std::string& path) {
  switch (spec.kind) {
    case ValueKind::text:
    case ValueKind::enumerated:
    case ValueKind::timestamp:
    case ValueKind::date:
      if (!value.IsString()) return invalid_json(path, "is not a string");
      return check_string(spec, value, path);
    case ValueKind::boolean:
      return check_boolean(spec, value, path);
    case ValueKind::scalar:
      if (value.IsString() || value.IsNumber() || value.IsBool()) return std::nullopt;
      return invalid_json(path, "is not a string, number or boolean");
    case ValueKind::object:
      if (!value.IsObject()) return invalid_json(path, "is not a JSON object");
      return check_object(*spec.members, value, path);
    case ValueKind::object_list:
      return check_object_list(*spec.members, value, path);
    case ValueKind::string_list:
      if (!is_string_array(value)) return invalid_json(path, "is not a JSON array of strings");
      return std::nullopt;
    case ValueKind::id_address:
    case ValueKind::extracted_address:
      return convert_address(spec, value, path);
    case ValueKind::text_or_json:
      if (!value.IsString()) return invalid_json(path, "is not a string");
      return check_text_or_json(value, path);
  }
  return std::nullopt;
}

Checked ValueChecker::check_string(const ParameterSpec& spec, rapidjson::Value& value,
                                   const std::string& path) {
  std::string_view text = text_of(value);
  if (spec.max_length != 0 && utf8_length(text) > spec.max_length) warn(path, "too_long");
  switch (spec.kind) {
    case ValueKind::enumerated:
      if (!contains(spec.values, text)) warn(path, "unknown_value");
      break;
    case ValueKind::timestamp: {
      std::string canonical;
      if (!canonical_timestamp(text, &canonical)) {
        return Problem{DeadLetterReason::invalid_timestamp,
                       path + " is not a YYYY-MM-DDThh:mm:ss[.SSS]Z timestamp"};
      }
      value.SetString(canonical.data(), static_cast<rapidjson::SizeType>(canonical.size()),
                      allocator_);
      break;
    }
    case ValueKind::date:
      if (text == "N/A") {
        warn(path, "unknown_value");
      } else if (!is_valid_date(text)) {
        return Problem{DeadLetterReason::invalid_date, path + " is not a YYYY-MM-DD date"};
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

Checked ValueChecker::check_boolean(const ParameterSpec& spec, const rapidjson::Value& value,
                                    const std::string& path) {
  if (value.IsBool()) return std::nullopt;
  if (!value.IsString()) return invalid_json(path, "is not a boolean or string");
  if (!contains(spec.values, text_of(value))) warn(path, "unknown_value");
  return std::nullopt;
}

Checked ValueChecker::check_object(const ParameterTable& members, rapidjson::Value& object,
                                   const std::string& path) {
  if (has_repeated_member_name(object)) return invalid_json(path, "repeats a member name");
  for (auto& member : object.GetObject()) {
    std::string_view name = text_of(member.name);
    std::string child_path = member_path(path, name);
    const ParameterSpec* spec = find_parameter(members, name);
    if (spec == nullptr) {
      warn(std::move(child_path), "unknown_parameter");
    } else if (!member.value.IsNull()) {
      if (auto problem = check_value(*spec, member.value, child_path)) return problem;
    }
  }
  warn_missing_required(members, path, [&object](std::string_view name) {
    auto found =
        object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    return found != object.MemberEnd() && !found->value.IsNull();
  });
  return std::nullopt;
}

Checked ValueChecker::check_object_list(const ParameterTable& members, rapidjson::Value& value,
                                        const std::string& path) {
  if (value.IsObject()) return check_object(members, value, path);
  if (!value.IsArray()) return invalid_json(path, "is not a JSON array or object");
  size_t index = 0;
  for (auto& element : value.GetArray()) {
    std::string child_path = element_path(path, index++);
    if (!element.IsObject()) return invalid_json(child_path, "is not a JSON object");
    if (auto problem = check_object(members, element, child_path)) return problem;
  }
  return std::nullopt;
}

Checked ValueChecker::check_text_or_json(rapidjson::Value& value, const std::string& path) {
  std::string_view text = text_of(value);
  if (text.empty() || (text.front() != '[' && text.front() != '{')) return std::nullopt;
  rapidjson::Value parsed;
  if (!parse_json_value(text, &parsed, allocator_)) return invalid_json(path, "is not valid JSON");
  if (!parsed.IsObject() && !is_string_array(parsed)) {
    return invalid_json(path, "is not a JSON object or array of strings");
  }
  value = parsed;
  return std::nullopt;
}

Checked ValueChecker::convert_address(const ParameterSpec& spec, rapidjson::Value& value,
                                      const std::string& path) {
  if (!value.IsObject()) return invalid_json(path, "is not a JSON object");
  if (has_repeated_member_name(value)) return invalid_json(path, "repeats a member name");
  auto country_key = spec.kind == ValueKind::extracted_address ? address::CountryKey::country_code
                                                               : address::CountryKey::country;
  rapidjson::Value raw;
  address::Conversion conversion;
  if (!address::to_raw(value, country_key, &raw, allocator_, &conversion)) {
    return invalid_json(member_path(path, conversion.not_a_string), "is not a string");
  }
  for (const auto& name : conversion.unknown_members) {
    warn(member_path(path, name), "unknown_parameter");
  }
  for (const auto& name : conversion.too_long) warn(member_path(path, name), "too_long");
  value = raw;
  return std::nullopt;
}

}  // namespace jb::callback
