// Configs that load with warnings: valid settings that are likely mistakes, with their line.
#include "config/config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/config_describe.h"

namespace jb::config {
namespace {

// The warnings for a config that must parse without errors.
std::vector<ConfigError> warnings_of(const std::string& yaml) {
  Config config;
  auto errors = parse_config(yaml, &config);
  EXPECT_TRUE(errors.empty()) << yaml << describe(errors);
  return config.warnings;
}

TEST(Config, TrustedProxyInTheDefaultAllowlistIsAWarningWithItsLine) {
  auto warnings = warnings_of("security:\n  trusted_proxies: [\"127.0.0.1/32\"]\n");
  ASSERT_EQ(warnings.size(), 1u) << describe(warnings);
  EXPECT_EQ(warnings[0].key, "security.trusted_proxies");
  EXPECT_EQ(warnings[0].line, 2);
  EXPECT_EQ(warnings[0].message,
            "127.0.0.1/32 is also in security.allow: requests it forwards without "
            "X-Forwarded-For are allowed as its own");
  EXPECT_EQ(format_error("c.yaml", warnings[0]),
            "c.yaml:2: security.trusted_proxies: 127.0.0.1/32 is also in security.allow: requests "
            "it forwards without X-Forwarded-For are allowed as its own");
}

TEST(Config, LingerUnderHalfAMillisecondIsAWarningWithItsLine) {
  auto warnings = warnings_of(
      "kafka:\n  properties:\n    compression.type: lz4\n"
      "    linger.ms: 0\n");
  ASSERT_EQ(warnings.size(), 1u) << describe(warnings);
  EXPECT_EQ(warnings[0].key, "kafka.properties.linger.ms");
  EXPECT_EQ(warnings[0].line, 4);
  EXPECT_NE(warnings[0].message.find("under 0.5 ms"), std::string::npos) << warnings[0].message;
  auto alias = warnings_of("kafka:\n  properties:\n    queue.buffering.max.ms: \"0.2\"\n");
  ASSERT_EQ(alias.size(), 1u) << describe(alias);
  EXPECT_EQ(alias[0].key, "kafka.properties.queue.buffering.max.ms");
  EXPECT_EQ(alias[0].line, 3);
  for (const char* fine : {"0.5", "1", "5", "1e3"}) {
    EXPECT_TRUE(
        warnings_of(std::string("kafka:\n  properties:\n    linger.ms: ") + fine + "\n").empty())
        << fine;
  }
  // A value that is not a number is librdkafka's to refuse, not a warning here.
  EXPECT_TRUE(warnings_of("kafka:\n  properties:\n    linger.ms: soon\n").empty());
}

TEST(Config, TrustedProxyOutsideTheAllowlistIsNoWarning) {
  EXPECT_TRUE(warnings_of("security:\n  trusted_proxies: [\"10.0.0.5/32\"]\n").empty());
  EXPECT_TRUE(warnings_of("security:\n  allow: [\"10.0.1.0/24\"]\n"
                          "  trusted_proxies: [\"10.0.0.0/24\", \"10.0.2.0/23\"]\n")
                  .empty());
  EXPECT_TRUE(
      warnings_of("security:\n  allow: []\n  trusted_proxies: [\"127.0.0.1/32\"]\n").empty());
  // 127.0.0.1 and ::1 are different addresses.
  EXPECT_TRUE(
      warnings_of("security:\n  allow: [\"::1/128\"]\n  trusted_proxies: [\"127.0.0.1/32\"]\n")
          .empty());
}

TEST(Config, TrustedProxyOverlapIsFoundByContainmentEitherWay) {
  // The allowed network contains the proxy.
  auto inside = warnings_of(
      "security:\n  allow: [\"10.0.0.0/8\"]\n"
      "  trusted_proxies: [\"10.1.2.3/32\"]\n");
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].line, 3);
  EXPECT_NE(inside[0].message.find("10.1.2.3/32 overlaps 10.0.0.0/8 in security.allow"),
            std::string::npos)
      << inside[0].message;
  // The proxies' network contains an allowed one.
  auto around = warnings_of(
      "security:\n  trusted_proxies: [\"10.0.0.0/8\"]\n"
      "  allow: [\"192.168.0.0/16\", \"10.1.2.0/24\"]\n");
  ASSERT_EQ(around.size(), 1u);
  EXPECT_EQ(around[0].line, 2);
  EXPECT_NE(around[0].message.find("10.0.0.0/8 overlaps 10.1.2.0/24 in security.allow"),
            std::string::npos)
      << around[0].message;
}

TEST(Config, TrustedProxyOverlapCoversIpv6AndIpv4Mapped) {
  auto loopback = warnings_of("security:\n  trusted_proxies: [\"::1/128\"]\n");
  ASSERT_EQ(loopback.size(), 1u);
  EXPECT_NE(loopback[0].message.find("::1/128 is also in security.allow"), std::string::npos);
  EXPECT_EQ(
      warnings_of("security:\n  allow: [\"fd00:1::/32\"]\n  trusted_proxies: [\"fd00::/8\"]\n")
          .size(),
      1u);
  EXPECT_EQ(
      warnings_of("security:\n  allow: [\"fd00::/8\"]\n  trusted_proxies: [\"fd00:1::7/128\"]\n")
          .size(),
      1u);
  EXPECT_TRUE(
      warnings_of(
          "security:\n  allow: [\"2001:db8::/32\"]\n  trusted_proxies: [\"2001:db9::/32\"]\n")
          .empty());
  // The listener sees IPv4 peers as ::ffff:a.b.c.d: an IPv4-mapped allow entry covers them.
  EXPECT_EQ(warnings_of("security:\n  allow: [\"::ffff:10.1.0.0/112\"]\n"
                        "  trusted_proxies: [\"10.1.2.3/32\"]\n")
                .size(),
            1u);
  EXPECT_EQ(
      warnings_of("security:\n  allow: [\"::/0\"]\n  trusted_proxies: [\"10.1.2.3/32\"]\n").size(),
      1u);
}

TEST(Config, EachOverlappingTrustedProxyIsOneWarningOnItsOwnLine) {
  auto warnings = warnings_of(
      "security:\n"
      "  allow: [\"10.0.0.0/8\", \"10.1.0.0/16\", \"::1/128\"]\n"
      "  trusted_proxies:\n"
      "    - 192.168.0.1/32\n"
      "    - 10.1.2.3/32\n"
      "    - \"::1/128\"\n");
  ASSERT_EQ(warnings.size(), 2u) << describe(warnings);
  EXPECT_EQ(warnings[0].line, 5);
  EXPECT_NE(warnings[0].message.find("10.1.2.3/32"), std::string::npos);
  EXPECT_EQ(warnings[1].line, 6);
  EXPECT_NE(warnings[1].message.find("::1/128"), std::string::npos);
}

}  // namespace
}  // namespace jb::config
