// Who may POST callbacks: CIDRs from security.allow and Jumio's data-centre presets, with
// X-Forwarded-For believed only from security.trusted_proxies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jb::http {

// An IPv4 or IPv6 network. IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d).
struct Cidr {
  std::array<uint8_t, 16> address{};
  int prefix = 0;  // over the 128-bit form

  bool contains(const std::array<uint8_t, 16>& candidate) const;
};

// "10.0.0.0/8", "::1/128"; false when malformed.
bool parse_cidr(std::string_view text, Cidr* out);
// "1.2.3.4", "::1", "::ffff:1.2.3.4"; false when malformed.
bool parse_ip(std::string_view text, std::array<uint8_t, 16>* out);

// Jumio's published callback addresses of one data centre ("US", "EU", "SGP"), legacy Netverify
// and Jumio Platform callbacks together, each once; empty when unknown.
std::vector<std::string> jumio_datacenter_addresses(std::string_view datacenter);
// The host names whose addresses are the data centre's current callback addresses: the legacy
// one (callback.jumio.com, callback.lon.jumio.com, callback.core-sgp.jumio.com), then the
// platform's (callback.amer-1.jumio.ai, callback.emea-1.jumio.ai, callback.apac-1.jumio.ai);
// empty when unknown.
std::vector<std::string> jumio_callback_hosts(std::string_view datacenter);

class Allowlist {
 public:
  // `resolved`: addresses (not networks) allowed besides, such as the data centres' host names'
  // current addresses.
  Allowlist(const std::vector<std::string>& allow, const std::vector<std::string>& datacenters,
            const std::vector<std::string>& trusted_proxies,
            const std::vector<std::string>& resolved = {});

  // The address a callback came from: the peer, or the right-most X-Forwarded-For entry that is
  // not a trusted proxy when the peer is one.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;
  bool allowed(std::string_view address) const;
  // Whether a peer may connect at all: it is allowed, or a trusted proxy.
  bool admits(std::string_view peer) const;
  // Whether a peer is in security.trusted_proxies: only its X-Forwarded-For is believed.
  bool trusted_proxy(std::string_view peer) const;

 private:
  static bool any_contains(const std::vector<Cidr>& networks, std::string_view address);

  std::vector<Cidr> allowed_;
  std::vector<Cidr> trusted_proxies_;
};

}  // namespace jb::http
