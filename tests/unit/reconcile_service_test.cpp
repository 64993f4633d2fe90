// reconcile::Service's asking logic with its parts faked: readers fed by the test, a clock the test
// moves, a Retrieval API that answers what the test says, a publisher whose records the settled
// reader then reads (as Kafka would). No broker, no network: the races are placed exactly.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "callback/timestamp.h"
#include "kafka/reader.h"
#include "reconcile/service.h"
#include "support/fake_group_reader.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Outcome = retrieval_api::Fetched::Outcome;

// Runs at real speed from a start the test chose; jump() moves it ahead at once.
class FakeClock : public Clock {
 public:
  explicit FakeClock(Time start) : start_(start), real_start_(std::chrono::steady_clock::now()) {}
  Time now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return start_ + offset_ +
           std::chrono::duration_cast<Time::duration>(std::chrono::steady_clock::now() -
                                                      real_start_);
  }
  void wait_until(std::condition_variable& wake, std::unique_lock<std::mutex>& lock,
                  Time until) override {
    const auto left = until - now();
    if (left <= Time::duration::zero()) return;
    wake.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(left),
                            milliseconds(5)));
  }
  void jump(Time::duration by) {
    std::lock_guard<std::mutex> lock(mutex_);
    offset_ += by;
  }

 private:
  mutable std::mutex mutex_;
  const Time start_;
  const std::chrono::steady_clock::time_point real_start_;
  Time::duration offset_{};
};

// Partitions of topics with records in them; poll gives the records of the partitions added.
class FakeSettledReader : public kafka::PartitionReader {
 public:
  explicit FakeSettledReader(std::map<std::string, int32_t> counts) : counts_(std::move(counts)) {}

  bool add(const std::vector<kafka::TopicPartition>& partitions, kafka::WallTime,
           std::string*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& p : partitions) {
      if (added_.insert(p).second) position_[p] = 0;
      ever_added_.insert(p);
    }
    ++adds_;
    return true;
  }
  bool remove(const std::vector<kafka::TopicPartition>& partitions, std::string*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& p : partitions) {
      added_.erase(p);
      removed_.insert(p);
    }
    return true;
  }
  std::optional<kafka::ConsumedMessage> poll(milliseconds, std::string*) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!held_) {
        for (const auto& p : added_) {
          auto& records = records_[p];
          size_t& at = position_[p];
          if (at < records.size()) return records[at++];
        }
      }
    }
    std::this_thread::sleep_for(milliseconds(1));
    return std::nullopt;
  }
  bool at_end() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (held_) return false;
    for (const auto& p : added_)
      if (position_[p] < records_[p].size()) return false;
    return true;
  }
  bool partition_counts(const std::vector<std::string>& topics, milliseconds,
                        std::map<std::string, int32_t>* counts, std::string*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& topic : topics) {
      auto found = counts_.find(topic);
      (*counts)[topic] = found == counts_.end() ? 0 : found->second;
    }
    return true;
  }

  // A record written to the topic, in the partition murmur2 of its key chooses.
  void write(const std::string& topic, const std::string& key, std::string value,
             std::vector<std::pair<std::string, std::string>> headers, Time at) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int32_t count = counts_.count(topic) ? counts_[topic] : 1;
    kafka::ConsumedMessage message;
    message.topic = topic;
    message.partition = kafka::murmur2_partition(key, count);
    message.key = key;
    message.value = std::move(value);
    message.headers = std::move(headers);
    message.timestamp_ms = std::chrono::duration_cast<milliseconds>(at.time_since_epoch()).count();
    records_[{topic, message.partition}].push_back(std::move(message));
  }
  // While held, nothing is read and the reader is not at its ends.
  void hold(bool held) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = held;
  }
  std::set<kafka::TopicPartition> added() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return added_;
  }
  std::set<kafka::TopicPartition> removed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return removed_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int32_t> counts_;
  std::map<kafka::TopicPartition, std::vector<kafka::ConsumedMessage>> records_;
  std::map<kafka::TopicPartition, size_t> position_;
  std::set<kafka::TopicPartition> added_;
  std::set<kafka::TopicPartition> ever_added_;
  std::set<kafka::TopicPartition> removed_;
  int adds_ = 0;
  bool held_ = false;
};

// The expected topic, as the group gives it.
class FakeExpectedReader : public test::FakeGroupReader {
 public:
  void expect(const std::string& reference, Time initiated_at, int32_t partition) {
    expect_value(reference,
                 "{\"reference\":\"" + reference + "\",\"kind\":\"netverify\",\"initiatedAt\":\"" +
                     callback::format_timestamp(initiated_at) + "\"}",
                 partition);
  }
  void expect_value(const std::string& reference, std::string value, int32_t partition) {
    write("jumio.expected", partition, -1, reference, std::move(value));
  }
};

// Answers each fetch with what the test's handler returns.
class FakeRetriever : public Retriever {
 public:
  using Handler = std::function<retrieval_api::Fetched(
      const std::string& reference, const std::function<bool()>& before_details)>;
  explicit FakeRetriever(Handler handler) : handler_(std::move(handler)) {}
  retrieval_api::Fetched fetch(callback::Kind kind, const std::string& reference,
                               const std::string& account_id,
                               const std::function<bool()>& before_details) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++asks_[reference];
      kinds_[reference] = kind;
      accounts_[reference] = account_id;
    }
    if (stopped_) return stopped();
    return handler_(reference, before_details);
  }
  retrieval_api::Fetched fetch_workflow_details(const std::string&, const std::string&) override {
    return stopped();
  }
  // The kind and account id the last ask for the reference was made with.
  std::pair<callback::Kind, std::string> asked_with(const std::string& reference) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {kinds_.at(reference), accounts_.at(reference)};
  }
  void stop() override { stopped_ = true; }
  retrieval_api::Counts counts() const override { return {}; }
  int asks(const std::string& reference) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = asks_.find(reference);
    return found == asks_.end() ? 0 : found->second;
  }
  int total_asks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    int total = 0;
    for (const auto& [reference, count] : asks_) total += count;
    return total;
  }
  bool stopped_flag() const { return stopped_; }
  static retrieval_api::Fetched stopped() {
    retrieval_api::Fetched fetched;
    fetched.outcome = Outcome::stopped;
    return fetched;
  }

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::map<std::string, int> asks_;
  std::map<std::string, callback::Kind> kinds_;
  std::map<std::string, std::string> accounts_;
  std::atomic<bool> stopped_{false};
};

// Keeps what was published and writes it to the settled reader, as Kafka would.
class FakePublisher : public Publisher {
 public:
  FakePublisher(FakeSettledReader* settled, FakeClock* clock) : settled_(settled), clock_(clock) {}
  bool publish(const route::Record& record, milliseconds, std::string* error) override {
    if (failures_ > 0) {
      --failures_;
      *error = "_MSG_TIMED_OUT";
      return false;
    }
    store(record);
    return true;
  }
  void publish_state(const route::Record& record) override { store(record); }

  std::vector<route::Record> on(const std::string& topic) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<route::Record> out;
    for (const auto& record : records_)
      if (record.topic == topic) out.push_back(record);
    return out;
  }
  void fail_next(int count) { failures_ = count; }

 private:
  void store(const route::Record& record) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      records_.push_back(record);
    }
    settled_->write(record.topic, record.key, record.value, record.headers, clock_->now());
  }
  FakeSettledReader* settled_;
  FakeClock* clock_;
  mutable std::mutex mutex_;
  std::vector<route::Record> records_;
  std::atomic<int> failures_{0};
};

constexpr const char* kEventTopic = "jumio.netverify.approved_verified";
constexpr const char* kStateTopic = "jumio.reconcile.state";

retrieval_api::Fetched pending() {
  retrieval_api::Fetched fetched;
  fetched.outcome = Outcome::pending;
  fetched.status = "PENDING";
  return fetched;
}

retrieval_api::Fetched final_event(const std::string& reference, callback::Origin origin) {
  retrieval_api::Fetched fetched;
  fetched.outcome = Outcome::event;
  fetched.status = "DONE";
  callback::Event event;
  event.kind = callback::Kind::netverify;
  event.origin = origin;
  event.event_id = "event-" + reference;
  event.status = "APPROVED_VERIFIED";
  event.reference = reference;
  event.received_at = "2026-12-01T00:00:00.000Z";
  event.json = "{}";
  fetched.event = event;
  return fetched;
}

// Waits up to 10 s for the predicate.
template <class Predicate>
bool eventually(Predicate predicate, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

class ReconcileService : public ::testing::Test {
 protected:
  // Every settled topic has `partitions` partitions, like the expected topic.
  void build(FakeRetriever::Handler handler, int32_t partitions = 4,
             std::map<std::string, int32_t> other_counts = {}) {
    config_.reconcile.grace_s = 0;
    config_.reconcile.schedule_s = {10, 20, 30};
    config_.reconcile.daily_for_days = 0;
    std::map<std::string, int32_t> counts = {{"jumio.expected", partitions},
                                             {kEventTopic, partitions},
                                             {"jumio.deadletter", partitions},
                                             {kStateTopic, partitions}};
    for (const auto& [topic, count] : other_counts) counts[topic] = count;
    auto settled = std::make_unique<FakeSettledReader>(counts);
    auto expected = std::make_unique<FakeExpectedReader>();
    settled_ = settled.get();
    expected_ = expected.get();
    retriever_ = std::make_unique<FakeRetriever>(std::move(handler));
    publisher_ = std::make_unique<FakePublisher>(settled_, &clock_);
    Parts parts;
    parts.expected = std::move(expected);
    parts.settled = std::move(settled);
    parts.clock = &clock_;
    parts.retriever = retriever_.get();
    parts.publisher = publisher_.get();
    Timing timing;
    timing.poll = milliseconds(5);
    timing.end_staleness = milliseconds(0);
    timing.read_through_wait = milliseconds(300);
    timing.delivery_timeout = milliseconds(100);
    timing.topic_refresh = milliseconds(50);
    timing.topic_refresh_all_exist = milliseconds(50);
    timing.workers = 4;
    service_ = std::make_unique<Service>(config_, std::move(parts), timing);
  }
  void TearDown() override {
    if (service_) service_->stop();
  }

  // A callback's event for the reference, as the bridge writes it.
  void callback_event(const std::string& reference) {
    settled_->write(kEventTopic, reference, "{}", {{"ce_source", "urn:jumio-bridge:netverify"}},
                    clock_.now());
  }
  // Expected in the partition its reference hashes to; due at once (initiated 10 s ago).
  void expect(const std::string& reference) {
    expected_->expect(reference, clock_.now() - seconds(10),
                      kafka::murmur2_partition(reference, 4));
  }
  size_t events_of(const std::string& reference) const {
    size_t count = 0;
    for (const auto& record : publisher_->on(kEventTopic))
      if (record.key == reference) ++count;
    return count;
  }
  void start_assigned() {
    expected_->assign({0, 1, 2, 3});
    service_->start();
    ASSERT_TRUE(eventually([&] { return service_->caught_up(); }));
  }

  config::Config config_;
  FakeClock clock_{Time(std::chrono::hours(24 * 365 * 56))};
  FakeSettledReader* settled_ = nullptr;
  FakeExpectedReader* expected_ = nullptr;
  std::unique_ptr<FakeRetriever> retriever_;
  std::unique_ptr<FakePublisher> publisher_;
  std::unique_ptr<Service> service_;
};

TEST_F(ReconcileService, AFinalAnswerIsPublishedOnceAndSettlesTheReference) {
  build([](const std::string& reference, const std::function<bool()>& before_details) {
    EXPECT_TRUE(before_details());
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  expect("ref-1");
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 1; }));
  EXPECT_EQ(events_of("ref-1"), 1u);
  ASSERT_TRUE(eventually([&] { return publisher_->on(kStateTopic).size() == 1; }));
  EXPECT_NE(publisher_->on(kStateTopic)[0].value.find("\"settled\":\"retrieval\""),
            std::string::npos);
  clock_.jump(seconds(100));  // every later step passes: nothing more is asked
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->asks("ref-1"), 1);
  const Stats stats = service_->stats();
  EXPECT_EQ(stats.counts.settled_by_retrieval, 1u);
  EXPECT_EQ(stats.counts.pending, 0u);
  EXPECT_EQ(stats.asks, 1u);
}

TEST_F(ReconcileService, ACallbackReadBeforeTheDetailsEndsTheAskWithNoDetailsAndNoEvent) {
  build([this](const std::string& reference, const std::function<bool()>& before_details) {
    callback_event(reference);  // the callback's event lands while the status is answered
    EXPECT_FALSE(before_details());
    retrieval_api::Fetched fetched;
    fetched.outcome = Outcome::withdrawn;
    fetched.status = "DONE";
    return fetched;
  });
  start_assigned();
  for (int i = 0; i < 20; ++i) expect("ref-" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return service_->stats().settled_during_ask == 20; }));
  EXPECT_EQ(publisher_->on(kEventTopic).size(), 0u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(events_of("ref-" + std::to_string(i)), 0u);
  EXPECT_EQ(service_->stats().counts.settled_by_callback, 20u);
}

TEST_F(ReconcileService, ACallbackReadWhileTheDetailsAreFetchedStopsThePublish) {
  build([this](const std::string& reference, const std::function<bool()>& before_details) {
    EXPECT_TRUE(before_details());
    callback_event(reference);  // lands while the details are on their way
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  for (int i = 0; i < 20; ++i) expect("ref-" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return service_->stats().settled_during_ask == 20; }));
  EXPECT_EQ(publisher_->on(kEventTopic).size(), 0u);
  EXPECT_EQ(service_->stats().published, 0u);
}

TEST_F(ReconcileService, ACallbackWrittenAfterThePublishIsTheDocumentedSecondEvent) {
  // The window no check can close: the callback's event written after reconcile's own.
  build([](const std::string& reference, const std::function<bool()>&) {
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  expect("ref-late");
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 1; }));
  callback_event("ref-late");
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(service_->stats().counts.settled_by_retrieval, 1u);
  EXPECT_EQ(service_->stats().counts.settled_by_callback, 0u);
}

TEST_F(ReconcileService, NothingIsAskedBeforeTheSettledTopicsWereReadToTheirEnds) {
  build([](const std::string& reference, const std::function<bool()>&) {
    return final_event(reference, callback::Origin::retrieval);
  });
  callback_event("ref-settled");  // already on the event topic
  settled_->hold(true);           // ... but not read yet
  expected_->assign({0, 1, 2, 3});
  expect("ref-settled");
  service_->start();
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(service_->caught_up());
  EXPECT_EQ(retriever_->total_asks(), 0);
  settled_->hold(false);
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.settled_by_callback == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->total_asks(), 0);
}

TEST_F(ReconcileService, AnAskWaitsUntilTheSettledTopicsAreReadUpToItsTime) {
  build([](const std::string& reference, const std::function<bool()>&) {
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  settled_->hold(true);  // Kafka stalls: the settled topics are read up to a moment ago
  clock_.jump(seconds(1));
  expect("ref-1");
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(retriever_->total_asks(), 0);
  callback_event("ref-1");
  settled_->hold(false);
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.settled_by_callback == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->total_asks(), 0);
}

TEST_F(ReconcileService, SettledTopicsNotReadInTimeDeferTheDetailsToTheNextStep) {
  std::atomic<int> calls{0};
  build([&](const std::string& reference, const std::function<bool()>& before_details) {
    if (++calls == 1) {
      settled_->hold(true);
      const bool go = before_details();  // waits read_through_wait (300 ms), then says no
      settled_->hold(false);
      EXPECT_FALSE(go);
      retrieval_api::Fetched fetched;
      fetched.outcome = Outcome::withdrawn;
      fetched.status = "DONE";
      return fetched;
    }
    EXPECT_TRUE(before_details());
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  expect("ref-1");
  ASSERT_TRUE(eventually([&] { return calls == 1 && service_->stats().asks == 1; }));
  EXPECT_EQ(service_->stats().published, 0u);
  EXPECT_EQ(service_->stats().settled_during_ask, 0u);
  clock_.jump(seconds(10));  // the next step
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 1; }));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(events_of("ref-1"), 1u);
}

TEST_F(ReconcileService, EveryStepIsAskedOnceInOrderThenTheReferenceIsGivenUpOnce) {
  build([](const std::string&, const std::function<bool()>&) { return pending(); });
  start_assigned();
  expected_->expect("ref-1", clock_.now(), kafka::murmur2_partition("ref-1", 4));
  for (int step = 1; step <= 3; ++step) {
    clock_.jump(seconds(10));
    ASSERT_TRUE(eventually([&] { return retriever_->asks("ref-1") == step; })) << step;
  }
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.given_up == 1; }));
  clock_.jump(seconds(1000));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->asks("ref-1"), 3);
  const auto states = publisher_->on(kStateTopic);
  ASSERT_EQ(states.size(), 4u);  // three asks and the give-up
  for (int i = 0; i < 3; ++i) {
    StateRecord state;
    ASSERT_TRUE(parse_state_record(states[static_cast<size_t>(i)].value, &state));
    EXPECT_EQ(state.asks, i + 1);
    EXPECT_EQ(state.last_status, "PENDING");
  }
  StateRecord last;
  ASSERT_TRUE(parse_state_record(states[3].value, &last));
  EXPECT_EQ(last.settled, Settlement::given_up);
  EXPECT_EQ(last.asks, 3);
}

TEST_F(ReconcileService, AnEventKafkaDidNotAcknowledgeIsAskedAgainAtTheNextStep) {
  build([](const std::string& reference, const std::function<bool()>&) {
    return final_event(reference, callback::Origin::retrieval);
  });
  publisher_->fail_next(1);
  start_assigned();
  expect("ref-1");
  ASSERT_TRUE(eventually([&] { return service_->stats().publish_failures == 1; }));
  ASSERT_TRUE(eventually([&] { return !publisher_->on(kStateTopic).empty(); }));
  EXPECT_NE(publisher_->on(kStateTopic)[0].value.find("not_acknowledged"), std::string::npos);
  clock_.jump(seconds(10));
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 1; }));
  EXPECT_EQ(events_of("ref-1"), 1u);
  EXPECT_EQ(retriever_->asks("ref-1"), 2);
}

TEST_F(ReconcileService, RefusedCredentialsStopTheService) {
  build([](const std::string&, const std::function<bool()>&) {
    retrieval_api::Fetched fetched;
    fetched.outcome = Outcome::unauthorized;
    fetched.http_status = 401;
    return fetched;
  });
  start_assigned();
  expect("ref-1");
  expect("ref-2");
  ASSERT_TRUE(eventually([&] { return service_->stopped(); }));
  EXPECT_TRUE(service_->unauthorized());
  // The service marks itself stopped before it stops the retriever: wait for the second too.
  EXPECT_TRUE(eventually([&] { return retriever_->stopped_flag(); }));
  const int asks = retriever_->total_asks();
  EXPECT_LE(asks, 2);
  clock_.jump(seconds(100));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(retriever_->total_asks(), asks);
}

TEST_F(ReconcileService, OneStuckAskDoesNotHoldTheOthers) {
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  build([&](const std::string& reference, const std::function<bool()>&) {
    if (reference == "slow") {
      std::unique_lock<std::mutex> lock(mutex);
      released.wait_for(lock, seconds(10), [&] { return release; });
    }
    return final_event(reference, callback::Origin::retrieval);
  });
  start_assigned();
  expect("slow");
  ASSERT_TRUE(eventually([&] { return retriever_->asks("slow") == 1; }));
  for (int i = 0; i < 40; ++i) expect("ref-" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 40; }));
  EXPECT_EQ(events_of("slow"), 0u);
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  released.notify_all();
  ASSERT_TRUE(eventually([&] { return service_->stats().published == 41; }));
}

TEST_F(ReconcileService, ARestoredScheduleContinuesWhereTheStateTopicLeftIt) {
  build([](const std::string&, const std::function<bool()>&) { return pending(); });
  const Time initiated = clock_.now() - seconds(15);  // steps at +10 (asked), +20, +30
  StateRecord state;
  state.reference = "ref-1";
  state.asks = 1;
  state.last_asked = initiated + seconds(10);
  state.last_status = "PENDING";
  settled_->write(kStateTopic, "ref-1", state_record_json(state), {}, clock_.now());
  start_assigned();
  expected_->expect("ref-1", initiated, kafka::murmur2_partition("ref-1", 4));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(retriever_->asks("ref-1"), 0);  // its second step is 5 s ahead
  clock_.jump(seconds(5));
  ASSERT_TRUE(eventually([&] { return retriever_->asks("ref-1") == 1; }));
  StateRecord written;
  ASSERT_TRUE(eventually([&] { return publisher_->on(kStateTopic).size() == 1; }));
  ASSERT_TRUE(parse_state_record(publisher_->on(kStateTopic)[0].value, &written));
  EXPECT_EQ(written.asks, 2);
}

TEST_F(ReconcileService, SettledTopicsAreReadOnlyInTheAssignedPartitionsWhenTheCountsMatch) {
  build([](const std::string&, const std::function<bool()>&) { return pending(); }, 4,
        {{"jumio.netverify.denied_fraud", 2}});
  expected_->assign({1, 3});
  service_->start();
  ASSERT_TRUE(eventually([&] { return service_->caught_up(); }));
  ASSERT_TRUE(eventually([&] { return settled_->added().size() == 3 * 2 + 2; }));
  const auto added = settled_->added();
  for (const char* topic : {kEventTopic, "jumio.deadletter", kStateTopic}) {
    EXPECT_TRUE(added.count({topic, 1}) && added.count({topic, 3})) << topic;
    EXPECT_FALSE(added.count({topic, 0}) || added.count({topic, 2})) << topic;
  }
  // Two partitions where the expected topic has four: read whole.
  EXPECT_TRUE(added.count({"jumio.netverify.denied_fraud", 0}) &&
              added.count({"jumio.netverify.denied_fraud", 1}));
  EXPECT_EQ(service_->stats().settled_partitions, 8u);

  expected_->assign({3}, /*revoke=*/true);
  ASSERT_TRUE(eventually([&] { return settled_->removed().size() == 3; }));
  EXPECT_TRUE(settled_->removed().count({kEventTopic, 3}));
  EXPECT_FALSE(settled_->added().count({kEventTopic, 3}));
  EXPECT_EQ(service_->stats().settled_partitions, 5u);
}

TEST_F(ReconcileService, AnExpectedRecordOutsideItsMurmur2PartitionMakesEveryTopicReadWhole) {
  build([](const std::string&, const std::function<bool()>&) { return pending(); });
  expected_->assign({0});
  service_->start();
  ASSERT_TRUE(eventually([&] { return service_->caught_up(); }));
  ASSERT_TRUE(eventually([&] { return settled_->added().size() == 3; }));
  // A producer with another partitioner put this reference in partition 0.
  std::string reference = "ref-0";
  for (int i = 0; kafka::murmur2_partition(reference, 4) == 0; ++i)
    reference = "ref-" + std::to_string(i);
  callback_event(reference);  // its event is in another partition
  expected_->expect(reference, clock_.now() - seconds(10), 0);
  ASSERT_TRUE(eventually([&] { return settled_->added().size() == 12; }));
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.settled_by_callback == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->total_asks(), 0);
}

TEST_F(ReconcileService, RevokedPartitionsAreForgottenAndNotAsked) {
  build([](const std::string&, const std::function<bool()>&) { return pending(); });
  start_assigned();
  std::string reference = "ref-0";
  for (int i = 0; kafka::murmur2_partition(reference, 4) != 2; ++i)
    reference = "ref-" + std::to_string(i);
  expected_->expect(reference, clock_.now() + seconds(5), 2);
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.pending == 1; }));
  expected_->assign({2}, /*revoke=*/true);
  ASSERT_TRUE(eventually([&] { return service_->stats().counts.pending == 0; }));
  clock_.jump(seconds(100));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->total_asks(), 0);
}

TEST_F(ReconcileService, AWorkflowIsAskedUnderItsAccountAndSettledByItsWorkflowEvent) {
  const std::string execution = "22222222-2222-2222-2222-222222222222";
  const std::string account = "11111111-1111-1111-1111-111111111111";
  const std::string settled_execution = "33333333-3333-3333-3333-333333333333";
  build(
      [](const std::string& reference, const std::function<bool()>&) {
        retrieval_api::Fetched fetched = pending();
        fetched.status = "ACQUIRED";
        (void)reference;
        return fetched;
      },
      4, {{"jumio.workflow.passed", 4}});
  start_assigned();
  const Time initiated = clock_.now() - seconds(10);
  for (const std::string& id : {execution, settled_execution}) {
    expected_->expect_value(id,
                            "{\"reference\":\"" + id + "\",\"kind\":\"workflow\",\"accountId\":\"" +
                                account + "\",\"initiatedAt\":\"" +
                                callback::format_timestamp(initiated) + "\"}",
                            kafka::murmur2_partition(id, 4));
  }
  // The workflow event of one execution is on Kafka already: it is settled, never asked.
  settled_->write("jumio.workflow.passed", settled_execution, "{}",
                  {{"ce_source", "urn:jumio-bridge:workflow:retrieval"}}, clock_.now());
  ASSERT_TRUE(eventually([&] { return retriever_->asks(execution) == 1; }));
  EXPECT_EQ(retriever_->asked_with(execution).first, callback::Kind::workflow);
  EXPECT_EQ(retriever_->asked_with(execution).second, account);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(retriever_->asks(settled_execution), 0);
  EXPECT_TRUE(service_->is_settled(settled_execution));
  EXPECT_FALSE(service_->is_settled(execution));
  // A workflow expected record without a UUID account is not one.
  expected_->expect_value("44444444-4444-4444-4444-444444444444",
                          "{\"reference\":\"44444444-4444-4444-4444-444444444444\",\"kind\":"
                          "\"workflow\",\"initiatedAt\":\"" +
                              callback::format_timestamp(initiated) + "\"}",
                          0);
  ASSERT_TRUE(eventually([&] { return service_->stats().invalid_expected == 1; }));
}

}  // namespace
}  // namespace jb::reconcile
