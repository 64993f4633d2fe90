// The parts of the reconcile service that touch the world: the time, the Retrieval API and Kafka
// publishing. The service takes them as interfaces, so its asking logic runs in unit tests with
// fakes; here are those interfaces and their production implementations.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "callback/event.h"
#include "kafka/producer.h"
#include "reconcile/ledger.h"
#include "retrieval_api/client.h"
#include "retrieval_api/fetch.h"
#include "route/router.h"

namespace jb::reconcile {

// The time, and waiting for it: the system clock in production, a hand-moved one in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time now() const = 0;
  // Waits on `wake` (with `lock` held) until this clock reaches `until`, a notification or a
  // spurious wake-up.
  virtual void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                          Time until) = 0;
};
// The system clock.
Clock& system_clock();

// Asks Jumio about one transaction: retrieval_api::fetch (fetch_workflow for a workflow
// execution, under `account_id`) over a Client in production.
class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual retrieval_api::Fetched fetch(callback::Kind kind, const std::string& reference,
                                       const std::string& account_id,
                                       const std::function<bool()>& before_details) = 0;
  // A workflow execution a notification said is terminal: its details only
  // (retrieval_api::fetch_workflow_details).
  virtual retrieval_api::Fetched fetch_workflow_details(const std::string& account_id,
                                                        const std::string& execution_id) = 0;
  // From any thread: a fetch in progress ends as Outcome::stopped, and so do later ones.
  virtual void stop() = 0;
  virtual retrieval_api::Counts counts() const = 0;
};
// `client` must outlive it.
std::unique_ptr<Retriever> api_retriever(retrieval_api::Client* client);

// Writes records to Kafka.
class Publisher {
 public:
  virtual ~Publisher() = default;
  // Publishes and waits for Kafka's acknowledgement, at most `timeout`: true once stored; false
  // with *error (librdkafka's error name, or "not_acknowledged_in_time").
  virtual bool publish(const route::Record& record, std::chrono::milliseconds timeout,
                       std::string* error) = 0;
  // Publishes without waiting (a state record: one lost costs an ask made again).
  virtual void publish_state(const route::Record& record) = 0;
};
// `producer` must outlive it.
std::unique_ptr<Publisher> kafka_publisher(kafka::Producer* producer);

// The dead letter of a details answer that cannot become an event (Outcome::invalid): the answer
// whole, reason retrieval_invalid, origin retrieval, the kind's API.
route::Record retrieval_dead_letter(const route::Router& router,
                                    const retrieval_api::Fetched& fetched, callback::Kind kind);

}  // namespace jb::reconcile
