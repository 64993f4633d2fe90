#include <algorithm>

#include "address/address.h"
#include "address/country_table.h"
#include "address/members.h"

namespace jb::address {
namespace {

using detail::string_member;

void append_part(std::string* text, std::string_view part, std::string_view separator) {
  if (part.empty()) return;
  if (!text->empty()) text->append(separator);
  text->append(part);
}

}  // namespace

std::string formatted_address(const rapidjson::Value& raw, CountryKey country_key) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  std::string text;
  for (std::string_view line : kLineNames) append_part(&text, string_member(raw, line), ", ");
  append_part(&text, string_member(raw, "city"), ", ");

  std::string region(string_member(raw, "subdivision"));
  append_part(&region, string_member(raw, "postalCode"), " ");
  append_part(&text, region, ", ");

  std::string_view country_code = string_member(raw, detail::country_member(country_key));
  std::string_view name = country_name(country_code);
  append_part(&text, name.empty() ? country_code : name, ", ");
  return text;
}

std::string_view country_name(std::string_view alpha3) {
  const detail::CountryNameEntry* begin = detail::kCountryNames;
  const detail::CountryNameEntry* end = begin + detail::kCountryNameCount;
  const detail::CountryNameEntry* found = std::lower_bound(
      begin, end, alpha3, [](const detail::CountryNameEntry& entry, std::string_view code) {
        return entry.alpha3 < code;
      });
  if (found == end || found->alpha3 != alpha3) return {};
  return found->name;
}

}  // namespace jb::address
