// Keeps the allowlist current with Jumio's callback addresses: with security.jumio_datacenters
// set, each data centre's callback host names (legacy and platform: jumio_callback_hosts) are
// resolved at start and every security.jumio_refresh_s, and the allowlist is the union of
// security.allow, the published addresses and the last good lookup of each host. A failed lookup
// keeps that host's last good addresses, and is logged and counted
// (jumio_bridge_jumio_lookups_total{datacenter,result}, one count per host looked up).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "http/allowlist.h"
#include "metrics/serve_metrics.h"

namespace jb::http {

// Resolves a host name to its addresses (as text); false with *error when the lookup fails.
using Resolver = std::function<bool(const std::string& host, std::vector<std::string>* addresses,
                                    std::string* error)>;

// getaddrinfo(3): the system's resolver.
Resolver system_resolver();

class AllowlistRefresher {
 public:
  using Apply = std::function<void(std::shared_ptr<const Allowlist>)>;

  // `apply` receives every new allowlist (on the caller's thread in configure(), else on the
  // refresher's own); `metrics` may be null.
  AllowlistRefresher(Resolver resolver, Apply apply, metrics::ServeMetrics* metrics);
  ~AllowlistRefresher();
  AllowlistRefresher(const AllowlistRefresher&) = delete;
  AllowlistRefresher& operator=(const AllowlistRefresher&) = delete;

  // Applies `security` at once (with the addresses already resolved for its data centres), then
  // resolves its data centres' host names in the background: now, and every jumio_refresh_s.
  void configure(const config::SecurityConfig& security);

 private:
  void run();
  // Resolves each configured data centre's hosts; true when an address set changed.
  bool refresh(const config::SecurityConfig& security);
  std::shared_ptr<const Allowlist> build() const;

  Resolver resolver_;
  Apply apply_;
  metrics::ServeMetrics* metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool refresh_now_ = false;
  config::SecurityConfig security_;
  // data centre -> host name -> last good lookup
  std::map<std::string, std::map<std::string, std::vector<std::string>>> resolved_;
  std::thread thread_;
};

}  // namespace jb::http
