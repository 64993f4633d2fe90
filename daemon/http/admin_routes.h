// The admin listener's routes (CONTRACT.md section 7): GET or HEAD /healthz (alive), /readyz (can
// store a callback now), /metrics (Prometheus text). Nothing else, and never a callback.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/counted_log.h"
#include "http/allowlist.h"
#include "http/routes.h"
#include "metrics/serve_metrics.h"

namespace jb::http {

class AdminRoutes : public Routes {
 public:
  // ready() answers /readyz: true when a callback can be stored right now.
  AdminRoutes(metrics::ServeMetrics* metrics, std::function<bool()> ready);
  // The same for another process's metrics: exposition() answers /metrics.
  AdminRoutes(std::function<std::string()> exposition, std::function<bool()> ready);

  // admin.allow: the CIDRs that may connect; others are closed at accept. Until set, any peer.
  // Swapped on reload.
  void set_allow(const std::vector<std::string>& cidrs);

  bool admits(const std::string& peer_ip) const override;
  bool answer_head(const RequestHead& head, const std::string& peer_ip, Reply* reply) override;
  void handle(const Request& request, Respond respond) override;
  void refused(int status, const char* reason) override;
  void connection_refused(const char* reason) override;

 private:
  std::function<std::string()> exposition_;
  std::function<bool()> ready_;
  mutable std::mutex allow_mutex_;
  std::shared_ptr<const Allowlist> allow_;
  log::CountedLog refused_log_{log::Level::warn, "admin requests refused"};
  log::CountedLog connections_refused_log_{log::Level::warn, "admin connections refused"};
};

}  // namespace jb::http
