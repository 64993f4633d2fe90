// Golden outputs of normalisation: every callback body of the normalise fuzz corpora, the spec
// samples, a callback for every status of every kind, the Retrieval API answers of the retrieval
// corpus and of the test Retrieval API, normalised with a fixed receivedAt. The canonical event
// (eventId included), or the dead-letter reason, detail and reference, and the warnings must
// equal, byte for byte, tests/golden/<set>/<input>.out. With JB_RECORD_GOLDEN=1 the files are
// written instead (and those of inputs that no longer exist removed): tests/golden/README.md says
// when.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callback/normalize.h"
#include "callback/statuses.h"
#include "retrieval/mapping.h"
#include "retrieval/workflow.h"
#include "support/callbacks.h"
#include "support/fake_retrieval_api.h"
#include "support/platform_answers.h"
#include "support/retrieval_fuzz_input.h"

namespace {

namespace fs = std::filesystem;
using jb::callback::Event;
using jb::callback::Kind;

// 2026-01-01T00:00:00Z.
const std::chrono::system_clock::time_point kReceivedAt{std::chrono::seconds(1767225600)};
const char kFormType[] = "application/x-www-form-urlencoded";

const fs::path kCorpora = fs::path(JB_SOURCE_DIR) / "fuzz" / "corpus";
const fs::path kGolden = fs::path(JB_SOURCE_DIR) / "tests" / "golden";

bool recording() {
  const char* value = std::getenv("JB_RECORD_GOLDEN");
  return value != nullptr && std::string_view(value) == "1";
}

// One input: its name (the golden file's stem) and its bytes.
struct Input {
  std::string name;
  std::string bytes;
};

// The files of a corpus directory, by name in byte order.
std::vector<Input> corpus(const std::string& target) {
  std::vector<Input> inputs;
  for (const auto& entry : fs::directory_iterator(kCorpora / target)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    inputs.push_back(
        {entry.path().filename().string(), std::string(std::istreambuf_iterator<char>(in), {})});
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const Input& a, const Input& b) { return a.name < b.name; });
  return inputs;
}

// `text` on one line: control bytes, DEL and backslash as \xNN; everything else as is.
std::string one_line(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string kind_name(Kind kind) {
  return std::string(jb::callback::kind_type(kind));
}

// The deterministic text of a normalisation's result.
std::string describe(const jb::Result<Event>& result) {
  std::string out;
  auto line = [&out](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(one_line(value)).append("\n");
  };
  if (!result.ok()) {
    const jb::Failure& failure = result.failure();
    out += "dead-letter\n";
    line("reason", jb::reason_code(failure.reason));
    line("detail", failure.detail);
    line("reference", failure.reference);
    return out;
  }
  const Event& event = result.value();
  out += "event\n";
  line("kind", kind_name(event.kind));
  line("origin", jb::callback::origin_name(event.origin));
  line("eventId", event.event_id);
  line("status", event.status);
  line("reference", event.reference);
  line("callbackDate", event.callback_date);
  line("receivedAt", event.received_at);
  line("warnings", std::to_string(event.warnings.size()));
  for (const auto& warning : event.warnings) line("warning", warning.field + " " + warning.problem);
  line("json", event.json);
  return out;
}

std::string read_file(const fs::path& path, bool* found) {
  std::ifstream in(path, std::ios::binary);
  *found = static_cast<bool>(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Compares (or records) the outputs of one set: `outputs` holds (input name, output text).
void check_set(const std::string& set,
               const std::vector<std::pair<std::string, std::string>>& outputs) {
  ASSERT_FALSE(outputs.empty()) << set << ": no inputs";
  const fs::path dir = kGolden / set;
  std::vector<std::string> expected_files;
  for (const auto& [name, output] : outputs) expected_files.push_back(name + ".out");
  std::vector<std::string> sorted = expected_files;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
      << set << ": two inputs share a name";

  if (recording()) {
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string file = entry.path().filename().string();
      if (std::find(expected_files.begin(), expected_files.end(), file) == expected_files.end())
        fs::remove(entry.path());
    }
    for (const auto& [name, output] : outputs) {
      std::ofstream out(dir / (name + ".out"), std::ios::binary | std::ios::trunc);
      out << output;
      ASSERT_TRUE(out.good()) << set << "/" << name << ".out: cannot write";
    }
    std::printf("recorded %zu golden outputs in tests/golden/%s\n", outputs.size(), set.c_str());
    return;
  }

  for (const auto& [name, output] : outputs) {
    bool found = false;
    const std::string golden = read_file(dir / (name + ".out"), &found);
    if (!found) {
      ADD_FAILURE() << set << "/" << name << ": no golden output (record it: JB_RECORD_GOLDEN=1)";
      continue;
    }
    if (golden == output) continue;
    const auto differ =
        std::mismatch(golden.begin(), golden.end(), output.begin(), output.end()).first;
    ADD_FAILURE() << set << "/" << name << ": differs from its golden output at byte "
                  << (differ - golden.begin()) << " (golden " << golden.size() << " bytes, now "
                  << output.size() << ")";
  }
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string file = entry.path().filename().string();
      if (std::find(expected_files.begin(), expected_files.end(), file) == expected_files.end())
        ADD_FAILURE() << set << "/" << file << ": a golden output without an input";
    }
  }
}

// A normalise fuzz corpus, fed as its target feeds it: `prefix` before every body.
void check_callback_corpus(const std::string& target, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const Input& input : corpus(target)) {
    const std::string body = prefix + input.bytes;
    outputs.emplace_back(input.name,
                         describe(jb::callback::normalize({body, kFormType, kReceivedAt})));
  }
  check_set(target, outputs);
}

TEST(Golden, NetverifyCorpus) {
  check_callback_corpus("netverify_fuzzer", "callBackType=NETVERIFYID&");
}

TEST(Golden, AuthenticationCorpus) {
  check_callback_corpus("authentication_fuzzer", "callBackType=NETVERIFY_AUTHENTICATION&");
}

TEST(Golden, DocumentCorpus) {
  check_callback_corpus("document_fuzzer", "");
}

// form_fuzzer decodes its bodies only; here they are normalised whole.
TEST(Golden, FormCorpus) {
  check_callback_corpus("form_fuzzer", "");
}

// The deterministic text of what the Retrieval API mapping makes of an answer: read as a status
// answer, and mapped to an event.
std::string describe_answer(Kind kind, const std::string& answer) {
  std::string output = "kind: " + kind_name(kind) + "\n";
  auto status = jb::retrieval::read_status_answer(kind, answer);
  if (status.ok()) {
    output += std::string("status answer: ") +
              (status.value().progress == jb::retrieval::Progress::pending ? "pending" : "final") +
              " " + one_line(status.value().status) + "\n";
  } else {
    output += "status answer: " + std::string(jb::reason_code(status.failure().reason)) + " " +
              one_line(status.failure().detail) + "\n";
  }
  output += describe(jb::retrieval::event_of_answer(kind, answer, kReceivedAt));
  return output;
}

// The Retrieval API answers, fed as retrieval_fuzzer feeds them: the first byte picks the kind,
// and 0xB0-0xB2 turn the first "[]" into 500000 nested arrays.
TEST(Golden, RetrievalCorpus) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const Input& input : corpus("retrieval_fuzzer")) {
    Kind kind;
    std::string answer;
    if (!jb::test::retrieval_fuzz_input(input.bytes, &kind, &answer)) continue;
    outputs.emplace_back(input.name, describe_answer(kind, answer));
  }
  check_set("retrieval_fuzzer", outputs);
}

// What the workflow mapping makes of an answer, asked for the platform reference's sample ids:
// read as a status answer, and mapped to a workflow event.
std::string describe_workflow_answer(const std::string& answer) {
  const std::string account = "11111111-1111-1111-1111-111111111111";
  const std::string execution = "22222222-2222-2222-2222-222222222222";
  auto status = jb::retrieval::read_workflow_status(answer, execution);
  std::string output = "status answer: " +
                       (status.ok() ? one_line(status.value())
                                    : std::string(jb::reason_code(status.failure().reason)) + " " +
                                          one_line(status.failure().detail)) +
                       "\n";
  return output + describe(jb::retrieval::workflow_event(answer, execution, account, kReceivedAt));
}

// The Jumio Platform answers of the workflow_fuzzer corpus and the test platform's details
// answers (tests/support/platform_answers.h): every decision type, 10011 and 10013, TOKEN_EXPIRED.
TEST(Golden, WorkflowAnswers) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const Input& input : corpus("workflow_fuzzer"))
    outputs.emplace_back("corpus_" + input.name, describe_workflow_answer(input.bytes));
  const std::string account = "11111111-1111-1111-1111-111111111111";
  const std::string execution = "22222222-2222-2222-2222-222222222222";
  for (const char* type : {"PASSED", "REJECTED", "WARNING", "NOT_EXECUTED"}) {
    for (const char* key : {"10011", "10013"}) {
      jb::test::DetailsOptions options;
      options.decision_type = type;
      options.decision_label = type;
      options.definition_key = key;
      outputs.emplace_back(
          std::string("details_") + key + "_" + type,
          describe_workflow_answer(jb::test::workflow_details_body(account, execution, options)));
    }
  }
  outputs.emplace_back("details_token_expired",
                       describe_workflow_answer(jb::test::workflow_details_body(
                           account, execution, jb::test::token_expired_details())));
  outputs.emplace_back("status_PROCESSED", describe_workflow_answer(jb::test::workflow_status_body(
                                               account, execution, "PROCESSED")));
  check_set("workflow_answers", outputs);
}

// The spec samples, a callback for every status of every kind (and one status no kind lists),
// and the Netverify callback with every documented parameter.
TEST(Golden, Samples) {
  std::vector<std::pair<std::string, std::string>> outputs;
  auto add = [&outputs](const std::string& name, const std::string& body) {
    outputs.emplace_back(name, describe(jb::callback::normalize({body, kFormType, kReceivedAt})));
  };
  for (const SampleCallback& sample : spec_sample_callbacks()) add(sample.name, sample.body);
  std::vector<std::string> netverify, authentication, document;
  for (auto status : jb::callback::event_statuses(Kind::netverify)) netverify.emplace_back(status);
  for (auto status : jb::callback::event_statuses(Kind::authentication))
    authentication.emplace_back(status);
  for (auto status : jb::callback::document_statuses()) document.emplace_back(status);
  document.emplace_back("");  // a FAILED transaction without a document
  for (auto* statuses : {&netverify, &authentication, &document}) statuses->emplace_back("UNKNOWN");
  for (const auto& status : netverify)
    add("Netverify_" + status, form_encode(netverify_status_fields(status)));
  for (const auto& status : authentication)
    add("Authentication_" + status, form_encode(authentication_status_fields(status)));
  for (const auto& status : document)
    add("Document_" + (status.empty() ? std::string("FAILED") : status),
        form_encode(document_status_fields(status)));
  add("NetverifyAllParameters", netverify_all_parameters());
  check_set("samples", outputs);
}

// The answers the test Retrieval API serves (tests/support/fake_retrieval_api.h): every status and
// result each builder takes.
TEST(Golden, RetrievalAnswers) {
  using namespace jb::test;
  const std::string reference = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
  std::vector<std::pair<std::string, std::string>> outputs;
  auto add = [&outputs](const std::string& name, Kind kind, const std::string& answer) {
    outputs.emplace_back(name, describe_answer(kind, answer));
  };
  for (const char* status : {"PENDING", "DONE", "FAILED"}) {
    add(std::string("ScanStatus_") + status, Kind::netverify, scan_status_body(reference, status));
    add(std::string("DocumentStatus_") + status, Kind::document,
        document_status_body(reference, status));
    add(std::string("DocumentDetails_") + status, Kind::document,
        document_details_body(reference, status));
  }
  for (const char* transaction : {"PENDING", "DONE", "FAILED"}) {
    for (auto status : jb::callback::event_statuses(Kind::netverify)) {
      add(std::string("ScanDetails_") + transaction + "_" + std::string(status), Kind::netverify,
          scan_details_body(reference, transaction, std::string(status)));
    }
  }
  for (const char* result : {"CREATED", "STARTED", "PASSED", "FAILED", "INVALID", "EXPIRED"})
    add(std::string("Authentication_") + result, Kind::authentication,
        authentication_body(reference, result));
  check_set("retrieval_answers", outputs);
}

}  // namespace
