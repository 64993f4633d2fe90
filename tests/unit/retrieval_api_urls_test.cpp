// The Retrieval API's pure parts: the URL of each request per API and data centre (or base_url),
// the reference's percent-encoding, Retry-After in both forms, the backoff's bounds and the
// spacing of requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "retrieval_api/retry.h"
#include "retrieval_api/urls.h"

namespace jb::retrieval_api {
namespace {

using std::chrono::milliseconds;

config::RetrievalConfig in_datacenter(const std::string& datacenter) {
  config::RetrievalConfig config;
  config.datacenter = datacenter;
  return config;
}

TEST(RetrievalUrls, DocumentedUrlsPerApiAndDatacenter) {
  struct Case {
    const char* datacenter;
    Api api;
    Query query;
    const char* url;
  };
  const Case cases[] = {
      {"US", Api::netverify, Query::status, "https://netverify.com/api/netverify/v2/scans/R"},
      {"US", Api::netverify, Query::details, "https://netverify.com/api/netverify/v2/scans/R/data"},
      {"US", Api::authentication, Query::status,
       "https://netverify.com/api/netverify/v2/authentications/R"},
      {"US", Api::authentication, Query::details,
       "https://netverify.com/api/netverify/v2/authentications/R"},
      {"US", Api::document, Query::status,
       "https://retrieval.netverify.com/api/netverify/v2/documents/R"},
      {"US", Api::document, Query::details,
       "https://retrieval.netverify.com/api/netverify/v2/documents/R/data"},
      {"EU", Api::netverify, Query::status, "https://lon.netverify.com/api/netverify/v2/scans/R"},
      {"EU", Api::authentication, Query::details,
       "https://lon.netverify.com/api/netverify/v2/authentications/R"},
      {"EU", Api::document, Query::details,
       "https://retrieval.lon.netverify.com/api/netverify/v2/documents/R/data"},
      {"SGP", Api::netverify, Query::details,
       "https://core-sgp.jumio.com/api/netverify/v2/scans/R/data"},
      {"SGP", Api::authentication, Query::status,
       "https://core-sgp.jumio.com/api/netverify/v2/authentications/R"},
      {"SGP", Api::document, Query::status,
       "https://retrieval.core-sgp.jumio.com/api/netverify/v2/documents/R"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(request_url(in_datacenter(c.datacenter), c.api, c.query, "R"), c.url)
        << c.datacenter << " " << api_name(c.api);
  }
  EXPECT_EQ(documented_base_url(Api::netverify, "APAC"), "");
}

TEST(RetrievalUrls, BaseUrlReplacesThePrefixOfAllThreeApis) {
  config::RetrievalConfig config = in_datacenter("EU");
  config.base_url = "https://proxy.example:8443/jumio/";
  EXPECT_EQ(request_url(config, Api::netverify, Query::status, "R"),
            "https://proxy.example:8443/jumio/scans/R");
  EXPECT_EQ(request_url(config, Api::authentication, Query::details, "R"),
            "https://proxy.example:8443/jumio/authentications/R");
  EXPECT_EQ(request_url(config, Api::document, Query::details, "R"),
            "https://proxy.example:8443/jumio/documents/R/data");
}

TEST(RetrievalUrls, ReferenceIsPercentEncoded) {
  EXPECT_EQ(percent_encode("xxxxxxxx-xxxx-4xxx.x_x~9"), "xxxxxxxx-xxxx-4xxx.x_x~9");
  EXPECT_EQ(percent_encode("a b/c?d#e%f+g"), "a%20b%2Fc%3Fd%23e%25f%2Bg");
  EXPECT_EQ(percent_encode("\xC3\xA9\n"), "%C3%A9%0A");
  EXPECT_EQ(resource_path(Api::netverify, Query::details, "../x"), "/scans/..%2Fx/data");
}

TEST(RetrievalUrls, ParseUrl) {
  ParsedUrl url;
  ASSERT_TRUE(parse_url("https://netverify.com/api/netverify/v2", &url));
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "netverify.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.path, "/api/netverify/v2");
  ASSERT_TRUE(parse_url("http://127.0.0.1:8080", &url));
  EXPECT_FALSE(url.tls);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.path, "");
  ASSERT_TRUE(parse_url("https://[::1]:9443/v2/", &url));
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9443);
  EXPECT_EQ(url.path, "/v2");
  for (const char* bad :
       {"ftp://x", "https://", "https://u:p@host/", "https://host:0", "https://host:99999",
        "https://host:", "https://host/a?b", "https://[::1"}) {
    EXPECT_FALSE(parse_url(bad, &url)) << bad;
  }
}

TEST(RetrievalRetry, RetryableStatuses) {
  for (int status : {429, 500, 502, 503, 504, 599}) EXPECT_TRUE(retryable_status(status)) << status;
  for (int status : {200, 301, 400, 401, 403, 404, 408, 422, 600})
    EXPECT_FALSE(retryable_status(status)) << status;
}

TEST(RetrievalRetry, RetryAfterInSecondsAndHttpDates) {
  // 1994-11-06T08:49:37Z, the RFC's example date, and "now" 10 seconds before it.
  const auto date = std::chrono::system_clock::from_time_t(784111777);
  const auto now = date - std::chrono::seconds(10);
  EXPECT_EQ(retry_after_delay("1", now), milliseconds(1000));
  EXPECT_EQ(retry_after_delay(" 120 ", now), milliseconds(120000));
  EXPECT_EQ(retry_after_delay("0", now), milliseconds(0));
  EXPECT_EQ(retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(10000));
  EXPECT_EQ(retry_after_delay("Sunday, 06-Nov-94 08:49:37 GMT", now), milliseconds(10000));
  EXPECT_EQ(retry_after_delay("Sun Nov  6 08:49:37 1994", now), milliseconds(10000));
  EXPECT_EQ(retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", date + std::chrono::hours(1)),
            milliseconds(0));
  EXPECT_GT(*retry_after_delay("99999999999999999999", now), std::chrono::hours(24 * 365));
  for (const char* bad : {"", "-1", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 CET",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_FALSE(retry_after_delay(bad, now).has_value()) << bad;
  }
}

TEST(RetrievalRetry, BackoffIsFullJitterBelowTheCappedExponential) {
  const milliseconds base(500), cap(30000);
  // The largest pick (random = ceiling) is the ceiling; random = 0 is no wait.
  EXPECT_EQ(backoff_delay(1, base, cap, 500), milliseconds(500));
  EXPECT_EQ(backoff_delay(2, base, cap, 1000), milliseconds(1000));
  EXPECT_EQ(backoff_delay(3, base, cap, 2000), milliseconds(2000));
  EXPECT_EQ(backoff_delay(4, base, cap, 0), milliseconds(0));
  EXPECT_EQ(backoff_delay(7, base, cap, 30000), milliseconds(30000));
  EXPECT_EQ(backoff_delay(60, base, cap, 30000), milliseconds(30000));
  for (uint64_t random : {uint64_t{1}, uint64_t{12345}, ~uint64_t{0}}) {
    EXPECT_LE(backoff_delay(1, base, cap, random), base);
    EXPECT_LE(backoff_delay(100, base, cap, random), cap);
  }
}

TEST(RetrievalRetry, SpacingGivesEachReservationItsOwnSlot) {
  RequestSpacing spacing;
  const auto interval = std::chrono::milliseconds(100);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::chrono::steady_clock::time_point> slots(8);
  std::vector<std::thread> threads;
  for (auto& slot : slots)
    threads.emplace_back([&spacing, &slot, interval] { slot = spacing.reserve(interval); });
  for (auto& thread : threads) thread.join();
  std::sort(slots.begin(), slots.end());
  EXPECT_GE(slots.front(), start);
  for (size_t i = 1; i < slots.size(); ++i) EXPECT_GE(slots[i] - slots[i - 1], interval);
}

}  // namespace
}  // namespace jb::retrieval_api
