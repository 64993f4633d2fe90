// Counters for /metrics in Prometheus text format. Labels carry kinds, statuses, codes and
// reasons only: never PII.
#pragma once

#include <array>
#include <chrono>
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
  // Upper bounds (seconds) of the Kafka delivery latency histogram's buckets.
  static constexpr std::array<double, 12> kDeliveryBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  void on_event(const callback::Event& event) override;
  void on_failure(const Failure& failure) override;
  void on_spool_write(spool::AppendResult result) override;
  void on_kafka_delivery(std::chrono::steady_clock::duration latency, bool persisted,
                         const std::string& error) override;
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
  // jumio_bridge_kafka_delivery_seconds: persisted deliveries, cumulative per bucket.
  std::vector<uint64_t> delivery_buckets_ = std::vector<uint64_t>(kDeliveryBuckets.size(), 0);
  uint64_t delivery_count_ = 0;
  double delivery_seconds_ = 0;
  std::function<std::vector<Sample>()> sample_source_;
};

}  // namespace jb::http
