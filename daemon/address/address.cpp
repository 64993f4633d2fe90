#include "address/address.h"

#include <initializer_list>

#include "address/members.h"
#include "common/utf8.h"

namespace jb::address {
namespace {

using detail::country_member;
using detail::string_member;

std::string_view name_of(const rapidjson::Value::ConstMemberIterator& member) {
  return {member->name.GetString(), member->name.GetStringLength()};
}

void append_word(std::string* text, std::string_view word, std::string_view separator = " ") {
  if (word.empty()) return;
  if (!text->empty()) text->append(separator);
  text->append(word);
}

std::string joined_members(const rapidjson::Value& address,
                           std::initializer_list<std::string_view> names) {
  std::string text;
  for (std::string_view name : names) append_word(&text, string_member(address, name));
  return text;
}

std::string us_unit(std::string_view designator, std::string_view number) {
  std::string unit(designator);
  if (!unit.empty() && unit.back() != '.') unit.push_back('.');
  append_word(&unit, number);
  return unit;
}

// The Raw members, before they are written.
struct RawParts {
  std::string line1;               // composed from the street members in US and EU
  std::string_view more_lines[4];  // line2..line5
  std::string_view city;
  std::string_view subdivision;
  std::string postal_code;
  std::string_view country;
};

RawParts raw_parts(const rapidjson::Value& address, Format format, CountryKey country_key) {
  RawParts parts;
  parts.city = string_member(address, "city");
  parts.country = string_member(address, country_member(country_key));
  switch (format) {
    case Format::us:
      parts.line1 = joined_members(
          address, {"streetNumber", "streetDirection", "streetName", "streetSuffix"});
      append_word(&parts.line1, us_unit(string_member(address, "unitDesignator"),
                                        string_member(address, "unitNumber")));
      parts.subdivision = string_member(address, "stateCode");
      parts.postal_code = joined_members(address, {"zip"});
      append_word(&parts.postal_code, string_member(address, "zipExtension"), "-");
      // A postalCode sent instead of a zip is still the postal code (reported as unknown).
      if (parts.postal_code.empty()) parts.postal_code = string_member(address, "postalCode");
      break;
    case Format::eu:
      parts.line1 = joined_members(address, {"streetNumber", "streetName", "unitDetails"});
      parts.subdivision = string_member(address, "province");
      parts.postal_code = std::string(string_member(address, "postalCode"));
      break;
    case Format::raw:
      parts.line1 = std::string(string_member(address, "line1"));
      parts.more_lines[0] = string_member(address, "line2");
      parts.more_lines[1] = string_member(address, "line3");
      parts.more_lines[2] = string_member(address, "line4");
      parts.more_lines[3] = string_member(address, "line5");
      parts.subdivision = string_member(address, "subdivision");
      parts.postal_code = std::string(string_member(address, "postalCode"));
      break;
  }
  return parts;
}

class ObjectWriter {
 public:
  ObjectWriter(rapidjson::Value* out, rapidjson::Document::AllocatorType& allocator)
      : out_(out), allocator_(allocator) {}

  void add_if_present(std::string_view name, std::string_view value) {
    if (!value.empty()) add(name, value);
  }

  void add(std::string_view name, std::string_view value) {
    out_->AddMember(copy(name), copy(value), allocator_);
  }

  void add_copy(std::string_view name, const rapidjson::Value& value) {
    out_->AddMember(copy(name), rapidjson::Value(value, allocator_), allocator_);
  }

  bool has(std::string_view name) const {
    return out_->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size()))) !=
           out_->MemberEnd();
  }

 private:
  rapidjson::Value copy(std::string_view text) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator_);
  }

  rapidjson::Value* out_;
  rapidjson::Document::AllocatorType& allocator_;
};

void write_raw(const RawParts& parts, CountryKey country_key, ObjectWriter* writer) {
  static constexpr std::string_view kMoreLineNames[] = {"line2", "line3", "line4", "line5"};
  writer->add_if_present("line1", parts.line1);
  for (std::size_t index = 0; index < 4; ++index) {
    writer->add_if_present(kMoreLineNames[index], parts.more_lines[index]);
  }
  writer->add_if_present("city", parts.city);
  writer->add_if_present("subdivision", parts.subdivision);
  writer->add_if_present("postalCode", parts.postal_code);
  writer->add_if_present(country_member(country_key), parts.country);
}

bool all_members_are_strings(const rapidjson::Value& address, std::string* not_a_string) {
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    if (!member->value.IsString()) {
      *not_a_string = std::string(name_of(member));
      return false;
    }
  }
  return true;
}

bool is_known(Format format, CountryKey country_key, std::string_view name) {
  std::size_t max_length = 0;
  return detail::is_member(format, country_key, name, &max_length);
}

void check_members(const rapidjson::Value& address, Format format, CountryKey country_key,
                   Conversion* conversion) {
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    std::string_view name = name_of(member);
    std::size_t max_length = 0;
    if (!detail::is_member(format, country_key, name, &max_length)) {
      conversion->unknown_members.emplace_back(name);
      continue;
    }
    std::string_view value(member->value.GetString(), member->value.GetStringLength());
    if (max_length != 0 && utf8_length(value) > max_length) {
      conversion->too_long.emplace_back(name);
    }
  }
}

}  // namespace

Format detect_format(const rapidjson::Value& address) {
  if (!address.IsObject()) return Format::raw;
  bool us = false;
  bool eu = false;
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    std::string_view name = name_of(member);
    if (detail::is_raw_only_member(name)) return Format::raw;
    us = us || detail::is_us_only_member(name);
    eu = eu || detail::is_eu_street_member(name);
  }
  if (us) return Format::us;
  return eu ? Format::eu : Format::raw;
}

bool to_raw(const rapidjson::Value& address, CountryKey country_key, rapidjson::Value* out,
            rapidjson::Document::AllocatorType& allocator, Conversion* conversion) {
  Conversion ignored;
  if (conversion == nullptr) conversion = &ignored;
  out->SetObject();
  if (!address.IsObject()) return false;
  if (!all_members_are_strings(address, &conversion->not_a_string)) return false;

  Format format = detect_format(address);
  check_members(address, format, country_key, conversion);

  ObjectWriter writer(out, allocator);
  write_raw(raw_parts(address, format, country_key), country_key, &writer);
  writer.add(detail::kFormattedAddress, formatted_address(*out, country_key));
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    std::string_view name = name_of(member);
    if (!is_known(format, country_key, name) && !writer.has(name)) {
      writer.add_copy(name, member->value);
    }
  }
  return true;
}

}  // namespace jb::address
