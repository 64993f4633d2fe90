// The canonical event: what one Jumio callback becomes before it is routed to Kafka.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace jb::callback {

// The legacy Netverify callbacks' three kinds, and the Jumio Platform's workflow executions (a
// platform callback's stored notification, and the workflow event built from its details).
enum class Kind { netverify, authentication, document, workflow };

// Where an event's content came from: a callback Jumio sent, or Jumio's Retrieval API.
enum class Origin { callback, retrieval };

// The event's origin member: "callback" | "retrieval".
std::string_view origin_name(Origin origin);

// "{type}" in topic names: "netverify" | "authentication" | "document" | "workflow".
std::string_view kind_type(Kind kind);
// The event's callbackType: "NETVERIFYID" | "NETVERIFY_AUTHENTICATION" | "DOCUMENT_VERIFICATION" |
// "WORKFLOW".
std::string_view kind_callback_type(Kind kind);

// A deviation that did not stop publishing. problem is one of missing_required, too_long,
// unknown_parameter, unknown_value; field is a parameter name or a dotted path ("idAddress.zip").
struct Warning {
  std::string field;
  std::string problem;
};

struct Event {
  Kind kind;
  Origin origin = Origin::callback;
  std::string event_id;       // deterministic from the callback content
  std::string status;         // as Jumio spells it, e.g. "APPROVED_VERIFIED"
  std::string reference;      // the Jumio transaction reference; the Kafka key
  std::string callback_date;  // canonical timestamp, empty when the callback had none
  std::string received_at;    // canonical timestamp
  std::vector<Warning> warnings;
  std::string json;  // the whole canonical event, UTF-8 JSON (CONTRACT.md section 4)
  // A platform callback's stored notification (kind workflow): routed to topics.workflow_callbacks,
  // not by status; its status is workflowExecution.status.
  bool notification = false;
};

// One callback as it arrived.
struct Incoming {
  std::string_view body;
  std::string_view content_type;  // empty when the request carried none
  std::chrono::system_clock::time_point received_at;
};

}  // namespace jb::callback
