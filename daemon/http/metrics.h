// Counters for /metrics in Prometheus text format. Labels carry kinds, statuses, codes and
// reasons only: never PII.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "pipeline/pipeline.h"

namespace jb::http {

class Metrics : public pipeline::Observer {
 public:
  void on_event(const callback::Event& event) override;
  void on_failure(const Failure& failure) override;
  void count_response(int status);

  // The exposition text of every counter.
  std::string prometheus_text() const;

 private:
  void add(const std::string& series, uint64_t amount = 1);

  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> counters_;  // "name{labels}" -> value
};

}  // namespace jb::http
