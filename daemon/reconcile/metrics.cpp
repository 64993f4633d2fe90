#include "reconcile/metrics.h"

#include <algorithm>
#include <string>

namespace jb::reconcile {

Metrics::Metrics(std::function<Stats()> stats, std::function<Time()> now,
                 std::chrono::milliseconds render_interval)
    : read_stats_(std::move(stats)), now_(std::move(now)), registry_(render_interval) {
  declare();
}

void Metrics::declare() {
  using metrics::SeriesWriter;
  using metrics::Type;
  auto count = [](uint64_t value) { return static_cast<double>(value); };
  registry_.before_render([this] { stats_ = read_stats_(); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_expected_total",
                 "References read from reconcile.expected_topic by this process (its partitions).",
                 [this, count] { return count(stats_.counts.expected); });
  registry_.read(
      Type::counter, "jumio_bridge_reconcile_settled_total",
      "Expected references settled, by what settled them.", {"by"}, [this](SeriesWriter& series) {
        series.add({"callback"}, static_cast<double>(stats_.counts.settled_by_callback));
        series.add({"retrieval"}, static_cast<double>(stats_.counts.settled_by_retrieval));
        series.add({"deadletter"}, static_cast<double>(stats_.counts.settled_by_deadletter));
      });
  registry_.read(Type::counter, "jumio_bridge_reconcile_given_up_total",
                 "Expected references given up after the whole schedule.",
                 [this, count] { return count(stats_.counts.given_up); });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_pending",
                 "Expected references neither settled nor given up.",
                 [this, count] { return count(stats_.counts.pending); });
  registry_.read(
      Type::gauge, "jumio_bridge_reconcile_oldest_pending_age_seconds",
      "Seconds since initiatedAt of the oldest pending reference; 0 when none is pending.", [this] {
        if (!stats_.counts.oldest_pending) return 0.0;
        return std::max(
            0.0, std::chrono::duration<double>(now_() - *stats_.counts.oldest_pending).count());
      });
  registry_.read(Type::counter, "jumio_bridge_reconcile_asks_total",
                 "Status asks made to the Retrieval API (each may take several requests).",
                 [this, count] { return count(stats_.asks); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_published_total",
                 "Events published from Retrieval API answers.",
                 [this, count] { return count(stats_.published); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_deadlettered_total",
                 "Retrieval API answers that could not become an event (retrieval_invalid).",
                 [this, count] { return count(stats_.dead_lettered); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_publish_failures_total",
                 "Records Kafka did not acknowledge; the reference is asked again on schedule.",
                 [this, count] { return count(stats_.publish_failures); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_invalid_expected_total",
                 "Records on reconcile.expected_topic that are not expected records.",
                 [this, count] { return count(stats_.invalid_expected); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_settled_during_ask_total",
                 "Asks ended because the reference's event was read while they were made.",
                 [this, count] { return count(stats_.settled_during_ask); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_api_requests_total",
                 "HTTP requests sent to the Retrieval API, retries included.",
                 [this, count] { return count(stats_.api.requests); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_api_retries_total",
                 "Retrieval API requests that followed a retryable failure (429, 5xx, timeout).",
                 [this, count] { return count(stats_.api.retries); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_api_token_requests_total",
                 "OAuth2 token requests sent to the token endpoint (not counted as API requests).",
                 [this, count] { return count(stats_.api.token_requests); });
  registry_.read(
      Type::counter, "jumio_bridge_reconcile_api_answers_total",
      "Retrieval API answers by HTTP status code; code 0 is no answer (timeout, network).",
      {"code"}, [this](SeriesWriter& series) {
        for (const auto& [code, answers] : stats_.api.answers)
          series.add({std::to_string(code)}, static_cast<double>(answers));
      });
  registry_.read(Type::counter, "jumio_bridge_reconcile_workflow_notifications_total",
                 "Platform callbacks read from topics.workflow_callbacks, by what they needed: "
                 "fetch (terminal status), none (other statuses), duplicate (an execution in hand "
                 "or done), unreadable (not a notification).",
                 {"need"}, [this](SeriesWriter& series) {
                   const WorkflowStats& w = stats_.workflow;
                   const uint64_t none = w.non_terminal + w.unreadable + w.duplicates;
                   series.add({"fetch"}, static_cast<double>(w.read >= none ? w.read - none : 0));
                   series.add({"none"}, static_cast<double>(w.non_terminal));
                   series.add({"duplicate"}, static_cast<double>(w.duplicates));
                   series.add({"unreadable"}, static_cast<double>(w.unreadable));
                 });
  registry_.read(Type::counter, "jumio_bridge_reconcile_workflow_results_total",
                 "Workflow executions done: event published, details dead-lettered, or given up "
                 "(not found after the whole schedule).",
                 {"result"}, [this](SeriesWriter& series) {
                   series.add({"published"}, static_cast<double>(stats_.workflow.published));
                   series.add({"deadlettered"}, static_cast<double>(stats_.workflow.dead_lettered));
                   series.add({"given_up"}, static_cast<double>(stats_.workflow.given_up));
                 });
  registry_.read(Type::counter, "jumio_bridge_reconcile_workflow_asks_total",
                 "Workflow details asks with an outcome (each may take several requests).",
                 [this, count] { return count(stats_.workflow.asks); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_workflow_retries_total",
                 "Workflow details asks that failed (API down, 429, 5xx, not final yet, not "
                 "stored) and are made again after a growing wait.",
                 [this, count] { return count(stats_.workflow.retries); });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_workflow_in_hand",
                 "Workflow executions being fetched or waiting for their next ask.",
                 [this, count] { return count(stats_.workflow.in_hand); });
  registry_.read(Type::counter, "jumio_bridge_reconcile_workflow_commit_failures_total",
                 "Offset commits of topics.workflow_callbacks the broker refused (made again).",
                 [this, count] { return count(stats_.workflow.commit_failures); });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_caught_up",
                 "1 once the event, dead-letter and state topics were read to their ends.",
                 [this] { return stats_.caught_up ? 1.0 : 0.0; });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_held_references",
                 "Expected references held in memory, pending and settled.",
                 [this, count] { return count(stats_.held); });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_early_settlements",
                 "Settlements held for references not expected (yet).",
                 [this, count] { return count(stats_.early_held); });
  registry_.read(Type::gauge, "jumio_bridge_reconcile_settled_partitions",
                 "Partitions of the event, dead-letter and state topics this instance reads.",
                 [this, count] { return count(stats_.settled_partitions); });
}

}  // namespace jb::reconcile
