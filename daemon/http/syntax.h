// The character classes and small grammars of RFC 9110 / 9112 that the request parser checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jb::http::syntax {

// tchar (RFC 9110 §5.6.2): the characters of a token (method, field name, coding name).
bool is_tchar(unsigned char c);
// 1*tchar
bool is_token(std::string_view text);
// A field value's characters (RFC 9110 §5.5): VCHAR, SP, HTAB and obs-text, nothing else.
bool is_field_value(std::string_view text);
// Without leading and trailing SP / HTAB (OWS).
std::string_view trim(std::string_view text);
// ASCII case-insensitive comparison; `lower` must be lower case.
bool equals_lower(std::string_view text, std::string_view lower);
// Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP literal in brackets, or a
// reg-name of unreserved, percent-encoded and sub-delim characters; the port all digits. Empty
// is valid (a target without authority). Userinfo ("@") is not.
bool is_host(std::string_view text);
// 1*DIGIT that fits 64 bits, into *value.
bool parse_decimal(std::string_view text, uint64_t* value);

// Calls each(element) for every element of a comma-separated list (RFC 9110 §5.6.1), trimmed.
// Empty elements are skipped, as the RFC asks of recipients, and counted in *empty when it is
// not null. False (and stops) when `each` returns false.
template <typename Each>
bool for_each_list_element(std::string_view list, Each each, size_t* empty = nullptr) {
  for (;;) {
    const size_t comma = list.find(',');
    const std::string_view element = trim(list.substr(0, comma));
    if (element.empty()) {
      if (empty != nullptr) ++*empty;
    } else if (!each(element)) {
      return false;
    }
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace jb::http::syntax
