#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/exposition.h"

namespace jb::metrics {
namespace {

using test::lines_of;
using test::value_of;

// The lines that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.compare(0, prefix.size(), prefix) == 0) found.push_back(line);
  }
  return found;
}

TEST(MetricsRegistryTest, FamiliesRenderInDeclarationOrderWithOneHelpAndTypeEach) {
  Registry registry;
  Counter& zebras = registry.counter("test_zebras_total", "Zebras counted.", {"colour"});
  registry.read(Type::gauge, "test_apples", "Apples held.", [] { return 3.0; });
  Histogram& waits = registry.histogram("test_wait_seconds", "Waits.", {0.1, 1});
  registry.read(Type::counter, "test_bees_total", "Bees seen.", [] { return 7.0; });
  zebras.add({"white"});
  zebras.add({"black"});
  waits.observe(0.5);

  const std::string text = registry.prometheus_text();
  EXPECT_EQ(lines_starting(text, "# HELP "),
            (std::vector<std::string>{
                "# HELP process_start_time_seconds Start time of the process since the Unix "
                "epoch, in seconds.",
                "# HELP test_zebras_total Zebras counted.", "# HELP test_apples Apples held.",
                "# HELP test_wait_seconds Waits.", "# HELP test_bees_total Bees seen."}));
  EXPECT_EQ(lines_starting(text, "# TYPE "),
            (std::vector<std::string>{
                "# TYPE process_start_time_seconds gauge", "# TYPE test_zebras_total counter",
                "# TYPE test_apples gauge", "# TYPE test_wait_seconds histogram",
                "# TYPE test_bees_total counter"}));
  // Each family's samples follow its own # TYPE line; a family's series are sorted by labels.
  const std::vector<std::string> lines = lines_of(text);
  const std::vector<std::string> expected_tail = {"# HELP test_zebras_total Zebras counted.",
                                                  "# TYPE test_zebras_total counter",
                                                  R"(test_zebras_total{colour="black"} 1)",
                                                  R"(test_zebras_total{colour="white"} 1)",
                                                  "# HELP test_apples Apples held.",
                                                  "# TYPE test_apples gauge",
                                                  "test_apples 3",
                                                  "# HELP test_wait_seconds Waits.",
                                                  "# TYPE test_wait_seconds histogram",
                                                  R"(test_wait_seconds_bucket{le="0.1"} 0)",
                                                  R"(test_wait_seconds_bucket{le="1"} 1)",
                                                  R"(test_wait_seconds_bucket{le="+Inf"} 1)",
                                                  "test_wait_seconds_sum 0.5",
                                                  "test_wait_seconds_count 1",
                                                  "# HELP test_bees_total Bees seen.",
                                                  "# TYPE test_bees_total counter",
                                                  "test_bees_total 7"};
  ASSERT_EQ(lines.size(), 3 + expected_tail.size());
  EXPECT_EQ(std::vector<std::string>(lines.begin() + 3, lines.end()), expected_tail);
}

TEST(MetricsRegistryTest, ProcessStartTimeIsWrittenOnceByTheRegistry) {
  Registry registry;
  registry.read(Type::gauge, "test_gauge", "A gauge.", [] { return 1.0; });
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(lines_starting(text, "process_start_time_seconds").size(), 1u);
  EXPECT_EQ(lines_starting(text, "# HELP process_start_time_seconds ").size(), 1u);
  EXPECT_EQ(lines_starting(text, "# TYPE process_start_time_seconds gauge").size(), 1u);
  // Seconds since the epoch, at or before now, and the same in every registry of the process.
  const double started = std::stod(value_of(text, "process_start_time_seconds"));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(started, now);
  EXPECT_GT(started, now - 24 * 3600);
  EXPECT_EQ(value_of(Registry().prometheus_text(), "process_start_time_seconds"),
            value_of(text, "process_start_time_seconds"));
  // Nobody else declares it.
  EXPECT_THROW(
      registry.read(Type::gauge, "process_start_time_seconds", "Again.", [] { return 0.0; }),
      std::invalid_argument);
}

TEST(MetricsRegistryTest, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  Counter& counter =
      registry.counter("test_escapes_total", "Help with a \\ and a\nsecond line.", {"reason"});
  counter.add({"quote\" back\\slash new\nline"});
  counter.add({"plain"});
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(
      lines_starting(text, "# HELP test_escapes_total"),
      std::vector<std::string>{R"(# HELP test_escapes_total Help with a \\ and a\nsecond line.)"});
  EXPECT_EQ(value_of(text, R"(test_escapes_total{reason="quote\" back\\slash new\nline"})"), "1");
  EXPECT_EQ(value_of(text, R"(test_escapes_total{reason="plain"})"), "1");
  // Every line is one sample or comment: the new line in the value did not break one.
  for (const std::string& line : lines_of(text)) {
    EXPECT_TRUE(line[0] == '#' || line.compare(0, 4, "test") == 0 ||
                line.compare(0, 7, "process") == 0)
        << line;
  }
}

TEST(MetricsRegistryTest, LabelsFollowTheDeclaredNames) {
  Registry registry;
  Counter& lookups = registry.counter("test_lookups_total", "Lookups.", {"datacenter", "result"});
  Counter& plain = registry.counter("test_plain_total", "Unlabelled.");
  Counter& never = registry.counter("test_never_total", "Labelled, never counted.", {"reason"});
  (void)never;
  registry.read(Type::gauge, "test_answers", "Answers by code.", {"code", "kind"},
                [](SeriesWriter& series) {
                  series.add({"200", "status"}, 4);
                  series.add({"503", "details"}, 1);
                });
  lookups.add({"US", "ok"});
  lookups.add({"US", "ok"}, 3);
  lookups.add({"EU", "failed"});
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(value_of(text, R"(test_lookups_total{datacenter="US",result="ok"})"), "4");
  EXPECT_EQ(value_of(text, R"(test_lookups_total{datacenter="EU",result="failed"})"), "1");
  EXPECT_EQ(value_of(text, R"(test_answers{code="200",kind="status"})"), "4");
  EXPECT_EQ(value_of(text, R"(test_answers{code="503",kind="details"})"), "1");
  // An unlabelled counter shows 0 before its first count; a labelled one shows no series.
  EXPECT_EQ(value_of(text, "test_plain_total"), "0");
  EXPECT_EQ(lines_starting(text, "test_never_total").size(), 0u);
  EXPECT_EQ(lines_starting(text, "# TYPE test_never_total counter").size(), 1u);
  plain.add({});
  EXPECT_EQ(value_of(registry.prometheus_text(), "test_plain_total"), "1");
}

TEST(MetricsRegistryTest, ReadFamiliesAreReadAtEveryRenderAfterTheSnapshot) {
  Registry registry;
  std::vector<std::string> calls;
  int snapshot = 0;
  int taken = 0;
  registry.before_render([&] {
    calls.push_back("snapshot");
    taken = ++snapshot;
  });
  registry.read(Type::gauge, "test_first", "First.", [&] {
    calls.push_back("first");
    return double(taken);
  });
  registry.read(Type::counter, "test_second_total", "Second.", {"part"}, [&](SeriesWriter& series) {
    calls.push_back("second");
    series.add({"a"}, taken * 10);
  });
  std::string text = registry.prometheus_text();
  EXPECT_EQ(value_of(text, "test_first"), "1");
  EXPECT_EQ(value_of(text, R"(test_second_total{part="a"})"), "10");
  text = registry.prometheus_text();
  EXPECT_EQ(value_of(text, "test_first"), "2");
  EXPECT_EQ(value_of(text, R"(test_second_total{part="a"})"), "20");
  EXPECT_EQ(calls, (std::vector<std::string>{"snapshot", "first", "second", "snapshot", "first",
                                             "second"}));
}

TEST(MetricsRegistryTest, ExpositionRendersAgainAfterACountNotAfterARead) {
  Registry registry(std::chrono::hours(1));
  Counter& counter = registry.counter("test_counted_total", "Counted.");
  double read = 1;
  registry.read(Type::gauge, "test_read", "Read.", [&] { return read; });
  const std::string first = registry.exposition();
  EXPECT_EQ(value_of(first, "test_read"), "1");
  read = 2;
  EXPECT_EQ(registry.exposition(), first);  // a read value may be as old as the interval
  counter.add({});
  const std::string second = registry.exposition();
  EXPECT_EQ(value_of(second, "test_counted_total"), "1");
  EXPECT_EQ(value_of(second, "test_read"), "2");
}

TEST(MetricsRegistryTest, ValuesAreWrittenAsPrometheusReadsThem) {
  Registry registry;
  Counter& big = registry.counter("test_big_total", "Large.");
  big.add({}, (uint64_t{1} << 53) + 1);  // exact, not rounded through a double
  registry.read(Type::gauge, "test_nan", "NaN.", [] { return std::nan(""); });
  registry.read(Type::gauge, "test_inf", "Inf.",
                [] { return std::numeric_limits<double>::infinity(); });
  registry.read(Type::gauge, "test_negative_inf", "-Inf.",
                [] { return -std::numeric_limits<double>::infinity(); });
  registry.read(Type::gauge, "test_fraction", "Fraction.", [] { return 0.25; });
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(value_of(text, "test_big_total"), "9007199254740993");
  EXPECT_EQ(value_of(text, "test_nan"), "NaN");
  EXPECT_EQ(value_of(text, "test_inf"), "+Inf");
  EXPECT_EQ(value_of(text, "test_negative_inf"), "-Inf");
  EXPECT_EQ(value_of(text, "test_fraction"), "0.25");
}

TEST(MetricsRegistryTest, DeclarationsPrometheusCannotReadAreRefused) {
  Registry registry;
  registry.counter("test_total", "Declared.");
  EXPECT_THROW(registry.counter("test_total", "Twice."), std::invalid_argument);
  EXPECT_THROW(registry.counter("1st_total", "Starts with a digit."), std::invalid_argument);
  EXPECT_THROW(registry.counter("test-dash_total", "A dash."), std::invalid_argument);
  EXPECT_THROW(registry.counter("", "Empty."), std::invalid_argument);
  EXPECT_THROW(registry.counter("test_a_total", "Label.", {"bad-label"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("test_b_total", "Label.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("test_c_total", "Label.", {"code", "code"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("test_d_seconds", "Bounds.", {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(registry.read(Type::histogram, "test_e", "Read.", [] { return 0.0; }),
               std::invalid_argument);
  // What was refused is not rendered.
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(lines_starting(text, "# HELP ").size(), 2u);
  EXPECT_EQ(value_of(text, "test_total"), "0");
}

TEST(MetricsRegistryTest, CountsFromManyThreadsWhileRendering) {
  Registry registry(std::chrono::milliseconds(0));
  Counter& answers = registry.counter("test_answers_total", "Answers.", {"code"});
  Histogram& waits = registry.histogram("test_wait_seconds", "Waits.", {0.001, 0.01});
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::atomic<bool> counting{true};
  std::atomic<int> renders{0};
  std::thread renderer([&] {
    while (counting.load()) {
      if (!registry.exposition().empty()) ++renders;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = std::to_string(600 + t);  // a series new to this thread
      for (int i = 0; i < kEach; ++i) {
        answers.add({i % 2 == 0 ? "200" : own});
        waits.observe(0.002);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  counting = false;
  renderer.join();
  EXPECT_GT(renders.load(), 0);
  const std::string text = registry.prometheus_text();
  EXPECT_EQ(value_of(text, R"(test_answers_total{code="200"})"),
            std::to_string(kThreads * kEach / 2));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(value_of(text, R"(test_answers_total{code=")" + std::to_string(600 + t) + R"("})"),
              std::to_string(kEach / 2));
  }
  EXPECT_EQ(value_of(text, "test_wait_seconds_count"), std::to_string(kThreads * kEach));
  EXPECT_EQ(value_of(text, R"(test_wait_seconds_bucket{le="0.001"})"), "0");
  EXPECT_EQ(value_of(text, R"(test_wait_seconds_bucket{le="0.01"})"),
            std::to_string(kThreads * kEach));
  EXPECT_EQ(value_of(text, "test_wait_seconds_sum"), "160");
}

}  // namespace
}  // namespace jb::metrics
