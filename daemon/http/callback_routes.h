// The callback listener's one route (CONTRACT.md section 3): POST {http.path} from an allowed,
// authenticated sender goes to the pipeline; everything else is refused, logged and counted.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/counted_log.h"
#include "http/allowlist.h"
#include "http/basic_auth.h"
#include "http/routes.h"
#include "metrics/serve_metrics.h"
#include "pipeline/pipeline.h"

namespace jb::http {

class CallbackRoutes : public Routes {
 public:
  CallbackRoutes(std::string path, BasicAuth basic_auth, pipeline::Pipeline* pipeline,
                 metrics::ServeMetrics* metrics);

  // Swapped on reload; requests in flight keep the list they started with.
  void set_allowlist(std::shared_ptr<const Allowlist> allowlist);

  bool admits(const std::string& peer_ip) const override;
  bool trusted_proxy(const std::string& peer_ip) const override;
  bool answer_head(const RequestHead& head, const std::string& peer_ip, Reply* reply) override;
  void handle(const Request& request, Respond respond) override;
  void refused(int status, const char* reason) override;
  void connection_refused(const char* reason) override;

 private:
  std::shared_ptr<const Allowlist> allowlist() const;
  // Fills *reply with a refusal, logs and counts it; true.
  bool refuse(int status, const char* reason, Reply* reply);

  std::string path_;
  BasicAuth basic_auth_;
  pipeline::Pipeline* pipeline_;
  metrics::ServeMetrics* metrics_;
  mutable std::mutex allowlist_mutex_;
  std::shared_ptr<const Allowlist> allowlist_;
  // Refusals can come in floods: each is counted in the metrics and logged at debug level; these
  // lines say how many, at most once a second.
  log::CountedLog rejected_log_{log::Level::warn, "callbacks rejected"};
  log::CountedLog refused_log_{log::Level::warn, "requests refused"};
  log::CountedLog connections_refused_log_{log::Level::warn, "connections refused"};
  // A forwarding header from a peer that is not a trusted proxy: a proxy nobody declared.
  log::CountedLog untrusted_forwarding_log_{log::Level::warn,
                                            "forwarded request from an undeclared proxy refused"};
};

}  // namespace jb::http
