#include "pipeline/pipeline.h"

#include <algorithm>
#include <future>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "common/log.h"

namespace jb::pipeline {
namespace {

constexpr std::chrono::milliseconds kEnqueueTimeout{1000};

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
                   spool::Spool* spool, Timeouts timeouts, Observer* observer)
    : router_(std::move(router)),
      producer_(producer),
      spool_(spool),
      timeouts_(timeouts),
      observer_(observer) {}

void Pipeline::set_router(std::shared_ptr<const route::Router> router) {
  std::lock_guard<std::mutex> lock(router_mutex_);
  router_ = std::move(router);
}

std::shared_ptr<const route::Router> Pipeline::router() const {
  std::lock_guard<std::mutex> lock(router_mutex_);
  return router_;
}

Outcome Pipeline::process(const Request& request) {
  auto router = this->router();
  auto result = callback::normalize({request.body, request.content_type, request.received_at});
  route::Record record;
  Outcome stored;
  std::string reference;
  if (result.ok()) {
    const callback::Event& event = result.value();
    record = router->event_record(event);
    stored = Outcome::published;
    reference = event.reference;
    if (observer_) observer_->on_event(event);
  } else {
    const Failure& failure = result.failure();
    route::DeadLetterInput input{request.body, request.remote_addr, request.content_type,
                                 callback::format_timestamp(request.received_at), 1};
    record = router->dead_letter_record(failure, input);
    stored = Outcome::dead_lettered;
    reference = failure.reference;
    if (observer_) observer_->on_failure(failure);
  }

  const bool spool_first = spool_ && spool_->depth() > 0;
  if (!(spool_first ? store_behind_spool(record, reference)
                    : store_through_kafka(record, reference)))
    return Outcome::unavailable;
  if (stored == Outcome::published) {
    log::debug("callback published", {{"reference", reference}, {"topic", record.topic}});
  } else {
    log::warn("callback dead-lettered",
              {{"reference", reference}, {"reason", reason_code(result.failure().reason)}});
  }
  return stored;
}

bool Pipeline::store_through_kafka(const route::Record& record, const std::string& reference) {
  const bool may_spool = spool_ && timeouts_.ack < timeouts_.delivery;
  std::string error;
  if (publish(record, may_spool ? timeouts_.ack : timeouts_.delivery, &error)) return true;
  if (may_spool) return append_to_spool(record, reference, error);
  log::warn("callback not stored", {{"reference", reference}, {"error", error}});
  return false;
}

bool Pipeline::store_behind_spool(const route::Record& record, const std::string& reference) {
  if (append_to_spool(record, reference, "spool_not_empty")) return true;
  std::string error;
  if (publish(record, std::min(timeouts_.ack, timeouts_.delivery), &error)) return true;
  log::warn("callback not stored", {{"reference", reference}, {"error", error}});
  return false;
}

bool Pipeline::publish(const route::Record& record, std::chrono::milliseconds wait,
                       std::string* error) {
  auto promise = std::make_shared<std::promise<kafka::Delivery>>();
  auto delivered = promise->get_future();
  const auto started = std::chrono::steady_clock::now();
  bool queued = producer_->produce(
      record, [promise](const kafka::Delivery& delivery) { promise->set_value(delivery); },
      std::min(kEnqueueTimeout, wait), error);
  if (!queued) {
    if (observer_)
      observer_->on_kafka_delivery(std::chrono::steady_clock::now() - started, false, *error);
    return false;
  }
  if (delivered.wait_until(started + wait) != std::future_status::ready) {
    *error = "ack_timeout";
    if (observer_) observer_->on_kafka_delivery(wait, false, *error);
    return false;
  }
  kafka::Delivery delivery = delivered.get();
  if (!delivery.persisted) *error = delivery.error;
  if (observer_) {
    observer_->on_kafka_delivery(std::chrono::steady_clock::now() - started, delivery.persisted,
                                 delivery.error);
  }
  return delivery.persisted;
}

bool Pipeline::append_to_spool(const route::Record& record, const std::string& reference,
                               const std::string& cause) {
  const spool::AppendResult result = spool_->append(record);
  if (observer_) observer_->on_spool_write(result);
  if (result == spool::AppendResult::stored) {
    log::info("callback spooled", {{"reference", reference}, {"cause", cause}});
    return true;
  }
  log::warn("callback not spooled",
            {{"reference", reference}, {"cause", cause}, {"spool", append_result_name(result)}});
  return false;
}

}  // namespace jb::pipeline
