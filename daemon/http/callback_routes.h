// The callback listener's one route (CONTRACT.md section 3): POST {http.path} from an allowed,
// authenticated sender goes to the pipeline; everything else is refused, logged and counted.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "http/allowlist.h"
#include "http/basic_auth.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "pipeline/pipeline.h"

namespace jb::http {

class CallbackRoutes : public Routes {
 public:
  CallbackRoutes(std::string path, BasicAuth basic_auth, pipeline::Pipeline* pipeline,
                 Metrics* metrics);

  // Swapped on reload; requests in flight keep the list they started with.
  void set_allowlist(std::shared_ptr<const Allowlist> allowlist);

  bool admits(const std::string& peer_ip) const override;
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
  Metrics* metrics_;
  mutable std::mutex allowlist_mutex_;
  std::shared_ptr<const Allowlist> allowlist_;
  // Refused connections are logged as a count, at most once a second.
  std::atomic<uint64_t> refused_unlogged_{0};
  std::atomic<int64_t> refused_logged_at_ms_{0};
};

}  // namespace jb::http
