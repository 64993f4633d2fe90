#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/validate.h"

namespace jb::config {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Parses 1..max_digits decimal digits; false on anything else.
bool parse_small_number(std::string_view text, size_t max_digits, unsigned* value) {
  if (!all_digits(text) || text.size() > max_digits) return false;
  unsigned result = 0;
  for (char c : text) result = result * 10 + static_cast<unsigned>(c - '0');
  *value = result;
  return true;
}

bool is_ipv4(std::string_view text) {
  std::array<unsigned char, 4> bytes{};
  return inet_pton(AF_INET, std::string(text).c_str(), bytes.data()) == 1;
}

bool is_ipv6(std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET6, std::string(text).c_str(), bytes.data()) == 1;
}

bool looks_like_ipv4(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c) && c != '.') return false;
  }
  return true;
}

bool is_hostname_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

bool is_hostname(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    if (!is_hostname_label(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string host_problem(std::string_view host) {
  if (host.empty()) return "has no host before the port (0.0.0.0 listens on every IPv4 address)";
  if (host.find(':') != std::string_view::npos)
    return "needs brackets around an IPv6 address: [addr]:port";
  if (looks_like_ipv4(host)) return is_ipv4(host) ? "" : "has an invalid IPv4 address";
  return is_hostname(host) ? "" : "has a host that is neither an IP address nor a valid hostname";
}

std::string port_problem(std::string_view port, bool allow_zero) {
  unsigned value = 0;
  if (!parse_small_number(port, 5, &value) || value > 65535)
    return "has a port that is not 0..65535";
  if (value == 0 && !allow_zero) return "has port 0, which cannot be connected to";
  return "";
}

std::string host_port_problem(std::string_view text, bool allow_port_zero) {
  if (text.empty()) return "is empty; expected host:port";
  std::string_view port;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "has '[' without the closing ']'";
    if (!is_ipv6(text.substr(1, close - 1))) return "has an invalid IPv6 address in brackets";
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return "has no port; expected [addr]:port";
    port = rest.substr(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return "has no port; expected host:port";
    std::string problem = host_problem(text.substr(0, colon));
    if (!problem.empty()) return problem;
    port = text.substr(colon + 1);
  }
  return port_problem(port, allow_port_zero);
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Clears the bits beyond `prefix`; true when none were set.
bool clear_host_bits(unsigned char* bytes, size_t size, unsigned prefix) {
  bool clean = true;
  for (size_t i = 0; i < size; ++i) {
    unsigned first_bit = static_cast<unsigned>(i) * 8;
    unsigned keep = prefix <= first_bit ? 0 : (prefix - first_bit >= 8 ? 8 : prefix - first_bit);
    auto mask = static_cast<unsigned char>(keep == 0 ? 0 : 0xFF << (8 - keep));
    if ((bytes[i] & ~mask & 0xFF) != 0) clean = false;
    bytes[i] = static_cast<unsigned char>(bytes[i] & mask);
  }
  return clean;
}

}  // namespace

std::string listen_address_problem(const std::string& text) {
  return host_port_problem(text, /*allow_port_zero=*/true);
}

std::string broker_list_problem(const std::string& text) {
  if (text == "embedded") return "";
  if (trim_spaces(text).empty()) return "is empty; expected \"embedded\" or host:port,...";
  std::string_view rest = text;
  for (int index = 1;; ++index) {
    size_t comma = rest.find(',');
    std::string_view broker = trim_spaces(rest.substr(0, comma));
    std::string problem = host_port_problem(broker, /*allow_port_zero=*/false);
    if (!problem.empty()) return "broker " + std::to_string(index) + " " + problem;
    if (comma == std::string_view::npos) return "";
    rest = rest.substr(comma + 1);
  }
}

std::string cidr_problem(const std::string& text) {
  size_t slash = text.find('/');
  std::string address = text.substr(0, slash);
  bool v4 = is_ipv4(address);
  bool v6 = !v4 && is_ipv6(address);
  if (slash == std::string::npos) {
    if (v4) return "is an address, not a CIDR; write \"" + text + "/32\" for one host";
    if (v6) return "is an address, not a CIDR; write \"" + text + "/128\" for one host";
    return "is not a CIDR; expected address/prefix such as 10.0.0.0/8";
  }
  if (!v4 && !v6) return "has an invalid IP address before the '/'";
  unsigned max_prefix = v4 ? 32 : 128;
  unsigned prefix = 0;
  if (!parse_small_number(std::string_view(text).substr(slash + 1), 3, &prefix) ||
      prefix > max_prefix) {
    return "has a prefix length that is not 0.." + std::to_string(max_prefix);
  }
  std::array<unsigned char, 16> bytes{};
  inet_pton(v4 ? AF_INET : AF_INET6, address.c_str(), bytes.data());
  if (clear_host_bits(bytes.data(), v4 ? 4 : 16, prefix)) return "";
  std::array<char, INET6_ADDRSTRLEN> network{};
  inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), network.data(), network.size());
  return "has bits set beyond the /" + std::to_string(prefix) + " prefix; the network is \"" +
         network.data() + "/" + std::to_string(prefix) + "\"";
}

namespace {

// A CIDR's address in its 128-bit form (IPv4 as ::ffff:a.b.c.d) and its prefix over that form.
struct Network {
  std::array<unsigned char, 16> bytes{};
  unsigned prefix = 0;
};

Network network_of(const std::string& cidr) {
  size_t slash = cidr.find('/');
  std::string address = cidr.substr(0, slash);
  auto prefix = static_cast<unsigned>(std::stoul(cidr.substr(slash + 1)));
  Network network;
  if (is_ipv4(address)) {
    network.bytes[10] = 0xFF;
    network.bytes[11] = 0xFF;
    inet_pton(AF_INET, address.c_str(), network.bytes.data() + 12);
    network.prefix = prefix + 96;
  } else {
    inet_pton(AF_INET6, address.c_str(), network.bytes.data());
    network.prefix = prefix;
  }
  return network;
}

}  // namespace

bool cidrs_overlap(const std::string& a, const std::string& b) {
  Network first = network_of(a);
  Network second = network_of(b);
  // Two networks overlap exactly when they agree on the shorter of the two prefixes.
  unsigned shorter = first.prefix < second.prefix ? first.prefix : second.prefix;
  clear_host_bits(first.bytes.data(), first.bytes.size(), shorter);
  clear_host_bits(second.bytes.data(), second.bytes.size(), shorter);
  return first.bytes == second.bytes;
}

namespace {

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  if (!is_ipv4(host)) return false;
  return host.substr(0, 4) == "127.";
}

}  // namespace

std::string retrieval_base_url_problem(const std::string& url) {
  if (url.empty()) return "";
  std::string_view text(url);
  bool plain = false;
  if (text.rfind("https://", 0) == 0) {
    text.remove_prefix(8);
  } else if (text.rfind("http://", 0) == 0) {
    text.remove_prefix(7);
    plain = true;
  } else {
    return "must start with https:// (or http:// to a loopback address)";
  }
  size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : text.substr(slash);
  for (char c : path) {
    if (c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return "has a query, fragment or space in its path";
  }
  if (authority.find('@') != std::string_view::npos)
    return "has user information; the credentials come from the environment or credential files";
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || !is_ipv6(authority.substr(1, close - 1)))
      return "has an invalid IPv6 address in brackets";
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "has something after the IPv6 address that is not a port";
      std::string problem = port_problem(rest.substr(1), false);
      if (!problem.empty()) return problem;
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      std::string problem = port_problem(authority.substr(colon + 1), false);
      if (!problem.empty()) return problem;
    }
    std::string problem = host_problem(host);
    if (!problem.empty()) return problem;
  }
  if (plain && !is_loopback_host(host))
    return "uses http:// to a host that is not a loopback address; use https://";
  return "";
}

}  // namespace jb::config
