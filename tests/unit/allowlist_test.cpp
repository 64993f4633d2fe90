#include "http/allowlist.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace jb::http {
namespace {

TEST(Allowlist, Ipv4AndIpv6Networks) {
  Allowlist list({"10.0.0.0/8", "2001:db8::/32", "192.0.2.1/32"}, {}, {});
  EXPECT_TRUE(list.allowed("10.1.2.3"));
  EXPECT_FALSE(list.allowed("11.0.0.1"));
  EXPECT_TRUE(list.allowed("2001:db8::1"));
  EXPECT_FALSE(list.allowed("2001:db9::1"));
  EXPECT_TRUE(list.allowed("192.0.2.1"));
  EXPECT_FALSE(list.allowed("192.0.2.2"));
  EXPECT_TRUE(list.allowed("::ffff:10.9.9.9"));  // IPv4-mapped peers of a dual-stack socket
  EXPECT_FALSE(list.allowed("not an address"));
  EXPECT_FALSE(list.allowed(""));
}

TEST(Allowlist, EmptyAllowsNone) {
  Allowlist list({}, {}, {});
  EXPECT_FALSE(list.allowed("127.0.0.1"));
}

// The union of the legacy Netverify list and the Jumio Platform list of each data centre.
const std::vector<std::string> kLegacyUs = {"34.202.241.227", "34.226.103.119", "34.226.254.127",
                                            "52.52.51.178",   "52.53.95.123",   "54.67.101.173"};
const std::vector<std::string> kPlatformUs = {"34.202.241.227", "34.226.103.119", "34.226.254.127",
                                              "52.8.136.236",   "54.177.61.57",   "54.183.15.212"};
const std::vector<std::string> kBothEu = {"34.253.41.236", "35.157.27.193", "52.48.0.25",
                                          "52.57.194.92",  "52.58.113.86",  "52.209.180.134"};
const std::vector<std::string> kLegacySgp = {"3.0.109.121", "52.76.184.73", "52.77.102.92"};
const std::vector<std::string> kPlatformSgp = {"3.0.109.121",   "52.76.184.73",   "52.77.102.92",
                                               "13.238.100.17", "13.238.203.238", "52.64.132.26"};

TEST(Allowlist, JumioDatacentrePresetsHoldBothGenerationsAddresses) {
  EXPECT_EQ(jumio_datacenter_addresses("US").size(), 9u);
  EXPECT_EQ(jumio_datacenter_addresses("EU").size(), 6u);
  EXPECT_EQ(jumio_datacenter_addresses("SGP").size(), 6u);
  EXPECT_TRUE(jumio_datacenter_addresses("APAC").empty());
  EXPECT_TRUE(jumio_datacenter_addresses("amer-1").empty());
  const std::pair<const char*, std::vector<const std::vector<std::string>*>> kLists[] = {
      {"US", {&kLegacyUs, &kPlatformUs}},
      {"EU", {&kBothEu}},
      {"SGP", {&kLegacySgp, &kPlatformSgp}},
  };
  for (const auto& [centre, lists] : kLists) {
    const Allowlist list({}, {centre}, {});
    for (const auto* addresses : lists) {
      for (const std::string& address : *addresses) {
        EXPECT_TRUE(list.allowed(address)) << centre << " " << address;
      }
    }
  }
  Allowlist list({}, {"EU", "SGP"}, {});
  EXPECT_TRUE(list.allowed("52.209.180.134"));
  EXPECT_TRUE(list.allowed("3.0.109.121"));
  EXPECT_TRUE(list.allowed("13.238.203.238"));   // SGP, platform
  EXPECT_FALSE(list.allowed("34.202.241.227"));  // US
  EXPECT_FALSE(list.allowed("52.8.136.236"));    // US, platform
}

TEST(Allowlist, EachDatacentreHasALegacyAndAPlatformHostName) {
  EXPECT_EQ(jumio_callback_hosts("US"),
            (std::vector<std::string>{"callback.jumio.com", "callback.amer-1.jumio.ai"}));
  EXPECT_EQ(jumio_callback_hosts("EU"),
            (std::vector<std::string>{"callback.lon.jumio.com", "callback.emea-1.jumio.ai"}));
  EXPECT_EQ(jumio_callback_hosts("SGP"),
            (std::vector<std::string>{"callback.core-sgp.jumio.com", "callback.apac-1.jumio.ai"}));
  EXPECT_TRUE(jumio_callback_hosts("APAC").empty());
}

TEST(Allowlist, ForwardedForOnlyFromTrustedProxies) {
  Allowlist list({"203.0.113.0/24"}, {}, {"10.0.0.0/8"});
  EXPECT_EQ(list.client_address("198.51.100.9", "203.0.113.5"), "198.51.100.9");
  EXPECT_EQ(list.client_address("10.0.0.1", "203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(list.client_address("10.0.0.1", "203.0.113.5, 10.0.0.2"), "203.0.113.5");
  EXPECT_EQ(list.client_address("10.0.0.1", "203.0.113.5, 198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(list.client_address("10.0.0.1", " , 10.0.0.3"), "10.0.0.1");
  EXPECT_EQ(list.client_address("10.0.0.1", ""), "10.0.0.1");
}

TEST(Allowlist, CidrParsing) {
  Cidr cidr;
  EXPECT_TRUE(parse_cidr("0.0.0.0/0", &cidr));
  EXPECT_TRUE(parse_cidr("::/0", &cidr));
  EXPECT_FALSE(parse_cidr("10.0.0.0/33", &cidr));
  EXPECT_FALSE(parse_cidr("::1/129", &cidr));
  EXPECT_FALSE(parse_cidr("10.0.0.0", &cidr));
  EXPECT_FALSE(parse_cidr("10.0.0.0/x", &cidr));
  EXPECT_FALSE(parse_cidr("/8", &cidr));
}

}  // namespace
}  // namespace jb::http
