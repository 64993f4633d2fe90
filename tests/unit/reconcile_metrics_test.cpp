#include "reconcile/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "support/exposition.h"

namespace jb::reconcile {
namespace {

using std::chrono::seconds;

using test::lines_of;
using test::value_of;

const Time kNow = Time(seconds(1'800'000'000));

Stats busy_stats() {
  Stats stats;
  stats.counts.expected = 101;
  stats.counts.settled_by_callback = 61;
  stats.counts.settled_by_retrieval = 21;
  stats.counts.settled_by_deadletter = 3;
  stats.counts.given_up = 2;
  stats.counts.pending = 14;
  stats.counts.oldest_pending = kNow - seconds(1830);
  stats.invalid_expected = 5;
  stats.asks = 48;
  stats.published = 20;
  stats.dead_lettered = 1;
  stats.publish_failures = 4;
  stats.settled_during_ask = 6;
  stats.api.requests = 97;
  stats.api.retries = 7;
  stats.api.answers = {{200, 90}, {429, 3}, {0, 2}, {503, 1}};
  stats.api.token_requests = 3;
  stats.workflow.read = 40;
  stats.workflow.non_terminal = 9;
  stats.workflow.duplicates = 4;
  stats.workflow.unreadable = 1;
  stats.workflow.asks = 31;
  stats.workflow.retries = 8;
  stats.workflow.published = 24;
  stats.workflow.dead_lettered = 1;
  stats.workflow.given_up = 1;
  stats.workflow.in_hand = 2;
  stats.workflow.commit_failures = 1;
  stats.caught_up = true;
  stats.held = 1234;
  stats.early_held = 56;
  stats.settled_partitions = 12;
  return stats;
}

TEST(ReconcileMetricsTest, EveryFamilyWithItsValue) {
  Metrics metrics([] { return busy_stats(); }, [] { return kNow; });
  const std::string text = metrics.prometheus_text();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"jumio_bridge_reconcile_expected_total", "101"},
      {R"(jumio_bridge_reconcile_settled_total{by="callback"})", "61"},
      {R"(jumio_bridge_reconcile_settled_total{by="retrieval"})", "21"},
      {R"(jumio_bridge_reconcile_settled_total{by="deadletter"})", "3"},
      {"jumio_bridge_reconcile_given_up_total", "2"},
      {"jumio_bridge_reconcile_pending", "14"},
      {"jumio_bridge_reconcile_oldest_pending_age_seconds", "1830"},
      {"jumio_bridge_reconcile_asks_total", "48"},
      {"jumio_bridge_reconcile_published_total", "20"},
      {"jumio_bridge_reconcile_deadlettered_total", "1"},
      {"jumio_bridge_reconcile_publish_failures_total", "4"},
      {"jumio_bridge_reconcile_invalid_expected_total", "5"},
      {"jumio_bridge_reconcile_settled_during_ask_total", "6"},
      {"jumio_bridge_reconcile_api_requests_total", "97"},
      {"jumio_bridge_reconcile_api_retries_total", "7"},
      {"jumio_bridge_reconcile_api_token_requests_total", "3"},
      {R"(jumio_bridge_reconcile_api_answers_total{code="0"})", "2"},
      {R"(jumio_bridge_reconcile_api_answers_total{code="200"})", "90"},
      {R"(jumio_bridge_reconcile_api_answers_total{code="429"})", "3"},
      {R"(jumio_bridge_reconcile_api_answers_total{code="503"})", "1"},
      {R"(jumio_bridge_reconcile_workflow_notifications_total{need="fetch"})", "26"},
      {R"(jumio_bridge_reconcile_workflow_notifications_total{need="none"})", "9"},
      {R"(jumio_bridge_reconcile_workflow_notifications_total{need="duplicate"})", "4"},
      {R"(jumio_bridge_reconcile_workflow_notifications_total{need="unreadable"})", "1"},
      {R"(jumio_bridge_reconcile_workflow_results_total{result="published"})", "24"},
      {R"(jumio_bridge_reconcile_workflow_results_total{result="deadlettered"})", "1"},
      {R"(jumio_bridge_reconcile_workflow_results_total{result="given_up"})", "1"},
      {"jumio_bridge_reconcile_workflow_asks_total", "31"},
      {"jumio_bridge_reconcile_workflow_retries_total", "8"},
      {"jumio_bridge_reconcile_workflow_in_hand", "2"},
      {"jumio_bridge_reconcile_workflow_commit_failures_total", "1"},
      {"jumio_bridge_reconcile_caught_up", "1"},
      {"jumio_bridge_reconcile_held_references", "1234"},
      {"jumio_bridge_reconcile_early_settlements", "56"},
      {"jumio_bridge_reconcile_settled_partitions", "12"},
  };
  for (const auto& [series, value] : expected) EXPECT_EQ(value_of(text, series), value) << series;
  // Those and process_start_time_seconds are every sample; nothing else is on reconcile's page.
  size_t samples = 0;
  for (const std::string& line : lines_of(text)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
  }
  EXPECT_EQ(samples, expected.size() + 1);
  EXPECT_NE(value_of(text, "process_start_time_seconds"), "");
}

TEST(ReconcileMetricsTest, FamiliesKeepTheirNamesTypesAndHelp) {
  Metrics metrics([] { return Stats{}; }, [] { return kNow; });
  std::vector<std::string> types;
  std::vector<std::string> helps;
  for (const std::string& line : lines_of(metrics.prometheus_text())) {
    if (line.compare(0, 7, "# TYPE ") == 0) types.push_back(line.substr(7));
    if (line.compare(0, 7, "# HELP ") == 0) helps.push_back(line.substr(7));
  }
  EXPECT_EQ(types, (std::vector<std::string>{
                       "process_start_time_seconds gauge",
                       "jumio_bridge_reconcile_expected_total counter",
                       "jumio_bridge_reconcile_settled_total counter",
                       "jumio_bridge_reconcile_given_up_total counter",
                       "jumio_bridge_reconcile_pending gauge",
                       "jumio_bridge_reconcile_oldest_pending_age_seconds gauge",
                       "jumio_bridge_reconcile_asks_total counter",
                       "jumio_bridge_reconcile_published_total counter",
                       "jumio_bridge_reconcile_deadlettered_total counter",
                       "jumio_bridge_reconcile_publish_failures_total counter",
                       "jumio_bridge_reconcile_invalid_expected_total counter",
                       "jumio_bridge_reconcile_settled_during_ask_total counter",
                       "jumio_bridge_reconcile_api_requests_total counter",
                       "jumio_bridge_reconcile_api_retries_total counter",
                       "jumio_bridge_reconcile_api_token_requests_total counter",
                       "jumio_bridge_reconcile_api_answers_total counter",
                       "jumio_bridge_reconcile_workflow_notifications_total counter",
                       "jumio_bridge_reconcile_workflow_results_total counter",
                       "jumio_bridge_reconcile_workflow_asks_total counter",
                       "jumio_bridge_reconcile_workflow_retries_total counter",
                       "jumio_bridge_reconcile_workflow_in_hand gauge",
                       "jumio_bridge_reconcile_workflow_commit_failures_total counter",
                       "jumio_bridge_reconcile_caught_up gauge",
                       "jumio_bridge_reconcile_held_references gauge",
                       "jumio_bridge_reconcile_early_settlements gauge",
                       "jumio_bridge_reconcile_settled_partitions gauge",
                   }));
  // The help texts the dashboards and docs were written against.
  const std::set<std::string> help_set(helps.begin(), helps.end());
  for (const char* help : {
           "jumio_bridge_reconcile_expected_total References read from "
           "reconcile.expected_topic by this process (its partitions).",
           "jumio_bridge_reconcile_settled_total Expected references settled, by what settled "
           "them.",
           "jumio_bridge_reconcile_oldest_pending_age_seconds Seconds since initiatedAt of the "
           "oldest pending reference; 0 when none is pending.",
           "jumio_bridge_reconcile_api_answers_total Retrieval API answers by HTTP status code; "
           "code 0 is no answer (timeout, network).",
           "jumio_bridge_reconcile_caught_up 1 once the event, dead-letter and state topics were "
           "read to their ends.",
       })
    EXPECT_EQ(help_set.count(help), 1u) << help;
  EXPECT_EQ(helps.size(), types.size());
}

TEST(ReconcileMetricsTest, NothingPendingAndNothingAnswered) {
  Metrics metrics([] { return Stats{}; }, [] { return kNow; });
  const std::string text = metrics.prometheus_text();
  EXPECT_EQ(value_of(text, "jumio_bridge_reconcile_oldest_pending_age_seconds"), "0");
  EXPECT_EQ(value_of(text, "jumio_bridge_reconcile_caught_up"), "0");
  EXPECT_EQ(value_of(text, R"(jumio_bridge_reconcile_settled_total{by="callback"})"), "0");
  // No answer yet: the family is announced, without a series.
  EXPECT_NE(text.find("# TYPE jumio_bridge_reconcile_api_answers_total counter\n"),
            std::string::npos);
  EXPECT_EQ(text.find("jumio_bridge_reconcile_api_answers_total{"), std::string::npos);
}

TEST(ReconcileMetricsTest, AnInitiatedAtAheadOfTheClockIsNoAge) {
  Stats stats;
  stats.counts.pending = 1;
  stats.counts.oldest_pending = kNow + seconds(30);
  Metrics metrics([stats] { return stats; }, [] { return kNow; });
  EXPECT_EQ(
      value_of(metrics.prometheus_text(), "jumio_bridge_reconcile_oldest_pending_age_seconds"),
      "0");
}

TEST(ReconcileMetricsTest, StatsAreReadOncePerRender) {
  int reads = 0;
  Time now = kNow;
  Metrics metrics(
      [&reads] {
        Stats stats = busy_stats();
        stats.asks = static_cast<uint64_t>(++reads);
        return stats;
      },
      [&now] { return now; }, std::chrono::hours(1));
  EXPECT_EQ(value_of(metrics.prometheus_text(), "jumio_bridge_reconcile_asks_total"), "1");
  EXPECT_EQ(reads, 1);
  now += seconds(10);
  const std::string text = metrics.prometheus_text();
  EXPECT_EQ(value_of(text, "jumio_bridge_reconcile_asks_total"), "2");
  EXPECT_EQ(value_of(text, "jumio_bridge_reconcile_oldest_pending_age_seconds"), "1840");
  EXPECT_EQ(reads, 2);
  // exposition() answers from its last rendering within the interval.
  const std::string first = metrics.exposition();
  EXPECT_EQ(metrics.exposition(), first);
  EXPECT_EQ(reads, 3);
}

TEST(ReconcileMetricsTest, LabelValuesAreFixedWordsAndCodesOnly) {
  // Only counts leave the service: whatever a reference or an answer held, no label can carry it.
  Metrics metrics([] { return busy_stats(); }, [] { return kNow; });
  for (const std::string& line : lines_of(metrics.prometheus_text())) {
    if (line.empty() || line[0] == '#') continue;
    const size_t open = line.find('{');
    if (open == std::string::npos) continue;
    const std::string labels = line.substr(open, line.find('}') - open + 1);
    const bool by = labels == R"({by="callback"})" || labels == R"({by="retrieval"})" ||
                    labels == R"({by="deadletter"})";
    const bool code = labels.compare(0, 7, R"({code=")") == 0 &&
                      labels.find_first_not_of("0123456789", 7) == labels.size() - 2;
    const std::set<std::string> words = {R"({need="fetch"})",       R"({need="none"})",
                                         R"({need="duplicate"})",   R"({need="unreadable"})",
                                         R"({result="published"})", R"({result="deadlettered"})",
                                         R"({result="given_up"})"};
    EXPECT_TRUE(by || code || words.count(labels) == 1) << line;
  }
}

}  // namespace
}  // namespace jb::reconcile
