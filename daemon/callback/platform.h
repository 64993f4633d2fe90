// Jumio Platform (KYX) callbacks (CONTRACT.md section 8): a JSON body announcing a workflow
// execution, {callbackSentAt, userReference, workflowExecution {id, href, definitionKey, status},
// account {id, href}}. It carries no result: it is stored as a canonical notification on
// topics.workflow_callbacks, and reconcile fetches the result. Pure: no I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "callback/event.h"
#include "common/result.h"

namespace jb::callback {

// True when the body, after leading whitespace, is a JSON object with an object-valued
// workflowExecution member: a platform callback, whatever its Content-Type.
bool is_platform_callback(std::string_view body);

// The canonical notification (kind workflow, notification true, status = workflowExecution.status,
// reference = workflowExecution.id), or platform_invalid naming the member at fault (never its
// value): ids that are not UUIDs, required members missing or of the wrong type, callbackSentAt
// not a timestamp, not JSON. Any non-empty status is accepted. Unknown members are left out.
Result<Event> normalize_platform_callback(std::string_view body,
                                          std::chrono::system_clock::time_point received_at);

// Whether a workflow execution status is final: PROCESSED, SESSION_EXPIRED, TOKEN_EXPIRED.
bool is_terminal_workflow_status(std::string_view status);
// Whether Jumio documents the status: the terminal ones, INITIATED and ACQUIRED. Others are
// accepted all the same; metrics count them as "other" so that a sender cannot add label values.
bool is_documented_workflow_status(std::string_view status);

// True when `text` is a UUID: 8-4-4-4-12 hexadecimal digits, either case.
bool is_uuid(std::string_view text);

// A stored notification read back (reconcile).
struct Notification {
  std::string event_id;
  std::string execution_id;  // reference
  std::string account_id;
  std::string definition_key;  // "" when absent
  std::string status;          // workflowStatus
};
// False when the value is not a canonical notification (callbackType WORKFLOW with UUID reference
// and accountId, and a workflowStatus).
bool parse_notification(std::string_view value, Notification* out);

}  // namespace jb::callback
