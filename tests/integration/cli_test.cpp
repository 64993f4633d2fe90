// The jumio-bridge binary as a user runs it: normalize, check-config, and the newcomer's path of
// serve on the embedded broker followed by consume.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "support/callbacks.h"
#include "support/process.h"
#include "support/schema.h"

namespace jb {
namespace {

using std::chrono::seconds;

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, PrintsVersionAndUsage) {
  auto version = test::run_binary({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("jumio-bridge "), std::string::npos);
  auto unknown = test::run_binary({"frobnicate"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
}

TEST(Cli, NormalizePrintsTheCanonicalEvent) {
  auto result = test::run_binary({"normalize", "-"}, kSampleNetverifyApproved);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(EventMatchesSchema(result.out));
  EXPECT_NE(result.out.find("\"status\":\"APPROVED_VERIFIED\""), std::string::npos);
}

TEST(Cli, NormalizeExits65WithTheReasonForADeadLetter) {
  auto result = test::run_binary({"normalize"}, "callBackType=NETVERIFYID&verificationStatus=X");
  EXPECT_EQ(result.exit_code, 65);
  EXPECT_TRUE(result.out.empty());
  EXPECT_NE(result.err.find("missing_reference"), std::string::npos) << result.err;
}

TEST(Cli, CheckConfigAcceptsTheShippedConfigAndRedactsSecrets) {
  std::string dir = test::temp_dir("jb-cli");
  std::string config = write_file(dir, "config.yaml",
                                  "kafka:\n  brokers: \"127.0.0.1:9092\"\n  properties:\n"
                                  "    sasl.password: \"hunter2-secret\"\n");
  auto result = test::run_binary({"check-config", "--config", config});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("hunter2-secret"), std::string::npos);
  auto shipped = test::run_binary({"check-config", "--config", JB_SOURCE_DIR "/config.yaml"});
  EXPECT_EQ(shipped.exit_code, 0) << shipped.err;
}

TEST(Cli, BadConfigExits78NamingKeyAndLine) {
  std::string dir = test::temp_dir("jb-cli");
  std::string config =
      write_file(dir, "config.yaml", "http:\n  listen: \"127.0.0.1:8080\"\n  lisen: 1\n");
  for (const char* command : {"check-config", "serve"}) {
    auto result = test::run_binary({command, "--config", config});
    EXPECT_EQ(result.exit_code, 78) << command;
    EXPECT_NE(result.err.find(":3:"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("http.lisen"), std::string::npos) << result.err;
  }
}

TEST(Cli, CheckConfigWarnsOfATrustedProxyThatIsAlsoAllowedAndExits0) {
  std::string dir = test::temp_dir("jb-cli");
  std::string config = write_file(dir, "config.yaml",
                                  "security:\n  allow: [\"127.0.0.0/8\"]\n"
                                  "  trusted_proxies: [\"127.0.0.2/32\"]\n");
  auto result = test::run_binary({"check-config", "--config", config});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("warning: " + config + ":3: security.trusted_proxies: 127.0.0.2/32"),
            std::string::npos)
      << result.err;
  auto shipped = test::run_binary({"check-config", "--config", JB_SOURCE_DIR "/config.yaml"});
  EXPECT_EQ(shipped.err.find("warning"), std::string::npos) << shipped.err;
}

TEST(Cli, ServeOnTheEmbeddedBrokerThenConsumeShowsTheEvent) {
  std::string dir = test::temp_dir("jb-cli");
  std::string config = write_file(dir, "config.yaml",
                                  "http:\n  listen: \"127.0.0.1:0\"\n"
                                  "admin:\n  listen: \"127.0.0.1:0\"\n"
                                  "kafka:\n  brokers: embedded\n"
                                  "spool:\n  dir: \"" +
                                      dir + "/spool\"\n");
  test::Child serve({"serve", "--config", config});
  std::string line = serve.wait_for_line("\"listening\"", seconds(20));
  ASSERT_FALSE(line.empty()) << serve.output();
  std::smatch port;
  ASSERT_TRUE(std::regex_search(line, port, std::regex(":([0-9]+)\"")));

  httplib::Client client("127.0.0.1", std::stoi(port[1]));
  auto answer = client.Post("/callbacks/jumio", kSampleAuthenticationPassed,
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);

  auto consumed =
      test::run_binary({"consume", "--config", config, "--topic", "jumio.authentication.passed",
                        "--from-beginning", "--max", "1"},
                       "", seconds(30));
  EXPECT_EQ(consumed.exit_code, 0) << consumed.err;
  EXPECT_NE(consumed.out.find("\"topic\":\"jumio.authentication.passed\""), std::string::npos)
      << consumed.out << consumed.err;
  EXPECT_NE(consumed.out.find("\"status\":\"PASSED\""), std::string::npos);

  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(seconds(20)), 0);
}

}  // namespace
}  // namespace jb
