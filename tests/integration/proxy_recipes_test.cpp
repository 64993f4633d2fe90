// The proxy recipes of docs/http.md ("Behind a proxy"), run as written through the real nginx and
// HAProxy: each fenced block after "<!-- recipe: NAME -->" is taken from the doc, and only the
// deployment's values are replaced, textually, by the test's (every one must be found):
//   10.0.0.5:8080      the daemon       -> 127.0.0.1 and the daemon's port (0 in its config);
//   10.0.0.4           the proxy        -> 127.0.0.2, the proxies' source address (proxy_bind,
//                                          source), a trusted proxy;
//   jumio_datacenters  who may call     -> allow 127.0.0.5 (no DNS in tests);
//   port 443, the certificate paths     -> a free port on 127.0.0.1, a throw-away CA's files.
// Then, over TLS through the proxy: an allowed client's callback is answered 200 and published,
// a client that is not allowed gets 403, and forged forwarding fields do not help it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "config/config.h"
#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/haproxy.h"
#include "support/http_cases.h"
#include "support/nginx.h"
#include "support/process.h"
#include "support/proxy_client.h"
#include "support/proxy_process.h"
#include "support/test_tls.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;

constexpr char kAttacker[] = "127.0.0.3";
constexpr char kAllowed[] = "127.0.0.5";
constexpr char kApprovedTopic[] = "jumio.netverify.approved_verified";

// The fenced block after "<!-- recipe: name -->" in docs/http.md, without its fence lines.
std::string recipe(const std::string& name) {
  const std::string doc = file_text(std::string(JB_SOURCE_DIR) + "/docs/http.md");
  const size_t marker = doc.find("<!-- recipe: " + name + " -->");
  if (marker == std::string::npos) {
    ADD_FAILURE() << "docs/http.md has no recipe " << name;
    return "";
  }
  const size_t open = doc.find("```", marker);
  const size_t start = doc.find('\n', open) + 1;
  const size_t close = doc.find("\n```", start);
  if (open == std::string::npos || close == std::string::npos) {
    ADD_FAILURE() << "recipe " << name << " has no fenced block";
    return "";
  }
  return doc.substr(start, close + 1 - start);
}

// `text` with `from` replaced by `to` everywhere; a failure when `from` is not in it (the recipe
// changed, and the test must follow).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  if (text.find(from) == std::string::npos)
    ADD_FAILURE() << "the recipe no longer has \"" << from << "\":\n" << text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The daemon recipe's config, with the test's addresses.
config::Config daemon_recipe() {
  std::string yaml = recipe("daemon");
  yaml = replaced(yaml, "\"10.0.0.5:8080\"", "\"127.0.0.1:0\"");
  yaml = replaced(yaml, "\"10.0.0.4/32\"", "\"127.0.0.2/32\"");
  yaml = replaced(yaml, "jumio_datacenters: [US]", "allow: [\"127.0.0.5/32\"]");
  config::Config config;
  for (const auto& error : config::parse_config(yaml, &config))
    ADD_FAILURE() << "the daemon recipe: " << error.key << " (line " << error.line
                  << "): " << error.message << "\n"
                  << yaml;
  for (const auto& warning : config.warnings)
    ADD_FAILURE() << "the daemon recipe warns: " << warning.key << ": " << warning.message;
  return config;
}

enum class Kind { nginx, haproxy };

class ProxyRecipe : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    const bool nginx = GetParam() == Kind::nginx;
    if (nginx && !Nginx::installed()) GTEST_SKIP() << Nginx::kMissing;
    if (!nginx && !Haproxy::installed()) GTEST_SKIP() << Haproxy::kMissing;
    const config::Config recipe_config = daemon_recipe();
    ASSERT_FALSE(HasFailure());
    bridge_ = std::make_unique<Bridge>([&](config::Config& c) {
      c.http = recipe_config.http;
      c.security = recipe_config.security;
    });
    const std::string daemon = "127.0.0.1:" + std::to_string(bridge_->daemon().port());
    certificates_ = make_test_certificates();
    ASSERT_FALSE(certificates_.key_pem.empty());
    if (nginx)
      start_nginx(daemon);
    else
      start_haproxy(daemon);
  }

  void TearDown() override {
    if (HasFailure()) {
      if (nginx_) std::printf("nginx error log:\n%s\n", nginx_->error_log().c_str());
      if (haproxy_) std::printf("HAProxy log:\n%s\n", haproxy_->log().c_str());
    }
    nginx_.reset();
    haproxy_.reset();
    if (!tls_dir_.empty()) std::filesystem::remove_all(tls_dir_);
  }

  int port() const { return nginx_ ? nginx_->port() : haproxy_->port(); }
  Bridge& bridge() { return *bridge_; }

  // POSTs the approved sample over a new TLS connection from `source`, with extra field lines.
  Answer post_sample(const std::string& source, const std::string& fields = "") {
    ProxyClient client(source, port(), certificates_.ca_pem, "127.0.0.1");
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(post(kSampleNetverifyApproved, fields));
  }

 private:
  void start_nginx(const std::string& daemon) {
    tls_dir_ = temp_dir("jb-recipe-tls");
    std::ofstream(tls_dir_ + "/fullchain.pem") << certificates_.cert_pem;
    std::ofstream(tls_dir_ + "/privkey.pem") << certificates_.key_pem;
    std::string site = recipe("nginx");
    site = replaced(site, "server 10.0.0.5:8080;", "server " + daemon + ";");
    site = replaced(site, "listen 443 ssl;", "listen 127.0.0.1:{port} ssl;");
    site = replaced(site, "/etc/ssl/callbacks.example.com", tls_dir_);
    site = replaced(site, "proxy_pass http://jumio_bridge;",
                    "proxy_pass http://jumio_bridge;\n        proxy_bind 127.0.0.2;");
    NginxOptions options;
    options.site = site;
    nginx_ = std::make_unique<Nginx>(0, options);
    ASSERT_TRUE(nginx_->started()) << site;
  }

  void start_haproxy(const std::string& daemon) {
    std::string sections = recipe("haproxy");
    sections = replaced(sections, "bind :443 ssl crt /etc/haproxy/certs/callbacks.example.com.pem",
                        "bind 127.0.0.1:{port} ssl crt {tls_pem}");
    sections = replaced(sections, "server bridge 10.0.0.5:8080",
                        "server bridge " + daemon + " source 127.0.0.2");
    HaproxyOptions options;
    options.sections = sections;
    options.tls_pem = certificates_.cert_pem + certificates_.key_pem;
    haproxy_ = std::make_unique<Haproxy>(0, options);
    ASSERT_TRUE(haproxy_->started()) << sections;
  }

  std::unique_ptr<Bridge> bridge_;  // outlives the proxies
  TestCertificates certificates_;
  std::string tls_dir_;
  std::unique_ptr<Nginx> nginx_;
  std::unique_ptr<Haproxy> haproxy_;
};

TEST_P(ProxyRecipe, AnAllowedClientsCallbackIsAnswered200AndPublished) {
  const Answer answer = post_sample(kAllowed);
  EXPECT_EQ(answer.status, 200) << answer.head << answer.body;
  EXPECT_EQ(bridge().read({kApprovedTopic}, 1).size(), 1u);
  // Three more, each on its own client connection (as Jumio sends them): the proxy keeps its
  // connection to the daemon and reuses it.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post_sample(kAllowed).status, 200);
  EXPECT_EQ(bridge().read({kApprovedTopic}, 4).size(), 4u);
  EXPECT_LE(connections_from("127.0.0.2", bridge().daemon().port()).size(), 2u);
}

TEST_P(ProxyRecipe, AClientNotAllowedGets403) {
  const Answer answer = post_sample(kAttacker);
  EXPECT_EQ(answer.status, 403) << answer.head << answer.body;
  EXPECT_TRUE(bridge().read({"^jumio\\..*"}, 1, 1500ms).empty());
}

TEST_P(ProxyRecipe, ForgedForwardingFieldsDoNotHelp) {
  for (const char* fields : {
           "X-Forwarded-For: 127.0.0.5\r\n",
           "X-Forwarded-For: 127.0.0.5, 127.0.0.2\r\n",
           "X-Forwarded-For: 127.0.0.5\r\nX-Forwarded-For: 127.0.0.5\r\n",
           "Forwarded: for=127.0.0.5\r\n",
           "Forwarded: for=127.0.0.5\r\nX-Forwarded-For: 127.0.0.5\r\n",
       }) {
    SCOPED_TRACE(fields);
    const Answer answer = post_sample(kAttacker, fields);
    EXPECT_EQ(answer.status, 403) << answer.head << answer.body;
  }
  EXPECT_TRUE(bridge().read({"^jumio\\..*"}, 1, 1500ms).empty());
}

INSTANTIATE_TEST_SUITE_P(Docs, ProxyRecipe, ::testing::Values(Kind::nginx, Kind::haproxy),
                         [](const auto& info) {
                           return std::string(info.param == Kind::nginx ? "nginx" : "HAProxy");
                         });

}  // namespace
}  // namespace jb::test
