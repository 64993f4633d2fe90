// Shared by the Retrieval API client's tests: a client configured for a FakeRetrievalApi.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "retrieval_api/client.h"
#include "support/fake_retrieval_api.h"

namespace jb::test {

constexpr char kRetrievalReference[] = "5a8b2a3c-1d2e-4f60-9a7b-0c1d2e3f4a5b";
constexpr char kRetrievalUserAgent[] = "Example Corp jumio-bridge-test/1.0";

// retrieval.* for a client of `fake`: its base URL, token URL (auth oauth2) and CA, its
// credentials, a 2 s timeout, 1,000 requests a second, 5 attempts.
config::RetrievalConfig retrieval_config_for(const FakeRetrievalApi& fake);
// Backoffs of a few milliseconds so that retries cost nothing.
retrieval_api::Timing fast_retrieval_timing();
// A client, or null with a test failure naming why.
std::unique_ptr<retrieval_api::Client> retrieval_client_for(
    const config::RetrievalConfig& config, retrieval_api::Timing timing = fast_retrieval_timing());
// An answer with this status and these headers.
ScriptedAnswer answer_with(int status,
                           std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace jb::test
