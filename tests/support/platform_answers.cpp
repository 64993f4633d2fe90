#include "support/platform_answers.h"

#include <rapidjson/document.h>

#include "support/schema_check.h"

namespace jb::test {
namespace {

constexpr const char* kBase = "https://retrieval.amer-1.jumio.ai/api/v1/accounts/";

// The reference's assembled 10011 details sample; {account} and {execution} are replaced.
constexpr const char* kDetails10011 = R"({
  "workflow": {"id": "{execution}", "status": "PROCESSED", "definitionKey": "10011",
               "userReference": "user-8f3a2c", "customerInternalReference": "onboarding-4711"},
  "account": {"id": "{account}"},
  "createdAt": "2024-05-02T09:14:03.120Z",
  "startedAt": "2024-05-02T09:15:41.007Z",
  "completedAt": "2024-05-02T09:16:02.884Z",
  "credentials": [
    {"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID", "parts": [
      {"classifier": "FRONT", "href": "{base}{account}/credentials/33333333-3333-3333-3333-aaaaaaaaaaaa/parts/FRONT"},
      {"classifier": "BACK", "href": "{base}{account}/credentials/33333333-3333-3333-3333-aaaaaaaaaaaa/parts/BACK"}]},
    {"id": "33333333-3333-3333-3333-bbbbbbbbbbbb", "category": "SELFIE", "parts": [
      {"classifier": "FACE", "href": "{base}{account}/credentials/33333333-3333-3333-3333-bbbbbbbbbbbb/parts/FACE"}]},
    {"id": "33333333-3333-3333-3333-cccccccccccc", "category": "FACEMAP", "parts": [
      {"classifier": "FACEMAP"},
      {"classifier": "LIVENESS_1", "href": "{base}{account}/credentials/33333333-3333-3333-3333-cccccccccccc/parts/LIVENESS_1"}]}
  ],
  "decision": {"type": "PASSED", "details": {"label": "PASSED"}, "risk": {"score": 12.5}},
  "steps": {"href": "{base}{account}/workflow-executions/{execution}/steps"},
  "capabilities": {
    "usability": [
      {"id": "66666666-0000-0000-0000-000000000001", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}},
      {"id": "66666666-0000-0000-0000-000000000002", "credentials": [{"id": "33333333-3333-3333-3333-bbbbbbbbbbbb", "category": "SELFIE"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}},
      {"id": "66666666-0000-0000-0000-000000000003", "credentials": [{"id": "33333333-3333-3333-3333-cccccccccccc", "category": "FACEMAP"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}}
    ],
    "imageChecks": [
      {"id": "66666666-0000-0000-0000-000000000004", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}],
       "decision": {"type": "PASSED", "details": {"label": "OK"}}, "data": {"faceSearchFindings": {"status": "DONE", "findings": []}}}
    ],
    "extraction": [
      {"id": "66666666-0000-0000-0000-000000000005", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}],
       "decision": {"type": "PASSED", "details": {"label": "OK"}},
       "data": {
         "type": "DRIVING_LICENSE", "subType": "REGULAR_DRIVING_LICENSE", "issuingCountry": "USA",
         "firstName": "JANE", "lastName": "DOE",
         "dateOfBirth": "1990-01-01", "dateOfBirthParts": {"year": "1990", "month": "01", "day": "01"},
         "expiryDate": "2028-01-01", "expiryDateParts": {"year": "2028", "month": "01", "day": "01"},
         "issuingDate": "2020-01-01", "issuingDateParts": {"year": "2020", "month": "01", "day": "01"},
         "documentNumber": "D1234567", "state": "CA", "gender": "F",
         "address": {"line1": "123 SAMPLE ST", "line2": "APT 4", "city": "SACRAMENTO", "subdivision": "CA",
                     "postalCode": "95814", "country": "USA", "formattedAddress": "123 SAMPLE ST APT 4, SACRAMENTO, CA 95814, USA"}}}
    ],
    "dataChecks": [{"id": "66666666-0000-0000-0000-000000000006", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}}],
    "liveness": [
      {"id": "66666666-0000-0000-0000-000000000007",
       "validFaceMapForAuthentication": "{base}{account}/credentials/33333333-3333-3333-3333-cccccccccccc/parts/FACEMAP",
       "credentials": [{"id": "33333333-3333-3333-3333-bbbbbbbbbbbb", "category": "SELFIE"}, {"id": "33333333-3333-3333-3333-cccccccccccc", "category": "FACEMAP"}],
       "decision": {"type": "PASSED", "details": {"label": "OK"}},
       "data": {"type": "JUMIO_STANDARD", "predictedAge": 34, "ageConfidenceRange": "28-40"}}
    ],
    "similarity": [
      {"id": "66666666-0000-0000-0000-000000000008",
       "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}, {"id": "33333333-3333-3333-3333-bbbbbbbbbbbb", "category": "SELFIE"}],
       "decision": {"type": "PASSED", "details": {"label": "MATCH"}}, "data": {"similarity": "MATCH"}}
    ]
  }
})";

// The capabilities 10013 adds (the reference's 10013 example, its syntax fixed).
constexpr const char* kExtras10013 = R"({
  "watchlistScreening": [
    {"id": "66666666-0000-0000-0000-000000000009", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}],
     "decision": {"type": "PASSED", "details": {"label": "OK"}},
     "data": {"searchDate": "2024-05-02T09:16:01.000Z", "searchStatus": "DONE", "searchId": "12345678", "searchReference": "1714641361-abcdef",
              "searchResultUrl": "https://app.example-screening.com/public/search/123456XXC/abc", "searchResults": 0}}
  ],
  "addressValidation": [{"id": "66666666-0000-0000-0000-00000000000a", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}}],
  "proofOfResidency": [{"id": "66666666-0000-0000-0000-00000000000b", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}}],
  "drivingLicenseVerification": [{"id": "66666666-0000-0000-0000-00000000000c", "credentials": [{"id": "33333333-3333-3333-3333-aaaaaaaaaaaa", "category": "ID"}], "decision": {"type": "PASSED", "details": {"label": "OK"}}}]
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

rapidjson::Value text(const std::string& value, rapidjson::Document::AllocatorType& allocator) {
  return rapidjson::Value(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), allocator);
}

// Sets object[name] to value, adding the member when absent.
void set(rapidjson::Value& object, const char* name, rapidjson::Value value,
         rapidjson::Document::AllocatorType& allocator) {
  object.RemoveMember(name);
  object.AddMember(rapidjson::Value(name, allocator), value, allocator);
}

}  // namespace

std::string workflow_status_body(const std::string& account, const std::string& execution,
                                 const std::string& status) {
  rapidjson::Document document;
  auto& allocator = document.GetAllocator();
  document.SetObject();
  rapidjson::Value account_object(rapidjson::kObjectType);
  set(account_object, "id", text(account, allocator), allocator);
  set(account_object, "href", text(kBase + account, allocator), allocator);
  rapidjson::Value execution_object(rapidjson::kObjectType);
  set(execution_object, "id", text(execution, allocator), allocator);
  // As every published example: without the /accounts/{accountId} segment.
  set(execution_object, "href",
      text("https://retrieval.amer-1.jumio.ai/api/v1/workflow-executions/" + execution, allocator),
      allocator);
  set(execution_object, "definitionKey", text("10011", allocator), allocator);
  set(execution_object, "status", text(status, allocator), allocator);
  set(document, "account", std::move(account_object), allocator);
  set(document, "workflowExecution", std::move(execution_object), allocator);
  return schema::to_json(document);
}

DetailsOptions token_expired_details() {
  DetailsOptions options;
  options.workflow_status = "TOKEN_EXPIRED";
  options.decision_type = "NOT_EXECUTED";
  options.decision_label = "TOKEN_EXPIRED";
  options.risk_score = -1.0;
  options.definition_key = "10013";
  options.capabilities = false;
  options.completed = false;
  return options;
}

std::string workflow_details_body(const std::string& account, const std::string& execution,
                                  const DetailsOptions& options) {
  const std::string source =
      replaced(replaced(replaced(kDetails10011, "{base}", kBase), "{account}", account),
               "{execution}", execution);
  rapidjson::Document document;
  document.Parse(source.c_str(), source.size());
  auto& allocator = document.GetAllocator();
  rapidjson::Value& workflow = document["workflow"];
  set(workflow, "status", text(options.workflow_status, allocator), allocator);
  set(workflow, "definitionKey", text(options.definition_key, allocator), allocator);

  rapidjson::Value decision(rapidjson::kObjectType);
  set(decision, "type", text(options.decision_type, allocator), allocator);
  rapidjson::Value details(rapidjson::kObjectType);
  if (!options.decision_label.empty())
    set(details, "label", text(options.decision_label, allocator), allocator);
  set(decision, "details", std::move(details), allocator);
  rapidjson::Value risk(rapidjson::kObjectType);
  set(risk, "score", rapidjson::Value(options.risk_score), allocator);
  set(decision, "risk", std::move(risk), allocator);
  document.RemoveMember("decision");
  if (options.legacy_layout) {
    set(workflow, "decision", std::move(decision), allocator);
  } else {
    set(document, "decision", std::move(decision), allocator);
  }

  rapidjson::Value& capabilities = document["capabilities"];
  if (options.definition_key == "10013") {
    rapidjson::Document extras;
    extras.Parse(kExtras10013);
    for (auto& extra : extras.GetObject())
      set(capabilities, extra.name.GetString(), rapidjson::Value(extra.value, allocator),
          allocator);
  }
  for (const auto& [name, array] : options.extra_capabilities) {
    rapidjson::Document extra;
    extra.Parse(array.c_str(), array.size());
    set(capabilities, name.c_str(), rapidjson::Value(extra, allocator), allocator);
  }
  if (!options.capabilities) document.RemoveMember("capabilities");
  if (!options.completed) {
    for (const char* name : {"startedAt", "completedAt", "credentials", "steps"})
      document.RemoveMember(name);
    workflow.RemoveMember("userReference");
    workflow.RemoveMember("customerInternalReference");
    set(document, "createdAt", text("2024-05-02T09:31:12.004Z", allocator), allocator);
  }
  return schema::to_json(document);
}

}  // namespace jb::test
