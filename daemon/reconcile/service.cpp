#include "reconcile/service.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <future>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/timestamp.h"
#include "common/log.h"
#include "common/progress.h"
#include "replay/filter.h"
#include "retrieval/mapping.h"
#include "retrieval_api/fetch.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kPoll{200};
constexpr milliseconds kMetadataTimeout{5000};
constexpr seconds kTopicRefresh{1};
// Asks in flight at once: the requests are spaced by the client's rate limit whatever this is;
// more workers only hide the latency of one ask (two requests, a publish and its acknowledgement).
constexpr int kWorkers = 4;
// How stale the consumer's view of the partitions' ends may be (fetch.wait.max.ms and a margin).
constexpr milliseconds kEndStaleness{500};
constexpr seconds kDeliveryTimeout{30};
constexpr milliseconds kEnqueueTimeout{10000};
// Records are read from this long before the schedule's span: initiatedAt and the records' own
// timestamps may differ by this much.
constexpr std::chrono::hours kReadMargin{24};

int64_t epoch_ms(Time time) {
  return std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count();
}

Time from_epoch_ms(int64_t ms) {
  return Time(milliseconds(ms));
}

std::string kind_name(callback::Kind kind) {
  return std::string(callback::kind_type(kind));
}

Settlement parse_settlement(std::string_view text) {
  for (Settlement s : {Settlement::callback, Settlement::retrieval, Settlement::deadletter,
                       Settlement::given_up}) {
    if (settlement_name(s) == text) return s;
  }
  return Settlement::none;
}

// A consumer handle with our properties; group.id set (librdkafka needs one) but nothing commits.
rd_kafka_t* make_consumer(const std::string& brokers,
                          const std::map<std::string, std::string>& properties,
                          const std::string& group, bool partition_eof,
                          void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t,
                                            rd_kafka_topic_partition_list_t*, void*),
                          void* opaque, std::string* error) {
  char message[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), message, sizeof message) !=
        RD_KAFKA_CONF_OK) {
      *error = key + ": " + message;
      return false;
    }
    return true;
  };
  bool ok = true;
  for (const auto& [key, value] : properties) ok = ok && set(key, value);
  ok = ok && set("bootstrap.servers", brokers) && set("group.id", group) &&
       set("enable.auto.commit", "false") && set("enable.auto.offset.store", "false") &&
       set("enable.partition.eof", partition_eof ? "true" : "false") &&
       set("auto.offset.reset", "earliest") && set("fetch.wait.max.ms", "100") &&
       set("log_level", "3");
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  if (rebalance) rd_kafka_conf_set_rebalance_cb(conf, rebalance);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!rk) {
    *error = message;
    return nullptr;
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

// Sets each partition's offset to the first record at or after `since`.
void seek_to_time(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions, Time since) {
  for (int i = 0; i < partitions->cnt; ++i) partitions->elems[i].offset = epoch_ms(since);
  rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(rk, partitions, static_cast<int>(kMetadataTimeout.count()));
  for (int i = 0; i < partitions->cnt; ++i) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || partitions->elems[i].err) {
      partitions->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;  // unknown: read it all
      partitions->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    } else if (partitions->elems[i].offset < 0) {
      // No record at or after `since`, or a broker that cannot look up times (librdkafka's mock
      // cluster): the partition is read from its start, and records older than `since` are
      // skipped as they are read.
      partitions->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    }
  }
}

std::string header_value(const rd_kafka_message_t* message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return "";
  return std::string(static_cast<const char*>(value), size);
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void rebalance_expected(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque);

}  // namespace

// --- records ----------------------------------------------------------------------------------

std::string state_record_json(const StateRecord& record) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("reference");
  writer.String(record.reference.c_str(),
                static_cast<rapidjson::SizeType>(record.reference.size()));
  writer.Key("kind");
  const std::string kind = kind_name(record.kind);
  writer.String(kind.c_str(), static_cast<rapidjson::SizeType>(kind.size()));
  writer.Key("asks");
  writer.Int(record.asks);
  writer.Key("lastAskedAt");
  if (record.asks > 0) {
    const std::string at = callback::format_timestamp(record.last_asked);
    writer.String(at.c_str(), static_cast<rapidjson::SizeType>(at.size()));
  } else {
    writer.Null();
  }
  writer.Key("lastStatus");
  writer.String(record.last_status.c_str(),
                static_cast<rapidjson::SizeType>(record.last_status.size()));
  writer.Key("settled");
  if (record.settled == Settlement::none) {
    writer.Null();
  } else {
    const std::string_view name = settlement_name(record.settled);
    writer.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool parse_state_record(std::string_view json, StateRecord* out) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) return false;
  StateRecord record;
  auto reference = document.FindMember("reference");
  auto kind = document.FindMember("kind");
  auto asks = document.FindMember("asks");
  if (reference == document.MemberEnd() || !reference->value.IsString() ||
      kind == document.MemberEnd() || !kind->value.IsString() ||
      !retrieval::parse_kind(kind->value.GetString(), &record.kind) ||
      asks == document.MemberEnd() || !asks->value.IsInt() || asks->value.GetInt() < 0) {
    return false;
  }
  record.reference = reference->value.GetString();
  record.asks = asks->value.GetInt();
  auto last = document.FindMember("lastAskedAt");
  if (last != document.MemberEnd() && last->value.IsString() &&
      !callback::parse_timestamp(last->value.GetString(), &record.last_asked)) {
    return false;
  }
  auto status = document.FindMember("lastStatus");
  if (status != document.MemberEnd() && status->value.IsString())
    record.last_status = status->value.GetString();
  auto settled = document.FindMember("settled");
  if (settled != document.MemberEnd() && settled->value.IsString())
    record.settled = parse_settlement(settled->value.GetString());
  *out = std::move(record);
  return true;
}

bool parse_expected_record(std::string_view json, ExpectedRecord* out, std::string* why) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    *why = "not a JSON object";
    return false;
  }
  ExpectedRecord record;
  auto reference = document.FindMember("reference");
  if (reference == document.MemberEnd() || !reference->value.IsString() ||
      reference->value.GetStringLength() == 0 || reference->value.GetStringLength() > 255) {
    *why = "reference is absent, empty, not a string or longer than 255";
    return false;
  }
  record.reference = reference->value.GetString();
  auto kind = document.FindMember("kind");
  if (kind == document.MemberEnd() || !kind->value.IsString() ||
      !retrieval::parse_kind(kind->value.GetString(), &record.kind)) {
    *why = "kind is not netverify, authentication or document";
    return false;
  }
  auto initiated = document.FindMember("initiatedAt");
  if (initiated == document.MemberEnd() || !initiated->value.IsString() ||
      !replay::parse_rfc3339(initiated->value.GetString(), &record.initiated_at)) {
    *why = "initiatedAt is not an RFC 3339 timestamp";
    return false;
  }
  *out = std::move(record);
  return true;
}

std::vector<std::string> event_topics(const config::TopicsConfig& topics) {
  static const std::pair<callback::Kind, std::vector<const char*>> kStatuses[] = {
      {callback::Kind::netverify,
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}},
      {callback::Kind::authentication, {"PASSED", "FAILED", "INVALID", "EXPIRED"}},
      {callback::Kind::document, {"UPLOADED", "EXTRACTED", "DISCARDED", "FAILED"}},
  };
  route::Router router(topics);
  std::set<std::string> names;
  for (const auto& [kind, statuses] : kStatuses)
    for (const char* status : statuses) names.insert(router.topic_for(kind, status));
  return {names.begin(), names.end()};
}

// --- the service ------------------------------------------------------------------------------

namespace {

Schedule schedule_of(const config::ReconcileConfig& reconcile) {
  Schedule schedule;
  schedule.grace = seconds(reconcile.grace_s);
  for (int step : reconcile.schedule_s) schedule.steps.push_back(seconds(step));
  std::sort(schedule.steps.begin(), schedule.steps.end());
  schedule.daily_for_days = reconcile.daily_for_days;
  return schedule;
}

}  // namespace

Service::Service(const config::Config& config, const std::string& brokers,
                 const std::map<std::string, std::string>& consumer_properties,
                 retrieval_api::Client* client, kafka::Producer* producer)
    : config_(config),
      brokers_(brokers),
      consumer_properties_(consumer_properties),
      client_(client),
      producer_(producer),
      router_(config.topics, config.privacy),
      schedule_(schedule_of(config.reconcile)),
      ledger_(schedule_) {}

Service::~Service() {
  stop();
}

void Service::start() {
  expected_thread_ = std::thread([this] { read_expected(); });
  settled_thread_ = std::thread([this] { read_settled(); });
  for (int i = 0; i < kWorkers; ++i) worker_threads_.emplace_back([this] { work(); });
}

void Service::stop() {
  stop_ = true;
  client_->stop();
  wake_.notify_all();
  for (std::thread& thread : worker_threads_) {
    if (thread.joinable()) thread.join();
  }
  worker_threads_.clear();
  for (std::thread* thread : {&expected_thread_, &settled_thread_}) {
    if (thread->joinable()) thread->join();
  }
}

// Reads reconcile.expected_topic in the group: this instance's share of the references.
void Service::read_expected() {
  progress::Heartbeat heartbeat("reconcile expected reader");
  std::string error;
  rd_kafka_t* rk = make_consumer(brokers_, consumer_properties_, config_.reconcile.group, false,
                                 rebalance_expected, this, &error);
  if (!rk) {
    log::error("reconcile: cannot create the expected-topic consumer", {{"error", error}});
    stop_ = true;
    wake_.notify_all();
    return;
  }
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, config_.reconcile.expected_topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    log::error("reconcile: cannot subscribe to the expected topic",
               {{"topic", config_.reconcile.expected_topic}, {"error", rd_kafka_err2str(err)}});
  }
  while (!stop_) {
    heartbeat.beat();
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, static_cast<int>(kPoll.count()));
    if (!message) continue;
    if (message->err) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
          message->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        log::warn("reconcile: expected topic", {{"error", rd_kafka_message_errstr(message)}});
      }
      rd_kafka_message_destroy(message);
      continue;
    }
    ExpectedRecord record;
    std::string why;
    if (parse_expected_record(
            std::string_view(static_cast<const char*>(message->payload), message->len), &record,
            &why)) {
      on_expected(record, message->partition);
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.invalid_expected;
      log::warn("reconcile: expected record ignored",
                {{"partition", message->partition}, {"offset", message->offset}, {"why", why}});
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

namespace {

void rebalance_expected(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* service = static_cast<Service*>(opaque);
  std::set<int32_t> ids;
  for (int i = 0; i < partitions->cnt; ++i) ids.insert(partitions->elems[i].partition);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // Read again from the schedule's span back: the references of these partitions are ours now.
    const Time since = std::chrono::system_clock::now() - service->read_span();
    seek_to_time(rk, partitions, since);
    rd_kafka_assign(rk, partitions);
    log::info("reconcile: expected partitions assigned", {{"partitions", partitions->cnt}});
  } else {
    service->partitions_revoked(ids);
    rd_kafka_assign(rk, nullptr);
    log::info("reconcile: expected partitions revoked", {{"partitions", partitions->cnt}});
  }
}

}  // namespace

void Service::on_expected(const ExpectedRecord& record, int32_t partition) {
  // A transaction no schedule can reach any more (read again from a partition's start).
  if (record.initiated_at < std::chrono::system_clock::now() - read_span()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.expect(record.reference, record.kind, record.initiated_at);
  partition_of_[record.reference] = partition;
  auto restored = restored_.find(record.reference);
  if (restored != restored_.end()) {
    ledger_.asked(record.reference, restored->second.asks, restored->second.last_asked,
                  restored->second.last_status);
    restored_.erase(restored);
  }
  wake_.notify_all();
}

void Service::partitions_revoked(const std::set<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.forget_if([&](const Entry& entry) {
    auto found = partition_of_.find(entry.reference);
    return found != partition_of_.end() && partitions.count(found->second) > 0;
  });
}

std::chrono::seconds Service::read_span() const {
  return schedule_.span() + std::chrono::duration_cast<seconds>(kReadMargin);
}

// Reads the event topics, the dead-letter topic and the state topic, every partition, from the
// span back; new topics (a status seen for the first time) are picked up as they appear.
void Service::read_settled() {
  progress::Heartbeat heartbeat("reconcile settled reader");
  std::string error;
  rd_kafka_t* rk =
      make_consumer(brokers_, consumer_properties_, config_.reconcile.group + "-settled", true,
                    nullptr, nullptr, &error);
  if (!rk) {
    log::error("reconcile: cannot create the settled-topics consumer", {{"error", error}});
    stop_ = true;
    wake_.notify_all();
    return;
  }
  std::set<std::string> wanted;
  for (const std::string& topic : event_topics(config_.topics)) wanted.insert(topic);
  for (const auto& [key, topic] : config_.topics.overrides) wanted.insert(topic);
  wanted.insert(config_.topics.deadletter);
  wanted.insert(config_.reconcile.state_topic);

  std::set<std::pair<std::string, int32_t>> assigned;
  std::set<std::pair<std::string, int32_t>> not_at_end;  // first reading, until caught up
  bool first_round = true;
  auto refresh = [&] {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(kMetadataTimeout.count())) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return false;
    }
    rd_kafka_topic_partition_list_t* added = rd_kafka_topic_partition_list_new(8);
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      const std::string topic = metadata->topics[t].topic;
      if (!wanted.count(topic) || metadata->topics[t].err) continue;
      for (int p = 0; p < metadata->topics[t].partition_cnt; ++p) {
        const int32_t partition = metadata->topics[t].partitions[p].id;
        if (!assigned.insert({topic, partition}).second) continue;
        rd_kafka_topic_partition_list_add(added, topic.c_str(), partition);
        if (first_round) not_at_end.insert({topic, partition});
      }
    }
    rd_kafka_metadata_destroy(metadata);
    if (added->cnt > 0) {
      if (first_round) {
        seek_to_time(rk, added, std::chrono::system_clock::now() - read_span());
      } else {
        for (int i = 0; i < added->cnt; ++i) added->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
      }
      if (rd_kafka_error_t* failure = rd_kafka_incremental_assign(rk, added)) {
        log::warn("reconcile: cannot assign", {{"error", rd_kafka_error_string(failure)}});
        rd_kafka_error_destroy(failure);
      }
    }
    rd_kafka_topic_partition_list_destroy(added);
    return true;
  };
  Time refreshed_at = std::chrono::system_clock::now();
  while (!stop_ && !refresh()) {
    heartbeat.beat();
    std::this_thread::sleep_for(kPoll);
    refreshed_at = std::chrono::system_clock::now();
  }
  first_round = false;
  auto last_refresh = std::chrono::steady_clock::now();
  // Every record written before `refreshed_at` (less the staleness of the ends) has been read
  // when each assigned partition's position is at its end: what the worker may rely on.
  auto advance_read_through = [&] {
    if (!caught_up_) return;
    rd_kafka_topic_partition_list_t* positions =
        rd_kafka_topic_partition_list_new(static_cast<int>(assigned.size()) + 1);
    for (const auto& [topic, partition] : assigned)
      rd_kafka_topic_partition_list_add(positions, topic.c_str(), partition);
    bool at_end = rd_kafka_position(rk, positions) == RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; at_end && i < positions->cnt; ++i) {
      int64_t low = 0, high = 0;
      const auto& p = positions->elems[i];
      if (rd_kafka_get_watermark_offsets(rk, p.topic, p.partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        at_end = false;
      } else if (high > low && p.offset < high) {
        at_end = false;  // records not read yet (or no position: nothing fetched so far)
      }
    }
    rd_kafka_topic_partition_list_destroy(positions);
    if (!at_end) return;
    const Time through = std::min(refreshed_at, std::chrono::system_clock::now() - kEndStaleness);
    std::lock_guard<std::mutex> lock(mutex_);
    if (through > read_through_) {
      read_through_ = through;
      wake_.notify_all();
    }
  };
  auto mark_caught_up = [&] {
    if (caught_up_ || !not_at_end.empty()) return;
    caught_up_ = true;
    log::info("reconcile: settled topics read to their ends; asking begins",
              {{"partitions", static_cast<int64_t>(assigned.size())}});
    wake_.notify_all();
  };
  mark_caught_up();

  while (!stop_) {
    heartbeat.beat();
    if (std::chrono::steady_clock::now() - last_refresh > kTopicRefresh) {
      const Time started = std::chrono::system_clock::now();
      if (refresh()) refreshed_at = started;
      last_refresh = std::chrono::steady_clock::now();
    }
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, static_cast<int>(kPoll.count()));
    if (!message) {
      advance_read_through();
      continue;
    }
    const std::string topic = message->rkt ? rd_kafka_topic_name(message->rkt) : "";
    if (message->err) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        not_at_end.erase({topic, message->partition});
        mark_caught_up();
        advance_read_through();
      } else {
        log::warn("reconcile: settled topics", {{"error", rd_kafka_message_errstr(message)}});
      }
      rd_kafka_message_destroy(message);
      continue;
    }
    const std::string key =
        message->key ? std::string(static_cast<const char*>(message->key), message->key_len)
                     : std::string();
    rd_kafka_timestamp_type_t type;
    const int64_t timestamp = rd_kafka_message_timestamp(message, &type);
    const Time seen_at =
        timestamp > 0 ? from_epoch_ms(timestamp) : std::chrono::system_clock::now();
    if (topic == config_.reconcile.state_topic) {
      StateRecord record;
      if (parse_state_record(
              std::string_view(static_cast<const char*>(message->payload), message->len),
              &record)) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (record.settled != Settlement::none) {
          ledger_.settle(record.reference, record.settled, seen_at);
        } else if (ledger_.find(record.reference)) {
          ledger_.asked(record.reference, record.asks, record.last_asked, record.last_status);
        } else {
          StateRecord& kept = restored_[record.reference];
          if (record.asks >= kept.asks) kept = record;
        }
      }
    } else if (!key.empty()) {
      const Settlement how = topic == config_.topics.deadletter
                                 ? Settlement::deadletter
                                 : (ends_with(header_value(message, "ce_source"), ":retrieval")
                                        ? Settlement::retrieval
                                        : Settlement::callback);
      std::lock_guard<std::mutex> lock(mutex_);
      ledger_.settle(key, how, seen_at);
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

void Service::work() {
  while (!stop_) {
    std::optional<Due> next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!caught_up_) {
        wake_.wait_for(lock, kPoll);
        continue;
      }
      const Time now = std::chrono::system_clock::now();
      // Only what is due by the time the settled topics were read through: a callback written
      // before the ask's time is seen before the ask.
      auto due = ledger_.due(std::min(now, read_through_), in_flight_.size() + 1);
      due.erase(std::remove_if(due.begin(), due.end(),
                               [this](const Due& d) { return in_flight_.count(d.reference) > 0; }),
                due.end());
      if (due.empty()) {
        auto at = ledger_.next_due();
        Time until = now + seconds(1);
        if (at && *at > now && *at < until) until = *at;
        // Due already, but the settled topics are not read that far yet: woken when they are.
        if (at && *at <= now) until = now + kPoll;
        wake_.wait_until(lock, until);
        // Prune what no schedule can reach any more.
        ledger_.prune(now - read_span());
        continue;
      }
      next = due.front();
      in_flight_.insert(next->reference);
    }
    ask(*next);
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.erase(next->reference);
    wake_.notify_all();
  }
}

void Service::ask(const Due& due) {
  const Time now = std::chrono::system_clock::now();
  StateRecord state;
  state.reference = due.reference;
  state.kind = due.kind;
  if (due.give_up) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const Entry* entry = ledger_.find(due.reference);
      if (!entry || entry->settled != Settlement::none) return;
      state.asks = entry->asks;
      state.last_asked = entry->last_asked;
      state.last_status = entry->last_status;
      ledger_.give_up(due.reference);
    }
    state.settled = Settlement::given_up;
    log::warn(
        "reconcile: given up",
        {{"reference", due.reference}, {"asks", state.asks}, {"last_status", state.last_status}});
    publish_state(state);
    return;
  }
  retrieval_api::Fetched fetched = retrieval_api::fetch(*client_, due.kind, due.reference);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.asks;
  }
  using Outcome = retrieval_api::Fetched::Outcome;
  state.asks = due.ask + 1;
  state.last_asked = now;
  switch (fetched.outcome) {
    case Outcome::event: {
      route::Record record = router_.event_record(*fetched.event);
      state.last_status = fetched.status;
      if (publish(record)) {
        state.settled = Settlement::retrieval;
        std::lock_guard<std::mutex> lock(mutex_);
        ledger_.asked(due.reference, state.asks, now, state.last_status);
        ledger_.settle(due.reference, Settlement::retrieval, now);
        ++stats_.published;
        log::info("reconcile: published",
                  {{"reference", due.reference}, {"topic", record.topic}, {"asks", state.asks}});
      } else {
        state.last_status = "not_acknowledged";
        std::lock_guard<std::mutex> lock(mutex_);
        ledger_.asked(due.reference, state.asks, now, state.last_status);
        ++stats_.publish_failures;
      }
      break;
    }
    case Outcome::invalid: {
      route::DeadLetterInput input;
      input.body = fetched.answer;
      input.content_type = "application/json";
      input.received_at = callback::format_timestamp(fetched.answered_at);
      input.origin = "retrieval";
      input.kind = callback::kind_type(due.kind);
      route::Record record = router_.dead_letter_record(*fetched.failure, input);
      state.last_status = "retrieval_invalid";
      const bool stored = publish(record);
      std::lock_guard<std::mutex> lock(mutex_);
      ledger_.asked(due.reference, state.asks, now, state.last_status);
      if (stored) {
        state.settled = Settlement::deadletter;
        ledger_.settle(due.reference, Settlement::deadletter, now);
        ++stats_.dead_lettered;
      } else {
        ++stats_.publish_failures;
      }
      log::warn("reconcile: answer dead-lettered",
                {{"reference", due.reference}, {"reason", "retrieval_invalid"}});
      break;
    }
    case Outcome::pending:
    case Outcome::not_found:
    case Outcome::failed: {
      state.last_status = fetched.outcome == Outcome::pending
                              ? fetched.status
                              : std::string(retrieval_api::outcome_name(fetched.outcome));
      std::lock_guard<std::mutex> lock(mutex_);
      ledger_.asked(due.reference, state.asks, now, state.last_status);
      break;
    }
    case Outcome::unauthorized:
      log::error("reconcile: Jumio refused the API credentials; stopping",
                 {{"reference", due.reference}, {"http_status", fetched.http_status}});
      unauthorized_ = true;
      stop_ = true;
      wake_.notify_all();
      return;
    case Outcome::stopped:
      return;
  }
  publish_state(state);
}

bool Service::publish(const route::Record& record) {
  auto delivered = std::make_shared<std::promise<bool>>();
  std::future<bool> stored = delivered->get_future();
  std::string error;
  if (!producer_->produce(
          record, [delivered](const kafka::Delivery& d) { delivered->set_value(d.persisted); },
          kEnqueueTimeout, &error)) {
    log::warn("reconcile: kafka produce failed", {{"topic", record.topic}, {"error", error}});
    return false;
  }
  if (stored.wait_for(kDeliveryTimeout) != std::future_status::ready) return false;
  return stored.get();
}

// Not waited for: a state record lost in a crash costs at most one ask made again.
void Service::publish_state(const StateRecord& state) {
  route::Record record;
  record.topic = config_.reconcile.state_topic;
  record.key = state.reference;
  record.value = state_record_json(state);
  record.headers = {{"content-type", "application/json"}};
  std::string error;
  const std::string reference = state.reference;
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

Stats Service::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats stats = stats_;
  stats.counts = ledger_.counts();
  stats.api = client_->counts();
  stats.caught_up = caught_up_;
  stats.unauthorized = unauthorized_;
  return stats;
}

std::string Service::metrics_text() const {
  const Stats s = stats();
  std::ostringstream out;
  out.precision(15);
  auto metric = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  // Prometheus' standard name: changes() of it counts restarts; the counters below start again
  // from what the topics hold at each start.
  metric("process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch, in seconds.");
  out << "process_start_time_seconds "
      << std::chrono::duration<double>(started_at_.time_since_epoch()).count() << '\n';
  metric("jumio_bridge_reconcile_expected_total", "counter",
         "References read from reconcile.expected_topic by this process (its partitions).");
  out << "jumio_bridge_reconcile_expected_total " << s.counts.expected << '\n';
  metric("jumio_bridge_reconcile_settled_total", "counter",
         "Expected references settled, by what settled them.");
  out << "jumio_bridge_reconcile_settled_total{by=\"callback\"} " << s.counts.settled_by_callback
      << "\njumio_bridge_reconcile_settled_total{by=\"retrieval\"} "
      << s.counts.settled_by_retrieval
      << "\njumio_bridge_reconcile_settled_total{by=\"deadletter\"} "
      << s.counts.settled_by_deadletter << '\n';
  metric("jumio_bridge_reconcile_given_up_total", "counter",
         "Expected references given up after the whole schedule.");
  out << "jumio_bridge_reconcile_given_up_total " << s.counts.given_up << '\n';
  metric("jumio_bridge_reconcile_pending", "gauge",
         "Expected references neither settled nor given up.");
  out << "jumio_bridge_reconcile_pending " << s.counts.pending << '\n';
  metric("jumio_bridge_reconcile_oldest_pending_age_seconds", "gauge",
         "Seconds since initiatedAt of the oldest pending reference; 0 when none is pending.");
  double age = 0;
  if (s.counts.oldest_pending) {
    age = std::chrono::duration<double>(std::chrono::system_clock::now() - *s.counts.oldest_pending)
              .count();
    if (age < 0) age = 0;
  }
  out << "jumio_bridge_reconcile_oldest_pending_age_seconds " << age << '\n';
  metric("jumio_bridge_reconcile_asks_total", "counter",
         "Status asks made to the Retrieval API (each may take several requests).");
  out << "jumio_bridge_reconcile_asks_total " << s.asks << '\n';
  metric("jumio_bridge_reconcile_published_total", "counter",
         "Events published from Retrieval API answers.");
  out << "jumio_bridge_reconcile_published_total " << s.published << '\n';
  metric("jumio_bridge_reconcile_deadlettered_total", "counter",
         "Retrieval API answers that could not become an event (retrieval_invalid).");
  out << "jumio_bridge_reconcile_deadlettered_total " << s.dead_lettered << '\n';
  metric("jumio_bridge_reconcile_publish_failures_total", "counter",
         "Records Kafka did not acknowledge; the reference is asked again on schedule.");
  out << "jumio_bridge_reconcile_publish_failures_total " << s.publish_failures << '\n';
  metric("jumio_bridge_reconcile_invalid_expected_total", "counter",
         "Records on reconcile.expected_topic that are not expected records.");
  out << "jumio_bridge_reconcile_invalid_expected_total " << s.invalid_expected << '\n';
  metric("jumio_bridge_reconcile_api_requests_total", "counter",
         "HTTP requests sent to the Retrieval API, retries included.");
  out << "jumio_bridge_reconcile_api_requests_total " << s.api.requests << '\n';
  metric("jumio_bridge_reconcile_api_answers_total", "counter",
         "Retrieval API answers by HTTP status code; code 0 is no answer (timeout, network).");
  for (const auto& [code, count] : s.api.answers)
    out << "jumio_bridge_reconcile_api_answers_total{code=\"" << code << "\"} " << count << '\n';
  metric("jumio_bridge_reconcile_caught_up", "gauge",
         "1 once the event, dead-letter and state topics were read to their ends.");
  out << "jumio_bridge_reconcile_caught_up " << (s.caught_up ? 1 : 0) << '\n';
  return out.str();
}

}  // namespace jb::reconcile
