// Jumio's callback addresses from its host names: with security.jumio_datacenters set, the
// daemon resolves callback.jumio.com and callback.amer-1.jumio.ai (and the other data centres'
// legacy and platform hosts) at start and every security.jumio_refresh_s, with a resolver the test
// controls here, and allows the union of security.allow, the published addresses and the last good
// lookup. Callbacks arrive through a trusted proxy (the test's 127.0.0.1) claiming each client
// address in X-Forwarded-For.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/platform_callbacks.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What the test's DNS answers: addresses per host, or a failure.
class FakeDns {
 public:
  void answer(const std::string& host, std::vector<std::string> addresses) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_[host] = std::move(addresses);
    failing_ = false;
  }
  void fail() {
    std::lock_guard<std::mutex> lock(mutex_);
    failing_ = true;
  }
  // Only lookups of `host` fail from now on.
  void fail_host(const std::string& host) {
    std::lock_guard<std::mutex> lock(mutex_);
    failing_hosts_.push_back(host);
  }
  int lookups(const std::string& host) {
    std::lock_guard<std::mutex> lock(mutex_);
    return lookups_[host];
  }
  http::Resolver resolver() {
    return
        [this](const std::string& host, std::vector<std::string>* addresses, std::string* error) {
          std::lock_guard<std::mutex> lock(mutex_);
          ++lookups_[host];
          if (failing_ || std::find(failing_hosts_.begin(), failing_hosts_.end(), host) !=
                              failing_hosts_.end()) {
            *error = "Temporary failure in name resolution";
            return false;
          }
          *addresses = answers_[host];
          return true;
        };
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> answers_;
  std::map<std::string, int> lookups_;
  bool failing_ = false;
  std::vector<std::string> failing_hosts_;
};

int post_from(Bridge& bridge, const std::string& client) {
  auto result =
      bridge.client().Post("/callbacks/jumio", {{"X-Forwarded-For", client}},
                           kSampleAuthenticationPassed, "application/x-www-form-urlencoded");
  return result ? result->status : -1;
}

int post_platform_from(Bridge& bridge, const std::string& client) {
  auto result = bridge.client().Post("/callbacks/jumio", {{"X-Forwarded-For", client}},
                                     kSamplePlatformCallback, "application/json");
  return result ? result->status : -1;
}

// Waits (bounded) until `client` gets `status`.
bool becomes(Bridge& bridge, const std::string& client, int status) {
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until) {
    if (post_from(bridge, client) == status) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::string metrics(Bridge& bridge) {
  auto answer = bridge.admin_client().Get("/metrics");
  return answer ? answer->body : "";
}

TEST(JumioDns, ResolvedAddressesAreAllowedBesidesThePublishedOnesAndFollowTheHostName) {
  FakeDns dns;
  dns.answer("callback.jumio.com", {"198.51.100.7"});
  cli::Daemon::Options options;
  options.resolver = dns.resolver();
  Bridge bridge(
      [](config::Config& c) {
        c.security.allow = {};
        c.security.jumio_datacenters = {"US"};
        c.security.jumio_refresh_s = 1;
        c.security.trusted_proxies = {"127.0.0.1/32"};
      },
      std::move(options));

  EXPECT_TRUE(becomes(bridge, "198.51.100.7", 200)) << "the resolved address is not allowed";
  EXPECT_EQ(post_from(bridge, "34.202.241.227"), 200) << "a published US address";
  EXPECT_EQ(post_from(bridge, "198.51.100.8"), 403);
  EXPECT_EQ(post_from(bridge, "34.253.41.236"), 403) << "an EU address, EU not configured";
  EXPECT_GE(dns.lookups("callback.jumio.com"), 1);
  EXPECT_GE(dns.lookups("callback.amer-1.jumio.ai"), 1);
  EXPECT_EQ(dns.lookups("callback.lon.jumio.com"), 0);
  EXPECT_EQ(dns.lookups("callback.emea-1.jumio.ai"), 0);

  // The host name moves: the new address is allowed at the next refresh, the old one no longer.
  dns.answer("callback.jumio.com", {"198.51.100.8", "2001:db8::8"});
  EXPECT_TRUE(becomes(bridge, "198.51.100.8", 200));
  EXPECT_EQ(post_from(bridge, "198.51.100.7"), 403);
  EXPECT_EQ(post_from(bridge, "2001:db8::8"), 200);

  // Lookups fail: the last good addresses stay, and the failures are counted.
  dns.fail();
  const int before = dns.lookups("callback.jumio.com");
  const auto until = Clock::now() + 5s;
  while (dns.lookups("callback.jumio.com") < before + 2 && Clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_GE(dns.lookups("callback.jumio.com"), before + 2) << "no refresh within 5 s";
  EXPECT_EQ(post_from(bridge, "198.51.100.8"), 200) << "the last good addresses were dropped";
  EXPECT_EQ(post_from(bridge, "34.202.241.227"), 200);
  const std::string text = metrics(bridge);
  EXPECT_NE(text.find("jumio_bridge_jumio_lookups_total{datacenter=\"US\",result=\"failed\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("jumio_bridge_jumio_lookups_total{datacenter=\"US\",result=\"ok\"}"),
            std::string::npos)
      << text;
}

TEST(JumioDns, ReloadKeepsResolvedAddressesOfDataCentresStillConfiguredAndLooksUpNewOnes) {
  FakeDns dns;
  dns.answer("callback.jumio.com", {"198.51.100.7"});
  dns.answer("callback.lon.jumio.com", {"203.0.113.70"});
  cli::Daemon::Options options;
  options.resolver = dns.resolver();
  Bridge bridge(
      [](config::Config& c) {
        c.security.allow = {};
        c.security.jumio_datacenters = {"US"};
        c.security.jumio_refresh_s = 3600;  // only the lookups at start and on reload
        c.security.trusted_proxies = {"127.0.0.1/32"};
      },
      std::move(options));
  EXPECT_TRUE(becomes(bridge, "198.51.100.7", 200));
  EXPECT_EQ(post_from(bridge, "203.0.113.70"), 403);

  config::Config both = bridge.config();
  both.security.jumio_datacenters = {"US", "EU"};
  bridge.daemon().reload(both);
  EXPECT_EQ(post_from(bridge, "198.51.100.7"), 200) << "dropped while EU was being looked up";
  EXPECT_TRUE(becomes(bridge, "203.0.113.70", 200));

  config::Config eu_only = bridge.config();
  eu_only.security.jumio_datacenters = {"EU"};
  bridge.daemon().reload(eu_only);
  EXPECT_EQ(post_from(bridge, "198.51.100.7"), 403) << "US is no longer configured";
  EXPECT_EQ(post_from(bridge, "203.0.113.70"), 200);
}

TEST(JumioDns, BothGenerationsHostNamesAndPublishedAddressesAreAllowed) {
  FakeDns dns;
  dns.answer("callback.jumio.com", {"198.51.100.7"});
  dns.answer("callback.amer-1.jumio.ai", {"198.51.100.17", "2001:db8::17"});
  cli::Daemon::Options options;
  options.resolver = dns.resolver();
  Bridge bridge(
      [](config::Config& c) {
        c.security.allow = {};
        c.security.jumio_datacenters = {"US"};
        c.security.jumio_refresh_s = 1;
        c.security.trusted_proxies = {"127.0.0.1/32"};
      },
      std::move(options));

  EXPECT_TRUE(becomes(bridge, "198.51.100.17", 200)) << "the platform host's address";
  EXPECT_EQ(post_platform_from(bridge, "2001:db8::17"), 200);
  EXPECT_EQ(post_from(bridge, "198.51.100.7"), 200) << "the legacy host's address";
  // Published: a platform-only and a legacy-only US address, either kind of callback.
  EXPECT_EQ(post_platform_from(bridge, "52.8.136.236"), 200);
  EXPECT_EQ(post_from(bridge, "54.183.15.212"), 200);
  EXPECT_EQ(post_platform_from(bridge, "52.52.51.178"), 200);
  EXPECT_EQ(post_platform_from(bridge, "13.238.100.17"), 403) << "SGP is not configured";

  // The platform host's lookups fail: its last good addresses stay, the legacy host still moves.
  dns.fail_host("callback.amer-1.jumio.ai");
  dns.answer("callback.jumio.com", {"198.51.100.8"});
  EXPECT_TRUE(becomes(bridge, "198.51.100.8", 200));
  EXPECT_EQ(post_from(bridge, "198.51.100.7"), 403);
  EXPECT_EQ(post_platform_from(bridge, "198.51.100.17"), 200) << "the platform host's last good";
}

}  // namespace
}  // namespace jb::test
