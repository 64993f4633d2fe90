#include "callback/value_check.h"

#include <algorithm>

#include "address/address.h"
#include "callback/json_value.h"
#include "callback/timestamp.h"
#include "common/same_text.h"
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

std::string_view text_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
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
  const size_t count = object.MemberCount();
  // A callback's objects have a few members: every pair is compared, most of them by length.
  constexpr size_t kPairwise = 16;
  if (count <= kPairwise) {
    std::string_view names[kPairwise];
    size_t index = 0;
    for (const auto& member : object.GetObject()) names[index++] = text_of(member.name);
    for (size_t first = 0; first < count; ++first) {
      for (size_t second = first + 1; second < count; ++second) {
        if (same_text(names[first], names[second])) return true;
      }
    }
    return false;
  }
  // Larger objects (the body is not trusted) are sorted; their names on the stack up to 32.
  constexpr size_t kOnStack = 32;
  std::string_view on_stack[kOnStack];
  std::vector<std::string_view> on_heap;
  std::string_view* names = on_stack;
  if (count > kOnStack) {
    on_heap.resize(count);
    names = on_heap.data();
  }
  size_t index = 0;
  for (const auto& member : object.GetObject()) names[index++] = text_of(member.name);
  std::sort(names, names + count);
  return std::adjacent_find(names, names + count) != names + count;
}

bool contains(const std::vector<std::string_view>& values, std::string_view value) {
  return std::any_of(values.begin(), values.end(),
                     [value](std::string_view listed) { return same_text(listed, value); });
}

}  // namespace

// Extends the checker's path by a member name ("a" -> "a.b") or an element index ("a" -> "a[0]")
// and cuts it back when the scope ends.
class ValueChecker::PathScope {
 public:
  PathScope(std::string* path, std::string_view member) : path_(path), mark_(path->size()) {
    if (!path->empty()) path->push_back('.');
    path->append(member);
  }
  PathScope(std::string* path, size_t index) : path_(path), mark_(path->size()) {
    path->push_back('[');
    path->append(std::to_string(index));
    path->push_back(']');
  }
  ~PathScope() { path_->resize(mark_); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  std::string* path_;
  size_t mark_;
};

namespace {

std::string& cleared_path() {
  thread_local std::string path;  // its memory stays at the longest path seen
  path.clear();
  return path;
}

}  // namespace

ValueChecker::ValueChecker(rapidjson::Document::AllocatorType& allocator,
                           std::vector<Warning>* warnings)
    : allocator_(allocator), warnings_(warnings), path_(cleared_path()) {}

void ValueChecker::warn(std::string field, std::string_view problem) {
  warnings_->push_back(Warning{std::move(field), std::string(problem)});
}

Problem ValueChecker::invalid_json(std::string_view what) const {
  std::string detail;
  detail.reserve(path_.size() + 1 + what.size());
  detail.append(path_).append(" ").append(what);
  return Problem{DeadLetterReason::invalid_json, std::move(detail)};
}

Checked ValueChecker::check_parameter_in_full(const ParameterSpec& spec, std::string_view text,
                                              rapidjson::Value* out) {
  if (!is_json_kind(spec.kind)) {
    out->SetString(rapidjson::StringRef(text.data(), text.size()));  // text outlives the data
    // A form value is a string: its path is its name, the path buffer is needed only below.
    switch (spec.kind) {
      case ValueKind::text:
      case ValueKind::enumerated:
      case ValueKind::timestamp:
      case ValueKind::date:
        return check_string(spec, *out, spec.name);
      case ValueKind::boolean:
        return check_boolean(spec, *out, spec.name);
      default:
        break;
    }
  }
  path_.assign(spec.name);
  if (is_json_kind(spec.kind) && !parse_json_value(text, out, allocator_))
    return invalid_json("is not valid JSON");
  return check_value(spec, *out);
}

Checked ValueChecker::check_value(const ParameterSpec& spec, rapidjson::Value& value) {
  switch (spec.kind) {
    case ValueKind::text:
    case ValueKind::enumerated:
    case ValueKind::timestamp:
    case ValueKind::date:
      if (!value.IsString()) return invalid_json("is not a string");
      return check_string(spec, value, path_);
    case ValueKind::boolean:
      return check_boolean(spec, value, path_);
    case ValueKind::scalar:
      if (value.IsString() || value.IsNumber() || value.IsBool()) return std::nullopt;
      return invalid_json("is not a string, number or boolean");
    case ValueKind::object:
      if (!value.IsObject()) return invalid_json("is not a JSON object");
      return check_object(*spec.members, value);
    case ValueKind::object_list:
      return check_object_list(*spec.members, value);
    case ValueKind::string_list:
      if (!is_string_array(value)) return invalid_json("is not a JSON array of strings");
      return std::nullopt;
    case ValueKind::id_address:
    case ValueKind::extracted_address:
      return convert_address(spec, value);
    case ValueKind::text_or_json:
      if (!value.IsString()) return invalid_json("is not a string");
      return check_text_or_json(value);
  }
  return std::nullopt;
}

Checked ValueChecker::check_string(const ParameterSpec& spec, rapidjson::Value& value,
                                   std::string_view path) {
  std::string_view text = text_of(value);
  // A text of at most max_length bytes has at most as many characters: only longer ones are
  // counted.
  if (spec.max_length != 0 && text.size() > spec.max_length && utf8_length(text) > spec.max_length)
    warn(std::string(path), "too_long");
  switch (spec.kind) {
    case ValueKind::enumerated:
      if (!contains(spec.values, text)) warn(std::string(path), "unknown_value");
      break;
    case ValueKind::timestamp:
      if (!canonical_timestamp(text, timestamp_)) {
        return Problem{DeadLetterReason::invalid_timestamp,
                       std::string(path) + " is not a YYYY-MM-DDThh:mm:ss[.SSS]Z timestamp"};
      }
      value.SetString(timestamp_, static_cast<rapidjson::SizeType>(sizeof timestamp_), allocator_);
      break;
    case ValueKind::date:
      if (text == "N/A") {
        warn(std::string(path), "unknown_value");
      } else if (!is_valid_date(text)) {
        return Problem{DeadLetterReason::invalid_date,
                       std::string(path) + " is not a YYYY-MM-DD date"};
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

Checked ValueChecker::check_boolean(const ParameterSpec& spec, const rapidjson::Value& value,
                                    std::string_view path) {
  if (value.IsBool()) return std::nullopt;
  if (!value.IsString()) return invalid_json("is not a boolean or string");
  if (!contains(spec.values, text_of(value))) warn(std::string(path), "unknown_value");
  return std::nullopt;
}

Checked ValueChecker::check_object(const ParameterTable& members, rapidjson::Value& object) {
  if (has_repeated_member_name(object)) return invalid_json("repeats a member name");
  // The specs with a member that is not null, by index (tables of more specs take FindMember).
  constexpr size_t kMarked = 256;
  uint64_t present[kMarked / 64] = {};
  for (auto& member : object.GetObject()) {
    std::string_view name = text_of(member.name);
    const ParameterSpec* spec = find_parameter(members, name);
    if (spec == nullptr) {
      PathScope child(&path_, name);
      warn(path_, "unknown_parameter");
      continue;
    }
    if (member.value.IsNull()) continue;
    const auto index = static_cast<size_t>(spec - members.data());
    if (index < kMarked) present[index / 64] |= uint64_t{1} << (index % 64);
    // A string within its length, or listed, needs no path (check_parameter's inline check).
    if (member.value.IsString() && is_plainly_valid(*spec, text_of(member.value))) continue;
    PathScope child(&path_, name);
    if (auto problem = check_value(*spec, member.value)) return problem;
  }
  for (uint16_t index : members.required()) {
    bool found;
    if (index < kMarked) {
      found = (present[index / 64] >> (index % 64) & 1) != 0;
    } else {
      const std::string_view name = members[index].name;
      auto member =
          object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
      found = member != object.MemberEnd() && !member->value.IsNull();
    }
    if (!found) warn(member_path(path_, members[index].name), "missing_required");
  }
  return std::nullopt;
}

Checked ValueChecker::check_object_list(const ParameterTable& members, rapidjson::Value& value) {
  if (value.IsObject()) return check_object(members, value);
  if (!value.IsArray()) return invalid_json("is not a JSON array or object");
  size_t index = 0;
  for (auto& element : value.GetArray()) {
    PathScope child(&path_, index++);
    if (!element.IsObject()) return invalid_json("is not a JSON object");
    if (auto problem = check_object(members, element)) return problem;
  }
  return std::nullopt;
}

Checked ValueChecker::check_text_or_json(rapidjson::Value& value) {
  std::string_view text = text_of(value);
  if (text.empty() || (text.front() != '[' && text.front() != '{')) return std::nullopt;
  rapidjson::Value parsed;
  if (!parse_json_value(text, &parsed, allocator_)) return invalid_json("is not valid JSON");
  if (!parsed.IsObject() && !is_string_array(parsed)) {
    return invalid_json("is not a JSON object or array of strings");
  }
  value = parsed;
  return std::nullopt;
}

Checked ValueChecker::convert_address(const ParameterSpec& spec, rapidjson::Value& value) {
  if (!value.IsObject()) return invalid_json("is not a JSON object");
  if (has_repeated_member_name(value)) return invalid_json("repeats a member name");
  auto country_key = spec.kind == ValueKind::extracted_address ? address::CountryKey::country_code
                                                               : address::CountryKey::country;
  rapidjson::Value raw;
  address::Conversion conversion;
  if (!address::to_raw(value, country_key, &raw, allocator_, &conversion)) {
    PathScope child(&path_, conversion.not_a_string);
    return invalid_json("is not a string");
  }
  for (const auto& name : conversion.unknown_members) {
    warn(member_path(path_, name), "unknown_parameter");
  }
  for (const auto& name : conversion.too_long) warn(member_path(path_, name), "too_long");
  value = raw;
  return std::nullopt;
}

}  // namespace jb::callback
