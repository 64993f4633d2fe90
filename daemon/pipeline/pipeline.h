// One callback's way through the daemon: normalise, route, produce, wait for the acknowledgement.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "callback/event.h"
#include "common/result.h"
#include "kafka/producer.h"
#include "route/router.h"

namespace jb::pipeline {

// What became of a callback: it decides the HTTP answer.
enum class Outcome {
  published,      // Kafka acknowledged the canonical event
  dead_lettered,  // Kafka acknowledged the dead-letter record
  unavailable,    // not stored durably: answer 503
};

struct Request {
  std::string_view body;
  std::string_view content_type;
  std::string_view remote_addr;
  std::chrono::system_clock::time_point received_at;
};

// Told about every callback once it is understood (or not), before it is stored. No PII passes.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_event(const callback::Event& event) = 0;
  virtual void on_failure(const Failure& failure) = 0;
};

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
           std::chrono::milliseconds delivery_timeout, Observer* observer = nullptr);

  // Blocks until the record is acknowledged, failed, or delivery_timeout passes.
  Outcome process(const Request& request);

  // Routing can change on reload.
  void set_router(std::shared_ptr<const route::Router> router);

 private:
  std::shared_ptr<const route::Router> router() const;

  mutable std::mutex router_mutex_;
  std::shared_ptr<const route::Router> router_;
  kafka::Producer* producer_;
  std::chrono::milliseconds delivery_timeout_;
  Observer* observer_;
};

}  // namespace jb::pipeline
