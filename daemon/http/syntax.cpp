#include "http/syntax.h"

#include <array>

namespace jb::http::syntax {
namespace {

constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kTchar = make_tchar_table();

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unreserved / sub-delims (RFC 3986 §2.2, §2.3); '%' is checked with its two digits.
bool is_reg_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return u < 0x80 && std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool is_reg_name(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) return false;
      i += 2;
    } else if (!is_reg_name_char(text[i])) {
      return false;
    }
  }
  return true;
}

// IP-literal = "[" ( IPv6address / IPvFuture ) "]", checked by its characters.
bool is_ip_literal(std::string_view text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
  for (char c : text.substr(1, text.size() - 2))
    if (!is_hex(c) && c != ':' && c != '.' && c != 'v' && c != 'V') return false;
  return true;
}

}  // namespace

bool is_tchar(unsigned char c) {
  return kTchar[c];
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!kTchar[static_cast<unsigned char>(c)]) return false;
  return true;
}

bool is_field_value(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 ? u != '\t' : u == 0x7f) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (c != lower[i]) return false;
  }
  return true;
}

bool is_host(std::string_view text) {
  std::string_view host = text;
  const size_t bracket = text.rfind(']');
  const size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    const std::string_view port = text.substr(colon + 1);
    if (port.size() > 5) return false;
    for (char c : port)
      if (c < '0' || c > '9') return false;
    host = text.substr(0, colon);
  }
  if (!host.empty() && host.front() == '[') return is_ip_literal(host);
  return is_reg_name(host);
}

bool parse_decimal(std::string_view text, uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + static_cast<uint64_t>(c - '0');
  }
  *value = result;
  return true;
}

}  // namespace jb::http::syntax
