// One callback's way through the daemon: normalise, route, then store it durably: Kafka's
// acknowledgement within spool.ack_timeout_ms, else an fsynced spool record that the drain
// publishes later. While the spool holds records, new ones join them there (per-key order).
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
#include "spool/spool.h"

namespace jb::pipeline {

// What became of a callback: it decides the HTTP answer.
enum class Outcome {
  published,      // stored: Kafka acknowledged the canonical event, or the spool holds it
  dead_lettered,  // stored: Kafka acknowledged the dead-letter record, or the spool holds it
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
  // A record was offered to the spool, with what became of it.
  virtual void on_spool_write(spool::AppendResult) {}
  // Kafka answered a produced record (or did not within the wait): how long it took, and the
  // error name when it was not stored ("ack_timeout", librdkafka's "_MSG_TIMED_OUT", ...).
  virtual void on_kafka_delivery(std::chrono::steady_clock::duration, bool /*persisted*/,
                                 const std::string& /*error*/) {}
};

struct Timeouts {
  // Wait for Kafka's acknowledgement before the record goes to the spool (spool.ack_timeout_ms).
  std::chrono::milliseconds ack{2000};
  // Longest wait for Kafka in all (http.delivery_timeout_ms); when it is not above ack, a record
  // Kafka did not acknowledge is answered 503 without spooling.
  std::chrono::milliseconds delivery{10000};
};

class Pipeline {
 public:
  // spool may be null: then only Kafka's acknowledgement stores a record.
  Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
           spool::Spool* spool, Timeouts timeouts, Observer* observer = nullptr);

  // Blocks until the record is stored or cannot be (at most about timeouts.delivery plus a spool
  // write).
  Outcome process(const Request& request);

  // Routing can change on reload.
  void set_router(std::shared_ptr<const route::Router> router);

 private:
  std::shared_ptr<const route::Router> router() const;
  // Kafka first; the spool when Kafka does not acknowledge in time.
  bool store_through_kafka(const route::Record& record, const std::string& reference);
  // The spool first (it holds older records); Kafka when the spool is full or failing.
  bool store_behind_spool(const route::Record& record, const std::string& reference);
  // Produces and waits up to wait for a persisted delivery report; *error says why not.
  bool publish(const route::Record& record, std::chrono::milliseconds wait, std::string* error);
  bool append_to_spool(const route::Record& record, const std::string& reference,
                       const std::string& cause);

  mutable std::mutex router_mutex_;
  std::shared_ptr<const route::Router> router_;
  kafka::Producer* producer_;
  spool::Spool* spool_;
  Timeouts timeouts_;
  Observer* observer_;
};

}  // namespace jb::pipeline
