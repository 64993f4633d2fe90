#include "metrics/serve_metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/exposition.h"

namespace jb::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

using test::value_of;

callback::Event event_of(callback::Kind kind, std::string status) {
  callback::Event event;
  event.kind = kind;
  event.status = std::move(status);
  return event;
}

TEST(ServeMetricsTest, CountsSeriesByLabel) {
  ServeMetrics metrics;
  metrics.on_event(event_of(callback::Kind::netverify, "APPROVED_VERIFIED"));
  metrics.on_event(event_of(callback::Kind::netverify, "APPROVED_VERIFIED"));
  callback::Event warned = event_of(callback::Kind::document, "EXTRACTED");
  warned.warnings = {{"a", "too_long"}, {"b", "too_long"}, {"c", "unknown_value"}};
  metrics.on_event(warned);
  metrics.count_response(200);
  metrics.count_response(503);
  metrics.count_response(200);
  metrics.on_kafka_delivery(milliseconds(1), false, "ack_timeout");

  const std::string text = metrics.prometheus_text();
  EXPECT_EQ(
      value_of(text,
               R"(jumio_bridge_callbacks_total{type="netverify",status="approved_verified"})"),
      "2");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_callbacks_total{type="document",status="extracted"})"),
            "1");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_callback_warnings_total{problem="too_long"})"), "2");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_callback_warnings_total{problem="unknown_value"})"),
            "1");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_http_responses_total{code="200"})"), "2");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_http_responses_total{code="503"})"), "1");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_producer_errors_total{error="ack_timeout"})"), "1");
  // A failed delivery is not a latency.
  EXPECT_EQ(value_of(text, "jumio_bridge_kafka_delivery_seconds_count"), "0");
}

TEST(ServeMetricsTest, DeliveryHistogramIsCumulative) {
  ServeMetrics metrics;
  metrics.on_kafka_delivery(microseconds(300), true, "");   // <= 0.0005
  metrics.on_kafka_delivery(microseconds(2000), true, "");  // <= 0.0025
  metrics.on_kafka_delivery(milliseconds(40), true, "");    // <= 0.05
  metrics.on_kafka_delivery(milliseconds(3000), true, "");  // above every bound
  const std::string text = metrics.prometheus_text();
  const std::string bucket = "jumio_bridge_kafka_delivery_seconds_bucket";
  EXPECT_EQ(value_of(text, bucket + R"({le="0.0005"})"), "1");
  EXPECT_EQ(value_of(text, bucket + R"({le="0.001"})"), "1");
  EXPECT_EQ(value_of(text, bucket + R"({le="0.0025"})"), "2");
  EXPECT_EQ(value_of(text, bucket + R"({le="0.025"})"), "2");
  EXPECT_EQ(value_of(text, bucket + R"({le="0.05"})"), "3");
  EXPECT_EQ(value_of(text, bucket + R"({le="2.5"})"), "3");
  EXPECT_EQ(value_of(text, bucket + R"({le="+Inf"})"), "4");
  EXPECT_EQ(value_of(text, "jumio_bridge_kafka_delivery_seconds_count"), "4");
  EXPECT_EQ(value_of(text, "jumio_bridge_kafka_delivery_seconds_sum"), "3.0423");
}

TEST(ServeMetricsTest, CountsFromManyThreadsAtOnce) {
  ServeMetrics metrics;
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kEach; ++i) {
        metrics.count_response(200 + (i % 2) * 303);  // 200 and 503, the second new to each
        metrics.on_kafka_delivery(microseconds(100 + t), true, "");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.prometheus_text();
  EXPECT_EQ(value_of(text, R"(jumio_bridge_http_responses_total{code="200"})"),
            std::to_string(kThreads * kEach / 2));
  EXPECT_EQ(value_of(text, R"(jumio_bridge_http_responses_total{code="503"})"),
            std::to_string(kThreads * kEach / 2));
  EXPECT_EQ(value_of(text, "jumio_bridge_kafka_delivery_seconds_count"),
            std::to_string(kThreads * kEach));
}

// A gauge whose value is the number of times it was read: it shows each render.
void declare_render_count(ServeMetrics* metrics, std::atomic<int>* renders) {
  metrics->registry().read(Type::gauge, "test_renders", "Renders.",
                           [renders] { return double(++*renders); });
}

TEST(ServeMetricsTest, ExpositionIsRenderedOnceWhileNothingCounts) {
  ServeMetrics metrics(std::chrono::hours(1));
  std::atomic<int> renders{0};
  declare_render_count(&metrics, &renders);
  metrics.count_response(200);
  const std::string first = metrics.exposition();
  EXPECT_EQ(value_of(first, "test_renders"), "1");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(metrics.exposition(), first);
  EXPECT_EQ(renders.load(), 1);
  // A count shows at once: the next exposition is rendered again, without waiting.
  metrics.count_response(200);
  const std::string second = metrics.exposition();
  EXPECT_EQ(value_of(second, R"(jumio_bridge_http_responses_total{code="200"})"), "2");
  EXPECT_EQ(value_of(second, "test_renders"), "2");
  metrics.on_kafka_delivery(milliseconds(1), true, "");
  EXPECT_EQ(value_of(metrics.exposition(), "jumio_bridge_kafka_delivery_seconds_count"), "1");
  EXPECT_EQ(metrics.exposition(), metrics.exposition());
  EXPECT_EQ(renders.load(), 3);
}

TEST(ServeMetricsTest, SamplesAreRenderedAgainAfterTheInterval) {
  ServeMetrics metrics(milliseconds(20));
  std::atomic<int> renders{0};
  declare_render_count(&metrics, &renders);
  EXPECT_EQ(value_of(metrics.exposition(), "test_renders"), "1");
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(value_of(metrics.exposition(), "test_renders"), "2");
  // prometheus_text() renders every time.
  EXPECT_EQ(value_of(metrics.prometheus_text(), "test_renders"), "3");
}

TEST(ServeMetricsTest, ExpositionShowsEveryCountMadeBeforeIt) {
  // Threads count and read at once; each sees all its own counts in every exposition.
  ServeMetrics metrics(std::chrono::hours(1));
  constexpr int kThreads = 4;
  constexpr int kEach = 300;
  std::vector<std::thread> threads;
  std::atomic<int> stale{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, &stale, t] {
      const std::string series =
          R"(jumio_bridge_http_responses_total{code=")" + std::to_string(600 + t) + R"("})";
      for (int i = 1; i <= kEach; ++i) {
        metrics.count_response(600 + t);
        if (value_of(metrics.exposition(), series) != std::to_string(i)) ++stale;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stale.load(), 0);
}

}  // namespace
}  // namespace jb::metrics
