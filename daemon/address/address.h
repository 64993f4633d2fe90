// Pure address conversion: Jumio's US, EU and Raw formats -> Raw format with formattedAddress.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace jb::address {

enum class Format { us, eu, raw };

// Which format an address object is in, from the members it has, first rule that matches:
// Raw when it has a Raw-only member (line1..line5, subdivision); US when it has a US-only member
// (streetDirection, streetSuffix, unitDesignator, unitNumber, zip, zipExtension, stateCode); EU
// when it has province, unitDetails, streetName or streetNumber; otherwise Raw (city, postalCode
// and the country read the same in every format). Members of a format other than the detected one
// are unknown members.
Format detect_format(const rapidjson::Value& address);

// How the country member is called: "country" for Netverify idAddress, "countryCode" for
// Document Verification extractedData.address. The output keeps the same name.
enum class CountryKey { country, country_code };

struct Conversion {
  std::vector<std::string> unknown_members;  // members not of the detected format
  std::vector<std::string> dropped;          // non-empty members whose value is not in the output
  std::vector<std::string> too_long;         // members longer than the spec's max length
  std::string not_a_string;                  // a member that is not a string: the input is invalid
};

// Writes the Raw form of `address` (a JSON object) into *out as a closed object: line1..line5,
// city, subdivision, postalCode, the country member, then formattedAddress (always present, "" for
// an empty address); empty and absent parts are left out, and no other member is written. An
// incoming formattedAddress is replaced by ours.
//
// Every member of every format becomes the Raw member it converts to, whatever the detected format
// (docs/schemas.md, "Addresses"): the street members make one street line "streetNumber
// streetDirection streetName streetSuffix unitDetails unitDesignator. unitNumber" (Jumio's US and
// EU line1), which takes the first of line1..line5 that is empty; stateCode and province become
// subdivision; zip and zipExtension become postalCode "zip-zipExtension" (either alone when the
// other is absent); the other kind's country member becomes the country member. When two members
// would fill the same Raw member, the detected format's own member wins: lines before the street
// line, subdivision before stateCode before province, in US format the zip before postalCode and
// elsewhere postalCode before the zip, the kind's own country member before the other kind's. The
// losers, and members of no format, are left out and listed in `dropped`.
//
// Lengths are checked against the table of the detected format (Document Verification's for
// CountryKey::country_code), in Unicode characters. Returns false, with *out an empty object, when
// a member is not a string (named in not_a_string) or `address` is not an object (not_a_string
// empty).
bool to_raw(const rapidjson::Value& address, CountryKey country_key, rapidjson::Value* out,
            rapidjson::Document::AllocatorType& allocator, Conversion* conversion);

// "line1, line2, line3, line4, line5, city, subdivision postalCode, Country Name" from a Raw
// address: absent or empty parts leave no empty commas; the country is its ISO 3166-1 short name,
// or the code as sent when the code is unknown.
std::string formatted_address(const rapidjson::Value& raw, CountryKey country_key);

// ISO 3166-1 short name for an alpha-3 code ("USA" -> "United States", "XKX" -> "Kosovo"); empty
// when the code is unknown. Codes are matched exactly (upper case).
std::string_view country_name(std::string_view alpha3);

}  // namespace jb::address
