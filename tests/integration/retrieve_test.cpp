// `jumio-bridge retrieve` as an operator runs it: the binary against a fake Jumio Retrieval API
// over TLS (throw-away CA) and a mock-cluster Kafka broker over TCP.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kafka/embedded.h"
#include "support/fake_retrieval_api.h"
#include "support/process.h"
#include "support/reader.h"
#include "support/schema.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::RetrievalEndpoint;
using test::ScriptedAnswer;

const char* const kAllTopics = "^jumio\\..*";

class Retrieve : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.running());
    std::string error;
    cluster_ = kafka::EmbeddedCluster::start(1, &error);
    ASSERT_TRUE(cluster_) << error;
    dir_ = test::temp_dir("jb-retrieve");
    std::filesystem::create_directories(dir_ + "/spool");
    std::ofstream(kafka::embedded_address_file(dir_ + "/spool")) << cluster_->bootstraps() << "\n";
    write_config("\"Jumio-Bridge Tests/1.0\"");
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN", api_.options().api_token.c_str(), 1);
    setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", api_.options().api_secret.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN");
    unsetenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET");
    std::filesystem::remove_all(dir_);
  }

  // auth: "" for the default (oauth2, the fake's token endpoint), or "basic".
  void write_config(const std::string& user_agent, const std::string& auth = "") {
    config_path_ = dir_ + "/config.yaml";
    std::ofstream(config_path_) << "kafka:\n  brokers: embedded\nspool:\n  dir: \"" << dir_
                                << "/spool\"\nlog:\n  level: warn\nretrieval:\n  base_url: \""
                                << api_.base_url() << "\"\n  token_url: \"" << api_.token_url()
                                << "\"\n  ca_file: \"" << api_.ca_file()
                                << "\"\n  user_agent: " << user_agent
                                << "\n  max_requests_per_second: 100\n  max_attempts: 2\n"
                                << (auth.empty() ? "" : "  auth: " + auth + "\n");
  }

  test::Finished retrieve(std::vector<std::string> args) {
    args.insert(args.begin(), {"retrieve", "--config", config_path_});
    return test::run_binary(args, "", seconds(60));
  }

  std::vector<kafka::ConsumedMessage> records(size_t count, milliseconds timeout = seconds(10)) {
    return test::read_records(cluster_->bootstraps(), {kAllTopics}, count, timeout);
  }

  test::FakeRetrievalApi api_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::string dir_;
  std::string config_path_;
};

TEST_F(Retrieve, FinishedTransactionIsPublishedLikeACallbackWithOriginRetrieval) {
  const std::string ref = "a1b2c3d4-0000-4000-8000-000000000001";
  test::Finished run = retrieve({ref});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, ref + " -> jumio.netverify.approved_verified\n");

  auto published = records(1);
  ASSERT_EQ(published.size(), 1u);
  const auto& record = published.front();
  EXPECT_EQ(record.topic, "jumio.netverify.approved_verified");
  EXPECT_EQ(record.key, ref);
  EXPECT_EQ(test::header_of(record, "ce_source"), "urn:jumio-bridge:netverify:retrieval");
  EXPECT_EQ(test::header_of(record, "ce_type"), "com.jumio.netverify.approved_verified");
  EXPECT_EQ(test::header_of(record, "content-type"), "application/json");
  EXPECT_TRUE(EventMatchesSchema(record.value));
  rapidjson::Document event;
  event.Parse(record.value.c_str());
  EXPECT_STREQ(event["origin"].GetString(), "retrieval");
  EXPECT_STREQ(event["reference"].GetString(), ref.c_str());
  EXPECT_EQ(test::header_of(record, "ce_id"), event["eventId"].GetString());

  // The guide's order: the status, then the details once; with the configured headers.
  auto requests = api_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].endpoint, RetrievalEndpoint::scan_status);
  EXPECT_EQ(requests[1].endpoint, RetrievalEndpoint::scan_details);
  for (const auto& request : requests) {
    EXPECT_TRUE(request.authorized);
    EXPECT_EQ(request.user_agent, "Jumio-Bridge Tests/1.0");
    ASSERT_EQ(request.accept.size(), 1u);
    EXPECT_EQ(request.accept.front(), "application/json");
  }
  // No personal data from the answer in what the command printed.
  EXPECT_EQ(run.err.find("FIRST"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("FIRST"), std::string::npos);
}

TEST_F(Retrieve, PendingPublishesNothingAndExits75WithoutAskingForDetails) {
  const std::string ref = "a1b2c3d4-0000-4000-8000-000000000002";
  api_.script(RetrievalEndpoint::scan_status, ref,
              {test::scripted(200, test::scan_status_body(ref, "PENDING"))});
  test::Finished run = retrieve({ref});
  EXPECT_EQ(run.exit_code, 75) << run.err;
  EXPECT_EQ(run.out, ref + " pending (PENDING)\n");
  EXPECT_EQ(api_.request_count(ref), 1u);
  EXPECT_TRUE(records(1, milliseconds(1500)).empty());
}

TEST_F(Retrieve, OneLinePerReferenceAndTheWorstOutcomeDecidesTheExitCode) {
  const std::string done = "a1b2c3d4-0000-4000-8000-000000000003";
  const std::string pending = "a1b2c3d4-0000-4000-8000-000000000004";
  const std::string missing = "a1b2c3d4-0000-4000-8000-000000000005";
  api_.script(RetrievalEndpoint::scan_status, pending,
              {test::scripted(200, test::scan_status_body(pending, "PENDING"))});
  api_.script(RetrievalEndpoint::scan_status, missing, {test::scripted(404, "{}")});
  test::Finished run = retrieve({done, pending, missing});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.out, done + " -> jumio.netverify.approved_verified\n" + pending +
                         " pending (PENDING)\n" + missing + " not found\n");
  auto published = records(1);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published.front().key, done);
  EXPECT_EQ(api_.request_count(missing), 1u);  // 404 is final: not asked again
}

TEST_F(Retrieve, EachKindAsksItsOwnApi) {
  const std::string authentication = "a1b2c3d4-0000-4000-8000-000000000006";
  test::Finished run = retrieve({"--kind", "authentication", authentication});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, authentication + " -> jumio.authentication.passed\n");
  // Authentication has no status endpoint: its one answer is status and details.
  EXPECT_EQ(api_.request_count(authentication), 1u);

  const std::string document = "a1b2c3d4-0000-4000-8000-000000000007";
  run = retrieve({"--kind", "document", document});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, document + " -> jumio.document.extracted\n");
  auto requests = api_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].endpoint, RetrievalEndpoint::document_status);
  EXPECT_EQ(requests[2].endpoint, RetrievalEndpoint::document_details);

  auto published = records(2);
  ASSERT_EQ(published.size(), 2u);
  for (const auto& record : published) EXPECT_TRUE(EventMatchesSchema(record.value));
}

TEST_F(Retrieve, AnswerThatCannotBecomeAnEventIsDeadLetteredWhole) {
  const std::string ref = "a1b2c3d4-0000-4000-8000-000000000008";
  std::string details = test::scan_details_body(ref);
  const std::string dob = "\"1990-01-01\"";
  ASSERT_NE(details.find(dob), std::string::npos);
  details.replace(details.find(dob), dob.size(), "\"1990-02-30\"");
  api_.script(RetrievalEndpoint::scan_details, ref, {test::scripted(200, details)});
  test::Finished run = retrieve({ref});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find(ref + " failed: retrieval_invalid: invalid_date"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("-> jumio.deadletter"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("1990-02-30"), std::string::npos);

  auto published = records(1);
  ASSERT_EQ(published.size(), 1u);
  const auto& record = published.front();
  EXPECT_EQ(record.topic, "jumio.deadletter");
  EXPECT_EQ(record.key, ref);
  EXPECT_EQ(test::header_of(record, "x-deadletter-reason"), "retrieval_invalid");
  EXPECT_TRUE(MatchesSchema(record.value, "deadletter.schema.json"));
  rapidjson::Document letter;
  letter.Parse(record.value.c_str());
  EXPECT_EQ(std::string(letter["body"].GetString()), details);
  EXPECT_STREQ(letter["origin"].GetString(), "retrieval");
  EXPECT_STREQ(letter["kind"].GetString(), "netverify");
  EXPECT_STREQ(letter["remoteAddr"].GetString(), "");
}

TEST_F(Retrieve, RefusedCredentialsStopAtTheFirstReferenceWithExit78) {
  setenv("JUMIO_BRIDGE_RETRIEVAL_API_SECRET", "not-the-secret", 1);
  const std::string first = "a1b2c3d4-0000-4000-8000-000000000009";
  const std::string second = "a1b2c3d4-0000-4000-8000-000000000010";
  test::Finished run = retrieve({first, second});
  EXPECT_EQ(run.exit_code, 78) << run.err;
  EXPECT_NE(run.err.find("refused the API credentials"), std::string::npos) << run.err;
  EXPECT_EQ(api_.token_requests(), 1u);       // the token endpoint's 401 is not retried
  EXPECT_EQ(api_.request_count(first), 0u);   // no token, no request
  EXPECT_EQ(api_.request_count(second), 0u);  // and nothing more is asked
  EXPECT_EQ(run.err.find("not-the-secret"), std::string::npos);
  EXPECT_EQ(run.out.find("not-the-secret"), std::string::npos);

  write_config("\"Jumio-Bridge Tests/1.0\"", "basic");
  run = retrieve({first, second});
  EXPECT_EQ(run.exit_code, 78) << run.err;
  EXPECT_EQ(api_.request_count(first), 1u);   // 401 is not retried
  EXPECT_EQ(api_.request_count(second), 0u);  // and nothing more is asked
  EXPECT_EQ(api_.token_requests(), 1u);
  EXPECT_EQ(run.err.find("not-the-secret"), std::string::npos);
  EXPECT_TRUE(records(1, milliseconds(1500)).empty());
}

TEST_F(Retrieve, DryRunPrintsTheEventAndPublishesNothing) {
  const std::string ref = "a1b2c3d4-0000-4000-8000-000000000011";
  test::Finished run = retrieve({"--dry-run", ref});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(EventMatchesSchema(run.out.substr(0, run.out.find('\n'))));
  EXPECT_NE(run.err.find(ref + " -> jumio.netverify.approved_verified (dry run)"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(records(1, milliseconds(1500)).empty());
}

TEST_F(Retrieve, ServerErrorsAreRetriedThenReportedAsFailed) {
  const std::string ref = "a1b2c3d4-0000-4000-8000-000000000012";
  api_.script(RetrievalEndpoint::scan_status, ref, {test::scripted(503, "{}")});
  test::Finished run = retrieve({ref});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find(ref + " failed: "), std::string::npos) << run.out;
  EXPECT_EQ(api_.request_count(ref), 2u);  // retrieval.max_attempts: 2
}

TEST_F(Retrieve, ConfigAndUsageErrors) {
  write_config("\"\"");
  test::Finished run = retrieve({"a1b2c3d4-0000-4000-8000-000000000013"});
  EXPECT_EQ(run.exit_code, 78);
  EXPECT_NE(run.err.find("retrieval.user_agent"), std::string::npos) << run.err;
  EXPECT_EQ(api_.requests().size(), 0u);

  write_config("\"Jumio-Bridge Tests/1.0\"");
  run = retrieve({"--kind", "selfie", "x"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--kind"), std::string::npos);
  run = retrieve({});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("no reference"), std::string::npos);
}

}  // namespace
}  // namespace jb
