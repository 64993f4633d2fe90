// Counters for /metrics in Prometheus text format. Labels carry kinds, statuses, codes and
// reasons only: never PII.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"

namespace jb::http {

class Metrics : public pipeline::Observer {
 public:
  void on_event(const callback::Event& event) override;
  void on_failure(const Failure& failure) override;
  void on_spool_write(spool::AppendResult result) override;
  void count_response(int status);

  // A value read when /metrics is asked for (spool depth, producer rebuilds, ...).
  struct Sample {
    std::string name;  // series name, without labels
    std::string help;  // one line
    bool counter;      // counter, else gauge
    double value;
  };
  // Called on every exposition; its samples follow the counters.
  void set_sample_source(std::function<std::vector<Sample>()> source);

  // The exposition text of every counter and sample.
  std::string prometheus_text() const;

 private:
  void add(const std::string& series, uint64_t amount = 1);

  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> counters_;  // "name{labels}" -> value
  std::function<std::vector<Sample>()> sample_source_;
};

}  // namespace jb::http
