// The Retrieval API client against a fake Jumio on loopback (real TLS with a throw-away CA): the
// headers and paths it sends, certificate verification, which answers are final and which are
// tried again (and how long it waits), the process-wide request spacing, stop(), and that no
// credential reaches an error or a log line. The connection pool and the timeout of a whole
// request: retrieval_api_connections_test.cpp.
#include "retrieval_api/client.h"
#include "support/captured_stderr.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "support/fake_retrieval_api.h"
#include "support/retrieval_client.h"
#include "support/test_tls.h"

namespace jb::retrieval_api {
namespace {

using jb::test::answer_with;
using jb::test::FakeRetrievalApi;
using jb::test::fast_retrieval_timing;
using jb::test::retrieval_client_for;
using jb::test::retrieval_config_for;
using jb::test::RetrievalEndpoint;
using jb::test::ScriptedAnswer;
using Outcome = Answer::Outcome;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kReference = test::kRetrievalReference;
constexpr const char* kUserAgent = test::kRetrievalUserAgent;

// What the calls in `run` wrote to stderr (the log).
template <typename Run>
std::string captured_log(Run run) {
  return test::captured_stderr(run);
}

// The Basic credentials as they appear on the wire (base64 of token:secret).
std::string httplib_basic(const config::RetrievalConfig& config) {
  const std::string field =
      httplib::make_basic_authentication_header(config.api_token, config.api_secret).second;
  return field.substr(field.find(' ') + 1);
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

TEST(RetrievalApiClient, SendsAcceptUserAgentAndBasicAuthOnOneKeptAliveConnection) {
  FakeRetrievalApi fake;
  ASSERT_TRUE(fake.running());
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.auth = "basic";
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  const Answer first = client->status(Api::netverify, kReference);
  const Answer second = client->details(Api::netverify, kReference);
  EXPECT_EQ(first.outcome, Outcome::ok) << first.error;
  EXPECT_EQ(first.http_status, 200);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_EQ(first.body, jb::test::scan_status_body(kReference));
  EXPECT_EQ(second.body, jb::test::scan_details_body(kReference));
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.accept, std::vector<std::string>{"application/json"});
    EXPECT_EQ(request.user_agent, kUserAgent);
    EXPECT_TRUE(request.authorized);
    EXPECT_FALSE(request.bearer);
  }
  EXPECT_EQ(fake.token_requests(), 0u);
  EXPECT_EQ(requests[0].remote_port, requests[1].remote_port) << "a new connection per request";
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 2u);
  EXPECT_EQ(counts.retries, 0u);
  EXPECT_EQ(counts.answers.at(200), 2u);
}

TEST(RetrievalApiClient, EachApiAndQueryHitsItsEndpoint) {
  FakeRetrievalApi fake;
  auto client = retrieval_client_for(retrieval_config_for(fake));
  ASSERT_TRUE(client);
  struct Case {
    Api api;
    bool details;
    const char* target;
    std::string body;
  };
  const std::string base = "/api/netverify/v2/";
  const std::string ref = kReference;
  const Case cases[] = {
      {Api::netverify, false, "scans/", jb::test::scan_status_body(ref)},
      {Api::netverify, true, "scans/{}/data", jb::test::scan_details_body(ref)},
      {Api::authentication, false, "authentications/", jb::test::authentication_body(ref)},
      {Api::authentication, true, "authentications/", jb::test::authentication_body(ref)},
      {Api::document, false, "documents/", jb::test::document_status_body(ref)},
      {Api::document, true, "documents/{}/data", jb::test::document_details_body(ref)},
  };
  for (const Case& c : cases) {
    fake.clear_requests();
    const Answer got = c.details ? client->details(c.api, ref) : client->status(c.api, ref);
    EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
    EXPECT_EQ(got.body, c.body);
    std::string target = base + c.target;
    const size_t slot = target.find("{}");
    if (slot == std::string::npos)
      target += ref;
    else
      target.replace(slot, 2, ref);
    const auto requests = fake.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].target, target) << api_name(c.api);
  }
}

TEST(RetrievalApiClient, ReferenceIsPercentEncodedInThePath) {
  FakeRetrievalApi fake;
  auto client = retrieval_client_for(retrieval_config_for(fake));
  ASSERT_TRUE(client);
  const std::string odd = "a b/../c?d#e%f\xC3\xA9";
  EXPECT_EQ(client->status(Api::netverify, odd).outcome, Outcome::ok);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/netverify/v2/scans/a%20b%2F..%2Fc%3Fd%23e%25f%C3%A9");
  EXPECT_EQ(requests[0].reference, odd);
}

TEST(RetrievalApiClient, EmptyReferenceFailsWithoutARequest) {
  FakeRetrievalApi fake;
  auto client = retrieval_client_for(retrieval_config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->details(Api::document, "");
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(RetrievalApiClient, PlainHttpToLoopback) {
  FakeRetrievalApi::Options options;
  options.tls = false;
  FakeRetrievalApi fake(options);
  ASSERT_TRUE(fake.running());
  ASSERT_EQ(fake.base_url().rfind("http://127.0.0.1:", 0), 0u);
  auto client = retrieval_client_for(retrieval_config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::authentication, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.body, jb::test::authentication_body(kReference));
}

TEST(RetrievalApiClient, UntrustedCertificateFailsAtOnceWithAClearError) {
  FakeRetrievalApi fake;
  FakeRetrievalApi other;  // its CA did not sign fake's certificate
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.auth = "basic";  // else the token request meets the certificate first
  config.ca_file = other.ca_file();
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  const auto start = Clock::now();
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1) << "a certificate problem is not worth trying again";
  EXPECT_EQ(got.http_status, 0);
  EXPECT_NE(got.error.find("certificate is not trusted"), std::string::npos) << got.error;
  EXPECT_NE(got.error.find("retrieval.ca_file"), std::string::npos) << got.error;
  EXPECT_TRUE(fake.requests().empty()) << "the request went out over an unverified connection";
  EXPECT_LT(seconds_between(start, Clock::now()), 2.0);
}

TEST(RetrievalApiClient, CertificateForAnotherHostIsRefused) {
  FakeRetrievalApi::Options options;
  options.certificate_names = {"retrieval.example.invalid"};
  FakeRetrievalApi fake(options);
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.auth = "basic";  // else the token request meets the certificate first
  auto client = retrieval_client_for(config);
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_NE(got.error.find("not trusted"), std::string::npos) << got.error;
  EXPECT_TRUE(fake.requests().empty());
}

TEST(RetrievalApiClient, WithoutCaFileTheSystemStoreIsTrusted) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.ca_file.clear();
  // The system's store does not know the throw-away CA...
  auto untrusting = retrieval_client_for(config);
  ASSERT_TRUE(untrusting);
  EXPECT_EQ(untrusting->status(Api::netverify, kReference).outcome, Outcome::failed);
  // ... and OpenSSL's default paths are what the client loads: SSL_CERT_FILE moves them.
  const char* saved = std::getenv("SSL_CERT_FILE");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("SSL_CERT_FILE", fake.ca_file().c_str(), 1);
  auto trusting = retrieval_client_for(config);
  if (saved != nullptr)
    ::setenv("SSL_CERT_FILE", previous.c_str(), 1);
  else
    ::unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(trusting);
  const Answer got = trusting->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
}

TEST(RetrievalApiClient, NotFoundIsFinal) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer_with(404)});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  ASSERT_TRUE(client);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::not_found);
  EXPECT_EQ(got.http_status, 404);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_TRUE(got.body.empty());
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, RefusedCredentialsAreFinalAndNamedInTheError) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.auth = "basic";  // OAuth2 refusals: retrieval_api_oauth_test.cpp
  config.api_secret = "wrong-secret-value";
  auto wrong = retrieval_client_for(config);
  ASSERT_TRUE(wrong);
  const Answer refused = wrong->status(Api::netverify, kReference);
  EXPECT_EQ(refused.outcome, Outcome::unauthorized);
  EXPECT_EQ(refused.http_status, 401);
  EXPECT_EQ(refused.attempts, 1);
  EXPECT_NE(refused.error.find("api_token"), std::string::npos) << refused.error;
  EXPECT_EQ(fake.request_count(kReference), 1u);

  fake.clear_requests();
  fake.script(RetrievalEndpoint::document_details, kReference, {answer_with(403)});
  auto right = retrieval_client_for(retrieval_config_for(fake));
  const Answer forbidden = right->details(Api::document, kReference);
  EXPECT_EQ(forbidden.outcome, Outcome::unauthorized);
  EXPECT_EQ(forbidden.http_status, 403);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, OtherClientErrorsFailWithoutRetry) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer_with(400)});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.http_status, 400);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, ServerErrorsAreTriedAgain) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_details, kReference,
              {answer_with(500), answer_with(502), answer_with(200)});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  const Answer got = client->details(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 3);
  EXPECT_EQ(got.body, jb::test::scan_details_body(kReference));
  EXPECT_EQ(fake.request_count(kReference), 3u);
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 3u);
  EXPECT_EQ(counts.retries, 2u);
  EXPECT_EQ(counts.answers.at(500), 1u);
  EXPECT_EQ(counts.answers.at(502), 1u);
  EXPECT_EQ(counts.answers.at(200), 1u);
}

TEST(RetrievalApiClient, GivesUpAfterMaxAttempts) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer_with(503)});
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.max_attempts = 3;
  auto client = retrieval_client_for(config);
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.http_status, 503);
  EXPECT_EQ(got.attempts, 3);
  EXPECT_NE(got.error.find("HTTP 503"), std::string::npos) << got.error;
  EXPECT_NE(got.error.find("after 3 attempts"), std::string::npos) << got.error;
  EXPECT_EQ(fake.request_count(kReference), 3u);
}

TEST(RetrievalApiClient, RetryAfterIsWaitedOutInsteadOfTheBackoff) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference,
              {answer_with(429, {{"Retry-After", "1"}}), answer_with(200)});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 2);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  const double waited = seconds_between(requests[0].time, requests[1].time);
  EXPECT_GE(waited, 0.99);
  EXPECT_LT(waited, 3.0);

  // Retry-After: 0 beats a backoff of a minute.
  Timing slow = fast_retrieval_timing();
  slow.backoff_base = milliseconds(60000);
  slow.backoff_cap = milliseconds(60000);
  fake.script(RetrievalEndpoint::scan_status, kReference,
              {answer_with(503, {{"Retry-After", "0"}}), answer_with(200)});
  auto patient = retrieval_client_for(retrieval_config_for(fake), slow);
  const auto start = Clock::now();
  EXPECT_EQ(patient->status(Api::netverify, kReference).outcome, Outcome::ok);
  EXPECT_LT(seconds_between(start, Clock::now()), 2.0);
}

TEST(RetrievalApiClient, SlowAnswerTimesOutAndIsTriedAgain) {
  FakeRetrievalApi fake;
  ScriptedAnswer slow;
  slow.delay = milliseconds(1500);
  fake.script(RetrievalEndpoint::scan_status, kReference, {slow, answer_with(200)});
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.timeout_ms = 300;
  auto client = retrieval_client_for(config);
  // On a kept-alive connection, so that a timeout is not taken for a connection closed while idle.
  ASSERT_EQ(client->status(Api::document, kReference).outcome, Outcome::ok);
  const auto start = Clock::now();
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok) << got.error;
  EXPECT_EQ(got.attempts, 2);
  EXPECT_LT(seconds_between(start, Clock::now()), 1.4) << "waited for the slow answer";
  const Counts counts = client->counts();
  EXPECT_EQ(counts.requests, 3u);
  EXPECT_EQ(counts.answers.at(0), 1u);
}

TEST(RetrievalApiClient, OversizedAnswerFails) {
  FakeRetrievalApi fake;
  ScriptedAnswer big;
  big.body = "{\"pad\":\"" + std::string(5000, 'x') + "\"}";
  fake.script(RetrievalEndpoint::scan_details, kReference, {big});
  Timing timing = fast_retrieval_timing();
  timing.max_answer_bytes = 1000;
  auto client = retrieval_client_for(retrieval_config_for(fake), timing);
  const Answer got = client->details(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::failed);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_TRUE(got.body.empty());
  EXPECT_NE(got.error.find("longer than 1000 bytes"), std::string::npos) << got.error;
}

TEST(RetrievalApiClient, AnyTwoHundredIsOkAndLeftForTheCallerToParse) {
  FakeRetrievalApi fake;
  ScriptedAnswer broken;
  broken.body = "{not json";
  fake.script(RetrievalEndpoint::scan_status, kReference, {broken});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  const Answer got = client->status(Api::netverify, kReference);
  EXPECT_EQ(got.outcome, Outcome::ok);
  EXPECT_EQ(got.body, "{not json");
}

TEST(RetrievalApiClient, StopEndsABackoffAtOnceAndLaterCalls) {
  FakeRetrievalApi fake;
  fake.script(RetrievalEndpoint::scan_status, kReference,
              {answer_with(503, {{"Retry-After", "30"}})});
  auto client = retrieval_client_for(retrieval_config_for(fake));
  auto pending =
      std::async(std::launch::async, [&] { return client->status(Api::netverify, kReference); });
  // Wait until the first answer came, so the call is in its 30-second wait.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (fake.request_count(kReference) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  std::this_thread::sleep_for(milliseconds(50));
  const auto stopped_at = Clock::now();
  client->stop();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_LT(seconds_between(stopped_at, Clock::now()), 0.5);
  EXPECT_EQ(pending.get().outcome, Outcome::stopped);
  const Answer later = client->details(Api::netverify, kReference);
  EXPECT_EQ(later.outcome, Outcome::stopped);
  EXPECT_EQ(later.attempts, 0);
  EXPECT_EQ(fake.request_count(kReference), 1u);
}

TEST(RetrievalApiClient, StopEndsARequestInFlight) {
  FakeRetrievalApi fake;
  ScriptedAnswer slow;
  slow.delay = milliseconds(5000);
  fake.script(RetrievalEndpoint::scan_status, kReference, {slow});
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.timeout_ms = 10000;
  auto client = retrieval_client_for(config);
  auto pending =
      std::async(std::launch::async, [&] { return client->status(Api::netverify, kReference); });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (fake.request_count(kReference) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  const auto stopped_at = Clock::now();
  client->stop();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  EXPECT_LT(seconds_between(stopped_at, Clock::now()), 1.0);
  EXPECT_EQ(pending.get().outcome, Outcome::stopped);
}

TEST(RetrievalApiClient, RequestsOfAllClientsAndThreadsAreSpacedToTheRate) {
  FakeRetrievalApi fake;
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.max_requests_per_second = 5;
  auto first = retrieval_client_for(config);
  auto second = retrieval_client_for(config);
  ASSERT_TRUE(first && second);
  // Six requests at 5/s, from two clients on two threads: at least five intervals of 200 ms.
  auto run = [](Client* client) {
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(client->status(Api::netverify, kReference).outcome, Outcome::ok);
  };
  std::thread one(run, first.get());
  std::thread two(run, second.get());
  one.join();
  two.join();
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 6u);
  const double span = seconds_between(requests.front().time, requests.back().time);
  EXPECT_GE(span, 0.9);
  EXPECT_LT(span, 5.0);
}

TEST(RetrievalApiClient, CredentialsNeverReachErrorsOrLogs) {
  FakeRetrievalApi fake;
  FakeRetrievalApi untrusted;
  config::RetrievalConfig config = retrieval_config_for(fake);
  config.api_token = "token-7f3e9c1d";
  config.api_secret = "secret-b2a4e6f8";
  const std::string basic = httplib_basic(config);
  std::vector<Answer> answers;
  fake.script(RetrievalEndpoint::scan_status, kReference, {answer_with(500), answer_with(502)});
  const std::string log = captured_log([&] {
    config.max_attempts = 2;
    auto refused = retrieval_client_for(config);  // the fake knows other credentials: 401
    answers.push_back(refused->details(Api::netverify, kReference));
    config::RetrievalConfig right = retrieval_config_for(fake);
    right.max_attempts = 2;
    auto failing = retrieval_client_for(right);
    answers.push_back(failing->status(Api::netverify, kReference));
    config::RetrievalConfig wrong_ca = config;
    wrong_ca.ca_file = untrusted.ca_file();
    answers.push_back(retrieval_client_for(wrong_ca)->status(Api::netverify, kReference));
  });
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].outcome, Outcome::unauthorized);
  EXPECT_EQ(answers[1].outcome, Outcome::failed);
  EXPECT_EQ(answers[2].outcome, Outcome::failed);
  for (const std::string& secret : {config.api_token, config.api_secret, basic,
                                    fake.options().api_token, fake.options().api_secret}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
    for (const Answer& got : answers) EXPECT_EQ(got.error.find(secret), std::string::npos);
  }
  // One line per retry and per give-up, with the reference and status, never a body.
  EXPECT_NE(log.find("\"reference\":\"" + std::string(kReference) + "\""), std::string::npos);
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << log;
  EXPECT_NE(log.find("\"status\":500"), std::string::npos) << log;
  EXPECT_EQ(log.find("Unauthorized"), std::string::npos) << "a body was logged: " << log;
  size_t lines = 0;
  for (char c : log) lines += c == '\n';
  EXPECT_EQ(lines, 4u) << log;  // 401 given up; 500 retried, 502 given up; TLS given up
}

TEST(RetrievalApiClient, CreateRefusesUnusableConfig) {
  FakeRetrievalApi fake;
  struct Case {
    const char* name;
    void (*change)(config::RetrievalConfig&);
    const char* expected;
  };
  const Case cases[] = {
      {"no user agent", [](config::RetrievalConfig& c) { c.user_agent.clear(); },
       "retrieval.user_agent"},
      {"no token", [](config::RetrievalConfig& c) { c.api_token.clear(); }, "token or secret"},
      {"no secret", [](config::RetrievalConfig& c) { c.api_secret.clear(); }, "token or secret"},
      {"missing ca_file", [](config::RetrievalConfig& c) { c.ca_file = "/nonexistent/ca.pem"; },
       "retrieval.ca_file"},
      {"ca_file without certificates",
       [](config::RetrievalConfig& c) { c.ca_file = JB_SOURCE_DIR "/README.md"; },
       "no PEM certificate"},
      {"unknown datacenter",
       [](config::RetrievalConfig& c) {
         c.base_url.clear();
         c.datacenter = "APAC";
       },
       "retrieval.datacenter"},
      {"plain http elsewhere",
       [](config::RetrievalConfig& c) { c.base_url = "http://jumio.example/api"; },
       "retrieval.base_url"},
      {"a local API with Jumio's own token endpoint",
       [](config::RetrievalConfig& c) {
         c.auth = "oauth2";
         c.base_url = "http://127.0.0.1:1/api/netverify/v2";
         c.token_url.clear();
       },
       "retrieval.token_url"},
      {"a local platform with Jumio's own token endpoint",
       [](config::RetrievalConfig& c) {
         c.auth = "oauth2";
         c.platform_base_url = "http://127.0.0.1:1";
         c.token_url.clear();
       },
       "retrieval.token_url"},
  };
  for (const Case& c : cases) {
    config::RetrievalConfig config = retrieval_config_for(fake);
    config.api_secret = "secret-c0ffee42";
    c.change(config);
    std::string error;
    EXPECT_FALSE(Client::create(config, &error)) << c.name;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << ": " << error;
    EXPECT_EQ(error.find("secret-c0ffee42"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace jb::retrieval_api
