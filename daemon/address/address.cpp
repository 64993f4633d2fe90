#include "address/address.h"

#include <algorithm>
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

// One candidate value for a Raw member and the input members it is made of.
struct Source {
  std::string value;
  std::vector<std::string_view> members;
};

Source source_of(const rapidjson::Value& address, std::string_view name) {
  return {std::string(string_member(address, name)), {name}};
}

// "zip-zipExtension", either alone when the other is absent.
Source us_postal_code(const rapidjson::Value& address) {
  Source source = source_of(address, "zip");
  append_word(&source.value, string_member(address, "zipExtension"), "-");
  source.members.push_back("zipExtension");
  return source;
}

// The street line of the US and EU street members: "streetNumber streetDirection streetName
// streetSuffix unitDetails unitDesignator. unitNumber". US members alone give Jumio's US line1, EU
// members alone its EU line1.
Source street_line(const rapidjson::Value& address) {
  Source source{joined_members(address, {"streetNumber", "streetDirection", "streetName",
                                         "streetSuffix", "unitDetails"}),
                {"streetNumber", "streetDirection", "streetName", "streetSuffix", "unitDetails",
                 "unitDesignator", "unitNumber"}};
  append_word(&source.value, us_unit(string_member(address, "unitDesignator"),
                                     string_member(address, "unitNumber")));
  return source;
}

// The Raw members, before they are written, and the input members whose values they hold.
struct RawParts {
  std::string lines[5];  // line1..line5
  std::string city;
  std::string subdivision;
  std::string postal_code;
  std::string country;
  std::vector<std::string_view> used;

  // Sets *part to the first candidate with a value and records the members it came from.
  void fill(std::string* part, std::initializer_list<Source> candidates) {
    for (const Source& candidate : candidates) {
      if (candidate.value.empty()) continue;
      *part = candidate.value;
      used.insert(used.end(), candidate.members.begin(), candidate.members.end());
      return;
    }
  }
};

// Every member of every format goes to the Raw member it converts to. Where two could fill the same
// Raw member, the detected format's own member wins and the other is left out: Raw lines before the
// US/EU street line (which takes the first empty line), subdivision before stateCode before
// province (detection makes the first present one the detected format's), the detected format's
// postal code before the other's, the kind's own country member before the other kind's.
RawParts raw_parts(const rapidjson::Value& address, Format format, CountryKey country_key) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  RawParts parts;
  Source street = street_line(address);
  for (std::size_t index = 0; index < 5; ++index) {
    parts.fill(&parts.lines[index], {source_of(address, kLineNames[index])});
    if (parts.lines[index].empty() && !street.value.empty()) {
      parts.fill(&parts.lines[index], {street});
      street.value.clear();
    }
  }
  parts.fill(&parts.city, {source_of(address, "city")});
  parts.fill(&parts.subdivision, {source_of(address, "subdivision"),
                                  source_of(address, "stateCode"), source_of(address, "province")});
  if (format == Format::us) {
    parts.fill(&parts.postal_code, {us_postal_code(address), source_of(address, "postalCode")});
  } else {
    parts.fill(&parts.postal_code, {source_of(address, "postalCode"), us_postal_code(address)});
  }
  CountryKey other_key =
      country_key == CountryKey::country ? CountryKey::country_code : CountryKey::country;
  parts.fill(&parts.country, {source_of(address, country_member(country_key)),
                              source_of(address, country_member(other_key))});
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

 private:
  rapidjson::Value copy(std::string_view text) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator_);
  }

  rapidjson::Value* out_;
  rapidjson::Document::AllocatorType& allocator_;
};

void write_raw(const RawParts& parts, CountryKey country_key, ObjectWriter* writer) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  for (std::size_t index = 0; index < 5; ++index) {
    writer->add_if_present(kLineNames[index], parts.lines[index]);
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

  RawParts parts = raw_parts(address, format, country_key);
  ObjectWriter writer(out, allocator);
  write_raw(parts, country_key, &writer);
  writer.add(detail::kFormattedAddress, formatted_address(*out, country_key));
  // Values are read from the first member of a name; a repeated name (which the callback stage
  // refuses before converting) is dropped.
  std::vector<std::string_view> seen;
  for (auto member = address.MemberBegin(); member != address.MemberEnd(); ++member) {
    std::string_view name = name_of(member);
    bool repeated = std::find(seen.begin(), seen.end(), name) != seen.end();
    seen.push_back(name);
    if (name == detail::kFormattedAddress || member->value.GetStringLength() == 0) continue;
    if (repeated || std::find(parts.used.begin(), parts.used.end(), name) == parts.used.end()) {
      conversion->dropped.emplace_back(name);
    }
  }
  return true;
}

}  // namespace jb::address
