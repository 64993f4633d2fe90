// The Jumio Platform workflow mapping (daemon/retrieval/workflow.h) over untrusted details and
// status answers. The input is the answer as it came from the network; it is mapped twice: for
// the ids it names itself (workflow.id and account.id, or workflowExecution.id for a status
// answer), so that the mapping gets past the id checks, and for fixed ids. For every input:
// - read_workflow_status() returns a non-empty status or a retrieval_invalid failure;
// - workflow_event() returns an event or a retrieval_invalid failure;
// - no failure detail repeats a string value of the answer of 8 bytes or more, except where the
//   detail's own vocabulary covers it: the mapping's fixed phrases, RapidJSON's parse errors,
//   numbers and the answer's member names (which details name);
// - an event is valid UTF-8 JSON of kind workflow, origin retrieval, its reference the execution
//   asked for, valid against schemas/event.workflow.schema.json with the envelope agreeing with
//   data (the no-invalid-event invariant, tests/support/schema_check);
// - no string in the event is a link (http:// or https://) and no member is named href;
// - the same answer mapped again, received at another time, gives the same eventId and the same
//   JSON except receivedAt.
// A violation prints what was broken and abort()s.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "callback/event.h"
#include "common/result.h"
#include "common/utf8.h"
#include "detail_check.h"
#include "retrieval/mapping.h"
#include "retrieval/workflow.h"
#include "support/schema_check.h"

namespace {

constexpr std::string_view kAccount = "11111111-1111-1111-1111-111111111111";
constexpr std::string_view kExecution = "22222222-2222-2222-2222-222222222222";
// Deeper answers are not walked (the mapping refuses those nested deeper than 64).
constexpr int kDeepestWalked = 200;

[[noreturn]] void fail(const char* what, const std::string& detail, const std::string& text) {
  jb::fuzz::fail("workflow_fuzzer", what, detail, text);
}

// The fixed text of the details workflow.cpp (and the parsing it shares with mapping.cpp) writes
// around member names and numbers.
constexpr std::string_view kFixedPhrases[] = {
    "the answer is not valid JSON (",
    " at offset ",
    "the answer is not a JSON object",
    "the answer nests deeper than ",
    "the answer has a NUL character",
    " is not a YYYY-MM-DD date",
    " is not a YYYY-MM-DDThh:mm:ss[.SSS]Z timestamp",
    " is absent or not a string",
    " is absent or not an object",
    " is absent, empty or not a string",
    " is not a string",
    " is not a number",
    " is not an array",
    " is not an object",
    " is not a JSON object",
    " is not PASSED, REJECTED, WARNING or NOT_EXECUTED",
    " is not the workflow execution asked for",
    " is not the account asked for",
    "decision is absent (nor is there a workflow.decision)",
    "the workflow execution id or account id asked for is not a UUID",
    "the event is not valid UTF-8",
    // The fixed member paths details begin with (the answer's own names cover the rest).
    "workflowExecution.status",
    "workflowExecution.id",
    "workflowExecution",
    "workflow.customerInternalReference",
    "workflow.userReference",
    "workflow.definitionKey",
    "workflow.status",
    "workflow.decision",
    "workflow.id",
    "workflow",
    "account.id",
    "capabilities",
    "decision",
    "createdAt",
    "startedAt",
    "completedAt",
};

using jb::fuzz::AnswerText;

void collect(const rapidjson::Value& value, AnswerText* text) {
  if (value.IsString()) {
    text->values.emplace_back(value.GetString(), value.GetStringLength());
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      text->names.emplace_back(member.name.GetString(), member.name.GetStringLength());
      collect(member.value, text);
    }
  } else if (value.IsArray()) {
    for (const auto& element : value.GetArray()) collect(element, text);
  }
}

// What a detail may say: the phrases above and RapidJSON's parse error messages. Built once.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> out(std::begin(kFixedPhrases), std::end(kFixedPhrases));
    for (int code = 0; code <= rapidjson::kParseErrorTermination; ++code)
      out.emplace_back(rapidjson::GetParseError_En(static_cast<rapidjson::ParseErrorCode>(code)));
    return out;
  }();
  return words;
}

// Fails when `detail` repeats a value of 8 bytes or more that the answer's member names do not
// cover (a detail names members, never their values); offsets, depths and other numbers after a
// space are its own.
void check_detail(const char* where, const std::string& detail, const AnswerText& answer,
                  const std::string& input) {
  jb::fuzz::check_detail(
      "workflow_fuzzer", where, detail, vocabulary(), answer, input,
      [](std::string_view text, size_t begin) { return begin >= 1 && text[begin - 1] == ' '; });
}

bool is_link(std::string_view text) {
  auto starts = [text](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
  };
  return starts("http://") || starts("https://");
}

// Fails when a string of the event is a link or a member is named href.
void check_no_links(const rapidjson::Value& value, const std::string& event) {
  if (value.IsString() && is_link({value.GetString(), value.GetStringLength()}))
    fail("workflow_event", "the event holds a link", event);
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      if (std::string_view(member.name.GetString(), member.name.GetStringLength()) == "href")
        fail("workflow_event", "the event has an href member", event);
      check_no_links(member.value, event);
    }
  } else if (value.IsArray()) {
    for (const auto& element : value.GetArray()) check_no_links(element, event);
  }
}

std::string string_in(const rapidjson::Value& object, const char* outer, const char* name,
                      std::string_view otherwise) {
  if (!object.IsObject() || !object.HasMember(outer) || !object[outer].IsObject())
    return std::string(otherwise);
  const rapidjson::Value& inner = object[outer];
  if (!inner.HasMember(name) || !inner[name].IsString()) return std::string(otherwise);
  return std::string(inner[name].GetString(), inner[name].GetStringLength());
}

void check_mapping(const std::string& answer, const std::string& execution,
                   const std::string& account, const AnswerText& text) {
  const auto first_time = std::chrono::system_clock::time_point(std::chrono::seconds(1600000000));
  const auto second_time = first_time + std::chrono::hours(49) + std::chrono::milliseconds(123);

  auto status = jb::retrieval::read_workflow_status(answer, execution);
  if (status.ok()) {
    if (status.value().empty()) fail("read_workflow_status", "an empty status", answer);
  } else {
    if (status.failure().reason != jb::DeadLetterReason::retrieval_invalid)
      fail("read_workflow_status", "the failure is not retrieval_invalid", status.failure().detail);
    check_detail("read_workflow_status", status.failure().detail, text, answer);
  }

  auto result = jb::retrieval::workflow_event(answer, execution, account, first_time);
  if (!result.ok()) {
    const jb::Failure& failure = result.failure();
    if (failure.reason != jb::DeadLetterReason::retrieval_invalid)
      fail("workflow_event", "the failure is not retrieval_invalid", failure.detail);
    check_detail("workflow_event", failure.detail, text, answer);
    auto again = jb::retrieval::workflow_event(answer, execution, account, second_time);
    if (again.ok() || again.failure().detail != failure.detail)
      fail("workflow_event", "mapped again, the answer gives another result", failure.detail);
    return;
  }

  const jb::callback::Event& event = result.value();
  if (!jb::is_valid_utf8(event.json)) fail("workflow_event", "the event is not UTF-8", answer);
  if (event.kind != jb::callback::Kind::workflow ||
      event.origin != jb::callback::Origin::retrieval || event.notification)
    fail("workflow_event", "the event has another kind or origin", event.json);
  if (event.reference != execution)
    fail("workflow_event", "the event's reference is not the execution asked for", event.json);
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseValidateEncodingFlag>(event.json.data(), event.json.size());
  if (parsed.HasParseError() || !parsed.IsObject())
    fail("workflow_event", "the event is not a JSON object", event.json);
  std::string error = jb::schema::event_error(event.json);
  if (!error.empty()) fail("the event fails its schema", error, event.json);
  if (jb::schema::event_schema_file("WORKFLOW") != "event.workflow.schema.json")
    fail("workflow_event", "the event was not checked against the workflow schema", event.json);
  check_no_links(parsed, event.json);

  auto again = jb::retrieval::workflow_event(answer, execution, account, second_time);
  if (!again.ok())
    fail("workflow_event", "mapped again, the answer fails: " + again.failure().detail, event.json);
  if (again.value().event_id != event.event_id)
    fail("workflow_event", "mapped again, the answer gets another eventId", event.json);
  const std::string first_received = "\"receivedAt\":\"" + event.received_at + "\"";
  const std::string second_received = "\"receivedAt\":\"" + again.value().received_at + "\"";
  std::string expected = event.json;
  const size_t at = expected.find(first_received);
  if (at == std::string::npos || again.value().received_at == event.received_at)
    fail("workflow_event", "receivedAt does not follow the time received", event.json);
  expected.replace(at, first_received.size(), second_received);
  if (again.value().json != expected)
    fail("workflow_event", "mapped again, the answer gives another event",
         event.json + "\n" + again.value().json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string answer(reinterpret_cast<const char*>(data), size);
  AnswerText text;
  rapidjson::Document document;
  if (!jb::retrieval::nests_deeper_than(answer, kDeepestWalked)) {
    document.Parse(answer.data(), answer.size());
    if (!document.HasParseError()) collect(document, &text);
  }
  // The ids the answer names, so that the mapping gets past its id checks.
  const std::string execution =
      document.HasParseError()
          ? std::string(kExecution)
          : string_in(document, "workflow", "id",
                      string_in(document, "workflowExecution", "id", kExecution));
  const std::string account = document.HasParseError()
                                  ? std::string(kAccount)
                                  : string_in(document, "account", "id", kAccount);
  check_mapping(answer, execution, account, text);
  if (execution != kExecution || account != kAccount)
    check_mapping(answer, std::string(kExecution), std::string(kAccount), text);
  return 0;
}
