#include "http/allowlist.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace jb::http {
namespace {

// Both generations' published addresses, each once: the legacy Netverify callbacks' and the Jumio
// Platform's (the two lists share EU and part of US and SGP).
constexpr std::string_view kUs[] = {"34.202.241.227", "34.226.103.119", "34.226.254.127",
                                    "52.52.51.178",   "52.53.95.123",   "54.67.101.173",
                                    "52.8.136.236",   "54.177.61.57",   "54.183.15.212"};
constexpr std::string_view kEu[] = {"34.253.41.236", "35.157.27.193", "52.48.0.25",
                                    "52.57.194.92",  "52.58.113.86",  "52.209.180.134"};
constexpr std::string_view kSgp[] = {"3.0.109.121",   "52.76.184.73",   "52.77.102.92",
                                     "13.238.100.17", "13.238.203.238", "52.64.132.26"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Cidr::contains(const std::array<uint8_t, 16>& candidate) const {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (candidate[i] & mask)) return false;
  }
  return true;
}

bool parse_ip(std::string_view text, std::array<uint8_t, 16>* out) {
  std::string s(text);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    *out = {};
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return true;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out->data(), &v6, 16);
    return true;
  }
  return false;
}

bool parse_cidr(std::string_view text, Cidr* out) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view address = text.substr(0, slash);
  std::string_view prefix = text.substr(slash + 1);
  int length = -1;
  auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), length);
  if (ec != std::errc() || end != prefix.data() + prefix.size()) return false;
  bool v4 = address.find(':') == std::string_view::npos;
  if (length < 0 || length > (v4 ? 32 : 128)) return false;
  if (!parse_ip(address, &out->address)) return false;
  out->prefix = v4 ? length + 96 : length;
  return true;
}

std::vector<std::string> jumio_datacenter_addresses(std::string_view datacenter) {
  auto to_vector = [](const auto& list) {
    return std::vector<std::string>(std::begin(list), std::end(list));
  };
  if (datacenter == "US") return to_vector(kUs);
  if (datacenter == "EU") return to_vector(kEu);
  if (datacenter == "SGP") return to_vector(kSgp);
  return {};
}

std::vector<std::string> jumio_callback_hosts(std::string_view datacenter) {
  if (datacenter == "US") return {"callback.jumio.com", "callback.amer-1.jumio.ai"};
  if (datacenter == "EU") return {"callback.lon.jumio.com", "callback.emea-1.jumio.ai"};
  if (datacenter == "SGP") return {"callback.core-sgp.jumio.com", "callback.apac-1.jumio.ai"};
  return {};
}

Allowlist::Allowlist(const std::vector<std::string>& allow,
                     const std::vector<std::string>& datacenters,
                     const std::vector<std::string>& trusted_proxies,
                     const std::vector<std::string>& resolved) {
  Cidr cidr;
  for (const auto& text : allow)
    if (parse_cidr(text, &cidr)) allowed_.push_back(cidr);
  for (const auto& address : resolved) {
    const bool v4 = address.find(':') == std::string::npos;
    if (parse_cidr(address + (v4 ? "/32" : "/128"), &cidr)) allowed_.push_back(cidr);
  }
  for (const auto& dc : datacenters)
    for (const auto& address : jumio_datacenter_addresses(dc))
      if (parse_cidr(address + "/32", &cidr)) allowed_.push_back(cidr);
  for (const auto& text : trusted_proxies)
    if (parse_cidr(text, &cidr)) trusted_proxies_.push_back(cidr);
}

bool Allowlist::any_contains(const std::vector<Cidr>& networks, std::string_view address) {
  std::array<uint8_t, 16> ip;
  if (!parse_ip(address, &ip)) return false;
  for (const auto& network : networks)
    if (network.contains(ip)) return true;
  return false;
}

std::string Allowlist::client_address(std::string_view peer, std::string_view forwarded_for) const {
  if (forwarded_for.empty() || !any_contains(trusted_proxies_, peer)) return std::string(peer);
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (hop.empty()) continue;
    if (!any_contains(trusted_proxies_, hop)) return std::string(hop);
  }
  return std::string(peer);
}

bool Allowlist::allowed(std::string_view address) const {
  return any_contains(allowed_, address);
}

bool Allowlist::admits(std::string_view peer) const {
  return any_contains(allowed_, peer) || any_contains(trusted_proxies_, peer);
}

bool Allowlist::trusted_proxy(std::string_view peer) const {
  return any_contains(trusted_proxies_, peer);
}

}  // namespace jb::http
