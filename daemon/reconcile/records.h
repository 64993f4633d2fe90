// The records reconcile reads and writes on Kafka, and what a record on a settled topic means.
// Outside input: every parser takes any bytes and says no rather than guess.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reconcile/ledger.h"

namespace jb::reconcile {

// The value of a state record (reconcile.state_topic, keyed by reference): written after every ask
// {"reference", "kind", "asks", "lastAskedAt", "lastStatus", "settled"}; lastAskedAt is null, and
// not read, while asks is 0.
struct StateRecord {
  std::string reference;
  callback::Kind kind = callback::Kind::netverify;
  int asks = 0;
  Time last_asked{};
  std::string last_status;
  Settlement settled = Settlement::none;  // retrieval, deadletter or given_up once final
};
std::string state_record_json(const StateRecord& record);
bool parse_state_record(std::string_view json, StateRecord* out);

// An expected record (reconcile.expected_topic):
// {"reference": "...", "kind": "netverify"|"authentication"|"document", "initiatedAt": RFC 3339},
// or for a Jumio Platform workflow execution {"reference": EXECUTION_ID, "kind": "workflow",
// "accountId": ACCOUNT_ID, "initiatedAt": ...} with both ids UUIDs.
struct ExpectedRecord {
  std::string reference;
  callback::Kind kind = callback::Kind::netverify;
  Time initiated_at;
  std::string account_id;  // kind workflow only
};
// False with *why (no values quoted) when it is not one.
bool parse_expected_record(std::string_view json, ExpectedRecord* out, std::string* why);

// What a record keyed by a reference on an event topic or the dead-letter topic settles: deadletter
// on the dead-letter topic; retrieval when its ce_source header ends in ":retrieval"; else
// callback.
Settlement settlement_of(bool dead_letter_topic,
                         const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace jb::reconcile
