#include "reconcile/parts.h"

#include <future>

#include "callback/timestamp.h"
#include "common/log.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kEnqueueTimeout{10000};

class SystemClock : public Clock {
 public:
  Time now() const override { return std::chrono::system_clock::now(); }
  void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                  Time until) override {
    wake.wait_until(lock, until);
  }
};

class ApiRetriever : public Retriever {
 public:
  explicit ApiRetriever(retrieval_api::Client* client) : client_(client) {}
  retrieval_api::Fetched fetch(callback::Kind kind, const std::string& reference,
                               const std::string& account_id,
                               const std::function<bool()>& before_details) override {
    if (kind == callback::Kind::workflow)
      return retrieval_api::fetch_workflow(*client_, account_id, reference, before_details);
    return retrieval_api::fetch(*client_, kind, reference, before_details);
  }
  retrieval_api::Fetched fetch_workflow_details(const std::string& account_id,
                                                const std::string& execution_id) override {
    return retrieval_api::fetch_workflow_details(*client_, account_id, execution_id);
  }
  void stop() override { client_->stop(); }
  retrieval_api::Counts counts() const override { return client_->counts(); }

 private:
  retrieval_api::Client* client_;
};

class KafkaPublisher : public Publisher {
 public:
  explicit KafkaPublisher(kafka::Producer* producer) : producer_(producer) {}

  bool publish(const route::Record& record, milliseconds timeout, std::string* error) override {
    auto delivered = std::make_shared<std::promise<kafka::Delivery>>();
    std::future<kafka::Delivery> stored = delivered->get_future();
    if (!producer_->produce(
            record, [delivered](const kafka::Delivery& d) { delivered->set_value(d); },
            kEnqueueTimeout, error)) {
      return false;
    }
    if (stored.wait_for(timeout) != std::future_status::ready) {
      *error = "not_acknowledged_in_time";
      return false;
    }
    const kafka::Delivery delivery = stored.get();
    if (!delivery.persisted) *error = delivery.error;
    return delivery.persisted;
  }

  void publish_state(const route::Record& record) override {
    std::string error;
    const std::string reference = record.key;
    const bool queued = producer_->produce(
        record,
        [reference](const kafka::Delivery& delivery) {
          if (!delivery.persisted)
            log::warn("reconcile: state record not stored",
                      {{"reference", reference}, {"error", delivery.error}});
        },
        kEnqueueTimeout, &error);
    if (!queued)
      log::warn("reconcile: state record not stored", {{"reference", reference}, {"error", error}});
  }

 private:
  kafka::Producer* producer_;
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

std::unique_ptr<Retriever> api_retriever(retrieval_api::Client* client) {
  return std::make_unique<ApiRetriever>(client);
}

std::unique_ptr<Publisher> kafka_publisher(kafka::Producer* producer) {
  return std::make_unique<KafkaPublisher>(producer);
}

route::Record retrieval_dead_letter(const route::Router& router,
                                    const retrieval_api::Fetched& fetched, callback::Kind kind) {
  route::DeadLetterInput input;
  input.body = fetched.answer;
  input.content_type = "application/json";
  input.received_at = callback::format_timestamp(fetched.answered_at);
  input.origin = "retrieval";
  input.kind = callback::kind_type(kind);
  return router.dead_letter_record(*fetched.failure, input);
}

}  // namespace jb::reconcile
