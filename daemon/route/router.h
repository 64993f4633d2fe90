// Pure routing: event -> Kafka record (topic, key, headers, value); failure -> dead-letter record.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callback/event.h"
#include "callback/privacy.h"
#include "common/result.h"
#include "config/config.h"

namespace jb::route {

struct Record {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What a dead-letter record keeps of the request besides the failure.
struct DeadLetterInput {
  std::string_view body;
  std::string_view remote_addr;
  std::string_view content_type;
  std::string received_at;  // canonical timestamp
  int attempts = 1;
  std::string_view origin =
      {};  // "retrieval" with kind for a Retrieval API answer; empty for callbacks
  std::string_view kind = {};
};

class Router {
 public:
  explicit Router(config::TopicsConfig topics, config::PrivacyConfig privacy = {});

  // topics.template with {type}/{status}, unless topics.overrides names "{type}.{status}".
  std::string topic_for(callback::Kind kind, std::string_view status) const;
  // Every topic an event can go to: each kind and status of callback/statuses.h, and every
  // override; sorted, without duplicates.
  std::vector<std::string> event_topics() const;
  // The event's record: key = reference, CloudEvents binary-mode headers, value = event JSON
  // without what privacy.drop_fields and privacy.netverify_masking withhold.
  Record event_record(const callback::Event& event) const;
  // The same record, its value and key taken from `event` instead of copied.
  Record event_record(callback::Event&& event) const;
  // The dead-letter record of CONTRACT.md section 5.
  Record dead_letter_record(const Failure& failure, const DeadLetterInput& input) const;

 private:
  // What routing derives from a kind and status, worked out once for every documented status.
  struct Route {
    callback::Kind kind;
    std::string status;
    std::string topic;
    std::string ce_type;              // com.jumio.{type}.{status}
    std::string ce_source;            // urn:jumio-bridge:{type}
    std::string ce_source_retrieval;  // urn:jumio-bridge:{type}:retrieval
  };
  const Route* route_of(callback::Kind kind, std::string_view status) const;
  // The record of `event` with an empty key and value; `event_id` and `time` (ce_id and ce_time)
  // are the event's, copied or moved by the caller.
  Record record_without_payload(const callback::Event& event, std::string event_id,
                                std::string time) const;

  config::TopicsConfig topics_;
  std::vector<Route> routes_;
  callback::PrivacyRules privacy_;
  bool has_privacy_rules_;
};

}  // namespace jb::route
