#include "retrieval_api/fetch.h"

#include <rapidjson/document.h>

#include "retrieval/mapping.h"
#include "retrieval/workflow.h"

namespace jb::retrieval_api {
namespace {

// The outcome of an answer that is not 200.
Fetched unanswered(const Answer& answer) {
  Fetched fetched;
  fetched.http_status = answer.http_status;
  fetched.error = answer.error;
  switch (answer.outcome) {
    case Answer::Outcome::not_found:
      fetched.outcome = Fetched::Outcome::not_found;
      break;
    case Answer::Outcome::unauthorized:
      fetched.outcome = Fetched::Outcome::unauthorized;
      break;
    case Answer::Outcome::stopped:
      fetched.outcome = Fetched::Outcome::stopped;
      break;
    case Answer::Outcome::ok:
    case Answer::Outcome::failed:
      fetched.outcome = Fetched::Outcome::failed;
      break;
  }
  return fetched;
}

// Maps a final details answer.
Fetched mapped(callback::Kind kind, const std::string& reference, std::string answer,
               std::chrono::system_clock::time_point answered_at, std::string status) {
  Fetched fetched;
  fetched.status = std::move(status);
  fetched.http_status = 200;
  fetched.answered_at = answered_at;
  auto event = retrieval::event_of_answer(kind, answer, answered_at);
  if (event.ok() && event.value().reference != reference) {
    event = Failure{DeadLetterReason::retrieval_invalid,
                    "the answer is for another reference than the one asked for", reference};
  }
  if (event.ok()) {
    fetched.outcome = Fetched::Outcome::event;
    fetched.event = std::move(event.value());
    return fetched;
  }
  fetched.outcome = Fetched::Outcome::invalid;
  Failure failure = event.failure();
  if (failure.reference.empty()) failure.reference = reference;
  fetched.failure = std::move(failure);
  fetched.answer = std::move(answer);
  return fetched;
}

// The statuses after which a workflow execution changes no more (spec 2.3).
bool terminal_workflow_status(const std::string& status) {
  return status == "PROCESSED" || status == "SESSION_EXPIRED" || status == "TOKEN_EXPIRED";
}

// workflow.status of a details answer; "" when it has none (or is no JSON object).
std::string details_status(const std::string& answer) {
  rapidjson::Document document;
  document.Parse(answer.data(), answer.size());
  if (document.HasParseError() || !document.IsObject()) return "";
  auto workflow = document.FindMember("workflow");
  if (workflow == document.MemberEnd() || !workflow->value.IsObject()) return "";
  auto status = workflow->value.FindMember("status");
  if (status == workflow->value.MemberEnd() || !status->value.IsString()) return "";
  return std::string(status->value.GetString(), status->value.GetStringLength());
}

// Maps a workflow details answer; a details answer whose workflow.status is not terminal yet is
// pending.
Fetched mapped_workflow(const std::string& account_id, const std::string& execution_id,
                        std::string answer, std::string status) {
  Fetched fetched;
  fetched.status = std::move(status);
  fetched.http_status = 200;
  fetched.answered_at = std::chrono::system_clock::now();
  const std::string running = details_status(answer);
  if (!running.empty() && !terminal_workflow_status(running)) {
    fetched.outcome = Fetched::Outcome::pending;
    fetched.status = running;
    return fetched;
  }
  auto event = retrieval::workflow_event(answer, execution_id, account_id, fetched.answered_at);
  if (event.ok()) {
    fetched.outcome = Fetched::Outcome::event;
    fetched.event = std::move(event.value());
    return fetched;
  }
  fetched.outcome = Fetched::Outcome::invalid;
  Failure failure = event.failure();
  if (failure.reference.empty()) failure.reference = execution_id;
  fetched.failure = std::move(failure);
  fetched.answer = std::move(answer);
  return fetched;
}

}  // namespace

std::string_view outcome_name(Fetched::Outcome outcome) {
  switch (outcome) {
    case Fetched::Outcome::event:
      return "event";
    case Fetched::Outcome::invalid:
      return "invalid";
    case Fetched::Outcome::pending:
      return "pending";
    case Fetched::Outcome::not_found:
      return "not found";
    case Fetched::Outcome::unauthorized:
      return "unauthorized";
    case Fetched::Outcome::failed:
      return "failed";
    case Fetched::Outcome::stopped:
      return "stopped";
    case Fetched::Outcome::withdrawn:
      return "withdrawn";
  }
  return "failed";
}

Api api_of(callback::Kind kind) {
  switch (kind) {
    case callback::Kind::netverify:
      return Api::netverify;
    case callback::Kind::authentication:
      return Api::authentication;
    case callback::Kind::document:
      return Api::document;
    case callback::Kind::workflow:
      return Api::workflow;
  }
  return Api::netverify;
}

Fetched fetch(Client& client, callback::Kind kind, const std::string& reference,
              const std::function<bool()>& before_details) {
  const Api api = api_of(kind);
  Answer status_answer = client.status(api, reference);
  if (status_answer.outcome != Answer::Outcome::ok) return unanswered(status_answer);
  const auto status_time = std::chrono::system_clock::now();
  auto status = retrieval::read_status_answer(kind, status_answer.body);
  if (!status.ok()) {
    Fetched fetched;
    fetched.outcome = Fetched::Outcome::failed;
    fetched.http_status = status_answer.http_status;
    fetched.error = "the status answer cannot be read: " + status.failure().detail;
    return fetched;
  }
  if (status.value().progress == retrieval::Progress::pending) {
    Fetched fetched;
    fetched.outcome = Fetched::Outcome::pending;
    fetched.status = status.value().status;
    fetched.http_status = status_answer.http_status;
    return fetched;
  }
  if (kind == callback::Kind::authentication) {
    return mapped(kind, reference, std::move(status_answer.body), status_time,
                  status.value().status);
  }
  if (before_details && !before_details()) {
    Fetched fetched;
    fetched.outcome = Fetched::Outcome::withdrawn;
    fetched.status = status.value().status;
    fetched.http_status = status_answer.http_status;
    return fetched;
  }
  Answer details = client.details(api, reference);
  if (details.outcome != Answer::Outcome::ok) {
    Fetched fetched = unanswered(details);
    fetched.status = status.value().status;
    return fetched;
  }
  return mapped(kind, reference, std::move(details.body), std::chrono::system_clock::now(),
                status.value().status);
}

Fetched fetch_workflow(Client& client, const std::string& account_id,
                       const std::string& execution_id,
                       const std::function<bool()>& before_details) {
  Answer status_answer = client.workflow(Query::status, account_id, execution_id);
  if (status_answer.outcome != Answer::Outcome::ok) return unanswered(status_answer);
  auto status = retrieval::read_workflow_status(status_answer.body, execution_id);
  if (!status.ok()) {
    Fetched fetched;
    fetched.outcome = Fetched::Outcome::failed;
    fetched.http_status = status_answer.http_status;
    fetched.error = "the status answer cannot be read: " + status.failure().detail;
    return fetched;
  }
  Fetched fetched;
  fetched.status = status.value();
  fetched.http_status = status_answer.http_status;
  if (!terminal_workflow_status(fetched.status)) {
    fetched.outcome = Fetched::Outcome::pending;
    return fetched;
  }
  if (before_details && !before_details()) {
    fetched.outcome = Fetched::Outcome::withdrawn;
    return fetched;
  }
  Answer details = client.workflow(Query::details, account_id, execution_id);
  if (details.outcome != Answer::Outcome::ok) {
    Fetched failed = unanswered(details);
    failed.status = fetched.status;
    return failed;
  }
  return mapped_workflow(account_id, execution_id, std::move(details.body), fetched.status);
}

Fetched fetch_workflow_details(Client& client, const std::string& account_id,
                               const std::string& execution_id) {
  Answer details = client.workflow(Query::details, account_id, execution_id);
  if (details.outcome != Answer::Outcome::ok) return unanswered(details);
  return mapped_workflow(account_id, execution_id, std::move(details.body), "");
}

}  // namespace jb::retrieval_api
