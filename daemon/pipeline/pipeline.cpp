#include "pipeline/pipeline.h"

#include <future>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "common/log.h"

namespace jb::pipeline {
namespace {

constexpr std::chrono::milliseconds kEnqueueTimeout{1000};

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const route::Router> router, kafka::Producer* producer,
                   std::chrono::milliseconds delivery_timeout, Observer* observer)
    : router_(std::move(router)),
      producer_(producer),
      delivery_timeout_(delivery_timeout),
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

  auto promise = std::make_shared<std::promise<kafka::Delivery>>();
  auto delivered = promise->get_future();
  std::string error;
  bool queued = producer_->produce(
      record, [promise](const kafka::Delivery& delivery) { promise->set_value(delivery); },
      kEnqueueTimeout, &error);
  if (!queued) {
    log::warn("callback not stored", {{"reference", reference}, {"error", error}});
    return Outcome::unavailable;
  }
  if (delivered.wait_for(delivery_timeout_) != std::future_status::ready) {
    log::warn("callback not acknowledged in time", {{"reference", reference}});
    return Outcome::unavailable;
  }
  kafka::Delivery delivery = delivered.get();
  if (!delivery.persisted) {
    log::warn("callback not stored", {{"reference", reference}, {"error", delivery.error}});
    return Outcome::unavailable;
  }
  if (stored == Outcome::published) {
    log::debug("callback published", {{"reference", reference}, {"topic", record.topic}});
  } else {
    log::warn("callback dead-lettered",
              {{"reference", reference}, {"reason", reason_code(result.failure().reason)}});
  }
  return stored;
}

}  // namespace jb::pipeline
