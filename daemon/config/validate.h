// Value checks for the config loader. Each returns "" when the value is fine, else what is wrong
// with it.
#pragma once

#include <string>

namespace jb::config {

// host:port with an IPv4 address, "[IPv6]" or a hostname; port 0..65535 (0 = pick a free port).
std::string listen_address_problem(const std::string& text);
// "embedded", or a comma-separated list of host:port with ports 1..65535.
std::string broker_list_problem(const std::string& text);
// address/prefix, IPv4 or IPv6, without bits set beyond the prefix.
std::string cidr_problem(const std::string& text);
// An absolute URL path: starts with '/', no whitespace, query or fragment.
std::string http_path_problem(const std::string& path);
// A Kafka topic name: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
std::string topic_name_problem(const std::string& name);
// A topic name with the {type} and {status} placeholders allowed, and no others.
std::string topic_template_problem(const std::string& topic_template);
// A topics.overrides key: "{type}.{status}" with a type and lower-cased status Jumio sends.
std::string override_key_problem(const std::string& key);
// One of Jumio's datacenters: US, EU or SGP.
std::string datacenter_problem(const std::string& name);
// A log level: debug, info, warn or error.
std::string log_level_problem(const std::string& level);
// An HTTP Basic user name ("" turns Basic auth off): no ':' and no control characters.
std::string basic_auth_user_problem(const std::string& user);
// A privacy.drop_fields entry: a parameter name or a dotted path ("idAddress.line1").
std::string drop_field_problem(const std::string& field);
// Why a kafka.properties key is not a librdkafka property name, or "": librdkafka's names are
// letters, digits, '.', '_' and '-' (an effective config prints others differently than read).
std::string kafka_property_name_problem(const std::string& key);
// Why a librdkafka property cannot be set in kafka.properties, or "" when it can.
std::string kafka_property_conflict(const std::string& key);

// retrieval.base_url, token_url, platform_base_url: "" (use the data centre), or
// https://host[:port][/path], or http:// to a loopback address (127.0.0.0/8, ::1, localhost) for
// tests and local proxies; no query, fragment or user information.
std::string retrieval_base_url_problem(const std::string& url);
// retrieval.auth: oauth2 or basic.
std::string retrieval_auth_problem(const std::string& auth);
// retrieval.user_agent: printable ASCII, at most 256 characters ("" = not set).
std::string user_agent_problem(const std::string& user_agent);
// A Kafka consumer group id: 1..255 printable ASCII characters.
std::string consumer_group_problem(const std::string& group);
// One reconcile.schedule_s step: whole seconds, 1..86400.
std::string schedule_step_problem(const std::string& text);

// Whether two CIDRs that pass cidr_problem share an address, that is, one contains the other's
// network. IPv4 is compared as IPv4-mapped IPv6 (::ffff:a.b.c.d), as the listener matches it.
bool cidrs_overlap(const std::string& a, const std::string& b);

}  // namespace jb::config
