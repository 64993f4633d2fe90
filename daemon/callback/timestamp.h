// Jumio timestamps and dates. Pure arithmetic: no locale, no TZ environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace jb::callback {

// Accepts YYYY-MM-DDThh:mm:ssZ with 0 to 3 fractional digits (ss, ss.S, ss.SS, ss.SSS), upper-case
// 'T' and 'Z', a valid calendar date (leap years included) and hh 00-23, mm 00-59, ss 00-59 (no
// leap second: Jumio's timestamps come from a clock that never shows 60); writes
// YYYY-MM-DDThh:mm:ss.SSSZ. False when it is not such a timestamp.
bool canonical_timestamp(std::string_view text, std::string* canonical);
// The length of a canonical timestamp (YYYY-MM-DDThh:mm:ss.SSSZ).
inline constexpr size_t kCanonicalTimestampSize = 24;
// canonical_timestamp into a buffer of exactly that length (no terminating NUL).
bool canonical_timestamp(std::string_view text, char (&canonical)[kCanonicalTimestampSize]);
// A time point as YYYY-MM-DDThh:mm:ss.SSSZ (UTC, milliseconds truncated).
std::string format_timestamp(std::chrono::system_clock::time_point time);
// Parses a timestamp canonical_timestamp accepts into a time point; false when invalid or outside
// the range of system_clock.
bool parse_timestamp(std::string_view text, std::chrono::system_clock::time_point* time);
// True for YYYY-MM-DD with a valid calendar date.
bool is_valid_date(std::string_view text);

}  // namespace jb::callback
