#include "route/router.h"

#include <cctype>
#include <set>

#include "callback/statuses.h"
#include "common/sha256.h"
#include "route/deadletter.h"

namespace jb::route {
namespace {

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void replace_all(std::string* text, std::string_view placeholder, std::string_view replacement) {
  for (size_t at = text->find(placeholder); at != std::string::npos;
       at = text->find(placeholder, at + replacement.size())) {
    text->replace(at, placeholder.size(), replacement);
  }
}

std::string ce_source(const std::string& type, bool retrieval) {
  return retrieval ? "urn:jumio-bridge:" + type + ":retrieval" : "urn:jumio-bridge:" + type;
}

}  // namespace

Router::Router(config::TopicsConfig topics, config::PrivacyConfig privacy)
    : topics_(std::move(topics)),
      privacy_{std::move(privacy.drop_fields), privacy.netverify_masking},
      has_privacy_rules_(!privacy_.drop_fields.empty() || privacy_.netverify_masking) {
  for (callback::Kind kind : {callback::Kind::netverify, callback::Kind::authentication,
                              callback::Kind::document, callback::Kind::workflow}) {
    const std::string type(callback::kind_type(kind));
    for (std::string_view status : callback::event_statuses(kind)) {
      routes_.push_back({kind, std::string(status), topic_for(kind, status),
                         "com.jumio." + type + "." + lower_case(status), ce_source(type, false),
                         ce_source(type, true)});
    }
  }
}

const Router::Route* Router::route_of(callback::Kind kind, std::string_view status) const {
  for (const Route& route : routes_) {
    if (route.kind == kind && route.status == status) return &route;
  }
  return nullptr;
}

std::string Router::topic_for(callback::Kind kind, std::string_view status) const {
  const std::string type(callback::kind_type(kind));
  const std::string lower_status = lower_case(status);
  auto override_topic = topics_.overrides.find(type + "." + lower_status);
  if (override_topic != topics_.overrides.end()) return override_topic->second;
  std::string topic = topics_.topic_template;
  replace_all(&topic, "{type}", type);
  replace_all(&topic, "{status}", lower_status);
  return topic;
}

std::vector<std::string> Router::event_topics() const {
  std::set<std::string> names;
  for (callback::Kind kind : {callback::Kind::netverify, callback::Kind::authentication,
                              callback::Kind::document, callback::Kind::workflow}) {
    for (std::string_view status : callback::event_statuses(kind))
      names.insert(topic_for(kind, status));
  }
  for (const auto& [key, topic] : topics_.overrides) names.insert(topic);
  return {names.begin(), names.end()};
}

Record Router::record_without_payload(const callback::Event& event, std::string event_id,
                                      std::string time) const {
  const Route* route = event.notification ? nullptr : route_of(event.kind, event.status);
  const bool retrieval = event.origin == callback::Origin::retrieval;
  Record record;
  if (event.notification) {
    record.topic = topics_.workflow_callbacks;
  } else {
    record.topic = route ? route->topic : topic_for(event.kind, event.status);
  }
  // Each header built in place: the strings of a record are its only copies.
  auto& headers = record.headers;
  headers.reserve(6);
  headers.emplace_back("content-type", "application/json");
  headers.emplace_back("ce_specversion", "1.0");
  headers.emplace_back("ce_id", std::move(event_id));
  if (route) {
    headers.emplace_back("ce_source", retrieval ? route->ce_source_retrieval : route->ce_source);
    headers.emplace_back("ce_type", route->ce_type);
  } else {
    const std::string type(callback::kind_type(event.kind));
    headers.emplace_back("ce_source", ce_source(type, retrieval));
    headers.emplace_back("ce_type", event.notification
                                        ? std::string("com.jumio.workflow.notification")
                                        : "com.jumio." + type + "." + lower_case(event.status));
  }
  headers.emplace_back("ce_time", std::move(time));
  return record;
}

Record Router::event_record(const callback::Event& event) const {
  Record record = record_without_payload(
      event, event.event_id, event.callback_date.empty() ? event.received_at : event.callback_date);
  record.key = event.reference;
  record.value = event.json;
  if (has_privacy_rules_) callback::apply_privacy(privacy_, &record.value);
  return record;
}

Record Router::event_record(callback::Event&& event) const {
  std::string& time = event.callback_date.empty() ? event.received_at : event.callback_date;
  Record record = record_without_payload(event, std::move(event.event_id), std::move(time));
  record.key = std::move(event.reference);
  record.value = std::move(event.json);
  if (has_privacy_rules_) callback::apply_privacy(privacy_, &record.value);
  return record;
}

Record Router::dead_letter_record(const Failure& failure, const DeadLetterInput& input) const {
  DeadLetter letter;
  letter.reason = std::string(reason_code(failure.reason));
  letter.detail = failure.detail;
  letter.received_at = input.received_at;
  letter.remote_addr = std::string(input.remote_addr);
  letter.content_type = std::string(input.content_type);
  letter.body = std::string(input.body);
  letter.attempts = input.attempts;
  letter.origin = std::string(input.origin);
  letter.kind = std::string(input.kind);

  Record record;
  record.topic = topics_.deadletter;
  record.key = failure.reference.empty() ? sha256_hex(input.body) : failure.reference;
  record.value = dead_letter_value(letter);
  record.headers = {
      {"content-type", "application/json"},
      {"x-deadletter-reason", letter.reason},
  };
  return record;
}

}  // namespace jb::route
