// One callback's way through the daemon: normalise, route, then store it durably: Kafka's
// acknowledgement within spool.ack_timeout_ms, else an fsynced spool record that the drain
// publishes later. While the spool holds records, new ones join them there (per-key order).
// Nothing waits on a thread of its own: a callback in flight is a small state that Kafka's
// delivery report, the spool's group commit or the acknowledgement timer moves on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "callback/event.h"
#include "common/counted_log.h"
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

// Runs once with what became of a submitted callback.
using Completion = std::function<void(Outcome)>;

class Pipeline {
 public:
  // spool may be null: then only Kafka's acknowledgement stores a record.
  Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
           spool::Spool* spool, Timeouts timeouts, Observer* observer = nullptr);
  // Callbacks still in flight must have completed (the HTTP server waits for its own).
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Normalises and routes on the calling thread, then returns without waiting: `done` runs
  // exactly once when the record is stored or cannot be (at most about timeouts.delivery plus a
  // spool write later), on the thread that serves Kafka's delivery report, the spool's writer,
  // the acknowledgement timer or, when the outcome is known at once, the calling thread before
  // submit returns. The request's bytes are not used after submit returns.
  void submit(const Request& request, Completion done);

  // submit(), waiting for the outcome.
  Outcome process(const Request& request);

  // Routing can change on reload.
  void set_router(std::shared_ptr<const route::Router> router);

 private:
  struct Flight;
  using FlightPtr = std::shared_ptr<Flight>;
  // Weak: a flight's record is freed when it completes, not when its deadline passes.
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    std::weak_ptr<Flight> flight;
  };

  std::shared_ptr<const route::Router> router() const;
  // What becomes of a record Kafka did not acknowledge within the publish's wait.
  enum class Unacknowledged : uint8_t {
    spooled,     // offered to the spool
    not_stored,  // answered as not stored
  };
  // Kafka first; the spool when Kafka does not acknowledge in time.
  void store_through_kafka(const FlightPtr& flight);
  // The spool first (it holds older records); Kafka when the spool is full or failing.
  void store_behind_spool(const FlightPtr& flight);
  // Produces; a persisted delivery report within `wait` finishes the flight as stored, anything
  // else (once, on the timer thread when the wait runs out) as `unacknowledged` says.
  void publish(const FlightPtr& flight, std::chrono::milliseconds wait,
               Unacknowledged unacknowledged);
  // What follows a settled publish: the flight finished as stored, or spooled, or finished as
  // not stored.
  void published(const FlightPtr& flight, bool persisted, const std::string& error);
  void append_to_spool(const FlightPtr& flight, const std::string& cause,
                       std::function<void(bool)> then);
  void finish(const FlightPtr& flight, bool stored);
  // The publish settled (reported, refused or timed out; once): observed, its slot passed on, and
  // published().
  void settle(const FlightPtr& flight, bool persisted, const std::string& error,
              std::chrono::steady_clock::duration waited);
  // The flight's publish settled: its Kafka slot goes to the longest-waiting flight.
  void release_kafka_slot(const FlightPtr& flight);
  // Moves a publish that waited too long on: the acknowledgement timer's thread.
  void expire_deadlines();

  mutable std::mutex router_mutex_;
  std::shared_ptr<const route::Router> router_;
  kafka::Producer* producer_;
  spool::Spool* spool_;
  Timeouts timeouts_;
  Observer* observer_;

  std::mutex deadlines_mutex_;
  std::condition_variable deadlines_changed_;
  std::deque<Deadline> deadlines_;  // in time order
  bool stopping_ = false;
  std::thread timer_;

  std::mutex kafka_slots_mutex_;
  size_t in_kafka_ = 0;                  // flights whose publish has not settled
  std::deque<FlightPtr> kafka_waiting_;  // normalised flights waiting for a slot

  // Each callback's fate is logged at debug level with its reference; these say how many, at most
  // once a second.
  log::CountedLog spooled_log_{log::Level::info, "callbacks spooled"};
  log::CountedLog dead_letter_log_{log::Level::warn, "callbacks dead-lettered"};
  log::CountedLog not_stored_log_{log::Level::warn, "callbacks not stored"};
  log::CountedLog not_spooled_log_{log::Level::warn, "callbacks not spooled"};
};

}  // namespace jb::pipeline
