// The systemd unit as installed by `cmake --install`: systemd-analyze verify passes, the hardening
// scores 1.5 or lower, the sysusers.d entry creates the service user, and the installed config is
// valid and points the spool at the unit's StateDirectory=.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "support/process.h"

namespace jb {
namespace {

namespace fs = std::filesystem;

struct Shell {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Shell shell(const std::string& command) {
  Shell result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The [Service] settings of a unit file: key -> last value.
std::map<std::string, std::string> unit_settings(const std::string& text) {
  std::map<std::string, std::string> settings;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t equals = line.find('=');
    if (line.empty() || line[0] == '#' || line[0] == '[' || equals == std::string::npos) continue;
    settings[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return settings;
}

// The project installed under a fresh prefix, once for every test here.
class InstalledUnit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prefix_ = new std::string(test::temp_dir("jb-install"));
    fs::path binary(JB_BINARY);
    std::string build_dir = binary.parent_path().parent_path().string();
    install_ = new Shell(shell("cmake --install '" + build_dir + "' --prefix '" + *prefix_ + "'"));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*prefix_, ec);
    delete prefix_;
    delete install_;
  }
  void SetUp() override { ASSERT_EQ(install_->exit_code, 0) << install_->output; }

  static fs::path prefix() { return *prefix_; }
  static fs::path unit() { return prefix() / "lib/systemd/system/jumio-bridge.service"; }

  static std::string* prefix_;
  static Shell* install_;
};
std::string* InstalledUnit::prefix_ = nullptr;
Shell* InstalledUnit::install_ = nullptr;

TEST_F(InstalledUnit, InstallsBinaryUnitUserConfigSchemasAndDocs) {
  for (const char* file : {"bin/jumio-bridge", "lib/systemd/system/jumio-bridge.service",
                           "lib/sysusers.d/jumio-bridge.conf", "etc/jumio-bridge/config.yaml",
                           "share/jumio-bridge/config.example.yaml",
                           "share/jumio-bridge/schemas/deadletter.schema.json",
                           "share/jumio-bridge/schemas/event.netverify.schema.json",
                           "share/doc/jumio-bridge/README.md"})
    EXPECT_TRUE(fs::is_regular_file(prefix() / file)) << file;
  auto credentials = prefix() / "etc/jumio-bridge/credentials";
  ASSERT_TRUE(fs::is_directory(credentials));
  EXPECT_EQ(fs::status(credentials).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(InstalledUnit, UnitPointsAtTheInstalledBinaryAndConfig) {
  auto settings = unit_settings(read_file(unit()));
  EXPECT_EQ(settings["ExecStart"], (prefix() / "bin/jumio-bridge").string() + " serve --config " +
                                       (prefix() / "etc/jumio-bridge/config.yaml").string());
  EXPECT_EQ(settings["EnvironmentFile"], "-" + (prefix() / "etc/jumio-bridge/env").string());
  EXPECT_EQ(settings["LoadCredential"],
            "kafka:" + (prefix() / "etc/jumio-bridge/credentials").string());
  // The unit in the source tree is the /usr layout itself.
  auto source = unit_settings(read_file(JB_SOURCE_DIR "/systemd/jumio-bridge.service"));
  EXPECT_EQ(source["ExecStart"],
            "/usr/bin/jumio-bridge serve --config /etc/jumio-bridge/config.yaml");
}

TEST_F(InstalledUnit, IsANotifyServiceWithWatchdogReloadUserAndStateDirectory) {
  auto settings = unit_settings(read_file(unit()));
  EXPECT_EQ(settings["Type"], "notify");
  EXPECT_EQ(settings["NotifyAccess"], "main");
  EXPECT_EQ(settings["WatchdogSec"], "30s");
  EXPECT_EQ(settings["ExecReload"], "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(settings["User"], "jumio-bridge");
  EXPECT_EQ(settings["StateDirectory"], "jumio-bridge");
  // Above the stop path: in-flight requests, then the Kafka flush (5 s) and close (4 s).
  EXPECT_EQ(settings["TimeoutStopSec"], "30s");
  EXPECT_EQ(settings["RestartPreventExitStatus"], "78");
}

TEST_F(InstalledUnit, SystemdAnalyzeVerifyPasses) {
  auto verify = shell("systemd-analyze verify '" + unit().string() + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output, "");
}

TEST_F(InstalledUnit, HardeningScoresAtMost1Point5) {
  auto security =
      shell("systemd-analyze security --offline=true --threshold=15 '" + unit().string() + "'");
  EXPECT_EQ(security.exit_code, 0) << security.output;
  std::smatch score;
  ASSERT_TRUE(std::regex_search(security.output, score,
                                std::regex("Overall exposure level for [^:]+: ([0-9.]+)")))
      << security.output;
  EXPECT_LE(std::stod(score[1]), 1.5);
  // The threshold is enforced: a stricter one than the score fails.
  auto stricter =
      shell("systemd-analyze security --offline=true --threshold=5 '" + unit().string() + "'");
  EXPECT_NE(stricter.exit_code, 0);
}

TEST_F(InstalledUnit, SysusersCreatesTheServiceUserAndGroup) {
  std::string root = test::temp_dir("jb-sysusers");
  fs::create_directories(fs::path(root) / "etc");
  auto sysusers = shell("systemd-sysusers --root='" + root + "' '" +
                        (prefix() / "lib/sysusers.d/jumio-bridge.conf").string() + "'");
  ASSERT_EQ(sysusers.exit_code, 0) << sysusers.output;
  std::string passwd = read_file(fs::path(root) / "etc/passwd");
  EXPECT_NE(passwd.find("jumio-bridge:x:"), std::string::npos) << passwd;
  EXPECT_NE(passwd.find(":/var/lib/jumio-bridge:/usr/sbin/nologin"), std::string::npos) << passwd;
  EXPECT_NE(read_file(fs::path(root) / "etc/group").find("jumio-bridge:x:"), std::string::npos);
  fs::remove_all(root);
}

TEST_F(InstalledUnit, InstalledConfigIsValidAndSpoolsInTheStateDirectory) {
  auto checked = test::run_binary(
      {"check-config", "--config", (prefix() / "etc/jumio-bridge/config.yaml").string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find("/var/lib/jumio-bridge"), std::string::npos) << checked.out;
}

TEST_F(InstalledUnit, ReinstallKeepsAnEditedConfig) {
  auto config = prefix() / "etc/jumio-bridge/config.yaml";
  std::string edited = read_file(config) + "# edited by the operator\n";
  std::ofstream(config, std::ios::trunc) << edited;
  fs::path binary(JB_BINARY);
  auto again = shell("cmake --install '" + binary.parent_path().parent_path().string() +
                     "' --prefix '" + prefix().string() + "'");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_file(config), edited);
}

}  // namespace
}  // namespace jb
