#include "http/allowlist.h"

#include <gtest/gtest.h>

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

TEST(Allowlist, JumioDatacentrePresetsHoldTheSpecAddresses) {
  EXPECT_EQ(jumio_datacenter_addresses("US").size(), 6u);
  EXPECT_EQ(jumio_datacenter_addresses("EU").size(), 6u);
  EXPECT_EQ(jumio_datacenter_addresses("SGP").size(), 3u);
  EXPECT_TRUE(jumio_datacenter_addresses("APAC").empty());
  Allowlist list({}, {"EU", "SGP"}, {});
  EXPECT_TRUE(list.allowed("52.209.180.134"));
  EXPECT_TRUE(list.allowed("3.0.109.121"));
  EXPECT_FALSE(list.allowed("34.202.241.227"));  // US
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
