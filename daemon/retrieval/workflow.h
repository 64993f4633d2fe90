// Pure mapping from the Jumio Platform's Retrieval API (API v1) answers to workflow events
// (CONTRACT.md section 8; docs/retrieval-mapping.md has the table). No I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "callback/event.h"
#include "common/result.h"

namespace jb::retrieval {

// A status answer (GET …/workflow-executions/{id}/status): workflowExecution.status, as Jumio
// wrote it (any non-empty string). retrieval_invalid when the answer is not a JSON object of that
// shape, or names another execution than `execution_id`.
Result<std::string> read_workflow_status(std::string_view answer, std::string_view execution_id);

// The workflow event of a details answer (GET …/workflow-executions/{id}): kind workflow, origin
// retrieval, status = decision.type (PASSED, REJECTED, WARNING, NOT_EXECUTED), reference = the
// execution id, eventId the same for the same execution and decision whatever else the answer
// holds. data: decision {type, label, riskScore}, definitionKey, workflowStatus, timestamps,
// every capability's decisions, the extracted document data (address in the Raw format with
// formattedAddress, as for legacy callbacks). retrieval_invalid (the detail names the member at
// fault, never a value) when the answer is not such an object, names another execution or account,
// or has no routable decision.
Result<callback::Event> workflow_event(std::string_view answer, std::string_view execution_id,
                                       std::string_view account_id,
                                       std::chrono::system_clock::time_point received_at);

}  // namespace jb::retrieval
