#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "support/config_describe.h"

namespace jb::config {
namespace {

void expect_same_config(const Config& a, const Config& b) {
  EXPECT_EQ(a.http.listen, b.http.listen);
  EXPECT_EQ(a.http.path, b.http.path);
  EXPECT_EQ(a.http.max_body_bytes, b.http.max_body_bytes);
  EXPECT_EQ(a.http.max_connections_per_address, b.http.max_connections_per_address);
  EXPECT_EQ(a.http.proxy_keep_alive_timeout_ms, b.http.proxy_keep_alive_timeout_ms);
  EXPECT_EQ(a.http.memory_budget_bytes, b.http.memory_budget_bytes);
  EXPECT_EQ(a.admin.listen, b.admin.listen);
  EXPECT_EQ(a.admin.allow, b.admin.allow);
  EXPECT_EQ(a.admin.max_connections_per_address, b.admin.max_connections_per_address);
  EXPECT_EQ(a.http.delivery_timeout_ms, b.http.delivery_timeout_ms);
  EXPECT_EQ(a.security.allow, b.security.allow);
  EXPECT_EQ(a.security.jumio_datacenters, b.security.jumio_datacenters);
  EXPECT_EQ(a.security.trusted_proxies, b.security.trusted_proxies);
  EXPECT_EQ(a.security.jumio_refresh_s, b.security.jumio_refresh_s);
  EXPECT_EQ(a.kafka.brokers, b.kafka.brokers);
  EXPECT_EQ(a.kafka.properties, b.kafka.properties);
  EXPECT_EQ(a.topics.topic_template, b.topics.topic_template);
  EXPECT_EQ(a.topics.overrides, b.topics.overrides);
  EXPECT_EQ(a.topics.deadletter, b.topics.deadletter);
  EXPECT_EQ(a.topics.workflow_callbacks, b.topics.workflow_callbacks);
  EXPECT_EQ(a.spool.dir, b.spool.dir);
  EXPECT_EQ(a.spool.max_bytes, b.spool.max_bytes);
  EXPECT_EQ(a.spool.ack_timeout_ms, b.spool.ack_timeout_ms);
  EXPECT_EQ(a.log.level, b.log.level);
}

constexpr const char* kFullConfig = R"(http:
  listen: "[::1]:9090"
  path: "/hooks/jumio"
  max_body_bytes: 1048576
  delivery_timeout_ms: 2500
  max_connections_per_address: 16
  proxy_keep_alive_timeout_ms: 75000
  memory_budget_bytes: 2147483648
admin:
  listen: "127.0.0.1:9191"
  allow: ["10.9.0.0/16", "fd00::/8"]
  max_connections_per_address: 4
security:
  allow: ["10.0.0.0/8", "2001:db8::/32"]
  jumio_datacenters: [US, EU, SGP]
  trusted_proxies: ["192.168.1.10/32"]
kafka:
  brokers: "kafka-1.internal:9092, kafka-2.internal:9093"
  properties:
    security.protocol: SASL_SSL
    sasl.username: bridge
    linger.ms: 5
    enable.ssl.certificate.verification: false
    client.id: "0123"
topics:
  template: "kyc_{type}-{status}"
  overrides:
    netverify.denied_fraud: fraud-alerts
    document.failed: "doc.failures"
  deadletter: kyc.deadletter
  workflow_callbacks: kyc.workflow-callbacks
spool:
  dir: /var/lib/jumio-bridge/spool
  max_bytes: 5000000000
  ack_timeout_ms: 1500
log:
  level: debug
)";

TEST(Config, ThreadsIsAcceptedButReportedAsNoLongerUsedWithItsLine) {
  Config config;
  ASSERT_TRUE(parse_config("log:\n  level: info\nhttp:\n  threads: 8\n", &config).empty());
  ASSERT_EQ(config.obsolete.size(), 1u);
  EXPECT_EQ(config.obsolete[0].key, "http.threads");
  EXPECT_EQ(config.obsolete[0].line, 4);
  EXPECT_NE(config.obsolete[0].message.find("no longer used"), std::string::npos);
}

TEST(Config, JumioHostNamesAreLookedUpHourlyByDefault) {
  Config config;
  ASSERT_TRUE(parse_config("", &config).empty());
  EXPECT_EQ(config.security.jumio_refresh_s, 3600);
  ASSERT_TRUE(parse_config("security:\n  jumio_refresh_s: 60\n", &config).empty());
  EXPECT_EQ(config.security.jumio_refresh_s, 60);
}

TEST(Config, AdminListenerDefaultsToLoopbackAndEmptyTurnsItOff) {
  Config config;
  ASSERT_TRUE(parse_config("", &config).empty());
  EXPECT_EQ(config.admin.listen, "127.0.0.1:9090");
  ASSERT_TRUE(parse_config("admin:\n  listen: \"\"\n", &config).empty());
  EXPECT_EQ(config.admin.listen, "");
}

TEST(Config, SpoolWaitsTwoSecondsForKafkaByDefault) {
  Config config;
  ASSERT_TRUE(parse_config("spool:\n  dir: /x\n", &config).empty());
  EXPECT_EQ(config.spool.ack_timeout_ms, 2000);
}

TEST(Config, EmptyTextCommentsAndNullSectionsMeanDefaults) {
  for (const char* text : {"", "# nothing here\n", "http:\nsecurity:\nkafka:\nlog:\n", "{}\n"}) {
    Config config;
    config.http.max_connections_per_address = 3;
    EXPECT_TRUE(parse_config(text, &config).empty()) << text;
    expect_same_config(config, Config{});
  }
}

TEST(Config, FullFileFillsEveryField) {
  Config config;
  auto errors = parse_config(kFullConfig, &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.http.listen, "[::1]:9090");
  EXPECT_EQ(config.http.path, "/hooks/jumio");
  EXPECT_EQ(config.http.max_body_bytes, 1048576u);
  EXPECT_EQ(config.http.max_connections_per_address, 16);
  EXPECT_EQ(config.http.proxy_keep_alive_timeout_ms, 75000);
  EXPECT_EQ(config.http.memory_budget_bytes, 2147483648u);
  EXPECT_EQ(config.admin.listen, "127.0.0.1:9191");
  EXPECT_EQ(config.admin.allow, (std::vector<std::string>{"10.9.0.0/16", "fd00::/8"}));
  EXPECT_EQ(config.admin.max_connections_per_address, 4);
  EXPECT_TRUE(config.obsolete.empty());
  EXPECT_TRUE(config.warnings.empty());
  EXPECT_EQ(config.http.delivery_timeout_ms, 2500);
  EXPECT_EQ(config.security.allow, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(config.security.jumio_datacenters, (std::vector<std::string>{"US", "EU", "SGP"}));
  EXPECT_EQ(config.security.trusted_proxies, std::vector<std::string>{"192.168.1.10/32"});
  EXPECT_EQ(config.kafka.brokers, "kafka-1.internal:9092, kafka-2.internal:9093");
  EXPECT_EQ(config.kafka.properties,
            (std::map<std::string, std::string>{{"client.id", "0123"},
                                                {"enable.ssl.certificate.verification", "false"},
                                                {"linger.ms", "5"},
                                                {"sasl.username", "bridge"},
                                                {"security.protocol", "SASL_SSL"}}));
  EXPECT_EQ(config.topics.topic_template, "kyc_{type}-{status}");
  EXPECT_EQ(config.topics.overrides,
            (std::map<std::string, std::string>{{"document.failed", "doc.failures"},
                                                {"netverify.denied_fraud", "fraud-alerts"}}));
  EXPECT_EQ(config.topics.deadletter, "kyc.deadletter");
  EXPECT_EQ(config.topics.workflow_callbacks, "kyc.workflow-callbacks");
  EXPECT_EQ(config.spool.dir, "/var/lib/jumio-bridge/spool");
  EXPECT_EQ(config.spool.max_bytes, 5000000000u);
  EXPECT_EQ(config.spool.ack_timeout_ms, 1500);
  EXPECT_EQ(config.log.level, "debug");
}

struct ValidCase {
  const char* yaml;
};

void PrintTo(const ValidCase& c, std::ostream* out) {
  *out << c.yaml;
}

class ValidValues : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidValues, AreAccepted) {
  Config config;
  auto errors = parse_config(GetParam().yaml, &config);
  EXPECT_TRUE(errors.empty()) << GetParam().yaml << "\n" << describe(errors);
}

INSTANTIATE_TEST_SUITE_P(
    Config, ValidValues,
    ::testing::Values(
        ValidCase{"http:\n  listen: \"0.0.0.0:0\"\n"},
        ValidCase{"http:\n  listen: \"[::]:65535\"\n"},
        ValidCase{"http:\n  listen: \"localhost:8080\"\n"},
        ValidCase{"http:\n  listen: \"jumio-bridge.internal:443\"\n"},
        ValidCase{"http:\n  max_body_bytes: 67108864\n  max_connections: 7\n  threads: 1024\n"},
        ValidCase{"http:\n  max_body_bytes: 67108864\n  memory_budget_bytes: 34380709888\n"},
        ValidCase{"http:\n  max_connections: 1\n  max_body_bytes: 1\n  max_header_bytes: 1024\n"
                  "  memory_budget_bytes: 1048576\n"},
        ValidCase{"http:\n  memory_budget_bytes: 1099511627776\n"},
        ValidCase{"http:\n  proxy_keep_alive_timeout_ms: 100\n"},
        ValidCase{"http:\n  proxy_keep_alive_timeout_ms: 600000\n"},
        ValidCase{"admin:\n  allow: []\n"},
        ValidCase{"admin:\n  allow: [\"0.0.0.0/0\", \"::/0\"]\n  max_connections_per_address: 1\n"},
        ValidCase{"admin:\n  max_connections_per_address: 100000\n"},
        ValidCase{"http:\n  threads: 1\n  delivery_timeout_ms: 100\n"},
        ValidCase{"http:\n  delivery_timeout_ms: 600000\n"}, ValidCase{"security:\n  allow: []\n"},
        ValidCase{"security:\n  allow: [\"0.0.0.0/0\", \"::/0\", \"::ffff:10.1.0.0/112\"]\n"},
        ValidCase{"security:\n  trusted_proxies:\n    - 172.16.0.0/12\n    - fd00::/8\n"},
        ValidCase{"kafka:\n  brokers: \"127.0.0.1:9092\"\n"},
        ValidCase{"kafka:\n  brokers: \"a:1,[::1]:9092,b.example:65535\"\n"},
        ValidCase{"kafka:\n  properties:\n    sasl.mechanism: PLAIN\n    retries: 10\n"},
        ValidCase{"topics:\n  template: \"{type}\"\n"},
        ValidCase{"topics:\n  template: \"all-jumio-events\"\n"},
        ValidCase{
            "topics:\n  overrides:\n    workflow.rejected: review\n    workflow.not_executed: "
            "retry\n"},
        ValidCase{"topics:\n  overrides:\n    authentication.expired: a\n    document.extracted: "
                  "b\n    netverify.no_id_uploaded: c\n"},
        ValidCase{"spool:\n  max_bytes: 9223372036854775807\n"},
        ValidCase{"spool:\n  ack_timeout_ms: 100\n"},
        ValidCase{"spool:\n  ack_timeout_ms: 600000\n"}, ValidCase{"log:\n  level: error\n"},
        ValidCase{"retrieval:\n  auth: basic\n"},
        ValidCase{
            "retrieval:\n  auth: oauth2\n  token_url: \"http://127.0.0.1:8443/oauth2/token\"\n"
            "  platform_base_url: \"https://retrieval.example.com/\"\n"}));

TEST(Config, PropertyScalarsBecomeTheirText) {
  Config config;
  auto errors = parse_config(
      "kafka:\n  properties:\n    a: 5\n    b: True\n    c: \"True\"\n    d: 0.5\n    e: off\n",
      &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.kafka.properties,
            (std::map<std::string, std::string>{
                {"a", "5"}, {"b", "true"}, {"c", "True"}, {"d", "0.5"}, {"e", "off"}}));
}

TEST(Config, EffectiveYamlRedactsSecretsAndKeepsTheRest) {
  Config config;
  config.kafka.properties = {{"sasl.password", "pw-value-1"},
                             {"ssl.key.password", "pw-value-2"},
                             {"ssl.keystore.password", "pw-value-3"},
                             {"sasl.jaas.config", "jaas-value"},
                             {"ssl.key.pem", "pem-value"},
                             {"sasl.oauthbearer.client.secret", "oauth-value"},
                             {"SASL.Password", "pw-value-4"},
                             {"sasl.username", "visible-user"},
                             {"security.protocol", "SASL_SSL"}};
  std::string yaml = effective_config_yaml(config);
  for (const char* secret : {"pw-value-1", "pw-value-2", "pw-value-3", "jaas-value", "pem-value",
                             "oauth-value", "pw-value-4"}) {
    EXPECT_EQ(yaml.find(secret), std::string::npos) << secret << " in\n" << yaml;
  }
  EXPECT_NE(yaml.find("visible-user"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("SASL_SSL"), std::string::npos) << yaml;
  Config reparsed;
  auto errors = parse_config(yaml, &reparsed);
  ASSERT_TRUE(errors.empty()) << describe(errors) << yaml;
  EXPECT_EQ(reparsed.kafka.properties.at("sasl.password"), "<redacted>");
  EXPECT_EQ(reparsed.kafka.properties.at("sasl.username"), "visible-user");
}

TEST(Config, RetrievalAuthAndPlatformUrlsAreReadAndShownInTheEffectiveYaml) {
  Config config;
  EXPECT_EQ(config.retrieval.auth, "oauth2");
  auto errors = parse_config(
      "retrieval:\n  auth: basic\n  token_url: \"http://[::1]:8080/oauth2/token\"\n"
      "  platform_base_url: \"https://retrieval.example.com\"\n",
      &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.retrieval.auth, "basic");
  EXPECT_EQ(config.retrieval.token_url, "http://[::1]:8080/oauth2/token");
  EXPECT_EQ(config.retrieval.platform_base_url, "https://retrieval.example.com");
  Config reparsed;
  ASSERT_TRUE(parse_config(effective_config_yaml(config), &reparsed).empty());
  EXPECT_EQ(reparsed.retrieval.auth, "basic");
  EXPECT_EQ(reparsed.retrieval.token_url, config.retrieval.token_url);
  EXPECT_EQ(reparsed.retrieval.platform_base_url, config.retrieval.platform_base_url);
}

TEST(Config, EffectiveYamlParsesBackToTheSameConfig) {
  Config original;
  ASSERT_TRUE(parse_config(kFullConfig, &original).empty());
  original.kafka.properties["client.rack"] = "null";
  original.kafka.properties["ssl.ca.location"] = "/etc/ssl/ca: bundle #1.pem";
  std::string yaml = effective_config_yaml(original);
  Config reparsed;
  auto errors = parse_config(yaml, &reparsed);
  ASSERT_TRUE(errors.empty()) << describe(errors) << yaml;
  expect_same_config(reparsed, original);
  EXPECT_EQ(effective_config_yaml(reparsed), yaml);
}

TEST(Config, EffectiveYamlOfDefaultsParsesBackToDefaults) {
  Config reparsed;
  reparsed.spool.dir = "elsewhere";
  auto errors = parse_config(effective_config_yaml(Config{}), &reparsed);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  expect_same_config(reparsed, Config{});
}

TEST(Config, ShippedConfigLoadsAndStatesTheDefaults) {
  Config config;
  auto errors = load_config(JB_SOURCE_DIR "/config.yaml", &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  expect_same_config(config, Config{});
}

TEST(Config, ShippedConfigsHaveNoWarnings) {
  for (const char* path : {JB_SOURCE_DIR "/config.yaml", JB_SOURCE_DIR "/systemd/config.yaml"}) {
    Config config;
    auto errors = load_config(path, &config);
    ASSERT_TRUE(errors.empty()) << path << "\n" << describe(errors);
    EXPECT_TRUE(config.warnings.empty()) << path << "\n" << describe(config.warnings);
    EXPECT_TRUE(config.obsolete.empty()) << path << "\n" << describe(config.obsolete);
    EXPECT_EQ(config.admin.allow, AdminConfig{}.allow) << path;
    EXPECT_EQ(config.security.allow, SecurityConfig{}.allow) << path;
    EXPECT_EQ(config.security.trusted_proxies, SecurityConfig{}.trusted_proxies) << path;
  }
}

TEST(Config, MissingFileIsOneErrorWithoutLine) {
  Config config;
  auto errors = load_config(JB_SOURCE_DIR "/no-such-config.yaml", &config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "");
  EXPECT_EQ(errors[0].line, 0);
  EXPECT_NE(errors[0].message.find("No such file"), std::string::npos) << errors[0].message;
}

TEST(Config, DirectoryIsOneError) {
  Config config;
  auto errors = load_config(JB_SOURCE_DIR, &config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("directory"), std::string::npos) << errors[0].message;
}

TEST(Config, FormatErrorIsPathLineKeyMessage) {
  EXPECT_EQ(format_error("c.yaml", {"http.listen", 4, "has no port"}),
            "c.yaml:4: http.listen: has no port");
  EXPECT_EQ(format_error("c.yaml", {"", 0, "cannot read the config file"}),
            "c.yaml: cannot read the config file");
  EXPECT_EQ(format_error("c.yaml", {"", 2, "invalid YAML"}), "c.yaml:2: invalid YAML");
}

TEST(Config, HttpLimitsTlsBasicAuthAndPrivacy) {
  ::setenv("JB_CONFIG_TEST_PASSWORD", "from-env", 1);
  Config config;
  auto errors = parse_config(R"(http:
  read_timeout_ms: 1000
  write_timeout_ms: 2000
  request_timeout_ms: 3000
  keep_alive_timeout_ms: 4000
  keep_alive_max_requests: 10
  max_connections: 50
  max_header_bytes: 8192
  max_headers: 20
  tls: {cert_file: /etc/c.pem, key_file: /etc/k.pem}
  basic_auth: {user: jumio, password_env: JB_CONFIG_TEST_PASSWORD}
privacy:
  drop_fields: [idNumber, idAddress.line1]
  netverify_masking: true
)",
                             &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.http.read_timeout_ms, 1000);
  EXPECT_EQ(config.http.write_timeout_ms, 2000);
  EXPECT_EQ(config.http.request_timeout_ms, 3000);
  EXPECT_EQ(config.http.keep_alive_timeout_ms, 4000);
  EXPECT_EQ(config.http.keep_alive_max_requests, 10);
  EXPECT_EQ(config.http.max_connections, 50);
  EXPECT_EQ(config.http.max_header_bytes, 8192);
  EXPECT_EQ(config.http.max_headers, 20);
  EXPECT_EQ(config.http.tls.cert_file, "/etc/c.pem");
  EXPECT_EQ(config.http.tls.key_file, "/etc/k.pem");
  EXPECT_EQ(config.http.basic_auth.user, "jumio");
  EXPECT_EQ(config.http.basic_auth.password, "from-env");
  EXPECT_EQ(config.privacy.drop_fields, (std::vector<std::string>{"idNumber", "idAddress.line1"}));
  EXPECT_TRUE(config.privacy.netverify_masking);

  std::string effective = effective_config_yaml(config);
  EXPECT_EQ(effective.find("from-env"), std::string::npos) << effective;
  Config again;
  ASSERT_TRUE(parse_config(effective, &again).empty()) << effective;
  EXPECT_EQ(again.http.basic_auth.password, "from-env");
  EXPECT_EQ(effective_config_yaml(again), effective);
}

TEST(Config, HttpSecurityErrors) {
  ::unsetenv("JB_CONFIG_TEST_UNSET");
  struct Case {
    const char* yaml;
    const char* key;
    const char* message;
  };
  for (const Case& c : {
           Case{"http:\n  tls: {cert_file: /c.pem}\n", "http.tls", "both cert_file and key_file"},
           Case{"http:\n  basic_auth: {user: u}\n", "http.basic_auth", "both user and"},
           Case{"http:\n  basic_auth: {user: u, password_env: JB_CONFIG_TEST_UNSET}\n",
                "http.basic_auth", "not set"},
           Case{"http:\n  basic_auth: {user: \"a:b\", password_env: PATH}\n",
                "http.basic_auth.user", "':'"},
           Case{"http:\n  read_timeout_ms: 5\n", "http.read_timeout_ms", "between 100"},
           Case{"http:\n  max_connections: 0\n", "http.max_connections", "between 1"},
           Case{"http:\n  max_header_bytes: 100\n", "http.max_header_bytes", "between 1024"},
           Case{"http:\n  tls: {cert: x}\n", "http.tls.cert", "not a known key"},
           Case{"privacy:\n  netverify_masking: yes please\n", "privacy.netverify_masking",
                "true or false"},
           Case{"privacy:\n  drop_fields: [\"a b\"]\n", "privacy.drop_fields[0]", "letters"},
           Case{"privacy:\n  drop_fields: [\"a..b\"]\n", "privacy.drop_fields[0]", "dotted"},
       }) {
    Config config;
    auto errors = parse_config(c.yaml, &config);
    ASSERT_EQ(errors.size(), 1u) << c.yaml << describe(errors);
    EXPECT_EQ(errors[0].key, c.key) << c.yaml;
    EXPECT_NE(errors[0].message.find(c.message), std::string::npos) << errors[0].message;
  }
}

TEST(Config, ProxyAndAdminLimitsHaveTheirDefaults) {
  Config config;
  ASSERT_TRUE(parse_config("", &config).empty());
  EXPECT_EQ(config.admin.allow, (std::vector<std::string>{"127.0.0.1/32", "::1/128"}));
  EXPECT_EQ(config.admin.max_connections_per_address, 16);
  EXPECT_EQ(config.http.proxy_keep_alive_timeout_ms, 120000);
  EXPECT_EQ(config.http.memory_budget_bytes, 1073741824u);
  EXPECT_TRUE(config.warnings.empty());
}

TEST(Config, ProxyAndAdminLimitsTakeTheirValues) {
  Config config;
  auto errors = parse_config(
      "admin:\n  allow: [\"10.1.0.0/16\", \"2001:db8::/32\"]\n  max_connections_per_address: 2\n"
      "http:\n  proxy_keep_alive_timeout_ms: 90000\n  memory_budget_bytes: 536870912\n",
      &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.admin.allow, (std::vector<std::string>{"10.1.0.0/16", "2001:db8::/32"}));
  EXPECT_EQ(config.admin.max_connections_per_address, 2);
  EXPECT_EQ(config.http.proxy_keep_alive_timeout_ms, 90000);
  EXPECT_EQ(config.http.memory_budget_bytes, 536870912u);
  ASSERT_TRUE(parse_config("admin:\n  allow: []\n", &config).empty());
  EXPECT_TRUE(config.admin.allow.empty());
}

// What http's limits let the connections hold at once, as the budget check counts it.
uint64_t connections_may_hold(const HttpConfig& http) {
  return static_cast<uint64_t>(http.max_connections) *
         (2 * http.max_body_bytes + static_cast<uint64_t>(http.max_header_bytes) + 65536);
}

TEST(Config, DefaultLimitsFitTheDefaultMemoryBudget) {
  HttpConfig defaults;
  EXPECT_EQ(connections_may_hold(defaults), 256u * (2 * 262144 + 16384 + 65536));
  EXPECT_LE(connections_may_hold(defaults), defaults.memory_budget_bytes);
  Config config;
  EXPECT_TRUE(
      parse_config("http:\n  max_connections: 256\n  max_body_bytes: 262144\n", &config).empty());
}

TEST(Config, MemoryBudgetIsReachedExactlyAtTheProduct) {
  // 16 × (2 × 1 + 1024 + 65536) = 1064992.
  const char* limits =
      "http:\n  max_connections: 16\n  max_body_bytes: 1\n  max_header_bytes: 1024\n";
  Config config;
  auto errors = parse_config(std::string(limits) + "  memory_budget_bytes: 1064992\n", &config);
  EXPECT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(connections_may_hold(config.http), 1064992u);
  errors = parse_config(std::string(limits) + "  memory_budget_bytes: 1064991\n", &config);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].key, "http.max_body_bytes");
  EXPECT_EQ(errors[0].line, 3);
}

TEST(Config, MemoryBudgetErrorNamesMaxBodyBytesWhenItIsGiven) {
  Config config;
  auto errors = parse_config(
      "http:\n  max_connections: 512\n  max_body_bytes: 67108864\n  memory_budget_bytes: "
      "2147483648\n",
      &config);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].key, "http.max_body_bytes");
  EXPECT_EQ(errors[0].line, 3);
  const std::string& message = errors[0].message;
  // 512 × (2 × 67108864 + 16384 + 65536)
  EXPECT_NE(message.find("= 68761419776 bytes"), std::string::npos) << message;
  EXPECT_NE(message.find("512 × (2 × 67108864 + 16384 + 65536)"), std::string::npos) << message;
  EXPECT_NE(message.find("http.memory_budget_bytes (2147483648)"), std::string::npos) << message;
  EXPECT_NE(message.find("lower max_body_bytes or max_connections, or raise memory_budget_bytes"),
            std::string::npos)
      << message;
}

TEST(Config, MemoryBudgetErrorNamesMaxConnectionsWithoutMaxBodyBytes) {
  Config config;
  auto errors = parse_config("log: {level: info}\nhttp:\n  max_connections: 100000\n", &config);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].key, "http.max_connections");
  EXPECT_EQ(errors[0].line, 3);
  // 100000 × (2 × 262144 + 16384 + 65536), over the default budget.
  EXPECT_NE(errors[0].message.find("= 60620800000 bytes"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("(1073741824)"), std::string::npos) << errors[0].message;
}

TEST(Config, MemoryBudgetErrorNamesTheBudgetWhenNoOtherSizeIsGiven) {
  for (const char* yaml : {"http:\n  path: /x\n  memory_budget_bytes: 1048576\n",
                           "http:\n  max_header_bytes: 65536\n  memory_budget_bytes: 1048576\n"}) {
    Config config;
    auto errors = parse_config(yaml, &config);
    ASSERT_EQ(errors.size(), 1u) << yaml << describe(errors);
    EXPECT_EQ(errors[0].key, "http.memory_budget_bytes") << yaml;
    EXPECT_EQ(errors[0].line, 3) << yaml;
    EXPECT_NE(errors[0].message.find("http.memory_budget_bytes (1048576)"), std::string::npos)
        << errors[0].message;
  }
}

TEST(Config, RaisingTheMemoryBudgetAdmitsLargeBodies) {
  // The largest body on the default connection count: 256 × (2 × 64 MiB + 16384 + 65536).
  const std::string limits = "http:\n  max_body_bytes: 67108864\n";
  Config config;
  EXPECT_EQ(parse_config(limits, &config).size(), 1u);
  auto errors = parse_config(limits + "  memory_budget_bytes: 34380709888\n", &config);
  EXPECT_TRUE(errors.empty()) << describe(errors);
  EXPECT_EQ(config.http.max_body_bytes, 67108864u);
}

TEST(Config, AnInvalidSizeIsReportedAloneWithoutABudgetError) {
  for (const char* yaml : {"http:\n  max_body_bytes: 67108864\n  memory_budget_bytes: lots\n",
                           "http:\n  max_connections: 100000\n  max_body_bytes: 0\n",
                           "http:\n  max_connections: 100000\n  max_header_bytes: 1\n"}) {
    Config config;
    auto errors = parse_config(yaml, &config);
    ASSERT_EQ(errors.size(), 1u) << yaml << describe(errors);
    EXPECT_EQ(errors[0].message.find("memory_budget_bytes ("), std::string::npos)
        << errors[0].message;
  }
}

TEST(Config, EffectiveYamlShowsTheAdminAllowlistAndTheProxyLimits) {
  Config config;
  auto errors = parse_config(
      "admin:\n  allow: [\"10.2.0.0/16\"]\n  max_connections_per_address: 5\n"
      "http:\n  proxy_keep_alive_timeout_ms: 65000\n  max_body_bytes: 67108864\n"
      "  memory_budget_bytes: 34380709888\n",
      &config);
  ASSERT_TRUE(errors.empty()) << describe(errors);
  std::string yaml = effective_config_yaml(config);
  for (const char* line :
       {"  proxy_keep_alive_timeout_ms: 65000\n", "  memory_budget_bytes: 34380709888\n",
        "  allow: [\"10.2.0.0/16\"]\n", "  max_connections_per_address: 5\n"}) {
    EXPECT_NE(yaml.find(line), std::string::npos) << line << " not in\n" << yaml;
  }
  Config reparsed;
  errors = parse_config(yaml, &reparsed);
  ASSERT_TRUE(errors.empty()) << describe(errors) << yaml;
  expect_same_config(reparsed, config);
  std::string defaults = effective_config_yaml(Config{});
  EXPECT_NE(
      defaults.find("allow: [\"127.0.0.1/32\", \"::1/128\"]\n  max_connections_per_address: 16"),
      std::string::npos)
      << defaults;
}

}  // namespace
}  // namespace jb::config
