#include "address/members.h"

#include <algorithm>
#include <iterator>

#include "common/same_text.h"

namespace jb::address::detail {
namespace {

struct MemberLimit {
  std::string_view name;
  std::size_t max_length;
};

constexpr std::size_t kCountryCodeLength = 3;

constexpr MemberLimit kUsMembers[] = {
    {"city", 64},           {"stateCode", 6},         {"streetName", 64},
    {"streetSuffix", 14},   {"streetDirection", 255}, {"streetNumber", 14},
    {"unitDesignator", 14}, {"unitNumber", 14},       {"zip", 14},
    {"zipExtension", 20},
};

constexpr MemberLimit kEuMembers[] = {
    {"city", 64},         {"province", 64},    {"streetName", 64},
    {"streetNumber", 15}, {"unitDetails", 64}, {"postalCode", 15},
};

constexpr MemberLimit kNetverifyRawMembers[] = {
    {"line1", 100}, {"line2", 100}, {"line3", 100},       {"line4", 100},
    {"line5", 100}, {"city", 64},   {"subdivision", 100}, {"postalCode", 15},
};

constexpr MemberLimit kDocumentRawMembers[] = {
    {"line1", 100}, {"line2", 100}, {"line3", 100},      {"line4", 100},
    {"line5", 100}, {"city", 64},   {"subdivision", 50}, {"postalCode", 15},
};

template <std::size_t N>
const MemberLimit* find(const MemberLimit (&table)[N], std::string_view name) {
  auto found = std::find_if(std::begin(table), std::end(table), [name](const MemberLimit& member) {
    return same_text(member.name, name);
  });
  return found == std::end(table) ? nullptr : found;
}

const MemberLimit* find_in_format(Format format, CountryKey country_key, std::string_view name) {
  switch (format) {
    case Format::us:
      return find(kUsMembers, name);
    case Format::eu:
      return find(kEuMembers, name);
    case Format::raw:
      return country_key == CountryKey::country_code ? find(kDocumentRawMembers, name)
                                                     : find(kNetverifyRawMembers, name);
  }
  return nullptr;
}

template <std::size_t N>
bool contains(const std::string_view (&names)[N], std::string_view name) {
  return std::any_of(std::begin(names), std::end(names),
                     [name](std::string_view listed) { return same_text(listed, name); });
}

}  // namespace

std::string_view country_member(CountryKey country_key) {
  return country_key == CountryKey::country_code ? "countryCode" : "country";
}

bool is_member(Format format, CountryKey country_key, std::string_view name,
               std::size_t* max_length) {
  if (same_text(name, country_member(country_key))) {
    *max_length = kCountryCodeLength;
    return true;
  }
  if (same_text(name, kFormattedAddress)) {
    *max_length = 0;
    return true;
  }
  const MemberLimit* member = find_in_format(format, country_key, name);
  if (member == nullptr) return false;
  *max_length = member->max_length;
  return true;
}

bool is_raw_only_member(std::string_view name) {
  static constexpr std::string_view kNames[] = {"line1", "line2", "line3",
                                                "line4", "line5", "subdivision"};
  return contains(kNames, name);
}

bool is_us_only_member(std::string_view name) {
  static constexpr std::string_view kNames[] = {"streetDirection", "streetSuffix", "unitDesignator",
                                                "unitNumber",      "zip",          "zipExtension",
                                                "stateCode"};
  return contains(kNames, name);
}

bool is_eu_street_member(std::string_view name) {
  static constexpr std::string_view kNames[] = {"province", "unitDetails", "streetName",
                                                "streetNumber"};
  return contains(kNames, name);
}

std::string_view string_member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return {};
  for (const auto& member : object.GetObject()) {
    if (!same_text({member.name.GetString(), member.name.GetStringLength()}, name)) continue;
    if (!member.value.IsString()) return {};
    return {member.value.GetString(), member.value.GetStringLength()};
  }
  return {};
}

}  // namespace jb::address::detail
