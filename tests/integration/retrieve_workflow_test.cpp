// `jumio-bridge retrieve --kind workflow --account ACCOUNT_ID ID...` as an operator runs it: the
// binary against the fake Jumio Platform (OAuth2 token endpoint and Retrieval API v1 over TLS with
// a throw-away CA) and a mock-cluster Kafka broker over TCP.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kafka/embedded.h"
#include "support/fake_platform.h"
#include "support/process.h"
#include "support/reader.h"
#include "support/schema.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::AuthorizationKind;
using test::PlatformEndpoint;

const char* const kAllTopics = "^jumio\\..*";
const std::string kAccount = "11111111-1111-4111-8111-111111111111";

std::string execution(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "e0e0e0e0-0000-4000-8000-%012d", n);
  return id;
}

class RetrieveWorkflow : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(platform_.running());
    std::string error;
    cluster_ = kafka::EmbeddedCluster::start(1, &error);
    ASSERT_TRUE(cluster_) << error;
    dir_ = test::temp_dir("jb-retrieve-workflow");
    std::filesystem::create_directories(dir_ + "/spool");
    std::ofstream(kafka::embedded_address_file(dir_ + "/spool")) << cluster_->bootstraps() << "\n";
    write_config("oauth2");
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN", platform_.options().client_id.c_str(), 1);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", platform_.options().client_secret.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN");
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET");
    std::filesystem::remove_all(dir_);
  }

  void write_config(const std::string& auth) {
    config_path_ = dir_ + "/config.yaml";
    std::ofstream(config_path_) << "kafka:\n  brokers: embedded\nspool:\n  dir: \"" << dir_
                                << "/spool\"\nlog:\n  level: warn\nretrieval:\n  auth: " << auth
                                << "\n  platform_base_url: \"" << platform_.base_url()
                                << "\"\n  token_url: \"" << platform_.token_url()
                                << "\"\n  base_url: \"" << platform_.base_url()
                                << "/api/netverify/v2\"\n  ca_file: \"" << platform_.ca_file()
                                << "\"\n  user_agent: \"Jumio-Bridge Tests/1.0\"\n"
                                << "  max_requests_per_second: 100\n  max_attempts: 2\n";
  }

  test::Finished retrieve(std::vector<std::string> executions, bool dry_run = false) {
    std::vector<std::string> args = {"retrieve", "--config",  config_path_, "--kind",
                                     "workflow", "--account", kAccount};
    if (dry_run) args.push_back("--dry-run");
    args.insert(args.end(), executions.begin(), executions.end());
    return test::run_binary(args, "", seconds(60));
  }

  std::vector<kafka::ConsumedMessage> records(size_t count, milliseconds timeout = seconds(10)) {
    return test::read_records(cluster_->bootstraps(), {kAllTopics}, count, timeout);
  }

  test::FakePlatform platform_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::string dir_;
  std::string config_path_;
};

TEST_F(RetrieveWorkflow, ProcessedExecutionIsPublishedAsTheWorkflowEvent) {
  const std::string id = execution(1);
  test::Finished run = retrieve({id});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, id + " -> jumio.workflow.passed\n");

  auto published = records(1);
  ASSERT_EQ(published.size(), 1u);
  const auto& record = published.front();
  EXPECT_EQ(record.topic, "jumio.workflow.passed");
  EXPECT_EQ(record.key, id);
  rapidjson::Document event;
  event.Parse(record.value.c_str());
  ASSERT_TRUE(event.IsObject()) << record.value;
  EXPECT_STREQ(event["callbackType"].GetString(), "WORKFLOW");
  EXPECT_STREQ(event["origin"].GetString(), "retrieval");
  EXPECT_STREQ(event["status"].GetString(), "PASSED");
  EXPECT_STREQ(event["reference"].GetString(), id.c_str());
  EXPECT_EQ(test::header_of(record, "ce_id"), event["eventId"].GetString());
  EXPECT_TRUE(EventMatchesSchema(record.value));

  // The status, then the details once, both with the one bearer token.
  const auto requests = platform_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].endpoint, PlatformEndpoint::status);
  EXPECT_EQ(requests[1].endpoint, PlatformEndpoint::details);
  for (const auto& request : requests) {
    EXPECT_EQ(request.account, kAccount);
    EXPECT_EQ(request.execution, id);
    EXPECT_EQ(request.authorization, AuthorizationKind::bearer);
    EXPECT_TRUE(request.token_valid);
    EXPECT_EQ(request.user_agent, "Jumio-Bridge Tests/1.0");
  }
  EXPECT_EQ(platform_.token_requests().size(), 1u);
  // Neither the token nor the client secret in what the command printed.
  const std::string token = platform_.token_requests().front().token;
  for (const std::string& secret : {token, platform_.options().client_secret}) {
    EXPECT_EQ(run.err.find(secret), std::string::npos);
    EXPECT_EQ(run.out.find(secret), std::string::npos);
  }
}

TEST_F(RetrieveWorkflow, EachDecisionGoesToItsTopicWithOneToken) {
  test::DetailsOptions rejected;
  rejected.decision_type = "REJECTED";
  rejected.decision_label = "REJECTED";
  test::DetailsOptions warning;
  warning.decision_type = "WARNING";
  warning.decision_label = "WARNING";
  platform_.set_workflow(execution(2), "PROCESSED", rejected);
  platform_.set_workflow(execution(3), "PROCESSED", warning);
  platform_.set_workflow(execution(4), "TOKEN_EXPIRED", test::token_expired_details());
  test::Finished run = retrieve({execution(2), execution(3), execution(4)});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, execution(2) + " -> jumio.workflow.rejected\n" + execution(3) +
                         " -> jumio.workflow.warning\n" + execution(4) +
                         " -> jumio.workflow.not_executed\n");
  EXPECT_EQ(records(3).size(), 3u);
  EXPECT_EQ(platform_.token_requests().size(), 1u);
}

TEST_F(RetrieveWorkflow, RunningExecutionIsPendingExit75WithoutAskingForDetails) {
  const std::string id = execution(5);
  platform_.set_workflow(id, "ACQUIRED");
  test::Finished run = retrieve({id});
  EXPECT_EQ(run.exit_code, 75) << run.err;
  EXPECT_EQ(run.out, id + " pending (ACQUIRED)\n");
  EXPECT_EQ(platform_.request_count(id), 1u);
  EXPECT_TRUE(records(1, milliseconds(1500)).empty());
}

TEST_F(RetrieveWorkflow, TheWorstOutcomeDecidesTheExitCode) {
  const std::string done = execution(6);
  const std::string running = execution(7);
  const std::string missing = execution(8);
  platform_.set_workflow(running, "INITIATED");
  platform_.script(PlatformEndpoint::status, missing, {test::scripted(404, "{}")});
  test::Finished run = retrieve({done, running, missing});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.out, done + " -> jumio.workflow.passed\n" + running + " pending (INITIATED)\n" +
                         missing + " not found\n");
  EXPECT_EQ(records(1).size(), 1u);
}

TEST_F(RetrieveWorkflow, ARefusedTokenIsRenewedOnceAndTheExecutionPublished) {
  const std::string id = execution(9);
  platform_.script(PlatformEndpoint::status, id,
                   {test::scripted(401, "{}"), test::scripted(200, "")});
  test::Finished run = retrieve({id});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(platform_.token_requests().size(), 2u);
  EXPECT_EQ(platform_.request_count(id), 3u);  // 401, status, details
  EXPECT_EQ(records(1).size(), 1u);
}

TEST_F(RetrieveWorkflow, RefusedCredentialsStopAtTheFirstExecutionWithExit78) {
  setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", "not-the-client-secret", 1);
  test::Finished run = retrieve({execution(10), execution(11)});
  EXPECT_EQ(run.exit_code, 78) << run.err;
  EXPECT_EQ(platform_.token_requests().size(), 1u);
  EXPECT_TRUE(platform_.requests().empty());
  EXPECT_EQ(run.err.find("not-the-client-secret"), std::string::npos);
  EXPECT_EQ(run.out.find("not-the-client-secret"), std::string::npos);
}

TEST_F(RetrieveWorkflow, A403IsExit78WithoutANewToken) {
  platform_.script(PlatformEndpoint::status, execution(12), {test::scripted(403, "{}")});
  test::Finished run = retrieve({execution(12), execution(13)});
  EXPECT_EQ(run.exit_code, 78) << run.err;
  EXPECT_EQ(platform_.token_requests().size(), 1u);
  EXPECT_EQ(platform_.request_count(execution(12)), 1u);
  EXPECT_EQ(platform_.request_count(execution(13)), 0u);
}

TEST_F(RetrieveWorkflow, DetailsThatCannotBecomeAnEventAreDeadLettered) {
  const std::string id = execution(14);
  platform_.script(PlatformEndpoint::details, id, {test::scripted(200, R"({"workflow":{}})")});
  test::Finished run = retrieve({id});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find(id + " failed: retrieval_invalid"), std::string::npos) << run.out;
  auto published = records(1);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published.front().topic, "jumio.deadletter");
  EXPECT_EQ(test::header_of(published.front(), "x-deadletter-reason"), "retrieval_invalid");
}

TEST_F(RetrieveWorkflow, DryRunPrintsTheEventAndPublishesNothing) {
  const std::string id = execution(15);
  test::Finished run = retrieve({id}, true);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  rapidjson::Document event;
  event.Parse(run.out.substr(0, run.out.find('\n')).c_str());
  ASSERT_TRUE(event.IsObject()) << run.out;
  EXPECT_STREQ(event["reference"].GetString(), id.c_str());
  EXPECT_NE(run.err.find(id + " -> jumio.workflow.passed (dry run)"), std::string::npos) << run.err;
  EXPECT_TRUE(records(1, milliseconds(1500)).empty());
}

TEST_F(RetrieveWorkflow, UsageAndConfigErrorsAskNothing) {
  const std::string id = execution(16);
  auto run_with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"retrieve", "--config", config_path_});
    return test::run_binary(args, "", seconds(60));
  };
  test::Finished run = run_with({"--kind", "workflow", id});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--account"), std::string::npos) << run.err;
  run = run_with({"--kind", "workflow", "--account", "not-a-uuid", id});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("not a UUID"), std::string::npos) << run.err;
  run = run_with({"--kind", "workflow", "--account", kAccount, id, "../../oauth2/token"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("argument 2"), std::string::npos) << run.err;
  run = run_with({"--account", kAccount, id});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--kind workflow"), std::string::npos) << run.err;

  write_config("basic");
  run = retrieve({id});
  EXPECT_EQ(run.exit_code, 78);
  EXPECT_NE(run.err.find("retrieval.auth"), std::string::npos) << run.err;
  EXPECT_TRUE(platform_.requests().empty());
  EXPECT_TRUE(platform_.token_requests().empty());
}

}  // namespace
}  // namespace jb
