// The status table (daemon/callback/statuses.h) against the callback readers: each reader routes
// exactly the statuses the table lists for its kind and refuses every other with unknown_status,
// and every status of the table is one some callback routes.
#include "callback/statuses.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "callback/normalize.h"
#include "support/callbacks.h"

namespace jb::callback {
namespace {

const auto kReceivedAt =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1614834967000));

Result<Event> normalize_form(const FormFields& fields) {
  const std::string body = form_encode(fields);
  return normalize(Incoming{body, "application/x-www-form-urlencoded", kReceivedAt});
}

bool listed(const std::vector<std::string_view>& table, std::string_view status) {
  return std::find(table.begin(), table.end(), status) != table.end();
}

// Every status any table lists, and near misses of them.
std::vector<std::string> candidate_statuses() {
  std::set<std::string> out = {"PENDING", "DONE",    "APPROVED", "approved_verified", "Passed",
                               "UNKNOWN", "FAILED ", "DENIED",   "CREATED",           "STARTED"};
  for (Kind kind : {Kind::netverify, Kind::authentication, Kind::document}) {
    for (std::string_view status : event_statuses(kind)) out.emplace(status);
  }
  for (std::string_view status : document_statuses()) out.emplace(status);
  for (std::string_view status : document_transaction_statuses()) out.emplace(status);
  return {out.begin(), out.end()};
}

// Checks that `result` routes `status` when the table lists it, and is refused with
// unknown_status when it does not.
void expect_routed_iff_listed(const Result<Event>& result,
                              const std::vector<std::string_view>& table,
                              const std::string& status) {
  if (listed(table, status)) {
    ASSERT_TRUE(result.ok()) << status << ": " << result.failure().detail;
    EXPECT_EQ(result.value().status, status);
  } else {
    ASSERT_FALSE(result.ok()) << status;
    EXPECT_EQ(result.failure().reason, DeadLetterReason::unknown_status)
        << status << ": " << result.failure().detail;
  }
}

TEST(StatusTable, NetverifyRoutesExactlyItsStatuses) {
  for (const std::string& status : candidate_statuses()) {
    SCOPED_TRACE(status);
    expect_routed_iff_listed(normalize_form(netverify_status_fields(status)),
                             event_statuses(Kind::netverify), status);
  }
}

TEST(StatusTable, AuthenticationRoutesExactlyItsStatuses) {
  for (const std::string& status : candidate_statuses()) {
    SCOPED_TRACE(status);
    expect_routed_iff_listed(normalize_form(authentication_status_fields(status)),
                             event_statuses(Kind::authentication), status);
  }
}

TEST(StatusTable, DocumentRoutesExactlyItsDocumentStatuses) {
  for (const std::string& status : candidate_statuses()) {
    SCOPED_TRACE(status);
    expect_routed_iff_listed(normalize_form(document_status_fields(status)), document_statuses(),
                             status);
  }
}

// document_status_fields with transaction.status replaced (and no document unless DONE).
FormFields document_transaction_fields(const std::string& transaction_status) {
  FormFields fields = document_status_fields(transaction_status == "DONE" ? "UPLOADED" : "");
  for (auto& [name, value] : fields) {
    if (name != "transaction") continue;
    const std::string from = transaction_status == "DONE" ? "\"DONE\"" : "\"FAILED\"";
    value.replace(value.find(from), from.size(), "\"" + transaction_status + "\"");
  }
  return fields;
}

TEST(StatusTable, DocumentRoutesExactlyItsTransactionStatuses) {
  for (const std::string& status : candidate_statuses()) {
    SCOPED_TRACE(status);
    const Result<Event> result = normalize_form(document_transaction_fields(status));
    if (listed(document_transaction_statuses(), status)) {
      ASSERT_TRUE(result.ok()) << result.failure().detail;
      // DONE routes the document's status; any other is the event's status itself.
      EXPECT_EQ(result.value().status, status == "DONE" ? "UPLOADED" : status);
    } else {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.failure().reason, DeadLetterReason::unknown_status)
          << result.failure().detail;
    }
  }
}

TEST(StatusTable, EveryEventStatusIsOneACallbackRoutes) {
  std::set<std::string> document_routed;
  for (std::string_view status : document_statuses()) {
    auto result = normalize_form(document_status_fields(std::string(status)));
    ASSERT_TRUE(result.ok()) << status;
    document_routed.insert(result.value().status);
  }
  auto failed = normalize_form(document_status_fields(""));
  ASSERT_TRUE(failed.ok()) << failed.failure().detail;
  document_routed.insert(failed.value().status);
  const auto& table = event_statuses(Kind::document);
  EXPECT_EQ(document_routed, std::set<std::string>(table.begin(), table.end()));
  EXPECT_EQ(document_routed.size(), table.size());
}

TEST(StatusTable, TheSpecSamplesRouteStatusesOfTheTable) {
  for (const SampleCallback& sample : spec_sample_callbacks()) {
    auto result =
        normalize(Incoming{sample.body, "application/x-www-form-urlencoded", kReceivedAt});
    ASSERT_TRUE(result.ok()) << sample.name << ": " << result.failure().detail;
    EXPECT_TRUE(listed(event_statuses(result.value().kind), result.value().status))
        << sample.name << ": " << result.value().status;
  }
}

TEST(StatusTable, AStatusOfAnotherKindIsUnknown) {
  auto netverify = normalize_form(netverify_status_fields("PASSED"));
  ASSERT_FALSE(netverify.ok());
  EXPECT_EQ(netverify.failure().reason, DeadLetterReason::unknown_status);
  auto authentication = normalize_form(authentication_status_fields("APPROVED_VERIFIED"));
  ASSERT_FALSE(authentication.ok());
  EXPECT_EQ(authentication.failure().reason, DeadLetterReason::unknown_status);
  auto document = normalize_form(document_status_fields("FAILED"));  // FAILED is the transaction's
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.failure().reason, DeadLetterReason::unknown_status);
}

}  // namespace
}  // namespace jb::callback
