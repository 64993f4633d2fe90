// Configs that are refused: each invalid value is one error naming its key and line.
#include "config/config.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "support/config_describe.h"

namespace jb::config {
namespace {

struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* key;
  int line;
  const char* message_part;
};

void PrintTo(const ErrorCase& c, std::ostream* out) {
  *out << c.name;
}

class InvalidValues : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(InvalidValues, AreOneErrorNamingKeyAndLine) {
  const ErrorCase& c = GetParam();
  Config config;
  config.http.path = "/untouched";
  auto errors = parse_config(c.yaml, &config);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].key, c.key);
  EXPECT_EQ(errors[0].line, c.line);
  EXPECT_NE(errors[0].message.find(c.message_part), std::string::npos) << errors[0].message;
  EXPECT_EQ(config.http.path, "/untouched");
}

INSTANTIATE_TEST_SUITE_P(
    Config, InvalidValues,
    ::testing::Values(
        // http
        ErrorCase{"ListenList", "http:\n  listen: [a]\n", "http.listen", 2, "expected a string"},
        ErrorCase{"ListenNull", "http:\n  listen:\n  path: /x\n", "http.listen", 2, "string"},
        ErrorCase{"ListenNoPort", "http:\n  listen: localhost\n", "http.listen", 2, "no port"},
        ErrorCase{"ListenBigPort", "\nhttp:\n  listen: \"1.2.3.4:65536\"\n", "http.listen", 3,
                  "0..65535"},
        ErrorCase{"ListenBareV6", "http:\n  listen: \"::1:80\"\n", "http.listen", 2, "brackets"},
        ErrorCase{"ListenBadV4", "http:\n  listen: \"300.1.1.1:80\"\n", "http.listen", 2, "IPv4"},
        ErrorCase{"ListenBadV6", "http:\n  listen: \"[::g]:80\"\n", "http.listen", 2, "IPv6"},
        ErrorCase{"ListenNoHost", "http:\n  listen: \":80\"\n", "http.listen", 2, "no host"},
        ErrorCase{"ListenBadHost", "http:\n  listen: \"a_b:80\"\n", "http.listen", 2, "hostname"},
        ErrorCase{"PathRelative", "http:\n  path: callbacks\n", "http.path", 2, "start with '/'"},
        ErrorCase{"PathQuery", "http:\n  path: \"/a?b=1\"\n", "http.path", 2, "query"},
        ErrorCase{"PathMap", "http:\n  path: {a: 1}\n", "http.path", 2, "got a mapping"},
        ErrorCase{"BodyText", "http:\n  max_body_bytes: lots\n", "http.max_body_bytes", 2,
                  "expected an integer, got \"lots\""},
        ErrorCase{"BodyQuoted", "http:\n  max_body_bytes: \"1024\"\n", "http.max_body_bytes", 2,
                  "quoted string"},
        ErrorCase{"BodyFloat", "http:\n  max_body_bytes: 1.5\n", "http.max_body_bytes", 2,
                  "integer"},
        ErrorCase{"BodyZero", "http:\n  max_body_bytes: 0\n", "http.max_body_bytes", 2,
                  "between 1 and 67108864"},
        ErrorCase{"BodyNegative", "http:\n  max_body_bytes: -5\n", "http.max_body_bytes", 2,
                  "between 1"},
        ErrorCase{"BodyTooBig", "http:\n  max_body_bytes: 67108865\n", "http.max_body_bytes", 2,
                  "between 1"},
        ErrorCase{"BodyHuge", "http:\n  max_body_bytes: 99999999999999999999\n",
                  "http.max_body_bytes", 2, "between 1 and 67108864"},
        ErrorCase{"SpoolHuge", "spool:\n  max_bytes: 9223372036854775808\n", "spool.max_bytes", 2,
                  "too large"},
        ErrorCase{"ThreadsZero", "http:\n  threads: 0\n", "http.threads", 2, "between 1 and 1024"},
        ErrorCase{"ThreadsList", "http:\n  threads: [1]\n", "http.threads", 2, "got a list"},
        ErrorCase{"PerAddressZero", "http:\n  max_connections_per_address: 0\n",
                  "http.max_connections_per_address", 2, "between 1 and 100000"},
        ErrorCase{"ProxyKeepAliveShort", "http:\n  proxy_keep_alive_timeout_ms: 99\n",
                  "http.proxy_keep_alive_timeout_ms", 2, "between 100 and 600000"},
        ErrorCase{"ProxyKeepAliveLong", "http:\n  proxy_keep_alive_timeout_ms: 600001\n",
                  "http.proxy_keep_alive_timeout_ms", 2, "between 100 and 600000"},
        ErrorCase{"ProxyKeepAliveUnits", "http:\n  proxy_keep_alive_timeout_ms: 2m\n",
                  "http.proxy_keep_alive_timeout_ms", 2, "expected an integer, got \"2m\""},
        ErrorCase{"BudgetSmall", "http:\n  memory_budget_bytes: 1048575\n",
                  "http.memory_budget_bytes", 2, "between 1048576 and 1099511627776"},
        ErrorCase{"BudgetLarge", "http:\n  memory_budget_bytes: 1099511627777\n",
                  "http.memory_budget_bytes", 2, "between 1048576 and 1099511627776"},
        ErrorCase{"BudgetNegative", "http:\n  memory_budget_bytes: -1\n",
                  "http.memory_budget_bytes", 2, "between 1048576"},
        ErrorCase{"BudgetUnits", "http:\n  memory_budget_bytes: 1GiB\n", "http.memory_budget_bytes",
                  2, "got \"1GiB\""},
        ErrorCase{"BudgetQuoted", "http:\n  memory_budget_bytes: \"1073741824\"\n",
                  "http.memory_budget_bytes", 2, "quoted string"},
        ErrorCase{"AdminAllowBareV4", "admin:\n  allow: [\"10.0.0.1\"]\n", "admin.allow[0]", 2,
                  "10.0.0.1/32"},
        ErrorCase{"AdminAllowHostBits",
                  "admin:\n  allow:\n    - \"::1/128\"\n    - \"fd00::1/8\"\n", "admin.allow[1]", 4,
                  "fd00::/8"},
        ErrorCase{"AdminAllowScalar", "admin:\n  allow: 10.0.0.0/8\n", "admin.allow", 2,
                  "expected a list"},
        ErrorCase{"AdminAllowGarbage", "admin:\n  allow: [\"loopback\"]\n", "admin.allow[0]", 2,
                  "not a CIDR"},
        ErrorCase{"AdminPerAddressZero", "admin:\n  max_connections_per_address: 0\n",
                  "admin.max_connections_per_address", 2, "between 1 and 100000"},
        ErrorCase{"AdminPerAddressLarge", "\nadmin:\n  max_connections_per_address: 100001\n",
                  "admin.max_connections_per_address", 3, "between 1 and 100000"},
        ErrorCase{"AdminPerAddressList", "admin:\n  max_connections_per_address: [16]\n",
                  "admin.max_connections_per_address", 2, "got a list"},
        ErrorCase{"AdminListenNoPort", "admin:\n  listen: \"127.0.0.1\"\n", "admin.listen", 2, ""},
        ErrorCase{"AdminUnknownKey", "admin:\n  lisen: \"127.0.0.1:9090\"\n", "admin.lisen", 2,
                  "not a known key"},
        ErrorCase{"TimeoutShort", "http:\n  delivery_timeout_ms: 99\n", "http.delivery_timeout_ms",
                  2, "between 100 and 600000"},
        ErrorCase{"TimeoutLong", "http:\n  delivery_timeout_ms: 600001\n",
                  "http.delivery_timeout_ms", 2, "600000"},
        // security
        ErrorCase{"AllowBareV4", "security:\n  allow: [\"10.0.0.1\"]\n", "security.allow[0]", 2,
                  "10.0.0.1/32"},
        ErrorCase{"AllowBareV6", "security:\n  allow:\n    - \"::1/128\"\n    - \"fe80::1\"\n",
                  "security.allow[1]", 4, "fe80::1/128"},
        ErrorCase{"AllowPrefixV4", "security:\n  allow: [\"10.0.0.0/33\"]\n", "security.allow[0]",
                  2, "0..32"},
        ErrorCase{"AllowPrefixV6", "security:\n  allow: [\"::/129\"]\n", "security.allow[0]", 2,
                  "0..128"},
        ErrorCase{"AllowHostBits", "security:\n  allow: [\"10.1.2.3/8\"]\n", "security.allow[0]", 2,
                  "10.0.0.0/8"},
        ErrorCase{"AllowGarbage", "security:\n  allow: [\"anywhere\"]\n", "security.allow[0]", 2,
                  "not a CIDR"},
        ErrorCase{"AllowScalar", "security:\n  allow: 10.0.0.0/8\n", "security.allow", 2,
                  "expected a list"},
        ErrorCase{"AllowNull", "security:\n  allow:\n", "security.allow", 2, "expected a list"},
        ErrorCase{"AllowNested", "security:\n  allow: [[\"10.0.0.0/8\"]]\n", "security.allow[0]", 2,
                  "expected a string"},
        ErrorCase{"ProxyBad", "security:\n  trusted_proxies: [\"10.0.0.0/\"]\n",
                  "security.trusted_proxies[0]", 2, "prefix length"},
        ErrorCase{"RefreshZero", "security:\n  jumio_refresh_s: 0\n", "security.jumio_refresh_s", 2,
                  "between 1 and 604800"},
        ErrorCase{"DatacenterUnknown", "security:\n  jumio_datacenters: [US, APAC]\n",
                  "security.jumio_datacenters[1]", 2, "US, EU or SGP"},
        ErrorCase{"DatacenterMap", "security:\n  jumio_datacenters: {US: 1}\n",
                  "security.jumio_datacenters", 2, "expected a list"},
        // kafka
        ErrorCase{"BrokersEmpty", "kafka:\n  brokers: \"\"\n", "kafka.brokers", 2, "empty"},
        ErrorCase{"BrokersNoPort", "kafka:\n  brokers: \"a:9092,b\"\n", "kafka.brokers", 2,
                  "broker 2 has no port"},
        ErrorCase{"BrokersEmptyEntry", "kafka:\n  brokers: \"a:9092,,b:9092\"\n", "kafka.brokers",
                  2, "broker 2"},
        ErrorCase{"BrokersPortZero", "kafka:\n  brokers: \"a:0\"\n", "kafka.brokers", 2, "port 0"},
        ErrorCase{"BrokersList", "kafka:\n  brokers: [\"a:9092\"]\n", "kafka.brokers", 2,
                  "expected a string"},
        ErrorCase{"PropertiesList", "kafka:\n  properties: [a]\n", "kafka.properties", 2,
                  "expected a mapping"},
        ErrorCase{"PropertyMap", "kafka:\n  properties:\n    linger.ms: {a: 1}\n",
                  "kafka.properties.linger.ms", 3, "string, number or boolean"},
        ErrorCase{"PropertyNull", "kafka:\n  properties:\n    linger.ms:\n",
                  "kafka.properties.linger.ms", 3, "got nothing"},
        ErrorCase{"PropertyAcks", "kafka:\n  properties:\n    acks: 1\n", "kafka.properties.acks",
                  3, "acks=all"},
        ErrorCase{"PropertyIdempotence", "kafka:\n  properties:\n    enable.idempotence: false\n",
                  "kafka.properties.enable.idempotence", 3, "idempotent"},
        ErrorCase{"PropertyRequiredAcks", "kafka:\n  properties:\n    request.required.acks: 0\n",
                  "kafka.properties.request.required.acks", 3, "fixed"},
        ErrorCase{"PropertyBootstrap", "kafka:\n  properties:\n    bootstrap.servers: x:1\n",
                  "kafka.properties.bootstrap.servers", 3, "kafka.brokers"},
        ErrorCase{"PropertyBrokerList", "kafka:\n  properties:\n    metadata.broker.list: x:1\n",
                  "kafka.properties.metadata.broker.list", 3, "kafka.brokers"},
        ErrorCase{"PropertyNameSpace", "kafka:\n  properties:\n    \"linger ms\": 5\n",
                  "kafka.properties.linger ms", 3, "not a librdkafka property name"},
        // Not UTF-8: printed back, such a key would become another one.
        ErrorCase{"PropertyNameNotUtf8",
                  "kafka:\n  properties: {\xd2"
                  "asl.password: x}\n",
                  "kafka.properties.\xd2"
                  "asl.password",
                  2, "not a librdkafka property name"},
        // topics
        ErrorCase{"TemplatePlaceholder", "topics:\n  template: \"jumio.{kind}.{status}\"\n",
                  "topics.template", 2, "{kind}"},
        ErrorCase{"TemplateSlash", "topics:\n  template: \"jumio/{type}\"\n", "topics.template", 2,
                  "may contain only"},
        ErrorCase{"TemplateOpen", "topics:\n  template: \"jumio.{type\"\n", "topics.template", 2,
                  "closing"},
        ErrorCase{"TemplateClose", "topics:\n  template: \"jumio.type}\"\n", "topics.template", 2,
                  "opening"},
        ErrorCase{"TemplateEmpty", "topics:\n  template: \"\"\n", "topics.template", 2, "empty"},
        ErrorCase{"TemplateList", "topics:\n  template: [a]\n", "topics.template", 2, "got a list"},
        ErrorCase{"OverrideTypo", "topics:\n  overrides:\n    netverify.denied_fruad: x\n",
                  "topics.overrides.netverify.denied_fruad", 3, "denied_fraud"},
        ErrorCase{"OverrideType", "topics:\n  overrides:\n    kyc.passed: x\n",
                  "topics.overrides.kyc.passed", 3,
                  "netverify, authentication, document or workflow"},
        ErrorCase{"OverrideNoStatus", "topics:\n  overrides:\n    document: x\n",
                  "topics.overrides.document", 3, "{type}.{status}"},
        ErrorCase{"OverrideUpper", "topics:\n  overrides:\n    netverify.DENIED_FRAUD: x\n",
                  "topics.overrides.netverify.DENIED_FRAUD", 3, "lower-case"},
        ErrorCase{"OverrideTopic", "topics:\n  overrides:\n    netverify.denied_fraud: \"a b\"\n",
                  "topics.overrides.netverify.denied_fraud", 3, "names a topic that may contain"},
        ErrorCase{"OverridesList", "topics:\n  overrides: []\n", "topics.overrides", 2,
                  "expected a mapping"},
        ErrorCase{"DeadletterSpace", "topics:\n  deadletter: \"dead letters\"\n",
                  "topics.deadletter", 2, "may contain only"},
        ErrorCase{"DeadletterDots", "topics:\n  deadletter: \"..\"\n", "topics.deadletter", 2,
                  "\"..\""},
        ErrorCase{"WorkflowCallbacksSpace", "topics:\n  workflow_callbacks: \"a b\"\n",
                  "topics.workflow_callbacks", 2, "may contain only"},
        ErrorCase{"WorkflowCallbacksEmpty", "topics:\n  workflow_callbacks: \"\"\n",
                  "topics.workflow_callbacks", 2, "empty"},
        // spool, log
        ErrorCase{"SpoolDirEmpty", "spool:\n  dir: \"\"\n", "spool.dir", 2, "empty"},
        ErrorCase{"SpoolDirList", "spool:\n  dir: [a]\n", "spool.dir", 2, "expected a string"},
        ErrorCase{"SpoolZero", "spool:\n  max_bytes: 0\n", "spool.max_bytes", 2, "at least 1"},
        ErrorCase{"SpoolAckShort", "spool:\n  ack_timeout_ms: 99\n", "spool.ack_timeout_ms", 2,
                  "between 100 and 600000"},
        ErrorCase{"SpoolAckText", "spool:\n  ack_timeout_ms: 2s\n", "spool.ack_timeout_ms", 2,
                  "got \"2s\""},
        ErrorCase{"SpoolUnits", "spool:\n  max_bytes: 1GB\n", "spool.max_bytes", 2, "got \"1GB\""},
        ErrorCase{"LevelUnknown", "log:\n  level: verbose\n", "log.level", 2, "debug, info"},
        ErrorCase{"LevelMap", "log:\n  level: {a: b}\n", "log.level", 2, "got a mapping"},
        // retrieval
        ErrorCase{"RetrievalAuthUnknown", "retrieval:\n  auth: bearer\n", "retrieval.auth", 2,
                  "expected oauth2 or basic"},
        ErrorCase{"TokenUrlPlainRemote",
                  "retrieval:\n  token_url: \"http://auth.example.com/oauth2/token\"\n",
                  "retrieval.token_url", 2, "loopback"},
        ErrorCase{"PlatformBaseUrlNoScheme",
                  "retrieval:\n  auth: basic\n  platform_base_url: retrieval.example.com\n",
                  "retrieval.platform_base_url", 3, "https://"},
        // structure
        ErrorCase{"SectionScalar", "http: 5\n", "http", 1, "expected a mapping of listen, path"},
        ErrorCase{"SectionList", "\nsecurity: []\n", "security", 2, "got a list"},
        ErrorCase{"UnknownSection", "http: {}\nhtp:\n  listen: x\n", "htp", 2,
                  "expected one of: http, admin, security, kafka, topics, spool, log"},
        ErrorCase{"UnknownNested", "http:\n  listen: \"127.0.0.1:1\"\n  lisen: 1\n", "http.lisen",
                  3, "not a known key"},
        ErrorCase{"UnknownInKafka", "kafka:\n  properties: {}\n  extra: 1\n", "kafka.extra", 3,
                  "brokers, properties"},
        ErrorCase{"DuplicateKey", "http:\n  path: /a\n  path: /b\n", "http.path", 3,
                  "more than once"},
        ErrorCase{"DuplicateSection", "log: {}\nlog: {}\n", "log", 2, "more than once"},
        ErrorCase{"RootList", "- http\n", "", 1, "mapping of sections"},
        ErrorCase{"BrokenYaml", "http:\n  listen: [1,\n", "", 3, "invalid YAML"},
        ErrorCase{"TwoDocuments", "http: {}\n---\nlog: {}\n", "", 2, "second YAML document"},
        ErrorCase{"StrayComma", "http: {}\n,\n", "", 2, "invalid YAML"},
        // yaml-cpp 0.7 LoadAll never returns on these: they must still be an answer.
        ErrorCase{"LeadingComma", ",\n", "", 1, "second YAML document"},
        ErrorCase{"IndentedComma", "  ,x\n", "", 1, "second YAML document"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(Config, ReportsEveryErrorNotOnlyTheFirst) {
  const char* text =
      "http:\n"
      "  listen: nowhere\n"
      "  threads: many\n"
      "security:\n"
      "  allow: [\"10.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n"
      "kafka:\n"
      "  properties:\n"
      "    acks: all\n"
      "colour: blue\n";
  Config config;
  auto errors = parse_config(text, &config);
  std::vector<std::pair<std::string, int>> expected = {
      {"http.listen", 2},       {"http.threads", 3},          {"security.allow[0]", 5},
      {"security.allow[2]", 5}, {"kafka.properties.acks", 8}, {"colour", 9}};
  ASSERT_EQ(errors.size(), expected.size()) << describe(errors);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(errors[i].key, expected[i].first);
    EXPECT_EQ(errors[i].line, expected[i].second) << errors[i].key;
  }
}

}  // namespace
}  // namespace jb::config
