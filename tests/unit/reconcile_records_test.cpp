// The reconcile record codecs (daemon/reconcile/records.h): state records written and read back
// field for field, what the parsers refuse (and that the expected record's reasons never quote the
// input), and what a record on an event or dead-letter topic settles.
#include "reconcile/records.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace jb::reconcile {
namespace {

using callback::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::string_literals;

// 2024-05-01T12:00:00Z.
const Time kNoon = Time{} + seconds{1714564800};

void expect_same(const StateRecord& actual, const StateRecord& expected) {
  EXPECT_EQ(actual.reference, expected.reference);
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.asks, expected.asks);
  EXPECT_EQ(actual.last_asked, expected.last_asked);
  EXPECT_EQ(actual.last_status, expected.last_status);
  EXPECT_EQ(actual.settled, expected.settled);
}

StateRecord sample_state() {
  StateRecord record;
  record.reference = "0b6c7e4a-1d2f-4a3b-9c8d-7e6f5a4b3c2d";
  record.kind = Kind::authentication;
  record.asks = 3;
  record.last_asked = kNoon + milliseconds{250};
  record.last_status = "PENDING";
  record.settled = Settlement::retrieval;
  return record;
}

StateRecord round_trip(const StateRecord& record) {
  StateRecord parsed;
  const std::string json = state_record_json(record);
  EXPECT_TRUE(parse_state_record(json, &parsed)) << json;
  return parsed;
}

// --- state records: writing and reading back -----------------------------------------------

TEST(StateRecord, WritesEveryMemberByItsName) {
  EXPECT_EQ(state_record_json(sample_state()),
            R"({"reference":"0b6c7e4a-1d2f-4a3b-9c8d-7e6f5a4b3c2d","kind":"authentication",)"
            R"("asks":3,"lastAskedAt":"2024-05-01T12:00:00.250Z","lastStatus":"PENDING",)"
            R"("settled":"retrieval"})");
}

TEST(StateRecord, RoundTripsEveryField) {
  const StateRecord record = sample_state();
  expect_same(round_trip(record), record);
}

TEST(StateRecord, RoundTripsEveryKindAndSettlement) {
  for (Kind kind : {Kind::netverify, Kind::authentication, Kind::document}) {
    for (Settlement settled : {Settlement::none, Settlement::callback, Settlement::retrieval,
                               Settlement::deadletter, Settlement::given_up}) {
      StateRecord record = sample_state();
      record.kind = kind;
      record.settled = settled;
      SCOPED_TRACE(state_record_json(record));
      expect_same(round_trip(record), record);
    }
  }
}

TEST(StateRecord, NoneIsWrittenAsNull) {
  StateRecord record = sample_state();
  record.settled = Settlement::none;
  EXPECT_NE(state_record_json(record).find(R"("settled":null)"), std::string::npos);
}

TEST(StateRecord, NoAskYetHasANullLastAskedAt) {
  StateRecord record = sample_state();
  record.asks = 0;
  record.last_asked = Time{};
  record.last_status.clear();
  const std::string json = state_record_json(record);
  EXPECT_NE(json.find(R"("lastAskedAt":null)"), std::string::npos) << json;
  expect_same(round_trip(record), record);
}

TEST(StateRecord, LastAskedAtCountsOnlyAfterAnAsk) {
  // The writer drops lastAskedAt when asks is 0, so the reader does too: a record reads back as
  // what it would be written as.
  StateRecord parsed;
  ASSERT_TRUE(parse_state_record(
      R"({"reference":"r","kind":"document","asks":0,"lastAskedAt":"2024-05-01T12:00:00Z"})",
      &parsed));
  EXPECT_EQ(parsed.last_asked, Time{});
  expect_same(round_trip(parsed), parsed);
}

TEST(StateRecord, KeepsMillisecondsAndTimesBefore1970) {
  for (Time time : {kNoon + milliseconds{999}, Time{} - milliseconds{500},
                    Time{} - seconds{86400 * 365} + milliseconds{1}}) {
    StateRecord record = sample_state();
    record.last_asked = time;
    SCOPED_TRACE(state_record_json(record));
    expect_same(round_trip(record), record);
  }
}

TEST(StateRecord, NulAndNonAsciiBytesInTheReferenceSurvive) {
  for (std::string reference :
       {"a\0b"s, "\0"s, "réf-ü-日本"s, "\xff\xfe not UTF-8 \x80"s, "quote \" and \\ and \n"s}) {
    StateRecord record = sample_state();
    record.reference = reference;
    record.last_status = reference;
    const StateRecord parsed = round_trip(record);
    EXPECT_EQ(parsed.reference, reference);
    EXPECT_EQ(parsed.last_status, reference);
  }
}

TEST(StateRecord, ControlCharactersAreEscapedWhereverTheyAre) {
  // RapidJSON's vectorised writer once let 0x1A-0x1F through inside 16-byte blocks.
  for (char control = 1; control < 0x20; ++control) {
    for (size_t at = 0; at < 40; ++at) {
      StateRecord record = sample_state();
      record.reference = std::string(40, 'r');
      record.reference[at] = control;
      record.last_status = record.reference;
      const std::string json = state_record_json(record);
      for (char c : json) {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20u)
            << "byte " << int(control) << " at " << at << " written unescaped";
      }
      expect_same(round_trip(record), record);
    }
  }
}

TEST(StateRecord, AReferenceOf255BytesIsTheLongestRead) {
  StateRecord record = sample_state();
  record.reference = std::string(255, 'r');
  EXPECT_EQ(round_trip(record).reference, record.reference);
  record.reference += 'r';
  StateRecord parsed;
  EXPECT_FALSE(parse_state_record(state_record_json(record), &parsed));
}

TEST(StateRecord, OptionalMembersMayBeAbsentOrNull) {
  StateRecord parsed;
  ASSERT_TRUE(parse_state_record(R"({"reference":"r","kind":"netverify","asks":2})", &parsed));
  EXPECT_EQ(parsed.reference, "r");
  EXPECT_EQ(parsed.kind, Kind::netverify);
  EXPECT_EQ(parsed.asks, 2);
  EXPECT_EQ(parsed.last_asked, Time{});
  EXPECT_EQ(parsed.last_status, "");
  EXPECT_EQ(parsed.settled, Settlement::none);
  ASSERT_TRUE(parse_state_record(
      R"({"reference":"r","kind":"netverify","asks":2,"lastAskedAt":null,"lastStatus":null,)"
      R"("settled":null})",
      &parsed));
  EXPECT_EQ(parsed.last_asked, Time{});
  EXPECT_EQ(parsed.settled, Settlement::none);
}

TEST(StateRecord, AnUnknownSettlementIsNone) {
  for (const char* settled : {R"("settled":"none")", R"("settled":"CALLBACK")",
                              R"("settled":"given-up")", R"("settled":"")", R"("settled":7)"}) {
    StateRecord parsed;
    const std::string json =
        R"({"reference":"r","kind":"netverify","asks":1,)" + std::string(settled) + "}";
    ASSERT_TRUE(parse_state_record(json, &parsed)) << json;
    EXPECT_EQ(parsed.settled, Settlement::none) << json;
  }
}

TEST(StateRecord, ExtraMembersAreIgnored) {
  StateRecord parsed;
  ASSERT_TRUE(parse_state_record(
      R"({"version":2,"reference":"r","nested":{"kind":"document"},"kind":"document",)"
      R"("asks":1,"settled":"callback","more":[1,2,3]})",
      &parsed));
  EXPECT_EQ(parsed.kind, Kind::document);
  EXPECT_EQ(parsed.asks, 1);
  EXPECT_EQ(parsed.settled, Settlement::callback);
}

// --- state records: what is refused ----------------------------------------------------------

TEST(StateRecord, RefusesWhatIsNotAStateRecord) {
  const std::string valid_tail = R"("kind":"netverify","asks":1})";
  const std::vector<std::string> cases = {
      // Not JSON, or not an object.
      "",
      "not json",
      "{",
      R"({"reference":"r",)",
      "[]",
      R"(["r","netverify",1])",
      "null",
      "42",
      R"("reference")",
      // reference: absent, empty, not a string, too long.
      "{" + valid_tail,
      R"({"reference":"",)" + valid_tail,
      R"({"reference":42,)" + valid_tail,
      R"({"reference":null,)" + valid_tail,
      R"({"reference":")" + std::string(256, 'r') + R"(",)" + valid_tail,
      // kind: absent, unknown, not a string, a known name followed by more bytes.
      R"({"reference":"r","asks":1})",
      R"({"reference":"r","kind":"NETVERIFYID","asks":1})",
      R"({"reference":"r","kind":"Netverify","asks":1})",
      R"({"reference":"r","kind":"","asks":1})",
      R"({"reference":"r","kind":0,"asks":1})",
      R"({"reference":"r","kind":"netverify\u0000x","asks":1})",
      // asks: absent, negative, not an integer, beyond int.
      R"({"reference":"r","kind":"netverify"})",
      R"({"reference":"r","kind":"netverify","asks":-1})",
      R"({"reference":"r","kind":"netverify","asks":1.5})",
      R"({"reference":"r","kind":"netverify","asks":"1"})",
      R"({"reference":"r","kind":"netverify","asks":null})",
      R"({"reference":"r","kind":"netverify","asks":2147483648})",
      // lastAskedAt: a string that is not a canonical timestamp.
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"yesterday"})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":""})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"2024-05-01"})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"2024-02-30T00:00:00Z"})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"2024-05-01T12:00:00"})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"2024-05-01T12:00:00.1234Z"})",
      R"({"reference":"r","kind":"netverify","asks":1,)"
      R"("lastAskedAt":"2024-05-01T12:00:00+02:00"})",
      R"({"reference":"r","kind":"netverify","asks":1,)"
      R"("lastAskedAt":"2024-05-01T12:00:00Z\u0000junk"})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":"9999-12-31T23:59:59Z"})",
      // Even when asks is 0 and the time would not be kept.
      R"({"reference":"r","kind":"netverify","asks":0,"lastAskedAt":"yesterday"})",
      // lastAskedAt, lastStatus: neither a string nor null.
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":1714564800})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastAskedAt":{}})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastStatus":404})",
      R"({"reference":"r","kind":"netverify","asks":1,"lastStatus":["PENDING"]})",
  };
  for (const auto& json : cases) {
    StateRecord parsed = sample_state();
    EXPECT_FALSE(parse_state_record(json, &parsed)) << json;
    expect_same(parsed, sample_state());  // untouched
  }
}

// --- expected records --------------------------------------------------------------------------

ExpectedRecord expected_of(const std::string& json) {
  ExpectedRecord record;
  std::string why;
  EXPECT_TRUE(parse_expected_record(json, &record, &why)) << json << ": " << why;
  return record;
}

std::string expected_json(const std::string& reference, const std::string& kind,
                          const std::string& initiated_at) {
  return R"({"reference":")" + reference + R"(","kind":")" + kind + R"(","initiatedAt":")" +
         initiated_at + R"("})";
}

TEST(ExpectedRecord, ReadsEveryKind) {
  const std::pair<const char*, Kind> kinds[] = {{"netverify", Kind::netverify},
                                                {"authentication", Kind::authentication},
                                                {"document", Kind::document}};
  for (const auto& [name, kind] : kinds) {
    const ExpectedRecord record = expected_of(expected_json("ref-1", name, "2024-05-01T12:00:00Z"));
    EXPECT_EQ(record.reference, "ref-1");
    EXPECT_EQ(record.kind, kind) << name;
    EXPECT_EQ(record.initiated_at, kNoon);
  }
}

TEST(ExpectedRecord, ReadsAWorkflowWithItsAccount) {
  const ExpectedRecord record = expected_of(
      R"({"reference":"22222222-2222-2222-2222-22222222222A","kind":"workflow",)"
      R"("accountId":"11111111-1111-1111-1111-111111111111","initiatedAt":"2024-05-01T12:00:00Z"})");
  EXPECT_EQ(record.kind, Kind::workflow);
  EXPECT_EQ(record.reference, "22222222-2222-2222-2222-22222222222A");
  EXPECT_EQ(record.account_id, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(record.initiated_at, kNoon);
  // Other kinds carry no account, whatever the record says.
  EXPECT_EQ(expected_of(R"({"reference":"r","kind":"netverify","accountId":"x",)"
                        R"("initiatedAt":"2024-05-01T12:00:00Z"})")
                .account_id,
            "");
}

TEST(ExpectedRecord, ReadsRfc3339WithOffsetsAndFractions) {
  const std::pair<const char*, Time> cases[] = {
      {"2024-05-01T12:00:00Z", kNoon},
      {"2024-05-01t12:00:00z", kNoon},
      {"2024-05-01T14:00:00+02:00", kNoon},
      {"2024-05-01T07:30:00-04:30", kNoon},
      {"2024-05-02T11:59:00+23:59", kNoon},
      {"2024-05-01T12:00:00.5Z", kNoon + milliseconds{500}},
      {"2024-05-01T12:00:00.123Z", kNoon + milliseconds{123}},
      {"2024-05-01T12:00:00.123456789Z", kNoon + milliseconds{123}},
      {"2024-05-01T13:00:00.25+01:00", kNoon + milliseconds{250}},
  };
  for (const auto& [text, time] : cases)
    EXPECT_EQ(expected_of(expected_json("r", "document", text)).initiated_at, time) << text;
}

TEST(ExpectedRecord, ExtraMembersAreIgnoredAndBytesSurvive) {
  const ExpectedRecord record =
      expected_of(R"({"merchant":"m","reference":"a\u0000b\u00e9","kind":"authentication",)"
                  R"("initiatedAt":"2024-05-01T12:00:00Z","initiatedBy":{"user":1}})");
  EXPECT_EQ(record.reference, "a\0b\xc3\xa9"s);
  EXPECT_EQ(record.kind, Kind::authentication);
}

TEST(ExpectedRecord, RefusesTimesTheClockCannotHold) {
  // system_clock spans 1677-09-21T00:12:44Z to 2262-04-11T23:47:16Z; an offset must not carry a
  // time at its edge past it.
  for (const char* text :
       {"2262-04-11T23:47:15-23:59", "2262-04-11T23:47:15.999-00:01", "1677-09-21T00:12:45+23:59",
        "1677-09-21T00:12:45+00:01", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    ExpectedRecord record;
    std::string why;
    EXPECT_FALSE(parse_expected_record(expected_json("r", "document", text), &record, &why))
        << text;
    EXPECT_EQ(why, "initiatedAt is not an RFC 3339 timestamp") << text;
  }
  EXPECT_EQ(expected_of(expected_json("r", "document", "2262-04-11T23:47:15+00:01")).initiated_at,
            Time{} + seconds{9223372035 - 60});
  EXPECT_EQ(expected_of(expected_json("r", "document", "1677-09-21T00:12:45-00:01")).initiated_at,
            Time{} - seconds{9223372035 - 60});
}

struct Refusal {
  std::string json;
  std::string why;
};

std::vector<Refusal> expected_refusals(const std::string& secret) {
  const std::string not_object = "not a JSON object";
  const std::string bad_reference = "reference is absent, empty, not a string or longer than 255";
  const std::string bad_kind = "kind is not netverify, authentication, document or workflow";
  const std::string bad_execution = "reference of a workflow is not a UUID";
  const std::string bad_account = "accountId of a workflow is absent or not a UUID";
  const std::string uuid = "22222222-2222-2222-2222-222222222222";
  const std::string bad_time = "initiatedAt is not an RFC 3339 timestamp";
  const std::string time = "2024-05-01T12:00:00Z";
  return {
      {secret, not_object},
      {"", not_object},
      {R"({"reference":")" + secret + R"(")", not_object},
      {R"([")" + secret + R"("])", not_object},
      {R"(")" + secret + R"(")", not_object},
      {R"({"kind":"netverify","initiatedAt":")" + time + R"("})", bad_reference},
      {expected_json("", "netverify", time), bad_reference},
      {R"({"reference":7,"kind":"netverify","initiatedAt":")" + time + R"("})", bad_reference},
      {expected_json(secret + std::string(256, 'x'), "netverify", time), bad_reference},
      {R"({"reference":")" + secret + R"(","initiatedAt":")" + time + R"("})", bad_kind},
      {expected_json(secret, secret, time), bad_kind},
      {expected_json(secret, "NETVERIFYID", time), bad_kind},
      {expected_json(secret, "netverify\\u0000" + secret, time), bad_kind},
      {R"({"reference":")" + secret + R"(","kind":"document"})", bad_time},
      {expected_json(secret, "document", secret), bad_time},
      {expected_json(secret, "document", "2024-05-01T12:00:00"), bad_time},
      {expected_json(secret, "document", "2024-05-01 12:00:00Z"), bad_time},
      {expected_json(secret, "document", "2024-13-01T12:00:00Z"), bad_time},
      {expected_json(secret, "document", "2024-05-01T12:00:00+24:00"), bad_time},
      {expected_json(secret, "document", "2024-05-01T12:00:00.Z"), bad_time},
      {expected_json(secret, "document", time + "\\u0000" + secret), bad_time},
      {R"({"reference":")" + secret + R"(","kind":"document","initiatedAt":1714564800})", bad_time},
      {expected_json(secret, "workflow", time), bad_execution},
      {expected_json(uuid, "workflow", time), bad_account},
      {R"({"reference":")" + uuid + R"(","kind":"workflow","accountId":")" + secret +
           R"(","initiatedAt":")" + time + R"("})",
       bad_account},
      {R"({"reference":")" + uuid + R"(","kind":"workflow","accountId":7,"initiatedAt":")" + time +
           R"("})",
       bad_account},
  };
}

TEST(ExpectedRecord, RefusesWithTheReason) {
  for (const auto& refusal : expected_refusals("ref-1")) {
    ExpectedRecord record;
    record.reference = "untouched";
    std::string why;
    EXPECT_FALSE(parse_expected_record(refusal.json, &record, &why)) << refusal.json;
    EXPECT_EQ(why, refusal.why) << refusal.json;
    EXPECT_EQ(record.reference, "untouched");
  }
}

TEST(ExpectedRecord, TheReasonNeverQuotesTheRecord) {
  for (const auto& refusal : expected_refusals("SECRET-PII")) {
    ExpectedRecord record;
    std::string why;
    ASSERT_FALSE(parse_expected_record(refusal.json, &record, &why)) << refusal.json;
    EXPECT_FALSE(why.empty()) << refusal.json;
    EXPECT_EQ(why.find("SECRET"), std::string::npos) << why;
  }
}

// --- settlement_of -----------------------------------------------------------------------------

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST(SettlementOf, TheDeadLetterTopicSettlesAsDeadLetterWhateverTheHeaders) {
  EXPECT_EQ(settlement_of(true, {}), Settlement::deadletter);
  EXPECT_EQ(settlement_of(true, {{"ce_source", "urn:jumio-bridge:netverify:retrieval"}}),
            Settlement::deadletter);
}

TEST(SettlementOf, ARetrievalSourceSettlesAsRetrieval) {
  for (const char* type : {"netverify", "authentication", "document"}) {
    EXPECT_EQ(settlement_of(
                  false, {{"content-type", "application/json"},
                          {"ce_source", "urn:jumio-bridge:" + std::string(type) + ":retrieval"}}),
              Settlement::retrieval)
        << type;
  }
  EXPECT_EQ(settlement_of(false, {{"ce_source", ":retrieval"}}), Settlement::retrieval);
}

TEST(SettlementOf, AnyOtherOrNoSourceSettlesAsCallback) {
  const Headers cases[] = {
      {},
      {{"content-type", "application/json"}},
      {{"ce_source", "urn:jumio-bridge:netverify"}},
      {{"ce_source", ""}},
      {{"ce_source", "urn:jumio-bridge:netverify:retrieval:x"}},
      {{"ce_source", "urn:jumio-bridge:netverify:RETRIEVAL"}},
      {{"ce_source", "retrieval"}},
      {{"CE_SOURCE", "urn:jumio-bridge:netverify:retrieval"}},
      {{"x-ce_source", "urn:jumio-bridge:netverify:retrieval"}},
  };
  for (const auto& headers : cases) EXPECT_EQ(settlement_of(false, headers), Settlement::callback);
}

TEST(SettlementOf, TheLastSourceCounts) {
  EXPECT_EQ(settlement_of(false, {{"ce_source", "urn:jumio-bridge:document"},
                                  {"ce_id", "e"},
                                  {"ce_source", "urn:jumio-bridge:document:retrieval"}}),
            Settlement::retrieval);
  EXPECT_EQ(settlement_of(false, {{"ce_source", "urn:jumio-bridge:document:retrieval"},
                                  {"ce_source", "urn:jumio-bridge:document"},
                                  {"ce_id", "e"}}),
            Settlement::callback);
}

}  // namespace
}  // namespace jb::reconcile
