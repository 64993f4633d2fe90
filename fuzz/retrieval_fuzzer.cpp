// The Retrieval API mapping (daemon/retrieval/mapping.h) over untrusted answers. The first input
// byte picks the kind ((byte & 0x7F) % 3: 0 netverify, 1 authentication, 2 document; the seed
// corpus writes '0', '1', '2'), the rest is the answer as it came from the network. The first
// bytes 0xB0-0xB2 ('0'-'2' with the high bit) also turn the first "[]" outside strings into
// jb::test::kRetrievalFuzzDeepNesting nested arrays: the fuzzer reaches answers nested far deeper
// than its inputs are long (the Retrieval API client accepts answers of up to 16 MiB). For every
// input:
// - read_status_answer() returns a status Jumio's guide lists, or a retrieval_invalid failure;
// - event_of_answer() returns an event or a retrieval_invalid failure;
// - no failure detail repeats a value of the answer (no personal data in details, docs/
//   retrieval-mapping.md): a JSON string value of 8 or more bytes (also inside string values that
//   are JSON text themselves, such as document.extractedData.extractedData) may appear in a detail
//   only where the detail's own vocabulary covers it: the messages the mapping and the
//   normalisation write, reason codes, parameter names and the answer's member names;
// - an event is valid UTF-8 JSON with "origin": "retrieval", its kind's callbackType and the
//   answer's reference as a non-empty reference, valid against its schema in schemas/ with the
//   envelope agreeing with data (tests/support/schema_check, as normalize_fuzzer does);
// - the same answer mapped again, received at another time, gives the same eventId and the same
//   JSON except receivedAt.
// A violation prints what was broken and abort()s.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "callback/event.h"
#include "callback/parameters.h"
#include "common/result.h"
#include "common/utf8.h"
#include "detail_check.h"
#include "retrieval/mapping.h"
#include "support/retrieval_fuzz_input.h"
#include "support/schema_check.h"

namespace {

using jb::callback::Kind;
using jb::retrieval::nests_deeper_than;

// Deeper answers are not walked for their values (the mapping refuses them, and their walk could
// exhaust the stack).
constexpr int kDeepestWalked = 200;

[[noreturn]] void fail(const char* what, const std::string& detail, const std::string& text) {
  jb::fuzz::fail("retrieval_fuzzer", what, detail, text);
}

// Fixed text of the details the mapping (daemon/retrieval/mapping.cpp) and the normalisation it
// calls (daemon/callback: normalize, kind, document, value_check) write around names and numbers.
constexpr std::string_view kFixedPhrases[] = {
    // retrieval/mapping.cpp
    "the answer is not valid JSON (",
    " at offset ",
    "the answer is not a JSON object",
    "the answer nests deeper than ",
    " levels",
    "document.extractedData.extractedData: ",
    "document.extractedData.extractedData is neither JSON text nor an object",
    "scanReference is absent or not a string",
    "document is absent or not an object",
    "transaction is absent or not an object",
    "verification is not an object",
    "transactionReference is absent or not a string",
    "document is not an object",
    "document.extractedData is not an object",
    "transactionResult is absent",
    "transactionResult is not one the guide lists",
    "status is absent",
    "status is not PENDING, DONE or FAILED",
    "unknown kind",
    // callback/normalize.cpp, callback/kind.cpp, callback/document.cpp
    " is absent or empty",
    "the event is not valid UTF-8",
    "the fields describe ",
    ", not ",
    "callBackType is neither NETVERIFYID nor NETVERIFY_AUTHENTICATION",
    "no callBackType, and not Document Verification (scanReference and transaction)",
    " is not a status the spec lists",
    "document is absent although transaction.status is DONE",
    // callback/value_check.cpp
    " is not valid JSON",
    " is not a string",
    " is not a string, number or boolean",
    " is not a JSON object",
    " is not a JSON array of strings",
    " repeats a member name",
    " is not a JSON array or object",
    " is not a JSON object or array of strings",
    " is not a YYYY-MM-DDThh:mm:ss[.SSS]Z timestamp",
    " is not a YYYY-MM-DD date",
    " is not a boolean or string",
};

// What a detail may say: the phrases above, RapidJSON's parse error messages, reason codes, kind
// names, every parameter (and member) name of the parameter tables. Built once.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> out(std::begin(kFixedPhrases), std::end(kFixedPhrases));
    for (int code = 0; code <= rapidjson::kParseErrorTermination; ++code)
      out.emplace_back(rapidjson::GetParseError_En(static_cast<rapidjson::ParseErrorCode>(code)));
    size_t count = 0;
    const jb::DeadLetterReason* reasons = jb::all_reasons(&count);
    for (size_t i = 0; i < count; ++i) out.emplace_back(jb::reason_code(reasons[i]));
    for (Kind kind : {Kind::netverify, Kind::authentication, Kind::document}) {
      out.emplace_back(jb::callback::kind_type(kind));
      out.emplace_back(jb::callback::kind_callback_type(kind));
    }
    std::vector<const jb::callback::ParameterTable*> tables = {
        &jb::callback::netverify_parameters(), &jb::callback::authentication_parameters(),
        &jb::callback::document_verification_parameters()};
    for (size_t i = 0; i < tables.size(); ++i) {  // grows while walking member tables
      for (const auto& spec : *tables[i]) {
        out.emplace_back(spec.name);
        if (spec.members != nullptr && spec.members != tables[i]) {
          bool seen = false;
          for (const auto* table : tables) seen = seen || table == spec.members;
          if (!seen) tables.push_back(spec.members);
        }
      }
    }
    return out;
  }();
  return words;
}

// The string values and member names of an answer, with those of string values that are JSON
// text themselves (document.extractedData.extractedData, ...), a few levels deep.
using jb::fuzz::AnswerText;

void collect(const rapidjson::Value& value, int nested_texts, AnswerText* text);

// Parses `text` (the answer, or a string value of it) and collects what it holds.
void collect_text(std::string_view text, int nested_texts, AnswerText* out) {
  if (nested_texts > 4 || nests_deeper_than(text, kDeepestWalked)) return;
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (!document.HasParseError()) collect(document, nested_texts, out);
}

void collect(const rapidjson::Value& value, int nested_texts, AnswerText* text) {
  if (value.IsString()) {
    std::string_view s(value.GetString(), value.GetStringLength());
    text->values.emplace_back(s);
    if (!s.empty() && (s.front() == '{' || s.front() == '['))
      collect_text(s, nested_texts + 1, text);
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      text->names.emplace_back(member.name.GetString(), member.name.GetStringLength());
      collect(member.value, nested_texts, text);
    }
  } else if (value.IsArray()) {
    for (const auto& element : value.GetArray()) collect(element, nested_texts, text);
  }
}

// Fails when `detail` carries a string value of the answer of 8 bytes or more outside its own
// vocabulary, a member name, the number after " at offset " or "deeper than ", or an array index.
void check_detail(const char* where, const std::string& detail, const AnswerText& answer,
                  const std::string& input) {
  jb::fuzz::check_detail("retrieval_fuzzer", where, detail, vocabulary(), answer, input,
                         [](std::string_view text, size_t begin) {
                           auto after = [&](std::string_view word) {
                             return begin >= word.size() &&
                                    text.compare(begin - word.size(), word.size(), word) == 0;
                           };
                           return after(" at offset ") || after("deeper than ");
                         });
}

std::string_view reference_member(Kind kind) {
  return kind == Kind::authentication ? "transactionReference" : "scanReference";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Kind kind;
  std::string answer;
  if (!jb::test::retrieval_fuzz_input(std::string_view(reinterpret_cast<const char*>(data), size),
                                      &kind, &answer)) {
    return 0;
  }

  AnswerText text;
  collect_text(answer, 0, &text);

  // Status answers.
  auto status = jb::retrieval::read_status_answer(kind, answer);
  if (status.ok()) {
    const std::string& s = status.value().status;
    const bool pending = status.value().progress == jb::retrieval::Progress::pending;
    const bool listed =
        kind == Kind::authentication
            ? (pending ? s == "CREATED" || s == "STARTED"
                       : s == "PASSED" || s == "FAILED" || s == "INVALID" || s == "EXPIRED")
            : (pending ? s == "PENDING" : s == "DONE" || s == "FAILED");
    if (!listed) fail("read_status_answer", "a status the guide does not list: " + s, answer);
  } else {
    if (status.failure().reason != jb::DeadLetterReason::retrieval_invalid)
      fail("read_status_answer", "the failure is not retrieval_invalid", status.failure().detail);
    check_detail("read_status_answer", status.failure().detail, text, answer);
  }

  // Details answers.
  const auto first_time = std::chrono::system_clock::time_point(std::chrono::seconds(1600000000));
  const auto second_time = first_time + std::chrono::hours(49) + std::chrono::milliseconds(123);
  auto result = jb::retrieval::event_of_answer(kind, answer, first_time);
  if (!result.ok()) {
    const jb::Failure& failure = result.failure();
    if (failure.reason != jb::DeadLetterReason::retrieval_invalid)
      fail("event_of_answer", "the failure is not retrieval_invalid", failure.detail);
    check_detail("event_of_answer", failure.detail, text, answer);
    auto again = jb::retrieval::event_of_answer(kind, answer, second_time);
    if (again.ok() || again.failure().detail != failure.detail)
      fail("event_of_answer", "mapped again, the answer gives another result", failure.detail);
    return 0;
  }

  const jb::callback::Event& event = result.value();
  if (!jb::is_valid_utf8(event.json)) fail("event_of_answer", "the event is not UTF-8", answer);
  if (event.kind != kind || event.origin != jb::callback::Origin::retrieval)
    fail("event_of_answer", "the event has another kind or origin", event.json);
  if (event.reference.empty()) fail("event_of_answer", "the event has no reference", event.json);
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseValidateEncodingFlag>(event.json.data(), event.json.size());
  if (parsed.HasParseError() || !parsed.IsObject() || !parsed.HasMember("data"))
    fail("event_of_answer", "the event is not a JSON object with data", event.json);
  auto string_at = [&parsed](const char* name) -> std::string {
    auto found = parsed.FindMember(name);
    if (found == parsed.MemberEnd() || !found->value.IsString()) return "<not a string>";
    return std::string(found->value.GetString(), found->value.GetStringLength());
  };
  if (string_at("origin") != "retrieval")
    fail("event_of_answer", "the event's origin is not retrieval", event.json);
  if (string_at("callbackType") != jb::callback::kind_callback_type(kind))
    fail("event_of_answer", "the event's callbackType is not its kind's", event.json);
  if (string_at("reference") != event.reference)
    fail("event_of_answer", "the event's reference is not its key", event.json);
  // The reference is the answer's own (the mapping only maps answers that parse).
  rapidjson::Document parsed_answer;
  parsed_answer.Parse(answer.data(), answer.size());
  const std::string_view name = reference_member(kind);
  const rapidjson::Value key(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())));
  const rapidjson::Value* reference = nullptr;
  if (parsed_answer.IsObject()) {
    auto found = parsed_answer.FindMember(key);
    if (found != parsed_answer.MemberEnd()) reference = &found->value;
  }
  if (reference == nullptr || !reference->IsString() ||
      std::string_view(reference->GetString(), reference->GetStringLength()) != event.reference) {
    fail("event_of_answer", "the event's reference is not the answer's " + std::string(name),
         event.json);
  }
  std::string error = jb::schema::event_error(event.json);
  if (!error.empty()) fail("the event fails its schema", error, event.json);

  // The same answer, received later: the same event but for receivedAt.
  auto again = jb::retrieval::event_of_answer(kind, answer, second_time);
  if (!again.ok())
    fail("event_of_answer", "mapped again, the answer fails: " + again.failure().detail,
         event.json);
  if (again.value().event_id != event.event_id)
    fail("event_of_answer", "mapped again, the answer gets another eventId", event.json);
  if (again.value().received_at == event.received_at)
    fail("event_of_answer", "receivedAt does not follow the time received", event.json);
  const std::string first_received = "\"receivedAt\":\"" + event.received_at + "\"";
  const std::string second_received = "\"receivedAt\":\"" + again.value().received_at + "\"";
  std::string expected = event.json;
  const size_t at = expected.find(first_received);
  if (at == std::string::npos) fail("event_of_answer", "no receivedAt in the event", event.json);
  expected.replace(at, first_received.size(), second_received);
  if (again.value().json != expected)
    fail("event_of_answer", "mapped again, the answer gives another event",
         event.json + "\n" + again.value().json);
  return 0;
}
