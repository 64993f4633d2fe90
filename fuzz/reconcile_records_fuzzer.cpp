// The reconcile record codecs (daemon/reconcile/records.h) over untrusted Kafka values. The input
// is given whole to both parsers. For every input:
// - a state record that parses is written by state_record_json, and that text parses again to the
//   same record (every field), and is written again byte for byte the same; its reference is 1 to
//   255 bytes and asks is not negative;
// - an expected record that parses has a reference of 1 to 255 bytes; one that does not gives one
//   of the parser's fixed reasons (so never a value of the input).
// A violation prints what was broken and abort()s.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "callback/platform.h"
#include "reconcile/records.h"

namespace {

using jb::reconcile::ExpectedRecord;
using jb::reconcile::StateRecord;

[[noreturn]] void fail(const char* what, std::string_view input, const std::string& detail = {}) {
  std::fprintf(stderr, "reconcile_records_fuzzer: %s\ninput: %.*s\n%s\n", what,
               static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

bool same(const StateRecord& a, const StateRecord& b) {
  return a.reference == b.reference && a.kind == b.kind && a.asks == b.asks &&
         a.last_asked == b.last_asked && a.last_status == b.last_status && a.settled == b.settled;
}

bool reference_fits(const std::string& reference) {
  return !reference.empty() && reference.size() <= 255;
}

constexpr std::string_view kReasons[] = {
    "not a JSON object",
    "reference is absent, empty, not a string or longer than 255",
    "kind is not netverify, authentication, document or workflow",
    "reference of a workflow is not a UUID",
    "accountId of a workflow is absent or not a UUID",
    "initiatedAt is not an RFC 3339 timestamp",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  StateRecord state;
  if (jb::reconcile::parse_state_record(input, &state)) {
    if (!reference_fits(state.reference))
      fail("a state record's reference is empty or too long", input);
    if (state.asks < 0) fail("a state record's asks is negative", input);
    const std::string written = jb::reconcile::state_record_json(state);
    StateRecord again;
    if (!jb::reconcile::parse_state_record(written, &again))
      fail("a state record, written, does not parse", input, written);
    if (!same(state, again)) fail("a state record, written and read, changed", input, written);
    const std::string rewritten = jb::reconcile::state_record_json(again);
    if (rewritten != written)
      fail("a state record, written twice, differs", input, written + "\n" + rewritten);
  }

  ExpectedRecord expected;
  std::string why;
  if (jb::reconcile::parse_expected_record(input, &expected, &why)) {
    if (!reference_fits(expected.reference))
      fail("an expected record's reference is empty or too long", input);
    const bool workflow = expected.kind == jb::callback::Kind::workflow;
    if (workflow &&
        (!jb::callback::is_uuid(expected.reference) || !jb::callback::is_uuid(expected.account_id)))
      fail("a workflow's expected record has ids that are not UUIDs", input);
    if (!workflow && !expected.account_id.empty())
      fail("an expected record of a legacy kind has an account", input);
  } else {
    bool known = false;
    for (std::string_view reason : kReasons) known = known || why == reason;
    if (!known) fail("an expected record was refused with another reason", input, why);
  }
  return 0;
}
