// One transaction through the Retrieval API as Jumio's guide prescribes: its status first; when
// final, its details once; the details mapped to the canonical event (daemon/retrieval). Shared by
// `jumio-bridge retrieve` and `jumio-bridge reconcile`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "callback/event.h"
#include "common/result.h"
#include "retrieval_api/client.h"

namespace jb::retrieval_api {

struct Fetched {
  enum class Outcome {
    event,         // final, and the details became `event`
    invalid,       // final, but the details cannot become an event: dead-letter `answer`
    pending,       // not final yet (status PENDING, or Authentication CREATED/STARTED)
    not_found,     // 404: Jumio has no such transaction (or it was deleted)
    unauthorized,  // 401/403: the credentials are wrong or lack the permission
    failed,        // no usable answer after the client's retries: ask again later
    stopped,       // the client was stopped
    withdrawn,     // final, but before_details said not to ask for the details
  };
  Outcome outcome = Outcome::failed;
  std::string status;                    // the status answer's status, when one was read
  std::optional<callback::Event> event;  // Outcome::event
  std::optional<Failure> failure;        // Outcome::invalid: reason retrieval_invalid
  std::string answer;                    // Outcome::invalid: the details answer, whole
  std::chrono::system_clock::time_point answered_at;  // when the details answer arrived
  std::string error;  // failed, unauthorized: why (status code, error class; no personal data)
  int http_status = 0;
};

// "event", "invalid", "pending", "not found", "unauthorized", "failed", "stopped", "withdrawn".
std::string_view outcome_name(Fetched::Outcome outcome);

// Asks for the status of `reference`, then (when final) for its details once, and maps them. An
// answer for another reference than the one asked for is invalid. Authentication has no status
// endpoint: its one answer is both. When the status is final and `before_details` is given, it is
// called before the details are asked for; false ends the fetch as Outcome::withdrawn (reconcile:
// the reference's event was read meanwhile).
Fetched fetch(Client& client, callback::Kind kind, const std::string& reference,
              const std::function<bool()>& before_details = nullptr);

// A workflow execution (Jumio Platform): its status first; when terminal (PROCESSED,
// SESSION_EXPIRED, TOKEN_EXPIRED), before_details, then its details once, mapped by
// retrieval/workflow.h to the workflow event. A non-terminal status is Outcome::pending.
Fetched fetch_workflow(Client& client, const std::string& account_id,
                       const std::string& execution_id,
                       const std::function<bool()>& before_details = nullptr);
// The details only, for a notification that already said the execution is terminal: the workflow
// event, or invalid, not_found, unauthorized, failed, stopped. A details answer whose
// workflow.status is not terminal is Outcome::pending.
Fetched fetch_workflow_details(Client& client, const std::string& account_id,
                               const std::string& execution_id);

// The Api of a callback kind.
Api api_of(callback::Kind kind);

}  // namespace jb::retrieval_api
