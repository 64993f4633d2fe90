// Pure address conversion: Jumio's US, EU and Raw formats -> Raw format with formattedAddress.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace jb::address {

enum class Format { us, eu, raw };

// Which format an address object is in, from the members it has (US: streetDirection,
// streetSuffix, unitDesignator, unitNumber, zip, zipExtension, stateCode; EU: province,
// unitDetails, streetName/streetNumber without US members; otherwise Raw).
Format detect_format(const rapidjson::Value& address);

// How the country member is called: "country" for Netverify idAddress, "countryCode" for
// Document Verification extractedData.address.
enum class CountryKey { country, country_code };

struct Conversion {
  std::vector<std::string> unknown_members;  // members of no known format (kept in the output)
  std::vector<std::string> too_long;         // members longer than the spec's max length
  std::string not_a_string;                  // a member that is not a string: the input is invalid
};

// Writes the Raw form of `address` (a JSON object) into *out as an object: line1..line5, city,
// subdivision, postalCode, the country member, then formattedAddress; absent parts are left out.
// Unknown members are copied after them. Returns false when a member is not a string.
bool to_raw(const rapidjson::Value& address, CountryKey country_key, rapidjson::Value* out,
            rapidjson::Document::AllocatorType& allocator, Conversion* conversion);

// "line1, line2, city, subdivision postalCode, Country Name": absent parts leave no empty commas.
std::string formatted_address(const rapidjson::Value& raw, CountryKey country_key);

// ISO 3166-1 short name for an alpha-3 code ("USA" -> "United States", "XKX" -> "Kosovo"); empty
// when the code is unknown.
std::string_view country_name(std::string_view alpha3);

}  // namespace jb::address
