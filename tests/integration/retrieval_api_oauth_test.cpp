// The Retrieval API client's OAuth2 against the fake Jumio Platform (real TLS on loopback): one
// token shared by concurrent requests, renewed before it expires, a 401 answered by one new token
// and one retry, 403 final, 429 with Retry-After on the API and on the token endpoint, refused
// client credentials, no token in a log line or an error, the legacy APIs with a bearer token and
// retrieval.auth basic unchanged; and the workflow fetch (status, then details) it serves.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "retrieval_api/client.h"
#include "retrieval_api/fetch.h"
#include "support/captured_stderr.h"
#include "support/fake_platform.h"
#include "support/fake_retrieval_api.h"
#include "support/retrieval_client.h"

namespace jb::retrieval_api {
namespace {

using jb::test::answer_with;
using jb::test::AuthorizationKind;
using jb::test::FakePlatform;
using jb::test::FakeRetrievalApi;
using jb::test::PlatformEndpoint;
using jb::test::retrieval_client_for;
using Outcome = Answer::Outcome;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kAccount[] = "11111111-1111-4111-8111-111111111111";
constexpr char kExecution[] = "22222222-2222-4222-8222-222222222222";

// retrieval.* for a client of the fake platform (its legacy base is the platform's host too).
config::RetrievalConfig platform_config(const FakePlatform& fake) {
  config::RetrievalConfig config;
  config.base_url = fake.base_url() + "/api/netverify/v2";
  config.platform_base_url = fake.base_url();
  config.token_url = fake.token_url();
  config.user_agent = test::kRetrievalUserAgent;
  config.timeout_ms = 2000;
  config.max_requests_per_second = 1000;
  config.max_attempts = 5;
  config.ca_file = fake.ca_file();
  config.api_token = fake.options().client_id;
  config.api_secret = fake.options().client_secret;
  return config;
}

std::string execution_id(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "33333333-3333-4333-8333-%012d", n);
  return id;
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

TEST(RetrievalApiOauth, SixteenConcurrentRequestsShareOneTokenRequest) {
  FakePlatform fake;
  ASSERT_TRUE(fake.running());
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < 16; ++i) {
    answers.push_back(std::async(std::launch::async, [&client, i] {
      return client->workflow(Query::status, kAccount, execution_id(i));
    }));
  }
  for (auto& answer : answers) {
    const Answer got = answer.get();
    EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  }
  const auto tokens = fake.token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].status, 200);
  EXPECT_TRUE(tokens[0].credentials_valid);
  EXPECT_EQ(tokens[0].accept, "application/json");
  EXPECT_EQ(tokens[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(tokens[0].body, "grant_type=client_credentials");
  EXPECT_EQ(tokens[0].user_agent, test::kRetrievalUserAgent);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 16u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.authorization, AuthorizationKind::bearer);
    EXPECT_EQ(request.token, tokens[0].token);
    EXPECT_EQ(request.status, 200);
    EXPECT_EQ(request.endpoint, PlatformEndpoint::status);
    EXPECT_EQ(request.account, kAccount);
    EXPECT_EQ(request.user_agent, test::kRetrievalUserAgent);
  }
  const Counts counts = client->counts();
  EXPECT_EQ(counts.token_requests, 1u);
  EXPECT_EQ(counts.requests, 16u);
}

// Requests every 100 ms for 3.5 s with tokens living 2 s: each token is replaced before it
// expires, so the API never answers 401.
void expect_renewal_before_expiry(bool jwt) {
  FakePlatform::Options options;
  options.token_lifetime = seconds(2);
  options.jwt_tokens = jwt;
  FakePlatform fake(options);
  ASSERT_TRUE(fake.running());
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const auto end = Clock::now() + milliseconds(3500);
  int calls = 0;
  while (Clock::now() < end) {
    const Answer got = client->workflow(Query::details, kAccount, kExecution);
    EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
    ++calls;
    std::this_thread::sleep_for(milliseconds(100));
  }
  for (const auto& request : fake.requests()) {
    EXPECT_EQ(request.status, 200);
    EXPECT_TRUE(request.token_valid);
  }
  EXPECT_EQ(fake.requests().size(), static_cast<size_t>(calls)) << "a request was tried again";
  // At least two renewals in 3.5 s, and far fewer token requests than API requests.
  EXPECT_GE(fake.token_requests().size(), 3u);
  EXPECT_LE(fake.token_requests().size(), 6u);
}

TEST(RetrievalApiOauth, JwtTokenIsRenewedBeforeItsExpClaim) {
  expect_renewal_before_expiry(true);
}

TEST(RetrievalApiOauth, OpaqueTokenIsRenewedBeforeExpiresIn) {
  expect_renewal_before_expiry(false);
}

TEST(RetrievalApiOauth, A401GetsOneNewTokenAndOneRetry) {
  FakePlatform fake;
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  ASSERT_EQ(client->workflow(Query::status, kAccount, kExecution).outcome, Outcome::ok);
  fake.revoke_tokens();
  const Answer got = client->workflow(Query::details, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.http_status, 200);
  EXPECT_EQ(got.attempts, 2);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].status, 401);
  EXPECT_EQ(requests[2].status, 200);
  const auto tokens = fake.token_requests();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(requests[1].token, tokens[0].token);
  EXPECT_EQ(requests[2].token, tokens[1].token);
  EXPECT_NE(tokens[0].token, tokens[1].token);
  // The new token serves the next request too.
  EXPECT_EQ(client->workflow(Query::status, kAccount, kExecution).outcome, Outcome::ok);
  EXPECT_EQ(fake.token_requests().size(), 2u);
}

TEST(RetrievalApiOauth, A401TwiceIsUnauthorizedAfterOneRetry) {
  FakePlatform fake;
  fake.script(PlatformEndpoint::details, kExecution, {answer_with(401)});
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Answer got = client->workflow(Query::details, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::unauthorized);
  EXPECT_EQ(got.http_status, 401);
  EXPECT_NE(got.error.find("retrieval.datacenter"), std::string::npos) << got.error;
  EXPECT_EQ(fake.request_count(kExecution), 2u);
  EXPECT_EQ(fake.token_requests().size(), 2u);
}

TEST(RetrievalApiOauth, A403IsUnauthorizedWithoutANewToken) {
  FakePlatform fake;
  fake.script(PlatformEndpoint::status, kExecution, {answer_with(403)});
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Answer got = client->workflow(Query::status, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::unauthorized);
  EXPECT_EQ(got.http_status, 403);
  EXPECT_EQ(fake.request_count(kExecution), 1u);
  EXPECT_EQ(fake.token_requests().size(), 1u);
}

TEST(RetrievalApiOauth, A429OnTheApiWaitsItsRetryAfterWithTheSameToken) {
  FakePlatform fake;
  fake.script(PlatformEndpoint::status, kExecution,
              {answer_with(429, {{"Retry-After", "1"}}), answer_with(200)});
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Answer got = client->workflow(Query::status, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(seconds_between(requests[0].time, requests[1].time), 0.9);
  EXPECT_EQ(requests[0].token, requests[1].token);
  EXPECT_EQ(fake.token_requests().size(), 1u);
}

TEST(RetrievalApiOauth, A429OnTheTokenEndpointWaitsItsRetryAfter) {
  FakePlatform fake;
  fake.script_token({answer_with(429, {{"Retry-After", "1"}})});
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Answer got = client->workflow(Query::status, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  const auto tokens = fake.token_requests();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].status, 429);
  EXPECT_EQ(tokens[1].status, 200);
  EXPECT_GE(seconds_between(tokens[0].time, tokens[1].time), 0.9);
  EXPECT_EQ(client->counts().token_requests, 2u);
  EXPECT_EQ(client->counts().retries, 0u) << "token retries are not API retries";
}

TEST(RetrievalApiOauth, RefusedClientCredentialsAreUnauthorizedWithoutAnApiRequest) {
  FakePlatform fake;
  config::RetrievalConfig config = platform_config(fake);
  config.api_secret = "wrong-secret-5d1e";
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  const Answer got = client->workflow(Query::status, kAccount, kExecution);
  EXPECT_EQ(got.outcome, Outcome::unauthorized);
  EXPECT_NE(got.error.find("JUMIO_BRIDGE_RETRIEVAL_API_TOKEN"), std::string::npos) << got.error;
  EXPECT_EQ(got.error.find("wrong-secret-5d1e"), std::string::npos);
  EXPECT_EQ(fake.token_requests().size(), 1u) << "a refusal is not asked again";
  EXPECT_TRUE(fake.requests().empty());
}

TEST(RetrievalApiOauth, TokensAndSecretsNeverReachLogsOrErrors) {
  FakePlatform fake;
  config::RetrievalConfig config = platform_config(fake);
  config.max_attempts = 2;
  fake.script(PlatformEndpoint::details, kExecution, {answer_with(401)});
  fake.script(PlatformEndpoint::status, kExecution,
              {answer_with(429, {{"Retry-After", "0"}}), answer_with(500), answer_with(403)});
  fake.script_token({answer_with(429, {{"Retry-After", "0"}})});
  std::vector<Answer> answers;
  const std::string log = test::captured_stderr([&] {
    log::set_level(log::Level::debug);
    auto client = retrieval_client_for(config);
    answers.push_back(client->workflow(Query::details, kAccount, kExecution));  // 401, 401
    answers.push_back(client->workflow(Query::status, kAccount, kExecution));   // 429, 500
    answers.push_back(client->workflow(Query::status, kAccount, kExecution));   // 403
    config::RetrievalConfig wrong = config;
    wrong.api_secret = "wrong-secret-77aa";
    answers.push_back(retrieval_client_for(wrong)->workflow(Query::status, kAccount, kExecution));
    log::set_level(log::Level::info);
  });
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].outcome, Outcome::unauthorized);
  EXPECT_EQ(answers[1].outcome, Outcome::failed);
  EXPECT_EQ(answers[2].outcome, Outcome::unauthorized);
  EXPECT_EQ(answers[3].outcome, Outcome::unauthorized);
  std::vector<std::string> secrets = {
      config.api_secret, "wrong-secret-77aa",
      httplib::make_basic_authentication_header(config.api_token, config.api_secret).second};
  for (const auto& request : fake.token_requests()) {
    if (!request.token.empty()) secrets.push_back(request.token);
  }
  ASSERT_GE(secrets.size(), 5u) << "tokens were issued";
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
    for (const Answer& got : answers) EXPECT_EQ(got.error.find(secret), std::string::npos);
  }
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << log;
  EXPECT_NE(log.find("\"status\":429"), std::string::npos) << log;
  EXPECT_EQ(log.find("Unauthorized"), std::string::npos) << "a body was logged: " << log;
}

TEST(RetrievalApiOauth, LegacyApisCarryTheBearerToken) {
  FakeRetrievalApi fake;
  auto client = retrieval_client_for(test::retrieval_config_for(fake));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->status(Api::netverify, test::kRetrievalReference).outcome, Outcome::ok);
  EXPECT_EQ(client->details(Api::document, test::kRetrievalReference).outcome, Outcome::ok);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) EXPECT_TRUE(request.bearer);
  EXPECT_EQ(fake.token_requests(), 1u);
}

TEST(RetrievalApiOauth, BasicModeSendsBasicAndAsksNoToken) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = test::retrieval_config_for(fake);
  config.auth = "basic";
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->status(Api::netverify, test::kRetrievalReference).outcome, Outcome::ok);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].authorized);
  EXPECT_FALSE(requests[0].bearer);
  EXPECT_EQ(fake.token_requests(), 0u);
  // The platform takes OAuth2 only.
  EXPECT_NE(Client::platform_problem(config).find("retrieval.auth"), std::string::npos);
  const Answer workflow = client->workflow(Query::status, kAccount, kExecution);
  EXPECT_EQ(workflow.outcome, Outcome::unauthorized);
  EXPECT_NE(workflow.error.find("retrieval.auth"), std::string::npos) << workflow.error;
  EXPECT_EQ(fake.requests().size(), 1u);
  EXPECT_TRUE(Client::platform_problem(test::retrieval_config_for(fake)).empty());
}

TEST(RetrievalApiOauth, CreateRefusesUnusableOauthConfig) {
  FakePlatform fake;
  const std::pair<void (*)(config::RetrievalConfig&), const char*> cases[] = {
      {[](config::RetrievalConfig& c) { c.auth = "digest"; }, "retrieval.auth"},
      {[](config::RetrievalConfig& c) { c.token_url = "http://auth.example/oauth2/token"; },
       "retrieval.token_url"},
      {[](config::RetrievalConfig& c) { c.platform_base_url = "ftp://127.0.0.1/"; },
       "retrieval.platform_base_url"},
  };
  for (const auto& [change, expected] : cases) {
    config::RetrievalConfig config = platform_config(fake);
    change(config);
    std::string error;
    EXPECT_FALSE(Client::create(config, &error)) << expected;
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

TEST(RetrievalApiOauth, FetchWorkflowAsksTheStatusThenTheDetailsOfATerminalExecution) {
  FakePlatform fake;
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Fetched fetched = fetch_workflow(*client, kAccount, kExecution);
  ASSERT_EQ(fetched.outcome, Fetched::Outcome::event) << fetched.error;
  EXPECT_EQ(fetched.status, "PROCESSED");
  ASSERT_TRUE(fetched.event);
  EXPECT_EQ(fetched.event->reference, kExecution);
  EXPECT_EQ(fetched.event->status, "PASSED");
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, std::string("/api/v1/accounts/") + kAccount +
                                    "/workflow-executions/" + kExecution + "/status");
  EXPECT_EQ(requests[1].target,
            std::string("/api/v1/accounts/") + kAccount + "/workflow-executions/" + kExecution);
}

TEST(RetrievalApiOauth, FetchWorkflowOfARunningExecutionIsPendingWithoutDetails) {
  FakePlatform fake;
  fake.set_workflow(kExecution, "ACQUIRED");
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  const Fetched fetched = fetch_workflow(*client, kAccount, kExecution);
  EXPECT_EQ(fetched.outcome, Fetched::Outcome::pending);
  EXPECT_EQ(fetched.status, "ACQUIRED");
  EXPECT_EQ(fake.requests().size(), 1u);
  // The details alone of a running execution are pending too.
  EXPECT_EQ(fetch_workflow_details(*client, kAccount, kExecution).outcome,
            Fetched::Outcome::pending);
}

TEST(RetrievalApiOauth, FetchWorkflowOfAnUnknownExecutionIsNotFound) {
  FakePlatform fake;
  fake.script(PlatformEndpoint::status, kExecution, {answer_with(404)});
  auto client = retrieval_client_for(platform_config(fake));
  ASSERT_TRUE(client);
  EXPECT_EQ(fetch_workflow(*client, kAccount, kExecution).outcome, Fetched::Outcome::not_found);
}

TEST(RetrievalApiOauth, OutageMakesFetchesFailUntilItEnds) {
  FakePlatform fake;
  config::RetrievalConfig config = platform_config(fake);
  config.max_attempts = 2;
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  fake.set_outage(FakePlatform::Outage::unavailable);
  EXPECT_EQ(fetch_workflow(*client, kAccount, kExecution).outcome, Fetched::Outcome::failed);
  fake.set_outage(FakePlatform::Outage::refused);
  EXPECT_EQ(fetch_workflow(*client, kAccount, kExecution).outcome, Fetched::Outcome::failed);
  fake.set_outage(FakePlatform::Outage::none);
  EXPECT_EQ(fetch_workflow(*client, kAccount, kExecution).outcome, Fetched::Outcome::event);
}

}  // namespace
}  // namespace jb::retrieval_api
