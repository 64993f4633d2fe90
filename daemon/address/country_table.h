// The country-name table generated at build time from iso-codes (cmake/country_names.cmake).
#pragma once

#include <cstddef>
#include <string_view>

namespace jb::address::detail {

// One row: ISO 3166-1 alpha-3 code and its short name (UTF-8).
struct CountryNameEntry {
  std::string_view alpha3;
  std::string_view name;
};

// Every known country, sorted by alpha3 (byte order), XKX (Kosovo) included.
extern const CountryNameEntry kCountryNames[];
// How many rows kCountryNames has.
extern const std::size_t kCountryNameCount;

}  // namespace jb::address::detail
