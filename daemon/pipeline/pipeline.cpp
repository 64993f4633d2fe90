#include "pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <future>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "common/log.h"
#include "common/progress.h"

namespace jb::pipeline {

// One callback between submit() and its completion.
struct Pipeline::Flight {
  route::Record record;
  std::string reference;
  Outcome stored = Outcome::published;
  std::string_view reason;  // the dead-letter reason code, for the log
  Completion done;
  // The publish under way: whichever of its delivery report and its deadline comes first moves on.
  std::atomic<bool> settled{false};
  // What follows a publish that Kafka did not acknowledge in time.
  Unacknowledged unacknowledged = Unacknowledged::not_stored;
  std::chrono::steady_clock::time_point started;
  std::chrono::milliseconds wait{0};
  bool holds_slot = false;  // counted in in_kafka_ until its publish settles
};

namespace {

// A publish whose wait ran out moves on at most this much later.
constexpr std::chrono::milliseconds kDeadlineRound{20};
// The timer wakes at least this often, deadlines or not: its heartbeat shows it is not stuck.
constexpr std::chrono::milliseconds kIdleBeat{200};
// Callbacks waiting for Kafka's report at once; more wait in arrival order, already normalised.
// librdkafka sends one produce request per partition batch with at most 5 requests in flight per
// broker: a few hundred records at once queue behind each other there, unevenly (bench/README.md).
constexpr size_t kMaxInKafka = 64;
// Spooled callbacks are logged as a count at most this often (an outage spools thousands a second).

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
                   spool::Spool* spool, Timeouts timeouts, Observer* observer)
    : router_(std::move(router)),
      producer_(producer),
      spool_(spool),
      timeouts_(timeouts),
      observer_(observer) {
  timer_ = std::thread([this] { expire_deadlines(); });
}

Pipeline::~Pipeline() {
  {
    std::lock_guard<std::mutex> lock(deadlines_mutex_);
    stopping_ = true;
  }
  deadlines_changed_.notify_all();
  timer_.join();
}

void Pipeline::set_router(std::shared_ptr<const route::Router> router) {
  std::lock_guard<std::mutex> lock(router_mutex_);
  router_ = std::move(router);
}

std::shared_ptr<const route::Router> Pipeline::router() const {
  std::lock_guard<std::mutex> lock(router_mutex_);
  return router_;
}

Outcome Pipeline::process(const Request& request) {
  std::promise<Outcome> outcome;
  std::future<Outcome> result = outcome.get_future();
  submit(request, [&outcome](Outcome o) { outcome.set_value(o); });
  return result.get();
}

void Pipeline::submit(const Request& request, Completion done) {
  auto router = this->router();
  auto result = callback::normalize({request.body, request.content_type, request.received_at});
  // Not make_shared: the deadline's weak pointer must not keep the record's memory.
  FlightPtr flight(new Flight());
  flight->done = std::move(done);
  if (result.ok()) {
    callback::Event& event = result.value();
    if (observer_) observer_->on_event(event);
    flight->reference = event.reference;
    flight->record = router->event_record(std::move(event));
  } else {
    const Failure& failure = result.failure();
    route::DeadLetterInput input{request.body, request.remote_addr, request.content_type,
                                 callback::format_timestamp(request.received_at), 1};
    flight->record = router->dead_letter_record(failure, input);
    flight->stored = Outcome::dead_lettered;
    flight->reference = failure.reference;
    flight->reason = reason_code(failure.reason);
    if (observer_) observer_->on_failure(failure);
  }
  if (spool_ && spool_->depth() > 0) {
    store_behind_spool(flight);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(kafka_slots_mutex_);
    if (in_kafka_ >= kMaxInKafka) {
      kafka_waiting_.push_back(flight);
      return;
    }
    ++in_kafka_;
  }
  flight->holds_slot = true;
  store_through_kafka(flight);
}

void Pipeline::release_kafka_slot(const FlightPtr& flight) {
  if (!flight->holds_slot) return;
  flight->holds_slot = false;
  for (;;) {
    FlightPtr next;
    {
      std::lock_guard<std::mutex> lock(kafka_slots_mutex_);
      if (kafka_waiting_.empty()) {
        --in_kafka_;
        return;
      }
      next = std::move(kafka_waiting_.front());
      kafka_waiting_.pop_front();
    }
    if (spool_ && spool_->depth() > 0) {  // an outage began while it waited: behind the spool
      store_behind_spool(next);
      continue;
    }
    next->holds_slot = true;  // the slot passes on
    store_through_kafka(next);
    return;
  }
}

void Pipeline::finish(const FlightPtr& flight, bool stored) {
  // A produced record's report may come long after this (a broker that stays down): the flight
  // waits for it without the record.
  route::Record record = std::move(flight->record);
  flight->record = route::Record();
  if (!stored) {
    flight->done(Outcome::unavailable);
    return;
  }
  if (flight->stored == Outcome::published) {
    log::debug("callback published", {{"reference", flight->reference}, {"topic", record.topic}});
  } else {
    log::debug("callback dead-lettered",
               {{"reference", flight->reference}, {"reason", flight->reason}});
    dead_letter_log_.note({{"last_reason", flight->reason}});
  }
  flight->done(flight->stored);
}

void Pipeline::store_through_kafka(const FlightPtr& flight) {
  const bool may_spool = spool_ && timeouts_.ack < timeouts_.delivery;
  publish(flight, may_spool ? timeouts_.ack : timeouts_.delivery,
          may_spool ? Unacknowledged::spooled : Unacknowledged::not_stored);
}

void Pipeline::store_behind_spool(const FlightPtr& flight) {
  append_to_spool(flight, "spool_not_empty", [this, flight](bool stored) {
    if (stored) return finish(flight, true);
    publish(flight, std::min(timeouts_.ack, timeouts_.delivery), Unacknowledged::not_stored);
  });
}

void Pipeline::published(const FlightPtr& flight, bool persisted, const std::string& error) {
  if (persisted) return finish(flight, true);
  if (flight->unacknowledged == Unacknowledged::spooled) {
    return append_to_spool(flight, error, [this, flight](bool stored) { finish(flight, stored); });
  }
  log::debug("callback not stored", {{"reference", flight->reference}, {"error", error}});
  not_stored_log_.note({{"last_error", error}});
  finish(flight, false);
}

void Pipeline::publish(const FlightPtr& flight, std::chrono::milliseconds wait,
                       Unacknowledged unacknowledged) {
  flight->settled = false;
  flight->unacknowledged = unacknowledged;
  flight->started = std::chrono::steady_clock::now();
  flight->wait = wait;
  {
    // Registered before the record is produced: the report can come before produce() returns.
    std::lock_guard<std::mutex> lock(deadlines_mutex_);
    const auto at = flight->started + wait;
    auto position = deadlines_.end();
    while (position != deadlines_.begin() && std::prev(position)->at > at) --position;
    const bool earliest = position == deadlines_.begin();
    deadlines_.insert(position, Deadline{at, flight});
    if (earliest) deadlines_changed_.notify_one();
  }
  // A full local queue is not waited for here: the record goes to the spool (or is refused) now.
  std::string error;
  const bool queued = producer_->produce(
      flight->record,
      [this, flight](const kafka::Delivery& delivery) {
        if (flight->settled.exchange(true)) return;  // the deadline came first
        settle(flight, delivery.persisted, delivery.error,
               std::chrono::steady_clock::now() - flight->started);
      },
      std::chrono::milliseconds(0), &error);
  if (queued || flight->settled.exchange(true)) return;
  settle(flight, false, error, std::chrono::steady_clock::now() - flight->started);
}

void Pipeline::settle(const FlightPtr& flight, bool persisted, const std::string& error,
                      std::chrono::steady_clock::duration waited) {
  if (observer_) observer_->on_kafka_delivery(waited, persisted, error);
  release_kafka_slot(flight);
  published(flight, persisted, error);
}

void Pipeline::expire_deadlines() {
  progress::Heartbeat heartbeat("acknowledgement timer");
  std::unique_lock<std::mutex> lock(deadlines_mutex_);
  std::vector<FlightPtr> expired;
  while (!stopping_) {
    heartbeat.beat();
    const auto now = std::chrono::steady_clock::now();
    while (!deadlines_.empty() && deadlines_.front().at <= now) {
      if (FlightPtr flight = deadlines_.front().flight.lock()) {
        if (!flight->settled) expired.push_back(std::move(flight));
      }
      deadlines_.pop_front();
    }
    if (expired.empty()) {
      if (deadlines_.empty()) {
        deadlines_changed_.wait_for(lock, kIdleBeat);  // beats while idle
      } else {
        // Deadlines are checked in rounds: one wake-up per round, not one per callback.
        deadlines_changed_.wait_until(
            lock, std::min(deadlines_.front().at + kDeadlineRound, now + kIdleBeat));
      }
      continue;
    }
    lock.unlock();
    for (const FlightPtr& flight : expired) {
      if (flight->settled.exchange(true)) continue;
      settle(flight, false, "ack_timeout", flight->wait);
    }
    expired.clear();
    lock.lock();
  }
}

void Pipeline::append_to_spool(const FlightPtr& flight, const std::string& cause,
                               std::function<void(bool)> then) {
  spool_->append_async(
      flight->record, [this, flight, cause, then = std::move(then)](spool::AppendResult result) {
        if (observer_) observer_->on_spool_write(result);
        if (result == spool::AppendResult::stored) {
          log::debug("callback spooled", {{"reference", flight->reference}, {"cause", cause}});
          spooled_log_.note({{"last_cause", cause}});
          then(true);
          return;
        }
        log::debug("callback not spooled", {{"reference", flight->reference},
                                            {"cause", cause},
                                            {"spool", append_result_name(result)}});
        not_spooled_log_.note({{"last_cause", cause}, {"spool", append_result_name(result)}});
        then(false);
      });
}

}  // namespace jb::pipeline
