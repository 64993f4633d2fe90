#include <algorithm>
#include <cstdint>

#include "address/address.h"
#include "address/country_table.h"
#include "address/members.h"

namespace jb::address {
namespace {

using detail::string_member;

// Appends `part` after ", " (none before the text's first part); an empty part adds nothing.
void append_part(detail::TextWriter& text, std::string_view part) {
  if (part.empty()) return;
  if (!text.empty()) text.put(", ");
  text.put(part);
}

}  // namespace

namespace detail {

void format_address(const std::string_view (&lines)[5], std::string_view city,
                    std::string_view subdivision, std::string_view postal_code,
                    std::string_view country_code, TextBuffer* text) {
  const std::string_view name = country_name(country_code);
  const std::string_view country = name.empty() ? country_code : name;
  // Each part with ", " before it, and the ' ' between subdivision and postal code.
  std::size_t bound = city.size() + subdivision.size() + postal_code.size() + country.size() + 9;
  for (std::string_view line : lines) bound += line.size() + 2;
  TextWriter out(text, bound);
  for (std::string_view line : lines) append_part(out, line);
  append_part(out, city);
  if (!subdivision.empty() || !postal_code.empty()) {  // "subdivision postalCode"
    if (!out.empty()) out.put(", ");
    out.put(subdivision);
    if (!subdivision.empty() && !postal_code.empty()) out.put(' ');
    out.put(postal_code);
  }
  append_part(out, country);
}

}  // namespace detail

std::string formatted_address(const rapidjson::Value& raw, CountryKey country_key) {
  static constexpr std::string_view kLineNames[] = {"line1", "line2", "line3", "line4", "line5"};
  std::string_view lines[5];
  for (int index = 0; index < 5; ++index) lines[index] = string_member(raw, kLineNames[index]);
  detail::TextBuffer text;
  detail::format_address(lines, string_member(raw, "city"), string_member(raw, "subdivision"),
                         string_member(raw, "postalCode"),
                         string_member(raw, detail::country_member(country_key)), &text);
  return std::string(text.view());
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
