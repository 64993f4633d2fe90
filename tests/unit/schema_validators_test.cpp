// Two external validators over schemas/: ajv in strict mode with ajv-formats (node,
// tests/schema-validators/validate.js) and Debian's python3-jsonschema with a FormatChecker
// (tests/schema-validators/validate.py). Both get every event and dead-letter record this test
// makes, which they must accept: Jumio's samples, a callback for every status, Jumio Platform
// callbacks' notifications and workflow events, one with every documented parameter, each parameter
// and each member of a JSON-valued one changed one at a time, hand-made edge cases (mixed
// addresses, null members, empty statuses), the seed corpora of the normalise and address fuzz
// targets, and, with JB_SCHEMA_EVENTS_DIR set, every document the rest of the test suite validated.
// They must reject the mutations of tests/schema-validators/mutations.json. The in-process
// validator (support/schema.h) is held to the same cases. Skipped when node's modules (npm ci in
// tests/schema-validators, run by scripts/install-deps.sh) or python3-jsonschema are missing.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "retrieval/mapping.h"
#include "retrieval/workflow.h"
#include "route/router.h"
#include "support/callbacks.h"
#include "support/fake_retrieval_api.h"
#include "support/platform_answers.h"
#include "support/platform_callbacks.h"
#include "support/schema.h"
#include "support/schema_check.h"

namespace {

namespace fs = std::filesystem;

const fs::path kSource = JB_SOURCE_DIR;
const fs::path kValidators = kSource / "tests" / "schema-validators";
const auto kReceivedAt = std::chrono::system_clock::time_point(std::chrono::seconds(1600000000));

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string serialized(const rapidjson::Value& value) {
  return jb::schema::to_json(value);
}

// One document for the validators.
struct Case {
  std::string name;
  std::string schema;  // file in schemas/
  bool valid = true;
  std::string by;  // when invalid: "schema" or "consistency"
  std::string document;
  bool consistency = true;  // when valid: the envelope rules hold too (false: the schema only)
};

class Corpus {
 public:
  Corpus() : router_(jb::config::TopicsConfig{}) {}

  // Normalises `body`: its event, or its dead-letter record, is a case that must be valid.
  void add_callback(const std::string& name, const std::string& body) {
    auto result = jb::callback::normalize({body, "application/x-www-form-urlencoded", kReceivedAt});
    if (result.ok()) {
      const std::string& json = result.value().json;
      EXPECT_TRUE(EventMatchesSchema(json)) << name;
      if (result.value().notification) {
        // The external validators check the schema; status = workflowStatus is checked
        // in-process (EventMatchesSchema).
        add_valid(name, jb::schema::kNotificationSchema, json, false);
        ++notifications_;
        return;
      }
      rapidjson::Document event;
      event.Parse(json.c_str(), json.size());
      add_valid(name, jb::schema::event_schema_file(event["callbackType"].GetString()), json);
      ++events_;
      return;
    }
    static const char* const kRemoteAddresses[] = {"127.0.0.1", "::1", "2001:db8::8a2e:370:7334",
                                                   "::ffff:192.0.2.128", "34.202.241.227"};
    jb::route::DeadLetterInput input;
    input.body = body;
    input.remote_addr = kRemoteAddresses[dead_letters_ % std::size(kRemoteAddresses)];
    input.content_type = "application/x-www-form-urlencoded";
    input.received_at = jb::callback::format_timestamp(kReceivedAt);
    input.attempts = 1 + static_cast<int>(dead_letters_ % 3);
    std::string record = router_.dead_letter_record(result.failure(), input).value;
    EXPECT_TRUE(MatchesSchema(record, "deadletter.schema.json")) << name;
    add_valid("deadletter/" + name, "deadletter.schema.json", record);
    ++dead_letters_;
  }

  // Maps a Retrieval API details answer: its event ("origin": "retrieval"), or its
  // retrieval_invalid dead letter (origin and kind set, remoteAddr empty), must be valid.
  void add_retrieval(const std::string& name, jb::callback::Kind kind, const std::string& answer) {
    auto result = jb::retrieval::event_of_answer(kind, answer, kReceivedAt);
    if (result.ok()) {
      const std::string& json = result.value().json;
      EXPECT_TRUE(EventMatchesSchema(json)) << name;
      add_valid(name, jb::schema::event_schema_file(std::string(kind_callback_type(kind))), json);
      ++events_;
      return;
    }
    jb::route::DeadLetterInput input;
    input.body = answer;
    input.content_type = "application/json";
    input.received_at = jb::callback::format_timestamp(kReceivedAt);
    input.origin = "retrieval";
    input.kind = kind_type(kind);
    std::string record = router_.dead_letter_record(result.failure(), input).value;
    EXPECT_TRUE(MatchesSchema(record, "deadletter.schema.json")) << name;
    add_valid("deadletter/" + name, "deadletter.schema.json", record);
    ++dead_letters_;
  }

  // Maps a Jumio Platform workflow details answer: its workflow event, or its retrieval_invalid
  // dead letter (origin retrieval, kind workflow), must be valid.
  void add_workflow(const std::string& name, const std::string& answer,
                    const std::string& execution, const std::string& account) {
    auto result = jb::retrieval::workflow_event(answer, execution, account, kReceivedAt);
    if (result.ok()) {
      EXPECT_TRUE(EventMatchesSchema(result.value().json)) << name;
      add_valid(name, "event.workflow.schema.json", result.value().json);
      ++events_;
      return;
    }
    jb::route::DeadLetterInput input;
    input.body = answer;
    input.content_type = "application/json";
    input.received_at = jb::callback::format_timestamp(kReceivedAt);
    input.origin = "retrieval";
    input.kind = "workflow";
    std::string record = router_.dead_letter_record(result.failure(), input).value;
    EXPECT_TRUE(MatchesSchema(record, "deadletter.schema.json")) << name;
    add_valid("deadletter/" + name, "deadletter.schema.json", record);
    ++dead_letters_;
  }

  void add_valid(const std::string& name, const std::string& schema, const std::string& json,
                 bool consistency = true) {
    cases_.push_back(Case{name, schema, true, "", json, consistency});
  }

  // Applies tests/schema-validators/mutations.json to the cases it names.
  void add_mutations(const fs::path& file) {
    rapidjson::Document mutations;
    const std::string text = read_file(file);
    mutations.Parse(text.data(), text.size());
    ASSERT_TRUE(mutations.IsArray()) << file;
    for (const auto& mutation : mutations.GetArray()) {
      std::string name = mutation["name"].GetString();
      std::string base = mutation["base"].GetString();
      std::string by = mutation["by"].GetString();
      auto found = std::find_if(cases_.begin(), cases_.end(),
                                [&](const Case& c) { return c.valid && c.name == base; });
      ASSERT_NE(found, cases_.end()) << name << ": no case " << base;
      rapidjson::Document document;
      document.Parse(found->document.data(), found->document.size());
      for (const auto& change : mutation["changes"].GetArray()) {
        rapidjson::Pointer pointer(change["pointer"].GetString());
        ASSERT_TRUE(pointer.IsValid()) << name;
        if (change.HasMember("value")) {
          pointer.Set(document, rapidjson::Value(change["value"], document.GetAllocator()));
        } else {
          ASSERT_TRUE(pointer.Erase(document))
              << name << ": nothing at " << change["pointer"].GetString();
        }
      }
      std::string json = serialized(document);
      if (by == "schema") {
        EXPECT_FALSE(MatchesSchema(json, found->schema)) << name;
      } else {
        EXPECT_TRUE(MatchesSchema(json, found->schema)) << name << " (a consistency case)";
        EXPECT_FALSE(EventMatchesSchema(json)) << name;
      }
      cases_.push_back(Case{"mutation/" + name, found->schema, false, by, json});
      ++mutations_;
    }
  }

  // The documents the rest of the test suite validated, when it ran with JB_SCHEMA_EVENTS_DIR.
  void add_collected(const fs::path& dir) {
    if (!fs::is_directory(dir)) return;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".jsonl") continue;
      std::istringstream lines(read_file(entry.path()));
      std::string line;
      while (std::getline(lines, line)) {
        rapidjson::Document item;
        item.Parse(line.data(), line.size());
        if (item.HasParseError() || !item.IsObject()) continue;
        auto consistency = item.FindMember("consistency");
        add_valid(
            std::string("collected/") + item["test"].GetString() + "/" + std::to_string(collected_),
            item["schema"].GetString(), serialized(item["document"]),
            consistency != item.MemberEnd() && consistency->value.IsTrue());
        ++collected_;
      }
    }
  }

  void write(const fs::path& file) const {
    std::ofstream out(file, std::ios::binary);
    for (const Case& c : cases_) {
      rapidjson::Document document;
      document.Parse(c.document.data(), c.document.size());
      rapidjson::StringBuffer buffer;
      jb::schema::JsonWriter writer(buffer);
      writer.StartObject();
      writer.Key("name");
      writer.String(c.name.c_str());
      writer.Key("schema");
      writer.String(c.schema.c_str());
      writer.Key("expect");
      writer.String(c.valid ? "valid" : "invalid");
      writer.Key("by");
      writer.String(c.by.c_str());
      writer.Key("consistency");
      writer.Bool(c.consistency);
      writer.Key("document");
      document.Accept(writer);
      writer.EndObject();
      out << buffer.GetString() << '\n';
    }
  }

  size_t valid() const {
    return static_cast<size_t>(
        std::count_if(cases_.begin(), cases_.end(), [](const Case& c) { return c.valid; }));
  }
  size_t invalid() const { return cases_.size() - valid(); }
  size_t events() const { return events_; }
  size_t notifications() const { return notifications_; }
  size_t dead_letters() const { return dead_letters_; }
  size_t mutations() const { return mutations_; }
  size_t collected() const { return collected_; }

 private:
  jb::route::Router router_;
  std::vector<Case> cases_;
  size_t events_ = 0;
  size_t notifications_ = 0;
  size_t dead_letters_ = 0;
  size_t mutations_ = 0;
  size_t collected_ = 0;
};

std::vector<fs::path> corpus_files(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "fuzz" / "corpus" / target)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

FormFields with_field(FormFields fields, const std::string& name, const std::string& value) {
  auto found = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == name; });
  if (found == fields.end()) {
    fields.emplace_back(name, value);
  } else {
    found->second = value;
  }
  return fields;
}

// Callbacks where the schema's edges are: the mixed address of issue #13, null members, empty
// statuses, N/A and leap dates, parameters Jumio may add later.
void add_edge_cases(Corpus* corpus) {
  const FormFields netverify = netverify_status_fields("APPROVED_VERIFIED");
  const FormFields document = document_status_fields("EXTRACTED");
  const std::map<std::string, FormFields> kCallbacks = {
      {"edge/mixed-address-us-state-code",
       with_field(netverify, "idAddress",
                  R"({"country":"USA","line1":"123 Main St","city":"Springfield",)"
                  R"("stateCode":"IL","postalCode":"62701"})")},
      {"edge/mixed-address-eu-street",
       with_field(netverify, "idAddress",
                  R"({"line2":"Top 3","streetName":"Herrengasse","streetNumber":"16",)"
                  R"("province":"Steiermark","city":"Graz","country":"AUT","floor":"3"})")},
      {"edge/mixed-document-address",
       with_field(document, "document",
                  R"({"type":"UB","country":"USA","status":"EXTRACTED","images":[],)"
                  R"("extractedData":{"address":{"line1":"1 Main St","zip":"90210",)"
                  R"("stateCode":"US-CA","country":"USA"}}})")},
      {"edge/null-members",
       with_field(with_field(netverify, "identityVerification",
                             R"({"similarity":null,"validity":null,"similarityScore":0.97})"),
                  "dlCategories", R"([{"category":"B","issueDate":null,"isReadable":false}])")},
      {"edge/na-and-leap-dates",
       with_field(with_field(netverify, "idDob", "2000-02-29"), "idExpiry", "N/A")},
      {"edge/unknown-parameter", with_field(netverify, "someFutureParameter", "{\"a\":1}")},
      {"edge/document-failed-empty-status",
       with_field(with_field(document, "transaction",
                             R"({"date":null,"status":"FAILED","source":"DOC_SDK",)"
                             R"("merchantScanReference":null,"customerId":"c-1"})"),
                  "document", R"({"status":"","images":null,"extractedData":null})")},
      {"edge/document-failed-null-status",
       with_field(document_status_fields(""), "document", R"({"status":null})")},
      {"edge/document-extracted-null-address",
       with_field(
           document, "document",
           R"({"type":"CC","country":"AUT","status":"EXTRACTED","images":["a"],)"
           R"("extractedData":{"address":null,"issueDate":"N/A","signatureAvailable":"true"}})")},
  };
  for (const auto& [name, fields] : kCallbacks) corpus->add_callback(name, form_encode(fields));
  for (int offset = 0; offset < 20; ++offset) {
    corpus->add_callback(
        "edge/control-character-at-" + std::to_string(offset),
        form_encode(with_field(netverify, "idFirstName",
                               std::string(offset, 'a') + "\x1d\xF0\x9F\x98\x80Z")));
  }
  corpus->add_callback("edge/empty-parameter-name",
                       form_encode(netverify) + "&=value-of-a-parameter-without-a-name");
  corpus->add_callback("not-utf8", "callBackType=NETVERIFYID&idFirstName=%FF\xFE");
  corpus->add_callback("unknown-status",
                       "callBackType=NETVERIFYID&jumioIdScanReference=r&"
                       "verificationStatus=MAYBE");
}

// Every parameter of `base` changed one at a time: absent, and each of a few values that sit on the
// schema's edges (empty, N/A, leap days, timestamps, too long); every member of a JSON-valued
// parameter (recursively, arrays through their first element) absent or each of a few JSON values
// (null, empty, N/A, a number, a boolean, a date, an array). Whatever normalisation makes of them,
// event or dead letter, the validators must accept.
class Variants {
 public:
  Variants(Corpus* corpus, std::string name, FormFields base)
      : corpus_(corpus), name_(std::move(name)), base_(std::move(base)) {}

  void add_all() {
    static const std::string kTooLong(300, 'x');
    static const char* const kPlainValues[] = {"",
                                               "N/A",
                                               "2000-02-29",
                                               "1999-02-29",
                                               "2000-02-29T23:59:59.9Z",
                                               "SOMETHING_JUMIO_ADDS",
                                               kTooLong.c_str()};
    for (size_t index = 0; index < base_.size(); ++index) {
      const std::string& field = base_[index].first;
      FormFields without = base_;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(index));
      corpus_->add_callback(name_ + "/" + field + "/absent", form_encode(without));
      rapidjson::Document json;
      json.Parse(base_[index].second.c_str());
      if (!json.HasParseError() && (json.IsObject() || json.IsArray())) {
        add_member_variants(index, json, json, "");
        continue;
      }
      for (const char* value : kPlainValues) {
        FormFields changed = base_;
        changed[index].second = value;
        corpus_->add_callback(name_ + "/" + field + "=" + std::string(value).substr(0, 24),
                              form_encode(changed));
      }
    }
  }

 private:
  void add_member_variants(size_t index, const rapidjson::Document& root,
                           const rapidjson::Value& value, const std::string& pointer) {
    static const char* const kMemberValues[] = {"null", R"("")",           R"("N/A")", "7",
                                                "true", R"("2000-02-29")", "[]"};
    if (value.IsArray()) {
      if (!value.Empty()) add_member_variants(index, root, value[0], pointer + "/0");
      return;
    }
    if (!value.IsObject()) return;
    for (const auto& member : value.GetObject()) {
      std::string path = pointer + "/" + member.name.GetString();
      add_changed(index, root, path, nullptr);
      for (const char* replacement : kMemberValues) add_changed(index, root, path, replacement);
      add_member_variants(index, root, member.value, path);
    }
  }

  // The callback with member `path` of parameter `index` set to `replacement` (JSON), or removed.
  void add_changed(size_t index, const rapidjson::Document& root, const std::string& path,
                   const char* replacement) {
    rapidjson::Document changed;
    changed.CopyFrom(root, changed.GetAllocator());
    rapidjson::Pointer pointer(path.c_str());
    if (replacement == nullptr) {
      pointer.Erase(changed);
    } else {
      rapidjson::Document value(&changed.GetAllocator());
      value.Parse(replacement);
      pointer.Set(changed, value);
    }
    FormFields fields = base_;
    fields[index].second = serialized(changed);
    corpus_->add_callback(name_ + "/" + fields[index].first + path + "=" +
                              (replacement == nullptr ? "absent" : replacement),
                          form_encode(fields));
  }

  Corpus* corpus_;
  std::string name_;
  FormFields base_;
};

void add_parameter_variants(Corpus* corpus) {
  Variants(corpus, "variant/netverify", netverify_all_parameter_fields()).add_all();
  Variants(corpus, "variant/authentication",
           with_field(authentication_status_fields("PASSED"), "idScanImageFace",
                      R"({"url":"https://netverify.com/face","kind":{"nested":[1]}})"))
      .add_all();
  Variants(corpus, "variant/document", document_status_fields("EXTRACTED")).add_all();
  Variants(corpus, "variant/document-failed", document_status_fields("")).add_all();
}

void add_fuzz_corpora(Corpus* corpus) {
  const std::pair<const char*, const char*> kTargets[] = {
      {"netverify_fuzzer", "callBackType=NETVERIFYID&"},
      {"authentication_fuzzer", "callBackType=NETVERIFY_AUTHENTICATION&"},
      {"document_fuzzer", ""},
      {"platform_fuzzer", ""},
  };
  for (const auto& [target, prefix] : kTargets) {
    for (const fs::path& file : corpus_files(target)) {
      corpus->add_callback(std::string("fuzz/") + target + "/" + file.filename().string(),
                           prefix + read_file(file));
    }
  }
  // An address seed: first byte odd for Document Verification's countryCode, then JSON.
  for (const fs::path& file : corpus_files("address_fuzzer")) {
    std::string bytes = read_file(file);
    if (bytes.empty()) continue;
    std::string address = bytes.substr(1);
    std::string name = "fuzz/address_fuzzer/" + file.filename().string();
    if (bytes[0] & 1) {
      corpus->add_callback(
          name, form_encode(with_field(document_status_fields("EXTRACTED"), "document",
                                       R"({"type":"UB","country":"USA","status":"EXTRACTED",)"
                                       R"("images":[],"extractedData":{"address":)" +
                                           address + "}}")));
    } else {
      corpus->add_callback(
          name, form_encode(with_field(netverify_status_fields("APPROVED_VERIFIED"), "idAddress",
                                       address)));
    }
  }
}

// Events and dead letters made from Retrieval API answers (the fake API's guide-based bodies).
void add_retrieval_answers(Corpus* corpus) {
  using jb::callback::Kind;
  const std::string ref = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
  for (const char* status :
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}) {
    corpus->add_retrieval(std::string("retrieval/netverify/") + status, Kind::netverify,
                          jb::test::scan_details_body(ref, "DONE", status));
  }
  for (const char* result : {"PASSED", "FAILED", "INVALID", "EXPIRED"}) {
    corpus->add_retrieval(std::string("retrieval/authentication/") + result, Kind::authentication,
                          jb::test::authentication_body(ref, result));
  }
  corpus->add_retrieval("retrieval/document/DONE", Kind::document,
                        jb::test::document_details_body(ref, "DONE"));
  corpus->add_retrieval("retrieval/document/FAILED", Kind::document,
                        jb::test::document_details_body(ref, "FAILED"));
  corpus->add_retrieval("retrieval/invalid-json", Kind::netverify, "{\"scanReference\": ");
  corpus->add_retrieval("retrieval/no-status", Kind::netverify,
                        jb::test::scan_details_body(ref, "FAILED", ""));
}

// Workflow events and dead letters from the platform reference's details samples (every decision
// type, 10011 and 10013, the TOKEN_EXPIRED one, missing and unknown capabilities) and the
// workflow_fuzzer seed corpus, mapped for the ids each answer names.
void add_workflow_answers(Corpus* corpus) {
  const std::string account = "11111111-1111-1111-1111-111111111111";
  const std::string execution = "22222222-2222-2222-2222-222222222222";
  for (const char* type : {"PASSED", "REJECTED", "WARNING", "NOT_EXECUTED"}) {
    for (const char* key : {"10011", "10013"}) {
      jb::test::DetailsOptions options;
      options.decision_type = type;
      options.decision_label = type;
      options.definition_key = key;
      corpus->add_workflow(std::string("workflow/") + key + "/" + type,
                           jb::test::workflow_details_body(account, execution, options), execution,
                           account);
    }
  }
  jb::test::DetailsOptions options = jb::test::token_expired_details();
  corpus->add_workflow("workflow/token-expired",
                       jb::test::workflow_details_body(account, execution, options), execution,
                       account);
  options = {};
  options.legacy_layout = true;
  options.decision_label = "";
  options.extra_capabilities = {{"somethingNew", R"([{"decision": {"type": "X"}}, {}])"}};
  corpus->add_workflow("workflow/legacy-layout-unknown-capability",
                       jb::test::workflow_details_body(account, execution, options), execution,
                       account);
  corpus->add_workflow("workflow/other-account",
                       jb::test::workflow_details_body(account, execution), execution,
                       "11111111-1111-1111-1111-111111111112");
  for (const fs::path& file : corpus_files("workflow_fuzzer")) {
    corpus->add_workflow("fuzz/workflow_fuzzer/" + file.filename().string(), read_file(file),
                         execution, account);
  }
}

void add_generated(Corpus* corpus) {
  for (const SampleCallback& sample : spec_sample_callbacks()) {
    corpus->add_callback(std::string("sample/") + sample.name, sample.body);
  }
  corpus->add_callback("all-parameters/netverify", netverify_all_parameters());
  for (const char* status :
       {"APPROVED_VERIFIED", "DENIED_FRAUD", "DENIED_UNSUPPORTED_ID_TYPE",
        "DENIED_UNSUPPORTED_ID_COUNTRY", "ERROR_NOT_READABLE_ID", "NO_ID_UPLOADED"}) {
    corpus->add_callback(std::string("status/netverify/") + status,
                         form_encode(netverify_status_fields(status)));
  }
  for (const char* result : {"PASSED", "FAILED", "INVALID", "EXPIRED"}) {
    corpus->add_callback(std::string("status/authentication/") + result,
                         form_encode(authentication_status_fields(result)));
  }
  for (const char* status : {"UPLOADED", "EXTRACTED", "DISCARDED", ""}) {
    corpus->add_callback(std::string("status/document/") + (*status ? status : "FAILED"),
                         form_encode(document_status_fields(status)));
  }
  corpus->add_callback("platform/sample", jb::test::kSamplePlatformCallback);
  for (const char* status : {"PROCESSED", "SESSION_EXPIRED", "TOKEN_EXPIRED", "INITIATED",
                             "ACQUIRED", "ACQUISITION_STARTED", "SOMETHING_JUMIO_ADDS"}) {
    corpus->add_callback(std::string("platform/status/") + status,
                         jb::test::platform_callback_with_status(status));
  }
  for (const char* pointer :
       {"/userReference", "/callbackSentAt", "/workflowExecution/definitionKey", "/account/id",
        "/workflowExecution/id"}) {
    corpus->add_callback(std::string("platform/absent") + pointer,
                         jb::test::platform_callback_with(pointer, nullptr));
  }
  add_edge_cases(corpus);
  add_retrieval_answers(corpus);
  add_workflow_answers(corpus);
  add_parameter_variants(corpus);
  add_fuzz_corpora(corpus);
}

// How many schema files schemas/ holds: every one must compile.
int schema_files() {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "schemas")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 12 && name.compare(name.size() - 12, 12, ".schema.json") == 0) ++count;
  }
  return count;
}

// Runs `command`, returning its exit status and standard output.
int run(const std::string& command, std::string* out) {
  out->clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer;
  size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    out->append(buffer.data(), read);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

struct Validator {
  const char* name;
  std::string command;  // without the arguments
};

class SchemaValidators : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    corpus_ = new Corpus();
    if (const char* dir = std::getenv("JB_SCHEMA_EVENTS_DIR")) corpus_->add_collected(dir);
    ::unsetenv("JB_SCHEMA_EVENTS_DIR");  // what this test validates is not collected again
    add_generated(corpus_);
    corpus_->add_mutations(kValidators / "mutations.json");
    dir_ = fs::temp_directory_path() / ("jb-schema-validators-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    corpus_->write(dir_ / "cases.jsonl");
    std::cout << "cases: " << corpus_->valid() << " valid (" << corpus_->events() << " events, "
              << corpus_->notifications() << " notifications, " << corpus_->dead_letters()
              << " dead letters, " << corpus_->collected() << " collected from other tests), "
              << corpus_->invalid() << " mutations\n";
  }

  static void TearDownTestSuite() {
    if (!::testing::UnitTest::GetInstance()->Failed() &&
        std::getenv("JB_SCHEMA_KEEP_CASES") == nullptr) {
      fs::remove_all(dir_);
    }
    delete corpus_;
    corpus_ = nullptr;
  }

  // Runs a validator over the cases: every valid case accepted, every mutation rejected.
  void expect_validator(const std::string& command, const char* name) {
    std::string out;
    int status =
        run(command + " " + quoted(kSource / "schemas") + " " + quoted(dir_ / "cases.jsonl"), &out);
    std::cout << name << ": " << out;
    ASSERT_EQ(status, 0) << name << " (cases in " << dir_ << "): " << out;
    rapidjson::Document summary;
    summary.Parse(out.c_str());
    ASSERT_TRUE(summary.IsObject()) << out;
    EXPECT_EQ(summary["compiled"].GetInt(), schema_files());
    EXPECT_EQ(summary["valid"].GetUint64(), corpus_->valid());
    EXPECT_EQ(summary["invalid"].GetUint64(), corpus_->invalid());
    EXPECT_EQ(summary["mismatches"].GetInt(), 0);
  }

  static Corpus* corpus_;
  static fs::path dir_;
};

Corpus* SchemaValidators::corpus_ = nullptr;
fs::path SchemaValidators::dir_;

// RapidJSON 1.1.0's SSE2 writer let 0x1A-0x1F through unescaped at some positions (found by the
// netverify fuzz target): every control character, at every position of a 16-byte block, in a
// plain parameter and inside a JSON-valued one, gives an event that is JSON and keeps the value.
TEST(EventJson, EscapesEveryControlCharacterWherever) {
  const FormFields netverify = netverify_status_fields("APPROVED_VERIFIED");
  for (int offset = 0; offset < 40; ++offset) {
    for (int control = 1; control < 0x20; ++control) {
      std::string value = std::string(offset, 'a') + static_cast<char>(control) + "\xC3\xA9z";
      rapidjson::Document address;
      address.SetObject();
      address.AddMember("line1", rapidjson::Value(value.c_str(), address.GetAllocator()),
                        address.GetAllocator());
      FormFields fields =
          with_field(with_field(netverify, "idFirstName", value), "idAddress", serialized(address));
      auto result = jb::callback::normalize(
          {form_encode(fields), "application/x-www-form-urlencoded", kReceivedAt});
      ASSERT_TRUE(result.ok()) << offset << " " << control;
      const std::string& json = result.value().json;
      rapidjson::Document event;
      event.Parse(json.c_str(), json.size());
      ASSERT_FALSE(event.HasParseError()) << offset << " " << control << ": " << json;
      EXPECT_EQ(event["data"]["idFirstName"].GetString(), value);
      EXPECT_EQ(event["data"]["idAddress"]["line1"].GetString(), value);
      EXPECT_TRUE(EventMatchesSchema(json)) << offset << " " << control;
    }
  }
}

TEST_F(SchemaValidators, CorpusCoversEveryKindAndTheFindings) {
  EXPECT_GE(corpus_->events(), 500u);
  EXPECT_GE(corpus_->notifications(), 20u);
  EXPECT_GE(corpus_->dead_letters(), 100u);
  EXPECT_GE(corpus_->mutations(), 40u);
}

TEST_F(SchemaValidators, AjvStrictWithFormats) {
  std::string out;
  if (run("command -v node >/dev/null 2>&1", &out) != 0) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(kValidators / "node_modules" / "ajv" / "package.json") ||
      !fs::exists(kValidators / "node_modules" / "ajv-formats" / "package.json") ||
      !fs::exists(kValidators / "node_modules" / "ajv-draft-04" / "package.json")) {
    GTEST_SKIP()
        << "no node modules: run npm ci in tests/schema-validators (scripts/install-deps.sh)";
  }
  expect_validator("node " + quoted(kValidators / "validate.js"), "ajv");
}

TEST_F(SchemaValidators, PythonJsonschemaWithFormatChecker) {
  std::string out;
  if (run("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null", &out) != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no jsonschema (Debian: python3-jsonschema)";
  }
  expect_validator("/usr/bin/python3 " + quoted(kValidators / "validate.py"), "python-jsonschema");
}

}  // namespace
