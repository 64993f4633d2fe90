#include "retrieval/workflow.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "address/address.h"
#include "callback/event_id.h"
#include "callback/event_writer.h"
#include "callback/json_value.h"
#include "callback/kind.h"
#include "callback/platform.h"
#include "callback/timestamp.h"
#include "retrieval/mapping.h"

namespace jb::retrieval {
namespace {

using Allocator = rapidjson::Document::AllocatorType;
using callback::member;

constexpr std::string_view kDecisionTypes[] = {"PASSED", "REJECTED", "WARNING", "NOT_EXECUTED"};
// extraction.data members that are dates (YYYY-MM-DD).
constexpr std::string_view kDateMembers[] = {"dateOfBirth", "expiryDate", "issuingDate"};

Failure invalid(std::string detail, std::string_view reference) {
  return Failure{DeadLetterReason::retrieval_invalid, std::move(detail), std::string(reference)};
}

std::string_view text_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

rapidjson::Value string_value(std::string_view text, Allocator& allocator) {
  return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

bool same_uuid(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// An optional string member: nothing when absent or null, *bad when present and not a string.
std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view name,
                                           bool* bad) {
  const rapidjson::Value* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->IsString()) {
    *bad = true;
    return std::nullopt;
  }
  return std::string(text_of(*value));
}

// Whether a member may carry a link: parts' and steps' href, searchResultUrl, the facemap's
// validFaceMapForAuthentication, or any string value that is an http(s) URL. Such links point at
// images and screening reports (personal data) and are never published.
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) {
           return p == std::tolower(static_cast<unsigned char>(t));
         });
}

bool is_link(std::string_view name, const rapidjson::Value& value) {
  auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (name == "href" || name == "validFaceMapForAuthentication" || ends_with("Url") ||
      ends_with("URL") || ends_with("Href")) {
    return true;
  }
  return value.IsString() && (starts_with_ignoring_case(text_of(value), "http://") ||
                              starts_with_ignoring_case(text_of(value), "https://"));
}

// A copy of `value` without links (is_link) and with the first of repeated member names only.
rapidjson::Value copy_without_links(const rapidjson::Value& value, Allocator& allocator) {
  if (value.IsObject()) {
    rapidjson::Value out(rapidjson::kObjectType);
    for (const auto& entry : value.GetObject()) {
      if (is_link(text_of(entry.name), entry.value) || out.HasMember(entry.name)) continue;
      out.AddMember(rapidjson::Value(entry.name, allocator),
                    copy_without_links(entry.value, allocator), allocator);
    }
    return out;
  }
  if (value.IsArray()) {
    rapidjson::Value out(rapidjson::kArrayType);
    for (const auto& item : value.GetArray()) {
      if (is_link({}, item)) continue;
      out.PushBack(copy_without_links(item, allocator), allocator);
    }
    return out;
  }
  return rapidjson::Value(value, allocator);
}

// What the mapping builds besides the data object.
struct Mapping {
  callback::BasicEnvelope<std::string> envelope;  // owned: texts the mapping made or copied
  std::vector<callback::Warning> warnings;
  std::string label;  // decision.details.label, empty when absent
};

class WorkflowMapper {
 public:
  WorkflowMapper(std::string_view execution_id, std::string_view account_id, Allocator& allocator)
      : execution_id_(execution_id), account_id_(account_id), allocator_(allocator) {}

  // Fills *data and *mapping from the answer; a failure names the member at fault.
  std::optional<Failure> map(const rapidjson::Value& answer, rapidjson::Value* data,
                             Mapping* mapping) {
    mapping_ = mapping;
    const rapidjson::Value* workflow = member(answer, "workflow");
    if (workflow == nullptr || !workflow->IsObject())
      return fail("workflow is absent or not an object");
    const rapidjson::Value* id = member(*workflow, "id");
    if (id == nullptr || !id->IsString()) return fail("workflow.id is absent or not a string");
    if (!same_uuid(text_of(*id), execution_id_))
      return fail("workflow.id is not the workflow execution asked for");
    const rapidjson::Value* account = member(answer, "account");
    const rapidjson::Value* account_id = account ? member(*account, "id") : nullptr;
    if (account_id == nullptr || !account_id->IsString())
      return fail("account.id is absent or not a string");
    if (!same_uuid(text_of(*account_id), account_id_))
      return fail("account.id is not the account asked for");

    data->SetObject();
    add(data, "accountId", string_value(account_id_, allocator_));
    for (auto [from, to] :
         {std::pair<std::string_view, std::string_view>{"definitionKey", "definitionKey"},
          {"status", "workflowStatus"}}) {
      bool bad = false;
      auto text = optional_string(*workflow, from, &bad);
      if (bad) return fail("workflow." + std::string(from) + " is not a string");
      add(data, to, nullable(text));
    }
    bool bad = false;
    mapping->envelope.merchant_reference =
        optional_string(*workflow, "customerInternalReference", &bad);
    if (bad) return fail("workflow.customerInternalReference is not a string");
    mapping->envelope.customer_id = optional_string(*workflow, "userReference", &bad);
    if (bad) return fail("workflow.userReference is not a string");

    for (std::string_view name : {"createdAt", "startedAt", "completedAt"}) {
      std::optional<std::string> timestamp;
      if (auto failure = read_timestamp(answer, name, &timestamp)) return failure;
      if (name == "createdAt") mapping->envelope.transaction_date = timestamp;
      if (name == "completedAt") mapping->envelope.callback_date = timestamp;
      add(data, name, nullable(timestamp));
    }

    rapidjson::Value decision;
    if (auto failure = read_decision(answer, *workflow, &decision)) return failure;
    add(data, "decision", std::move(decision));

    rapidjson::Value capabilities(rapidjson::kObjectType);
    rapidjson::Value extracted;
    if (auto failure = read_capabilities(answer, &capabilities, &extracted)) return failure;
    add(data, "capabilities", std::move(capabilities));
    add(data, "extractedData", std::move(extracted));
    return std::nullopt;
  }

 private:
  std::optional<Failure> fail(std::string detail) const {
    return invalid(std::move(detail), execution_id_);
  }

  void add(rapidjson::Value* object, std::string_view name, rapidjson::Value value) {
    object->AddMember(string_value(name, allocator_), value, allocator_);
  }

  rapidjson::Value nullable(const std::optional<std::string>& text) {
    return text ? string_value(*text, allocator_) : rapidjson::Value();
  }

  void warn(std::string field, std::string problem) {
    mapping_->warnings.push_back({std::move(field), std::move(problem)});
  }

  std::optional<Failure> read_timestamp(const rapidjson::Value& object, std::string_view name,
                                        std::optional<std::string>* timestamp) {
    const rapidjson::Value* value = member(object, name);
    if (value == nullptr) return std::nullopt;
    std::string canonical;
    if (!value->IsString() || !callback::canonical_timestamp(text_of(*value), &canonical))
      return fail(std::string(name) + " is not a YYYY-MM-DDThh:mm:ss[.SSS]Z timestamp");
    *timestamp = std::move(canonical);
    return std::nullopt;
  }

  // decision {type, details.label, risk.score} at the top level, or at workflow.decision (the
  // January 2022 layout) when the top level has none.
  std::optional<Failure> read_decision(const rapidjson::Value& answer,
                                       const rapidjson::Value& workflow, rapidjson::Value* out) {
    std::string path = "decision";
    const rapidjson::Value* decision = member(answer, "decision");
    if (decision == nullptr) {
      decision = member(workflow, "decision");
      path = "workflow.decision";
    }
    if (decision == nullptr) return fail("decision is absent (nor is there a workflow.decision)");
    if (!decision->IsObject()) return fail(path + " is not an object");
    const rapidjson::Value* type = member(*decision, "type");
    if (type == nullptr || !type->IsString()) return fail(path + ".type is absent or not a string");
    const std::string_view type_text = text_of(*type);
    if (std::find(std::begin(kDecisionTypes), std::end(kDecisionTypes), type_text) ==
        std::end(kDecisionTypes)) {
      return fail(path + ".type is not PASSED, REJECTED, WARNING or NOT_EXECUTED");
    }
    mapping_->envelope.status = std::string(type_text);
    const rapidjson::Value* details = member(*decision, "details");
    if (details != nullptr && !details->IsObject()) return fail(path + ".details is not an object");
    bool bad = false;
    std::optional<std::string> label =
        details ? optional_string(*details, "label", &bad) : std::nullopt;
    if (bad) return fail(path + ".details.label is not a string");
    mapping_->label = label.value_or("");
    const rapidjson::Value* risk = member(*decision, "risk");
    if (risk != nullptr && !risk->IsObject()) return fail(path + ".risk is not an object");
    const rapidjson::Value* score = risk ? member(*risk, "score") : nullptr;
    if (score != nullptr && !score->IsNumber()) return fail(path + ".risk.score is not a number");
    if (score != nullptr && (score->GetDouble() < -1 || score->GetDouble() > 100))
      warn("decision.riskScore", "unknown_value");

    out->SetObject();
    add(out, "type", string_value(type_text, allocator_));
    add(out, "label", nullable(label));
    add(out, "riskScore", score ? rapidjson::Value(*score, allocator_) : rapidjson::Value());
    return std::nullopt;
  }

  // capabilities {name: [entry...]}, each entry as {id, decision {type, label}, credentials
  // [{id, category}], data}; extraction's data goes to *extracted instead.
  std::optional<Failure> read_capabilities(const rapidjson::Value& answer, rapidjson::Value* out,
                                           rapidjson::Value* extracted) {
    extracted->SetNull();
    const rapidjson::Value* capabilities = member(answer, "capabilities");
    if (capabilities == nullptr) return std::nullopt;
    if (!capabilities->IsObject()) return fail("capabilities is not an object");
    for (const auto& capability : capabilities->GetObject()) {
      const std::string_view name = text_of(capability.name);
      if (out->HasMember(capability.name) || capability.value.IsNull()) continue;
      const std::string path = "capabilities." + std::string(name);
      if (!capability.value.IsArray()) return fail(path + " is not an array");
      rapidjson::Value entries(rapidjson::kArrayType);
      rapidjson::SizeType index = 0;
      for (const auto& entry : capability.value.GetArray()) {
        const std::string entry_path = path + "[" + std::to_string(index++) + "]";
        rapidjson::Value mapped;
        if (auto failure = read_entry(entry, entry_path, name == "extraction", &mapped, extracted))
          return failure;
        entries.PushBack(mapped, allocator_);
      }
      out->AddMember(rapidjson::Value(capability.name, allocator_), entries, allocator_);
    }
    return std::nullopt;
  }

  std::optional<Failure> read_entry(const rapidjson::Value& entry, const std::string& path,
                                    bool extraction, rapidjson::Value* out,
                                    rapidjson::Value* extracted) {
    if (!entry.IsObject()) return fail(path + " is not an object");
    out->SetObject();
    bool bad = false;
    auto id = optional_string(entry, "id", &bad);
    if (bad) return fail(path + ".id is not a string");
    add(out, "id", nullable(id));

    rapidjson::Value decision_out(rapidjson::kObjectType);
    const rapidjson::Value* decision = member(entry, "decision");
    if (decision != nullptr && !decision->IsObject())
      return fail(path + ".decision is not an object");
    std::optional<std::string> type, label;
    if (decision != nullptr) {
      type = optional_string(*decision, "type", &bad);
      if (bad) return fail(path + ".decision.type is not a string");
      const rapidjson::Value* details = member(*decision, "details");
      if (details != nullptr && !details->IsObject())
        return fail(path + ".decision.details is not an object");
      if (details != nullptr) label = optional_string(*details, "label", &bad);
      if (bad) return fail(path + ".decision.details.label is not a string");
    }
    add(&decision_out, "type", nullable(type));
    add(&decision_out, "label", nullable(label));
    add(out, "decision", std::move(decision_out));

    rapidjson::Value credentials_out(rapidjson::kArrayType);
    if (const rapidjson::Value* credentials = member(entry, "credentials")) {
      if (!credentials->IsArray()) return fail(path + ".credentials is not an array");
      rapidjson::SizeType index = 0;
      for (const auto& credential : credentials->GetArray()) {
        const std::string credential_path = path + ".credentials[" + std::to_string(index++) + "]";
        if (!credential.IsObject()) return fail(credential_path + " is not an object");
        rapidjson::Value credential_out(rapidjson::kObjectType);
        for (std::string_view name : {"id", "category"}) {
          auto text = optional_string(credential, name, &bad);
          if (bad) return fail(credential_path + "." + std::string(name) + " is not a string");
          add(&credential_out, name, nullable(text));
        }
        credentials_out.PushBack(credential_out, allocator_);
      }
    }
    add(out, "credentials", std::move(credentials_out));

    rapidjson::Value data_out;
    if (const rapidjson::Value* data = member(entry, "data")) {
      if (!data->IsObject()) return fail(path + ".data is not an object");
      if (extraction) {
        // The first extraction's data is the event's extractedData; it is not repeated here.
        if (extracted->IsNull()) {
          if (auto failure = read_extracted(*data, path + ".data", extracted)) return failure;
        }
      } else {
        data_out = copy_without_links(*data, allocator_);
        canonical_search_date(&data_out, path);
      }
    }
    add(out, "data", std::move(data_out));
    return std::nullopt;
  }

  // watchlistScreening's searchDate, a UTC timestamp, is written canonical; another value is kept
  // as sent with an unknown_value warning.
  void canonical_search_date(rapidjson::Value* data, const std::string& path) {
    auto found = data->FindMember("searchDate");
    if (found == data->MemberEnd() || found->value.IsNull()) return;
    std::string canonical;
    if (found->value.IsString() &&
        callback::canonical_timestamp(text_of(found->value), &canonical)) {
      found->value = string_value(canonical, allocator_);
    } else {
      warn(path + ".searchDate", "unknown_value");
    }
  }

  // extraction data: dates checked, address converted to the Raw format with formattedAddress.
  std::optional<Failure> read_extracted(const rapidjson::Value& data, const std::string& path,
                                        rapidjson::Value* out) {
    *out = copy_without_links(data, allocator_);
    for (std::string_view name : kDateMembers) {
      const rapidjson::Value* date = member(*out, name);
      if (date != nullptr && (!date->IsString() || !callback::is_valid_date(text_of(*date))))
        return fail(path + "." + std::string(name) + " is not a YYYY-MM-DD date");
    }
    auto address = out->FindMember("address");
    if (address == out->MemberEnd() || address->value.IsNull()) return std::nullopt;
    if (!address->value.IsObject()) return fail(path + ".address is not a JSON object");
    rapidjson::Value raw;
    address::Conversion conversion;
    if (!address::to_raw(address->value, address::CountryKey::country, &raw, allocator_,
                         &conversion)) {
      return fail(path + ".address." + conversion.not_a_string + " is not a string");
    }
    for (const auto& name : conversion.unknown_members)
      warn("extractedData.address." + name, "unknown_parameter");
    for (const auto& name : conversion.too_long) warn("extractedData.address." + name, "too_long");
    address->value = raw;
    return std::nullopt;
  }

  std::string_view execution_id_;
  std::string_view account_id_;
  Allocator& allocator_;
  Mapping* mapping_ = nullptr;
};

}  // namespace

Result<std::string> read_workflow_status(std::string_view answer, std::string_view execution_id) {
  rapidjson::Document document;
  std::string why;
  if (!parse_answer_object(answer, &document, &why)) return invalid(why, execution_id);
  const rapidjson::Value* execution = member(document, "workflowExecution");
  if (execution == nullptr || !execution->IsObject())
    return invalid("workflowExecution is absent or not an object", execution_id);
  const rapidjson::Value* id = member(*execution, "id");
  if (id == nullptr || !id->IsString())
    return invalid("workflowExecution.id is absent or not a string", execution_id);
  if (!same_uuid(text_of(*id), execution_id))
    return invalid("workflowExecution.id is not the workflow execution asked for", execution_id);
  const rapidjson::Value* status = member(*execution, "status");
  if (status == nullptr || !status->IsString() || status->GetStringLength() == 0)
    return invalid("workflowExecution.status is absent, empty or not a string", execution_id);
  return std::string(text_of(*status));
}

Result<callback::Event> workflow_event(std::string_view answer, std::string_view execution_id,
                                       std::string_view account_id,
                                       std::chrono::system_clock::time_point received_at) {
  if (!callback::is_uuid(execution_id) || !callback::is_uuid(account_id))
    return invalid("the workflow execution id or account id asked for is not a UUID", {});
  rapidjson::Document document;
  std::string why;
  if (!parse_answer_object(answer, &document, &why)) return invalid(why, execution_id);

  rapidjson::Document data_document;
  rapidjson::Value data;
  Mapping mapping;
  WorkflowMapper mapper(execution_id, account_id, data_document.GetAllocator());
  if (auto failure = mapper.map(document, &data, &mapping)) return *failure;
  mapping.envelope.reference = std::string(execution_id);

  callback::Event event;
  event.kind = callback::Kind::workflow;
  event.origin = callback::Origin::retrieval;
  // The same execution and decision give the same eventId, whatever else the answer holds.
  event.event_id = callback::event_id({{"workflowExecution.id", std::string(execution_id)},
                                       {"decision.type", mapping.envelope.status},
                                       {"decision.details.label", mapping.label}});
  event.status = mapping.envelope.status;
  event.reference = mapping.envelope.reference;
  event.callback_date = mapping.envelope.callback_date.value_or("");
  event.received_at = callback::format_timestamp(received_at);
  event.warnings = std::move(mapping.warnings);
  if (!callback::write_event_json(event.kind, event.origin, event.event_id,
                                  callback::Envelope(mapping.envelope), event.received_at,
                                  event.warnings, data, &event.json)) {
    return invalid("the event is not valid UTF-8", execution_id);
  }
  return event;
}

}  // namespace jb::retrieval
