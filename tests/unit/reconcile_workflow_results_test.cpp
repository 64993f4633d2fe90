// reconcile's Jumio Platform results (reconcile/workflow_results.h) over fakes of the notification
// reader, the Retrieval API and Kafka: what is fetched, published and committed, and when.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "callback/platform.h"
#include "reconcile/workflow_results.h"
#include "support/fake_group_reader.h"

namespace jb::reconcile {
namespace {

using std::chrono::milliseconds;
using Outcome = retrieval_api::Fetched::Outcome;

constexpr const char* kAccount = "11111111-1111-1111-1111-111111111111";

std::string execution(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "22222222-2222-2222-2222-%012d", n);
  return id;
}

// The canonical notification serve stores for a platform callback of this execution and status.
std::string notification(const std::string& execution_id, const std::string& status) {
  const std::string body = R"({"callbackSentAt":"2024-05-02T09:16:04.518Z",)"
                           R"("workflowExecution":{"id":")" +
                           execution_id +
                           R"(","href":"https://attacker.example/collect","definitionKey":"10011",)"
                           R"("status":")" +
                           status + R"("},"account":{"id":")" + kAccount +
                           R"(","href":"https://attacker.example/a"}})";
  Result<callback::Event> event =
      callback::normalize_platform_callback(body, std::chrono::system_clock::now());
  EXPECT_TRUE(event.ok()) << body;
  return event.ok() ? event.value().json : "";
}

template <class Predicate>
bool eventually(Predicate predicate, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// topics.workflow_callbacks, as the group gives it.
class FakeNotifications : public test::FakeGroupReader {
 public:
  void write(int32_t partition, int64_t offset, std::string value) {
    FakeGroupReader::write("jumio.workflow.callbacks", partition, offset, "", std::move(value));
  }
  void revoke(std::vector<int32_t> partitions) { assign(std::move(partitions), true); }
};

class FakeRetriever : public Retriever {
 public:
  using Handler = std::function<retrieval_api::Fetched(const std::string& execution_id, int ask)>;
  explicit FakeRetriever(Handler handler) : handler_(std::move(handler)) {}
  retrieval_api::Fetched fetch(callback::Kind, const std::string&, const std::string&,
                               const std::function<bool()>&) override {
    return stopped();
  }
  retrieval_api::Fetched fetch_workflow_details(const std::string& account_id,
                                                const std::string& execution_id) override {
    int ask = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ask = asks_[execution_id]++;
      accounts_.push_back(account_id);
    }
    if (stopped_) return stopped();
    return handler_(execution_id, ask);
  }
  void stop() override { stopped_ = true; }
  retrieval_api::Counts counts() const override { return {}; }
  int asks(const std::string& execution_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = asks_.find(execution_id);
    return found == asks_.end() ? 0 : found->second;
  }
  std::vector<std::string> accounts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return accounts_;
  }
  static retrieval_api::Fetched stopped() {
    retrieval_api::Fetched fetched;
    fetched.outcome = Outcome::stopped;
    return fetched;
  }

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::map<std::string, int> asks_;
  std::vector<std::string> accounts_;
  std::atomic<bool> stopped_{false};
};

class FakePublisher : public Publisher {
 public:
  bool publish(const route::Record& record, milliseconds, std::string* error) override {
    if (failures_ > 0) {
      --failures_;
      *error = "_MSG_TIMED_OUT";
      return false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(record);
    return true;
  }
  void publish_state(const route::Record&) override {}
  std::vector<route::Record> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }
  void fail_next(int count) { failures_ = count; }

 private:
  mutable std::mutex mutex_;
  std::vector<route::Record> records_;
  std::atomic<int> failures_{0};
};

retrieval_api::Fetched workflow_event(const std::string& execution_id,
                                      const std::string& decision = "PASSED") {
  retrieval_api::Fetched fetched;
  fetched.outcome = Outcome::event;
  fetched.status = "PROCESSED";
  callback::Event event;
  event.kind = callback::Kind::workflow;
  event.origin = callback::Origin::retrieval;
  event.event_id = "event-" + execution_id;
  event.status = decision;
  event.reference = execution_id;
  event.received_at = "2026-12-01T00:00:00.000Z";
  event.json = R"({"reference":")" + execution_id + R"("})";
  fetched.event = event;
  return fetched;
}

retrieval_api::Fetched outcome(Outcome value) {
  retrieval_api::Fetched fetched;
  fetched.outcome = value;
  return fetched;
}

class WorkflowResultsTest : public ::testing::Test {
 protected:
  void start(FakeRetriever::Handler handler,
             std::function<bool(const std::string&)> published_elsewhere = nullptr) {
    config_.reconcile.schedule_s = {1, 2};
    auto reader = std::make_unique<FakeNotifications>();
    reader_ = reader.get();
    retriever_ = std::make_unique<FakeRetriever>(std::move(handler));
    WorkflowParts parts;
    parts.notifications = std::move(reader);
    parts.retriever = retriever_.get();
    parts.publisher = &publisher_;
    parts.published_elsewhere = std::move(published_elsewhere);
    WorkflowTiming timing;
    timing.poll = milliseconds(5);
    timing.retry_first = milliseconds(5);
    timing.retry_cap = milliseconds(20);
    timing.delivery_timeout = milliseconds(100);
    timing.commit_interval = milliseconds(10);
    timing.workers = 4;
    results_ = std::make_unique<WorkflowResults>(config_, std::move(parts), timing);
    results_->start();
  }
  void TearDown() override {
    if (results_) results_->stop();
  }
  std::vector<route::Record> on(const std::string& topic) const {
    std::vector<route::Record> out;
    for (const auto& record : publisher_.records())
      if (record.topic == topic) out.push_back(record);
    return out;
  }

  config::Config config_;
  FakeNotifications* reader_ = nullptr;
  std::unique_ptr<FakeRetriever> retriever_;
  FakePublisher publisher_;
  std::unique_ptr<WorkflowResults> results_;
};

TEST_F(WorkflowResultsTest, ATerminalNotificationBecomesOneEventOnItsDecisionTopic) {
  start([](const std::string& id, int) {
    return workflow_event(id, id == execution(2) ? "REJECTED" : "PASSED");
  });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  reader_->write(0, 1, notification(execution(2), "PROCESSED"));
  reader_->write(1, 0, notification(execution(3), "TOKEN_EXPIRED"));
  reader_->write(1, 1, notification(execution(4), "SESSION_EXPIRED"));
  ASSERT_TRUE(eventually([&] { return results_->stats().published == 4; }));
  ASSERT_EQ(on("jumio.workflow.passed").size(), 3u);
  ASSERT_EQ(on("jumio.workflow.rejected").size(), 1u);
  EXPECT_EQ(on("jumio.workflow.rejected")[0].key, execution(2));
  for (const std::string& account : retriever_->accounts()) EXPECT_EQ(account, kAccount);
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 2 && reader_->committed(1) == 2; }));
  EXPECT_EQ(results_->stats().in_hand, 0u);
}

TEST_F(WorkflowResultsTest, OtherStatusesAreCommittedWithNothingFetched) {
  start([](const std::string& id, int) { return workflow_event(id); });
  reader_->write(0, 0, notification(execution(1), "INITIATED"));
  reader_->write(0, 1, notification(execution(1), "ACQUIRED"));
  reader_->write(0, 2, notification(execution(1), "ACQUISITION_STARTED"));
  reader_->write(0, 3, notification(execution(1), "SOMETHING_NEW"));
  reader_->write(0, 4, "not a notification");
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 5; }));
  EXPECT_EQ(retriever_->asks(execution(1)), 0);
  EXPECT_TRUE(publisher_.records().empty());
  const WorkflowStats stats = results_->stats();
  EXPECT_EQ(stats.non_terminal, 4u);
  EXPECT_EQ(stats.unreadable, 1u);
}

TEST_F(WorkflowResultsTest, NothingIsCommittedPastANotificationBeforeItsEventIsAcknowledged) {
  std::atomic<bool> gate{false};  // the first execution's details wait until the test opens it
  start([&](const std::string& id, int) {
    if (id == execution(1)) eventually([&] { return gate.load(); });
    return workflow_event(id);
  });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  reader_->write(0, 1, notification(execution(2), "PROCESSED"));
  reader_->write(0, 2, notification(execution(3), "INITIATED"));
  ASSERT_TRUE(eventually([&] { return results_->stats().published == 1; }));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_LT(reader_->committed(0), 1);  // offset 0 is not done: nothing past it is committed
  publisher_.fail_next(2);              // Kafka does not acknowledge it twice
  gate = true;
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 3; }));
  EXPECT_EQ(results_->stats().published, 2u);
  EXPECT_EQ(retriever_->asks(execution(1)), 3);  // asked again after each failed publish
  EXPECT_EQ(on("jumio.workflow.passed").size(), 2u);
}

TEST_F(WorkflowResultsTest, AnApiOutageDelaysTheEventAndLosesNothing) {
  std::atomic<bool> down{true};
  start([&](const std::string& id, int) {
    return down ? outcome(Outcome::failed) : workflow_event(id);
  });
  for (int i = 0; i < 10; ++i) reader_->write(0, i, notification(execution(i), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return results_->stats().retries >= 30; }));
  EXPECT_EQ(results_->stats().published, 0u);
  EXPECT_LT(reader_->committed(0), 1);
  EXPECT_EQ(results_->stats().in_hand, 10u);
  down = false;
  ASSERT_TRUE(eventually([&] { return results_->stats().published == 10; }));
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 10; }));
  EXPECT_EQ(on("jumio.workflow.passed").size(), 10u);
}

TEST_F(WorkflowResultsTest, DuplicateNotificationsAreFetchedAndPublishedOnce) {
  std::atomic<bool> gate{false};
  start([&](const std::string& id, int) {
    eventually([&] { return gate.load(); });
    return workflow_event(id);
  });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  reader_->write(0, 1, notification(execution(1), "PROCESSED"));  // while the first is in hand
  ASSERT_TRUE(eventually([&] { return results_->stats().duplicates == 1; }));
  gate = true;
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 2; }));
  reader_->write(0, 2, notification(execution(1), "PROCESSED"));  // after it was published
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 3; }));
  EXPECT_EQ(retriever_->asks(execution(1)), 1);
  EXPECT_EQ(on("jumio.workflow.passed").size(), 1u);
  EXPECT_EQ(results_->stats().duplicates, 2u);
}

TEST_F(WorkflowResultsTest, AnEventAlreadyOnKafkaIsNotFetchedAgain) {
  start([](const std::string& id, int) { return workflow_event(id); },
        [](const std::string& id) { return id == execution(1); });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  reader_->write(0, 1, notification(execution(2), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 2; }));
  EXPECT_EQ(retriever_->asks(execution(1)), 0);
  EXPECT_EQ(retriever_->asks(execution(2)), 1);
  EXPECT_EQ(on("jumio.workflow.passed").size(), 1u);
}

TEST_F(WorkflowResultsTest, AnExecutionJumioDoesNotKnowIsAskedOnTheScheduleThenGivenUp) {
  start([](const std::string&, int) { return outcome(Outcome::not_found); });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  // schedule_s {1, 2}: asked again after 1 s and after another 1 s, then given up.
  ASSERT_TRUE(eventually([&] { return results_->stats().given_up == 1; }));
  EXPECT_EQ(retriever_->asks(execution(1)), 3);
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 1; }));
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WorkflowResultsTest, DetailsThatCannotBecomeAnEventAreDeadLetteredWhole) {
  start([](const std::string& id, int) {
    retrieval_api::Fetched fetched = outcome(Outcome::invalid);
    fetched.answer = R"({"workflow":{"id":")" + id + R"("},"decision":7})";
    fetched.failure = Failure{DeadLetterReason::retrieval_invalid, "decision is not an object", id};
    fetched.answered_at = std::chrono::system_clock::now();
    return fetched;
  });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 1; }));
  const auto letters = on("jumio.deadletter");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].key, execution(1));
  EXPECT_NE(letters[0].value.find(R"("reason":"retrieval_invalid")"), std::string::npos);
  EXPECT_NE(letters[0].value.find(R"("origin":"retrieval")"), std::string::npos);
  EXPECT_NE(letters[0].value.find(R"("kind":"workflow")"), std::string::npos);
  EXPECT_NE(letters[0].value.find(R"(\"decision\":7)"), std::string::npos);
  EXPECT_EQ(results_->stats().dead_lettered, 1u);
}

TEST_F(WorkflowResultsTest, RefusedCredentialsStopEverythingAndCommitNothingOfIt) {
  start([](const std::string&, int) { return outcome(Outcome::unauthorized); });
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return results_->unauthorized(); }));
  EXPECT_TRUE(results_->stopped());
  results_->stop();
  EXPECT_LT(reader_->committed(0), 1);
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WorkflowResultsTest, ARevokedPartitionIsNotCommittedByThisInstance) {
  std::atomic<bool> gate{false};
  start([&](const std::string& id, int) {
    eventually([&] { return gate.load(); });
    return workflow_event(id);
  });
  reader_->write(3, 0, notification(execution(1), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return results_->stats().in_hand == 1; }));
  reader_->revoke({3});
  ASSERT_TRUE(eventually([&] { return results_->stats().in_hand == 0; }));
  gate = true;
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(reader_->committed(3), -1);  // the new owner reads it again from the last commit
}

TEST_F(WorkflowResultsTest, ARefusedCommitIsMadeAgain) {
  start([](const std::string& id, int) { return workflow_event(id); });
  reader_->refuse_commits(true);
  reader_->write(0, 0, notification(execution(1), "PROCESSED"));
  ASSERT_TRUE(eventually([&] { return results_->stats().commit_failures >= 2; }));
  reader_->refuse_commits(false);
  ASSERT_TRUE(eventually([&] { return reader_->committed(0) == 1; }));
}

}  // namespace
}  // namespace jb::reconcile
