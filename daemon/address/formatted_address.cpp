#include <algorithm>
#include <cstdint>

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

namespace detail {

void format_address(const std::string_view (&lines)[5], std::string_view city,
                    std::string_view subdivision, std::string_view postal_code,
                    std::string_view country_code, std::string* text) {
  for (std::string_view line : lines) append_part(text, line, ", ");
  append_part(text, city, ", ");
  if (!subdivision.empty() || !postal_code.empty()) {  // "subdivision postalCode"
    if (!text->empty()) text->append(", ");
    text->append(subdivision);
    if (!subdivision.empty() && !postal_code.empty()) text->push_back(' ');
    text->append(postal_code);
  }
  std::string_view name = country_name(country_code);
  append_part(text, name.empty() ? country_code : name, ", ");
}

}  // namespace detail

std::string formatted_address(const rapidjson::Value& raw, CountryKey country_key) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  std::string_view lines[5];
  for (int index = 0; index < 5; ++index) lines[index] = string_member(raw, kLineNames[index]);
  std::string text;
  detail::format_address(lines, string_member(raw, "city"), string_member(raw, "subdivision"),
                         string_member(raw, "postalCode"),
                         string_member(raw, detail::country_member(country_key)), &text);
  return text;
}

std::string_view country_name(std::string_view alpha3) {
  if (alpha3.size() != 3) return {};
  // Three bytes as a big-endian number order as the codes do: the search compares numbers.
  const auto key = [](std::string_view code) {
    return static_cast<uint32_t>(static_cast<unsigned char>(code[0])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(code[1])) << 8 |
           static_cast<unsigned char>(code[2]);
  };
  const uint32_t wanted = key(alpha3);
  const detail::CountryNameEntry* begin = detail::kCountryNames;
  const detail::CountryNameEntry* end = begin + detail::kCountryNameCount;
  const detail::CountryNameEntry* found = std::lower_bound(
      begin, end, wanted, [&key](const detail::CountryNameEntry& entry, uint32_t code) {
        return key(entry.alpha3) < code;
      });
  if (found == end || key(found->alpha3) != wanted) return {};
  return found->name;
}

}  // namespace jb::address
