#include "support/retrieval_client.h"

#include <gtest/gtest.h>

namespace jb::test {

using std::chrono::milliseconds;

config::RetrievalConfig retrieval_config_for(const FakeRetrievalApi& fake) {
  config::RetrievalConfig config;
  config.base_url = fake.base_url();
  config.token_url = fake.token_url();
  config.user_agent = kRetrievalUserAgent;
  config.timeout_ms = 2000;
  config.max_requests_per_second = 1000;
  config.max_attempts = 5;
  config.ca_file = fake.ca_file();
  config.api_token = fake.options().api_token;
  config.api_secret = fake.options().api_secret;
  return config;
}

retrieval_api::Timing fast_retrieval_timing() {
  retrieval_api::Timing timing;
  timing.backoff_base = milliseconds(5);
  timing.backoff_cap = milliseconds(20);
  return timing;
}

std::unique_ptr<retrieval_api::Client> retrieval_client_for(const config::RetrievalConfig& config,
                                                            retrieval_api::Timing timing) {
  std::string error;
  std::unique_ptr<retrieval_api::Client> client =
      retrieval_api::Client::create(config, &error, timing);
  EXPECT_TRUE(client) << error;
  return client;
}

ScriptedAnswer answer_with(int status, std::vector<std::pair<std::string, std::string>> headers) {
  ScriptedAnswer scripted;
  scripted.status = status;
  scripted.headers = std::move(headers);
  return scripted;
}

}  // namespace jb::test
