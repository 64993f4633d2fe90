// Counters for /metrics in Prometheus text format. Labels carry kinds, statuses, codes and
// reasons only: never PII.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
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
  // A connection closed at accept: address_not_allowed, too_many_connections, ...
  void count_connection_refused(std::string_view reason);
  // A request on the callback listener refused, by reason code (address_not_allowed,
  // untrusted_forwarding, request_too_slow, ...).
  void count_request_refused(std::string_view reason);
  // A lookup of a Jumio data centre's callback host name ("US", ...), and whether it found any.
  void count_jumio_lookup(std::string_view datacenter, bool found);

  // A value read when /metrics is asked for (spool depth, producer rebuilds, ...).
  struct Sample {
    std::string name;  // series name, without labels
    std::string help;  // one line
    bool counter;      // counter, else gauge
    double value;
  };
  // Called on every render; its samples follow the counters.
  void set_sample_source(std::function<std::vector<Sample>()> source);

  // How old the text exposition() answers may be: what it reads from the sample source is at
  // most this old. Short for a reader, long for a flood: at most 10 renders a second from it.
  static constexpr std::chrono::milliseconds kRenderInterval{100};
  explicit Metrics(std::chrono::milliseconds render_interval = kRenderInterval)
      : render_interval_(render_interval) {}

  // The exposition text of every counter and sample, rendered now.
  std::string prometheus_text() const;
  // What /metrics answers: the text last rendered while nothing was counted since and it is
  // younger than the render interval, else a new one. What is counted is always current, samples
  // may be as old as the interval; scrapes render at most once per interval and once per count
  // made between them, never each for itself.
  std::string exposition() const;

 private:
  // Adds to the series named by the concatenation of parts ("name{labels}").
  void add(std::initializer_list<std::string_view> parts);

  // Counters are counted from the HTTP reader and Kafka's delivery thread at once: a series is
  // looked up under a shared lock and counted atomically; only a new series takes the lock alone.
  mutable std::shared_mutex counters_mutex_;
  std::map<std::string, std::atomic<uint64_t>, std::less<>> counters_;  // "name{labels}" -> value
  // jumio_bridge_kafka_delivery_seconds: persisted deliveries, per bucket (made cumulative when
  // exposed), their count and the sum of their latencies in nanoseconds.
  std::array<std::atomic<uint64_t>, kDeliveryBuckets.size()> delivery_buckets_{};
  std::atomic<uint64_t> delivery_count_{0};
  std::atomic<uint64_t> delivery_nanoseconds_{0};
  mutable std::mutex source_mutex_;
  std::function<std::vector<Sample>()> sample_source_;
  // Counted up after every change of a counter (release): a rendered text is current while it is
  // unchanged.
  std::atomic<uint64_t> generation_{0};
  const std::chrono::milliseconds render_interval_;
  mutable std::mutex exposition_mutex_;  // one render at a time; the others wait and share it
  mutable std::string exposition_;
  mutable uint64_t exposition_generation_ = 0;
  mutable std::chrono::steady_clock::time_point rendered_at_;
  mutable bool rendered_ = false;
};

}  // namespace jb::http
