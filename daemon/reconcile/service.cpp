#include "reconcile/service.h"

#include <algorithm>
#include <future>

#include "callback/timestamp.h"
#include "common/counted_log.h"
#include "common/log.h"
#include "common/progress.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Records are read from this long before the schedule's span: initiatedAt and the records' own
// timestamps may differ by this much.
constexpr std::chrono::hours kReadMargin{24};
// An idle worker looks again at least this often (stop() wakes it at once anyway).
constexpr seconds kIdleWake{10};
// How often the settled reader checks whether it is at the partitions' ends while records flow.
constexpr milliseconds kEndCheck{100};
constexpr milliseconds kMetadataTimeout{5000};
constexpr milliseconds kEnqueueTimeout{10000};

Schedule schedule_of(const config::ReconcileConfig& reconcile) {
  Schedule schedule;
  schedule.grace = seconds(reconcile.grace_s);
  for (int step : reconcile.schedule_s) schedule.steps.push_back(seconds(step));
  std::sort(schedule.steps.begin(), schedule.steps.end());
  schedule.daily_for_days = reconcile.daily_for_days;
  return schedule;
}

int64_t ms_between(Time from, Time to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

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
                               const std::function<bool()>& before_details) override {
    return retrieval_api::fetch(*client_, kind, reference, before_details);
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

Service::Service(const config::Config& config, Parts parts, Timing timing)
    : config_(config),
      timing_(timing),
      parts_(std::move(parts)),
      clock_(parts_.clock ? *parts_.clock : system_clock()),
      router_(config.topics, config.privacy),
      schedule_(schedule_of(config.reconcile)),
      ledger_(schedule_) {
  for (const std::string& topic : router_.event_topics()) settled_topics_.insert(topic);
  settled_topics_.insert(config_.topics.deadletter);
  settled_topics_.insert(config_.reconcile.state_topic);
}

Service::~Service() {
  stop();
}

std::chrono::seconds Service::read_span() const {
  return schedule_.span() + std::chrono::duration_cast<seconds>(kReadMargin);
}

std::chrono::seconds Service::read_span_of(const config::ReconcileConfig& reconcile) {
  return schedule_of(reconcile).span() + std::chrono::duration_cast<seconds>(kReadMargin);
}

void Service::start() {
  expected_thread_ = std::thread([this] { read_expected(); });
  settled_thread_ = std::thread([this] { read_settled(); });
  for (int i = 0; i < timing_.workers; ++i) worker_threads_.emplace_back([this] { work(); });
}

void Service::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  if (parts_.retriever) parts_.retriever->stop();
  work_.notify_all();
  read_through_.notify_all();
  for (std::thread& thread : worker_threads_) {
    if (thread.joinable()) thread.join();
  }
  worker_threads_.clear();
  for (std::thread* thread : {&expected_thread_, &settled_thread_}) {
    if (thread->joinable()) thread->join();
  }
}

Stats Service::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats stats = stats_;
  stats.counts = ledger_.counts();
  if (parts_.retriever) stats.api = parts_.retriever->counts();
  stats.caught_up = caught_up_;
  stats.unauthorized = unauthorized_;
  stats.held = ledger_.size();
  stats.early_held = ledger_.early_size();
  stats.settled_partitions = reading_.size();
  return stats;
}

// --- the expected topic -------------------------------------------------------------------------

// Reads reconcile.expected_topic in the group: this instance's share of the references.
void Service::read_expected() {
  progress::Heartbeat heartbeat("reconcile expected reader");
  log::CountedLog errors(log::Level::warn, "reconcile: expected topic", seconds(10));
  while (!stop_) {
    heartbeat.beat();
    std::string error;
    std::optional<kafka::GroupEvent> event = parts_.expected->poll(timing_.poll, &error);
    if (!event) {
      if (!error.empty()) errors.note({{"error", error}});
      continue;
    }
    switch (event->type) {
      case kafka::GroupEvent::Type::assigned:
        on_assigned(event->partitions);
        break;
      case kafka::GroupEvent::Type::revoked:
        on_revoked(event->partitions);
        break;
      case kafka::GroupEvent::Type::record: {
        ExpectedRecord record;
        std::string why;
        if (parse_expected_record(event->record.value, &record, &why)) {
          on_expected(record, event->record.partition);
        } else {
          std::lock_guard<std::mutex> lock(mutex_);
          ++stats_.invalid_expected;
          log::warn("reconcile: expected record ignored", {{"partition", event->record.partition},
                                                           {"offset", event->record.offset},
                                                           {"why", why}});
        }
        break;
      }
    }
  }
  parts_.expected->close();
}

void Service::on_expected(const ExpectedRecord& record, int32_t partition) {
  // A transaction no schedule can reach any more (read again from a partition's start).
  if (record.initiated_at < clock_.now() - read_span()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Its callback's event is in partition murmur2(reference) of each settled topic: read there
  // only while that is the expected record's own partition.
  if (!whole_ && expected_partitions_ > 0 &&
      kafka::murmur2_partition(record.reference, expected_partitions_) != partition) {
    read_whole("an expected record is not in the partition murmur2 of its reference chooses");
  }
  if (ledger_.expect(record.reference, record.kind, record.initiated_at, partition))
    work_.notify_one();
}

void Service::on_assigned(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  assigned_.insert(partitions.begin(), partitions.end());
  queue_change(true, partitions);
  log::info("reconcile: expected partitions assigned",
            {{"partitions", static_cast<int64_t>(partitions.size())}});
}

void Service::on_revoked(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int32_t partition : partitions) assigned_.erase(partition);
  ledger_.forget_partitions(std::set<int32_t>(partitions.begin(), partitions.end()));
  queue_change(false, partitions);
  log::info("reconcile: expected partitions revoked",
            {{"partitions", static_cast<int64_t>(partitions.size())}});
}

// --- which partitions of the settled topics are read ---------------------------------------------

std::vector<kafka::TopicPartition> Service::matched_partitions(
    const std::vector<int32_t>& expected_partitions) const {
  std::vector<kafka::TopicPartition> out;
  if (whole_ || expected_partitions_ <= 0) return out;
  for (const auto& [topic, count] : partition_counts_) {
    if (count != expected_partitions_) continue;
    for (int32_t partition : expected_partitions) out.push_back({topic, partition});
  }
  return out;
}

void Service::queue(Change change) {
  if (change.partitions.empty()) return;
  for (const kafka::TopicPartition& partition : change.partitions) {
    if (change.add) {
      reading_.insert(partition);
    } else {
      reading_.erase(partition);
    }
  }
  // Records of partitions just added are not read yet: nothing is asked until they are.
  if (change.add) read_through_time_ = Time{};
  ++generation_;
  changes_.push_back(std::move(change));
}

void Service::queue_change(bool add, const std::vector<int32_t>& expected_partitions) {
  std::vector<kafka::TopicPartition> partitions = matched_partitions(expected_partitions);
  if (add) {
    partitions.erase(std::remove_if(partitions.begin(), partitions.end(),
                                    [this](const auto& p) { return reading_.count(p) > 0; }),
                     partitions.end());
  }
  queue(Change{add, std::move(partitions)});
}

void Service::read_whole(const std::string& why) {
  if (whole_) return;
  whole_ = true;
  Change change;
  for (const auto& [topic, count] : partition_counts_) {
    for (int32_t partition = 0; partition < count; ++partition) {
      kafka::TopicPartition p{topic, partition};
      if (!reading_.count(p)) change.partitions.push_back(p);
    }
  }
  log::warn("reconcile: reading every partition of the settled topics",
            {{"why", why}, {"partitions", static_cast<int64_t>(change.partitions.size())}});
  queue(std::move(change));
}

// Looks up the settled topics' partition counts (and the expected topic's); a topic seen for the
// first time is read: only in the assigned partitions when it has as many as the expected topic,
// else whole. False when the cluster did not answer.
bool Service::discover_topics(bool first) {
  std::vector<std::string> names(settled_topics_.begin(), settled_topics_.end());
  names.push_back(config_.reconcile.expected_topic);
  std::map<std::string, int32_t> counts;
  std::string error;
  const Time started = clock_.now();
  if (!parts_.settled->partition_counts(names, kMetadataTimeout, &counts, &error)) {
    if (first) log::warn("reconcile: cannot read the topics' partitions", {{"error", error}});
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  discovered_at_ = started;
  all_exist_ = std::all_of(settled_topics_.begin(), settled_topics_.end(),
                           [&](const std::string& topic) { return counts[topic] > 0; });
  const int32_t expected = counts[config_.reconcile.expected_topic];
  if (first) {
    expected_partitions_ = expected;
    if (expected <= 0) read_whole("the expected topic does not exist yet");
  } else if (expected != expected_partitions_ && !whole_) {
    read_whole("the expected topic's partition count changed");
  }
  for (const std::string& topic : settled_topics_) {
    const int32_t count = counts[topic];
    int32_t& known = partition_counts_[topic];
    if (count <= known) continue;
    const int32_t from = known;
    known = count;
    Change change;
    if (whole_ || count != expected_partitions_) {
      if (!whole_) {
        log::info(
            "reconcile: settled topic read whole: its partition count is not the expected "
            "topic's",
            {{"topic", topic},
             {"partitions", count},
             {"expected_partitions", expected_partitions_}});
      }
      for (int32_t partition = from; partition < count; ++partition)
        change.partitions.push_back({topic, partition});
    } else {
      for (int32_t partition : assigned_) change.partitions.push_back({topic, partition});
    }
    change.partitions.erase(std::remove_if(change.partitions.begin(), change.partitions.end(),
                                           [this](const auto& p) { return reading_.count(p) > 0; }),
                            change.partitions.end());
    queue(std::move(change));
  }
  return true;
}

void Service::apply_changes() {
  std::vector<Change> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes.swap(changes_);
  }
  const Time since = clock_.now() - read_span();
  for (const Change& change : changes) {
    std::string error;
    const bool ok = change.add ? parts_.settled->add(change.partitions, since, &error)
                               : parts_.settled->remove(change.partitions, &error);
    if (!ok) {
      log::warn(change.add ? "reconcile: cannot read settled partitions"
                           : "reconcile: cannot stop reading settled partitions",
                {{"partitions", static_cast<int64_t>(change.partitions.size())}, {"error", error}});
    }
  }
}

// --- the settled topics ------------------------------------------------------------------------

// Reads the event topics, the dead-letter topic and the state topic from the span back; new topics
// (a status seen for the first time) are picked up as they appear.
void Service::read_settled() {
  progress::Heartbeat heartbeat("reconcile settled reader");
  while (!stop_ && !discover_topics(true)) {
    heartbeat.beat();
    std::unique_lock<std::mutex> lock(mutex_);
    clock_.wait_until(work_, lock, clock_.now() + timing_.poll);
  }
  log::CountedLog errors(log::Level::warn, "reconcile: settled topics", seconds(10));
  auto last_refresh = std::chrono::steady_clock::now();
  auto last_end_check = std::chrono::steady_clock::time_point{};
  Time last_prune = clock_.now();
  while (!stop_) {
    heartbeat.beat();
    apply_changes();
    const auto steady_now = std::chrono::steady_clock::now();
    // While a settled topic does not exist yet, the reading counts only up to the last look for
    // it: an ask waiting for the reading is not kept waiting for the next regular look.
    std::chrono::milliseconds refresh = timing_.topic_refresh;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (all_exist_) {
        refresh = timing_.topic_refresh_all_exist;
      } else if (read_through_waiters_ > 0) {
        refresh = kEndCheck;
      }
    }
    if (steady_now - last_refresh > refresh) {
      discover_topics(false);
      last_refresh = steady_now;
    }
    if (clock_.now() - last_prune > timing_.prune_interval) {
      last_prune = clock_.now();
      std::lock_guard<std::mutex> lock(mutex_);
      ledger_.prune(last_prune - read_span());
    }
    std::string error;
    std::optional<kafka::ConsumedMessage> message = parts_.settled->poll(timing_.poll, &error);
    if (message) {
      on_settled(*message);
    } else if (!error.empty()) {
      errors.note({{"error", error}});
    }
    if (!message || std::chrono::steady_clock::now() - last_end_check > kEndCheck) {
      advance_read_through();
      last_end_check = std::chrono::steady_clock::now();
    }
  }
}

void Service::on_settled(const kafka::ConsumedMessage& message) {
  const Time now = clock_.now();
  const Time seen_at = message.timestamp_ms > 0 ? Time(milliseconds(message.timestamp_ms)) : now;
  if (seen_at < now - read_span()) return;  // a broker that could not seek by time
  if (message.topic == config_.reconcile.state_topic) {
    StateRecord record;
    if (!parse_state_record(message.value, &record)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (record.settled != Settlement::none) {
      ledger_.settle(record.reference, record.settled, seen_at);
    } else {
      // A restored schedule may fall due before what the workers wait for.
      const std::optional<Time> before = ledger_.next_due();
      ledger_.restore(record.reference, record.asks, record.last_asked, record.last_status,
                      seen_at);
      const std::optional<Time> after = ledger_.next_due();
      if (after && (!before || *after < *before)) work_.notify_one();
    }
    return;
  }
  if (message.key.empty()) return;
  const Settlement how = settlement_of(message.topic == config_.topics.deadletter, message.headers);
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.settle(message.key, how, seen_at);
}

// Every record written before the time the ends were checked (less their staleness) has been read
// when the reader is at the end of every partition it was given: what the asks may rely on.
void Service::advance_read_through() {
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!changes_.empty()) return;
    generation = generation_;
  }
  Time through = clock_.now() - timing_.end_staleness;
  if (!parts_.settled->at_end()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_ || !changes_.empty()) return;  // partitions added meanwhile
  // A topic that did not exist at the last look may hold records written since.
  if (!all_exist_ && through > discovered_at_) through = discovered_at_;
  if (through > read_through_time_) {
    read_through_time_ = through;
    if (read_through_waiters_ > 0) read_through_.notify_all();
  }
  if (!caught_up_) {
    caught_up_ = true;
    log::info("reconcile: settled topics read to their ends; asking begins",
              {{"partitions", static_cast<int64_t>(reading_.size())}});
    work_.notify_all();
  }
}

// --- asking ------------------------------------------------------------------------------------

void Service::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const Time now = clock_.now();
    if (!caught_up_) {
      clock_.wait_until(work_, lock, now + timing_.poll);
      continue;
    }
    // Only what is due by the time the settled topics were read through: a callback's event
    // written before the ask's time is seen before the ask.
    const Time limit = std::min(now, read_through_time_);
    std::optional<Due> due = ledger_.take(limit);
    if (!due) {
      const std::optional<Time> next = ledger_.next_due();
      if (next && *next <= now) {
        // Due, but the settled topics are not read that far yet: woken when they are.
        ++read_through_waiters_;
        clock_.wait_until(read_through_, lock, now + timing_.poll);
        --read_through_waiters_;
      } else {
        clock_.wait_until(work_, lock, next ? std::min(*next, now + kIdleWake) : now + kIdleWake);
      }
      continue;
    }
    // Whatever is due next has a worker waiting for its time: the others may all be asleep
    // for longer (kIdleWake), and this one is busy now.
    if (ledger_.next_due()) work_.notify_one();
    lock.unlock();
    if (due->give_up) {
      give_up(*due);
    } else {
      ask(*due);
    }
    lock.lock();
    const std::optional<Time> before = ledger_.next_due();
    ledger_.done(due->reference);
    const std::optional<Time> after = ledger_.next_due();
    if (after && (!before || *after < *before)) work_.notify_one();
  }
}

bool Service::wait_read_through(Time at) {
  std::unique_lock<std::mutex> lock(mutex_);
  const Time deadline = clock_.now() + timing_.read_through_wait;
  ++read_through_waiters_;
  while (!stop_ && read_through_time_ < at) {
    const Time now = clock_.now();
    if (now >= deadline) break;
    clock_.wait_until(read_through_, lock, std::min(deadline, now + timing_.poll));
  }
  --read_through_waiters_;
  return read_through_time_ >= at;
}

bool Service::settled_meanwhile(const std::string& reference, bool* read) {
  *read = wait_read_through(clock_.now());
  std::lock_guard<std::mutex> lock(mutex_);
  return ledger_.is_settled(reference);
}

void Service::write_state(const StateRecord& state) {
  route::Record record;
  record.topic = config_.reconcile.state_topic;
  record.key = state.reference;
  record.value = state_record_json(state);
  record.headers = {{"content-type", "application/json"}};
  parts_.publisher->publish_state(record);
}

void Service::asked(const Due& due, Time at, const std::string& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ledger_.asked(due.reference, due.ask + 1, at, status);
}

void Service::give_up(const Due& due) {
  StateRecord state;
  state.reference = due.reference;
  state.kind = due.kind;
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
  write_state(state);
}

void Service::ask(const Due& due) {
  const Time started = clock_.now();
  bool meanwhile = false;  // the reference's event was read during the ask
  bool unread = false;     // the settled topics could not be read up to the check in time
  Time checked_at{};       // when the last check began: events written after it are not seen
  auto check = [&] {
    checked_at = clock_.now();
    bool read = true;
    meanwhile = settled_meanwhile(due.reference, &read);
    unread = !read;
    return !meanwhile && read;
  };
  retrieval_api::Fetched fetched = parts_.retriever->fetch(due.kind, due.reference, check);
  using Outcome = retrieval_api::Fetched::Outcome;
  if (fetched.outcome == Outcome::stopped) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.asks;
  }
  if (fetched.outcome == Outcome::unauthorized) {
    log::error("reconcile: Jumio refused the API credentials; stopping",
               {{"reference", due.reference}, {"http_status", fetched.http_status}});
    {
      std::lock_guard<std::mutex> lock(mutex_);
      unauthorized_ = true;
      stop_ = true;
      work_.notify_all();
      read_through_.notify_all();
    }
    parts_.retriever->stop();  // the other asks in flight end at once
    return;
  }
  // A final answer is published (or dead-lettered) only when no event for the reference was read
  // up to now: a callback that arrived during the ask ends it.
  if ((fetched.outcome == Outcome::event || fetched.outcome == Outcome::invalid) && !check())
    fetched.outcome = Outcome::withdrawn;

  StateRecord state;
  state.reference = due.reference;
  state.kind = due.kind;
  state.asks = due.ask + 1;
  state.last_asked = started;
  switch (fetched.outcome) {
    case Outcome::event: {
      route::Record record = router_.event_record(*fetched.event);
      state.last_status = fetched.status;
      std::string error;
      if (parts_.publisher->publish(record, timing_.delivery_timeout, &error)) {
        state.settled = Settlement::retrieval;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ledger_.asked(due.reference, state.asks, started, state.last_status);
          ledger_.settle(due.reference, Settlement::retrieval, clock_.now());
          ++stats_.published;
        }
        // window_ms: from the last check to Kafka's acknowledgement, the time in which a
        // callback's event would not have been seen (docs/retrieval.md, one event per
        // transaction).
        const Time acknowledged = clock_.now();
        log::info("reconcile: published", {{"reference", due.reference},
                                           {"topic", record.topic},
                                           {"asks", state.asks},
                                           {"ask_ms", ms_between(started, acknowledged)},
                                           {"window_ms", ms_between(checked_at, acknowledged)}});
      } else {
        state.last_status = "not_acknowledged";
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ledger_.asked(due.reference, state.asks, started, state.last_status);
          ++stats_.publish_failures;
        }
        log::warn("reconcile: event not stored; asked again at the next step",
                  {{"reference", due.reference}, {"topic", record.topic}, {"error", error}});
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
      std::string error;
      const bool stored = parts_.publisher->publish(record, timing_.delivery_timeout, &error);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ledger_.asked(due.reference, state.asks, started, state.last_status);
        if (stored) {
          state.settled = Settlement::deadletter;
          ledger_.settle(due.reference, Settlement::deadletter, clock_.now());
          ++stats_.dead_lettered;
        } else {
          ++stats_.publish_failures;
        }
      }
      if (stored) {
        log::warn("reconcile: answer dead-lettered",
                  {{"reference", due.reference}, {"reason", "retrieval_invalid"}});
      } else {
        log::warn("reconcile: dead letter not stored; asked again at the next step",
                  {{"reference", due.reference}, {"topic", record.topic}, {"error", error}});
      }
      break;
    }
    case Outcome::withdrawn: {
      state.last_status = fetched.status;
      if (meanwhile) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.settled_during_ask;
      }
      asked(due, started, state.last_status);
      if (meanwhile) {
        log::info("reconcile: settled during the ask; nothing published",
                  {{"reference", due.reference}, {"status", fetched.status}});
      } else if (unread) {
        log::warn(
            "reconcile: settled topics not read up to the ask in time; asked again at the "
            "next step",
            {{"reference", due.reference}, {"status", fetched.status}});
      }
      break;
    }
    case Outcome::pending:
      state.last_status = fetched.status;
      asked(due, started, state.last_status);
      break;
    case Outcome::not_found:
    case Outcome::failed:
      state.last_status = std::string(retrieval_api::outcome_name(fetched.outcome));
      if (state.last_status == "not found") state.last_status = "not_found";
      asked(due, started, state.last_status);
      if (fetched.outcome == Outcome::failed) {
        log::warn("reconcile: ask failed; asked again at the next step",
                  {{"reference", due.reference},
                   {"http_status", fetched.http_status},
                   {"error", fetched.error}});
      }
      break;
    case Outcome::unauthorized:
    case Outcome::stopped:
      return;
  }
  write_state(state);
}

}  // namespace jb::reconcile
