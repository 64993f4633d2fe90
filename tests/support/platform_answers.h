// Jumio Platform Retrieval API (API v1) answers for tests, from the platform reference's samples:
// the status answer and the workflow details answer (workflow 10011, the 10013 extras, the
// abandoned TOKEN_EXPIRED transaction). Used by the workflow mapping's tests and as the fake
// platform's default bodies.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace jb::test {

// GET …/workflow-executions/{id}/status: account {id, href}, workflowExecution {id, href,
// definitionKey "10011", status}.
std::string workflow_status_body(const std::string& account, const std::string& execution,
                                 const std::string& status);

struct DetailsOptions {
  std::string workflow_status = "PROCESSED";
  std::string decision_type = "PASSED";
  std::string decision_label = "PASSED";  // empty: decision.details has no label
  double risk_score = 12.5;
  // "10013" adds watchlistScreening, addressValidation, proofOfResidency and
  // drivingLicenseVerification to 10011's capabilities.
  std::string definition_key = "10011";
  bool capabilities = true;  // false: no capabilities member
  // Added under capabilities: name -> JSON array text (replaces a capability of that name).
  std::vector<std::pair<std::string, std::string>> extra_capabilities;
  bool legacy_layout = false;  // decision under workflow.decision (the January 2022 guide)
  bool completed = true;       // false: only createdAt, no credentials, steps or completedAt
};

// The abandoned transaction of the reference: TOKEN_EXPIRED, decision NOT_EXECUTED /
// TOKEN_EXPIRED, risk -1, workflow 10013, no capabilities.
DetailsOptions token_expired_details();

// GET …/workflow-executions/{id}: the assembled 10011 sample (credentials with part hrefs,
// decision, steps href, capabilities usability … similarity with the extraction data and its
// address), changed as `options` says.
std::string workflow_details_body(const std::string& account, const std::string& execution,
                                  const DetailsOptions& options = {});

}  // namespace jb::test
