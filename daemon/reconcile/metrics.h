// reconcile's /metrics: its families declared in a registry, read from the service's Stats once per
// render. Only counts and states: no reference, nothing of a transaction.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "metrics/registry.h"
#include "reconcile/stats.h"

namespace jb::reconcile {

class Metrics {
 public:
  // stats() is read at the start of each render; now() dates the oldest pending reference.
  explicit Metrics(
      std::function<Stats()> stats,
      std::function<Time()> now = [] { return std::chrono::system_clock::now(); },
      std::chrono::milliseconds render_interval = metrics::Registry::kRenderInterval);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The exposition text, rendered now.
  std::string prometheus_text() const { return registry_.prometheus_text(); }
  // What /metrics answers: rendered at most once per render interval (Registry::exposition).
  std::string exposition() const { return registry_.exposition(); }

 private:
  void declare();

  const std::function<Stats()> read_stats_;
  const std::function<Time()> now_;
  Stats stats_;  // read at the start of each render (renders run one at a time)
  metrics::Registry registry_;
};

}  // namespace jb::reconcile
