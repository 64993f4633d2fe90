#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/log.h"
#include "common/progress.h"
#include "kafka/rdkafka_conf.h"

namespace jb::kafka {
namespace {

constexpr std::chrono::milliseconds kQueueFullRetry{5};
// What librdkafka writes to the signal's eventfd: one count.
constexpr uint64_t kSignalCount = 1;
constexpr std::chrono::milliseconds kShutdownFlush{2000};
constexpr const char* kPersistedWithoutOffset = "persisted_without_offset";

class RdKafkaProducer final : public Producer {
 public:
  RdKafkaProducer() = default;
  ~RdKafkaProducer() override;

  bool start(const std::string& brokers, const std::map<std::string, std::string>& properties,
             std::string* error, const DeliverySignal* signal);
  bool produce(const route::Record& record, DeliveryCallback on_delivery,
               std::chrono::milliseconds enqueue_timeout, std::string* error) override;
  void serve_deliveries() override { rd_kafka_poll(rk_, 0); }
  int flush(std::chrono::milliseconds timeout) override;
  bool reachable(std::chrono::milliseconds timeout) override;
  bool failed() const override { return fatal_; }

 private:
  static void on_delivery_report(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  rd_kafka_resp_err_t enqueue(const route::Record& record, DeliveryCallback* callback);
  // The handle of topic `name`, made on first use; nullptr when librdkafka refuses the name.
  rd_kafka_topic_t* topic_handle(const std::string& name);
  void poll_until_stopped();
  void deliver(const rd_kafka_message_t* message);
  void note_fatal_error();
  // What a failed delivery reports: _FATAL once the producer is unusable, else the message's error.
  rd_kafka_resp_err_t failure_cause(rd_kafka_resp_err_t err) const;

  rd_kafka_t* rk_ = nullptr;
  // The queue of delivery reports, when they are signalled to an event loop.
  rd_kafka_queue_t* signalled_queue_ = nullptr;
  std::chrono::milliseconds backstop_{0};
  std::thread poll_thread_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_;
  std::atomic<bool> fatal_{false};
  std::mutex delivered_mutex_;
  std::condition_variable delivered_;
  // Topic handles by name: producing by name takes the client's write lock (which its broker
  // threads' read locks wait on) and scans its topic list for every record; by handle it does
  // neither (about 600 of 2,500 instructions per record with 22 topics). The router names a
  // bounded set of topics (each kind and status, overrides, dead letters).
  std::mutex topics_mutex_;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;
};

bool RdKafkaProducer::start(const std::string& brokers,
                            const std::map<std::string, std::string>& properties,
                            std::string* error, const DeliverySignal* signal) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  route_logs(conf);
  // murmur2_random: a key lands in the partition a Java (or kafkajs) producer would choose for it,
  // so one reference's events stay in one partition whoever else writes them; librdkafka's own
  // default (consistent_random, CRC32) disagrees for most keys. kafka.properties may override both.
  bool ok = set_property(conf, "linger.ms", "1", error) &&
            set_property(conf, "partitioner", "murmur2_random", error) &&
            set_properties(conf, properties, error) &&
            set_property(conf, "bootstrap.servers", brokers, error) &&
            set_property(conf, "enable.idempotence", "true", error) &&
            set_property(conf, "acks", "all", error);
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return false;
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery_report);
  rd_kafka_conf_set_error_cb(conf, on_error);

  char message[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof message);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    if (error) *error = message;
    return false;
  }
  if (signal) {
    signalled_queue_ = rd_kafka_queue_get_main(rk_);
    backstop_ = signal->backstop();
    rd_kafka_queue_io_event_enable(signalled_queue_, signal->fd(), &kSignalCount,
                                   sizeof kSignalCount);
  }
  poll_thread_ = std::thread([this] { poll_until_stopped(); });
  return true;
}

RdKafkaProducer::~RdKafkaProducer() {
  if (!rk_) return;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (poll_thread_.joinable()) poll_thread_.join();
  rd_kafka_flush(rk_, static_cast<int>(kShutdownFlush.count()));
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(rk_, static_cast<int>(kShutdownFlush.count()));
  const int outstanding = rd_kafka_outq_len(rk_);
  if (outstanding > 0)
    log::warn("kafka producer closed with undelivered records", {{"outstanding", outstanding}});
  if (signalled_queue_) {
    rd_kafka_queue_io_event_enable(signalled_queue_, -1, nullptr, 0);
    rd_kafka_queue_destroy(signalled_queue_);
  }
  for (const auto& [name, handle] : topics_) rd_kafka_topic_destroy(handle);
  rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* RdKafkaProducer::topic_handle(const std::string& name) {
  std::lock_guard<std::mutex> lock(topics_mutex_);
  auto found = topics_.find(name);
  if (found != topics_.end()) return found->second;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  if (handle != nullptr) topics_.emplace(name, handle);
  return handle;
}

void RdKafkaProducer::poll_until_stopped() {
  progress::Heartbeat heartbeat("kafka delivery reports");
  while (!stopping_) {
    heartbeat.beat();
    if (signalled_queue_ == nullptr) {
      rd_kafka_poll(rk_, 100);
      continue;
    }
    rd_kafka_poll(rk_, 0);
    std::unique_lock<std::mutex> lock(stop_mutex_);
    stop_.wait_for(lock, backstop_, [this] { return stopping_.load(); });
  }
}

rd_kafka_resp_err_t RdKafkaProducer::enqueue(const route::Record& record,
                                             DeliveryCallback* callback) {
  rd_kafka_topic_t* topic = topic_handle(record.topic);
  if (topic == nullptr) return RD_KAFKA_RESP_ERR__INVALID_ARG;  // as producing by name answers
  rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
  for (const auto& [name, value] : record.headers)
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(callback), RD_KAFKA_V_END);
  if (err) rd_kafka_headers_destroy(headers);  // on success the message owns them
  return err;
}

bool RdKafkaProducer::produce(const route::Record& record, DeliveryCallback on_delivery,
                              std::chrono::milliseconds enqueue_timeout, std::string* error) {
  if (fatal_) {
    if (error) *error = error_name(RD_KAFKA_RESP_ERR__FATAL);
    return false;
  }
  auto* callback = new DeliveryCallback(std::move(on_delivery));
  const auto deadline = std::chrono::steady_clock::now() + enqueue_timeout;
  rd_kafka_resp_err_t err = enqueue(record, callback);
  while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !fatal_ &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kQueueFullRetry);
    err = enqueue(record, callback);
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  delete callback;
  if (error) *error = error_name(fatal_ ? RD_KAFKA_RESP_ERR__FATAL : err);
  return false;
}

void RdKafkaProducer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message,
                                         void* opaque) {
  static_cast<RdKafkaProducer*>(opaque)->deliver(message);
}

void RdKafkaProducer::deliver(const rd_kafka_message_t* message) {
  auto* callback = static_cast<DeliveryCallback*>(message->_private);
  Delivery delivery;
  const bool reported_persisted = message->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                                  rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_PERSISTED;
  // A retried batch answered DUPLICATE_SEQUENCE_NUMBER is reported persisted without an offset.
  // Brokers (librdkafka's mock cluster among them) have been seen to answer so for a batch they
  // never appended: without an offset it only counts as possibly persisted.
  delivery.persisted = reported_persisted && message->offset >= 0;
  if (reported_persisted && !delivery.persisted)
    delivery.error = kPersistedWithoutOffset;
  else if (!delivery.persisted)
    delivery.error = error_name(failure_cause(message->err));
  delivery.partition = message->partition;
  delivery.offset = message->offset;
  if (callback) {
    (*callback)(delivery);
    delete callback;
  }
  delivered_.notify_all();
}

rd_kafka_resp_err_t RdKafkaProducer::failure_cause(rd_kafka_resp_err_t err) const {
  if (fatal_) return RD_KAFKA_RESP_ERR__FATAL;
  return err ? err : RD_KAFKA_RESP_ERR__FAIL;
}

void RdKafkaProducer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  if (err != RD_KAFKA_RESP_ERR__FATAL) {
    log::warn("kafka error",
              {{"error", error_name(static_cast<rd_kafka_resp_err_t>(err))}, {"detail", reason}});
    return;
  }
  char detail[512];
  const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, detail, sizeof detail);
  log::error("kafka producer fatal error", {{"error", error_name(cause)}, {"detail", detail}});
  static_cast<RdKafkaProducer*>(opaque)->note_fatal_error();
}

void RdKafkaProducer::note_fatal_error() {
  fatal_ = true;
}

int RdKafkaProducer::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(delivered_mutex_);
  while (rd_kafka_outq_len(rk_) > 0 && std::chrono::steady_clock::now() < deadline)
    delivered_.wait_for(lock, std::chrono::milliseconds(10));
  return rd_kafka_outq_len(rk_);
}

bool RdKafkaProducer::reachable(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (metadata) rd_kafka_metadata_destroy(metadata);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

DeliverySignal::DeliverySignal(std::chrono::milliseconds backstop)
    : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), backstop_(backstop) {}

DeliverySignal::~DeliverySignal() {
  if (fd_ >= 0) ::close(fd_);
}

void DeliverySignal::clear() const {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t ignored = ::read(fd_, &count, sizeof count);
}

std::unique_ptr<Producer> Producer::create(const std::string& brokers,
                                           const std::map<std::string, std::string>& properties,
                                           std::string* error, const DeliverySignal* signal) {
  auto producer = std::make_unique<RdKafkaProducer>();
  if (!producer->start(brokers, properties, error, signal)) return nullptr;
  return producer;
}

}  // namespace jb::kafka
