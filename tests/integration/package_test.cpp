// The Debian package on this machine: scripts/package.sh packs the current build (version N) and
// re-packs it as N+1; the test installs N, edits the conffile, upgrades to N+1 (packaged config
// unchanged: the edit stays without a question) and to N+2 (packaged config changed, as a
// maintainer's update would: with --force-confold the edit stays, the new one lands beside it),
// runs systemd-analyze verify on the installed units (jumio-bridge.service and
// jumio-bridge-reconcile.service), removes (the config stays) and purges (everything but the
// service user goes). Neither unit is enabled by the install; an operator's enable of either is
// kept across upgrades and undone by the purge. Also: lintian finds no errors in the package.
//
// It needs root and dpkg (skipped otherwise) and a machine without jumio-bridge: it skips when the
// package, /etc/jumio-bridge or /var/lib/jumio-bridge is already there, and leaves the machine as
// it found it, failed or not (the package purged, its directories, its user and group removed when
// the test created them). It does not conflict with systemd_test, which installs into a prefix.
#include <fnmatch.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "support/process.h"

namespace jb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kConfigDir = "/etc/jumio-bridge";
const fs::path kConfig = "/etc/jumio-bridge/config.yaml";
const fs::path kStateDir = "/var/lib/jumio-bridge";
const fs::path kUnit = "/usr/lib/systemd/system/jumio-bridge.service";
const fs::path kWantsLink = "/etc/systemd/system/multi-user.target.wants/jumio-bridge.service";
const fs::path kHelperState =
    "/var/lib/systemd/deb-systemd-helper-enabled/jumio-bridge.service.dsh-also";
const fs::path kReconcileUnit = "/usr/lib/systemd/system/jumio-bridge-reconcile.service";
const fs::path kReconcileWantsLink =
    "/etc/systemd/system/multi-user.target.wants/jumio-bridge-reconcile.service";
const fs::path kReconcileHelperState =
    "/var/lib/systemd/deb-systemd-helper-enabled/jumio-bridge-reconcile.service.dsh-also";

// A shell command with stdout and stderr together in `out`, stdin empty (a prompt reads EOF).
test::Finished sh(const std::string& command, std::chrono::milliseconds timeout = 180s) {
  return test::run_program("/bin/sh", {"-c", "exec 2>&1; " + command}, "", timeout);
}

std::string shell_quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void append_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

bool present(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

fs::perms mode(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::all;
}

uid_t owner(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

bool user_exists() {
  return ::getpwnam("jumio-bridge") != nullptr;
}

bool group_exists() {
  return ::getgrnam("jumio-bridge") != nullptr;
}

// dpkg's status of the package ("ii 0.1.0-1", "rc 0.1.0-1"), or "" when dpkg does not know it.
std::string package_status() {
  auto query = sh("dpkg-query -W -f='${db:Status-Abbrev}${Version}' jumio-bridge 2>/dev/null");
  if (query.exit_code != 0) return "";
  std::string status = std::regex_replace(query.out, std::regex(" +"), " ");
  return std::regex_replace(status, std::regex("^ +| +$"), "");
}

// Whether dpkg is told not to install `path` (path-exclude in dpkg.cfg, as slim container images do
// for /usr/share/doc and /usr/share/man).
bool excluded_by_dpkg(const std::string& path) {
  auto patterns =
      sh("cat /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d/* 2>/dev/null | "
         "sed -n 's/^path-exclude[= ]*//p'");
  std::istringstream lines(patterns.out);
  std::string pattern;
  while (std::getline(lines, pattern))
    if (!pattern.empty() && ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

fs::path build_dir() {
  return fs::path(JB_BINARY).parent_path().parent_path();
}

// scripts/package.sh on the current build, without building anything: the .deb's path.
std::string package(const fs::path& output, const std::string& options, std::string* log) {
  auto packed = sh(std::string(JB_SOURCE_DIR) + "/scripts/package.sh --no-build --build-dir " +
                   shell_quoted(build_dir()) + " --output " + shell_quoted(output) + " " + options);
  *log = packed.out;
  if (packed.exit_code != 0) return "";
  std::string out = packed.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  std::string deb = out.substr(out.find_last_of('\n') + 1);
  return fs::is_regular_file(deb) ? deb : "";
}

// Why the test cannot run here, or "".
std::string skip_reason() {
  if (::geteuid() != 0) return "needs root (dpkg -i)";
  if (sh("command -v dpkg && command -v dpkg-deb && command -v dpkg-query").exit_code != 0)
    return "dpkg is missing";
  if (!package_status().empty()) return "jumio-bridge is already known to dpkg on this machine";
  if (present(kConfigDir) || present(kStateDir))
    return "/etc/jumio-bridge or /var/lib/jumio-bridge already exists on this machine";
  return "";
}

// Puts the machine back as it was before the test, whatever happened: purges the package and
// removes what it (or a failed step) may have left, and the user and group if the test made them.
class MachineGuard {
 public:
  MachineGuard() : user_existed_(user_exists()), group_existed_(group_exists()) {
    work_ = test::temp_dir("jb-package");
  }
  ~MachineGuard() {
    if (!package_status().empty()) sh("dpkg --purge --force-all jumio-bridge");
    std::error_code ec;
    fs::remove_all(kConfigDir, ec);
    fs::remove_all(kStateDir, ec);
    for (const fs::path& path :
         {kWantsLink, kHelperState, kReconcileWantsLink, kReconcileHelperState})
      fs::remove(path, ec);
    if (!user_existed_ && user_exists()) sh("userdel jumio-bridge");
    if (!group_existed_ && group_exists()) sh("groupdel jumio-bridge");
    fs::remove_all(work_, ec);
  }
  fs::path work() const { return work_; }

 private:
  bool user_existed_;
  bool group_existed_;
  fs::path work_;
};

test::Finished dpkg(const std::string& arguments) {
  return sh("DEBIAN_FRONTEND=noninteractive dpkg " + arguments);
}

// N+2 from N+1: the same files at version `version`, with a line added to the packaged config
// (and its md5sum), as when a maintainer changes the default config.
bool repack_with_changed_config(const std::string& deb, const fs::path& dir,
                                const std::string& version, const std::string& line,
                                const std::string& output, std::string* log) {
  auto unpacked = sh("dpkg-deb -R " + shell_quoted(deb) + " " + shell_quoted(dir));
  *log = unpacked.out;
  if (unpacked.exit_code != 0) return false;
  append_file(dir / "etc/jumio-bridge/config.yaml", line);
  auto rebuilt =
      sh("cd " + shell_quoted(dir) +
         " && sed -i '/ etc\\/jumio-bridge\\/config.yaml$/d' DEBIAN/md5sums"
         " && md5sum etc/jumio-bridge/config.yaml >>DEBIAN/md5sums"
         " && sed -i 's/^Version: .*/Version: " +
         version + "/' DEBIAN/control && dpkg-deb --root-owner-group -b . " + shell_quoted(output));
  *log += rebuilt.out;
  return rebuilt.exit_code == 0;
}

TEST(Package, InstallsUpgradesKeepingTheEditedConffileRemovesAndPurges) {
  const std::string skip = skip_reason();
  if (!skip.empty()) GTEST_SKIP() << skip;
  const auto started = std::chrono::steady_clock::now();
  MachineGuard guard;

  // Version N (the project's, revision 1) and N+1 (revision 2): two packs of the same build.
  std::string log;
  const std::string deb_n = package(guard.work(), "--no-lintian", &log);
  ASSERT_FALSE(deb_n.empty()) << log;
  auto version_n = sh("dpkg-deb -f " + shell_quoted(deb_n) + " Version");
  ASSERT_EQ(version_n.exit_code, 0) << version_n.out;
  std::string n = version_n.out.substr(0, version_n.out.find('\n'));
  ASSERT_TRUE(std::regex_match(n, std::regex("[0-9][^-]*-1"))) << n;
  const std::string upstream = n.substr(0, n.rfind('-'));
  const std::string deb_n1 =
      package(guard.work(), "--no-lintian --version " + upstream + "-2", &log);
  ASSERT_FALSE(deb_n1.empty()) << log;
  EXPECT_NE(deb_n1.find("jumio-bridge_" + upstream + "-2_"), std::string::npos) << deb_n1;
  const std::string deb_n2 = (guard.work() / ("jumio-bridge_" + upstream + "-3.deb")).string();
  const std::string maintainer_line = "# a default changed by the package's maintainer\n";
  ASSERT_TRUE(repack_with_changed_config(deb_n1, guard.work() / "n2", upstream + "-3",
                                         maintainer_line, deb_n2, &log))
      << log;

  // The package declares its conffile, scripts and Depends.
  auto info = sh("dpkg-deb -I " + shell_quoted(deb_n));
  EXPECT_NE(info.out.find("conffiles"), std::string::npos) << info.out;
  for (const char* depend : {"systemd", "librdkafka1", "libyaml-cpp", "libssl3", "libjemalloc2",
                             "libsystemd0", "libstdc++6"})
    EXPECT_NE(info.out.find(depend), std::string::npos) << depend << "\n" << info.out;

  {
    SCOPED_TRACE("install N");
    auto installed = dpkg("-i " + shell_quoted(deb_n));
    ASSERT_EQ(installed.exit_code, 0) << installed.out;
    EXPECT_EQ(package_status(), "ii " + n);
    for (const char* file :
         {"/usr/bin/jumio-bridge", "/usr/share/man/man1/jumio-bridge.1.gz",
          "/usr/lib/systemd/system/jumio-bridge.service",
          "/usr/lib/systemd/system/jumio-bridge-reconcile.service",
          "/usr/lib/sysusers.d/jumio-bridge.conf", "/usr/lib/tmpfiles.d/jumio-bridge.conf",
          "/etc/jumio-bridge/config.yaml",
          "/usr/share/jumio-bridge/schemas/event.envelope.schema.json",
          "/usr/share/jumio-bridge/schemas/deadletter.schema.json",
          "/usr/share/doc/jumio-bridge/README.md", "/usr/share/doc/jumio-bridge/docs/README.md",
          "/usr/share/doc/jumio-bridge/copyright",
          "/usr/share/doc/jumio-bridge/changelog.Debian.gz"})
      EXPECT_TRUE(fs::is_regular_file(file) || excluded_by_dpkg(file)) << file;
    auto conffiles = sh("dpkg-query -W -f='${Conffiles}' jumio-bridge");
    EXPECT_NE(conffiles.out.find("/etc/jumio-bridge/config.yaml"), std::string::npos)
        << conffiles.out;
    // The user (sysusers.d), the spool directory it owns and root's credentials directories
    // (tmpfiles.d): Kafka's for both units, the Retrieval API's for reconcile.
    const passwd* user = ::getpwnam("jumio-bridge");
    ASSERT_NE(user, nullptr);
    EXPECT_EQ(std::string(user->pw_dir), kStateDir.string());
    EXPECT_EQ(std::string(user->pw_shell), "/usr/sbin/nologin");
    EXPECT_TRUE(group_exists());
    ASSERT_TRUE(fs::is_directory(kStateDir));
    EXPECT_EQ(mode(kStateDir), fs::perms::owner_all);
    EXPECT_EQ(owner(kStateDir), user->pw_uid);
    for (const char* credentials : {"credentials", "retrieval-credentials"}) {
      SCOPED_TRACE(credentials);
      ASSERT_TRUE(fs::is_directory(kConfigDir / credentials));
      EXPECT_EQ(mode(kConfigDir / credentials), fs::perms::owner_all);
      EXPECT_EQ(owner(kConfigDir / credentials), 0u);
    }
    // Its libraries are there (Depends), the packaged config is valid, the man page is found.
    auto version = sh("/usr/bin/jumio-bridge --version");
    EXPECT_EQ(version.exit_code, 0) << version.out;
    EXPECT_NE(version.out.find("jumio-bridge " + upstream), std::string::npos) << version.out;
    auto checked = sh("/usr/bin/jumio-bridge check-config --config /etc/jumio-bridge/config.yaml");
    EXPECT_EQ(checked.exit_code, 0) << checked.out;
    if (sh("command -v man").exit_code == 0 &&
        !excluded_by_dpkg("/usr/share/man/man1/jumio-bridge.1.gz")) {
      auto man = sh("man -w jumio-bridge");
      EXPECT_EQ(man.out, "/usr/share/man/man1/jumio-bridge.1.gz\n");
    }
    // Not enabled (README: the config needs the Kafka brokers first, reconcile also the Retrieval
    // API's credentials), but known to deb-systemd-helper, so that a purge removes an operator's
    // enable symlinks.
    EXPECT_FALSE(present(kWantsLink));
    EXPECT_TRUE(present(kHelperState));
    EXPECT_FALSE(present(kReconcileWantsLink));
    EXPECT_TRUE(present(kReconcileHelperState));
  }

  // The operator configures and enables the service.
  const std::string operator_line = "# edited by the operator\n";
  append_file(kConfig, operator_line);
  const std::string edited = read_file(kConfig);
  std::ofstream(kConfigDir / "env") << "JUMIO_BRIDGE_KAFKA_SASL_PASSWORD=secret\n";
  std::ofstream(kConfigDir / "credentials/sasl.password") << "secret\n";
  std::ofstream(kConfigDir / "retrieval-credentials/api_token") << "token\n";
  std::ofstream(kStateDir / "spool-1.log") << "spooled\n";
  auto enabled = sh("systemctl enable jumio-bridge.service jumio-bridge-reconcile.service");
  ASSERT_EQ(enabled.exit_code, 0) << enabled.out;
  ASSERT_TRUE(present(kWantsLink));
  ASSERT_TRUE(present(kReconcileWantsLink));

  {
    SCOPED_TRACE("upgrade to N+1: the packaged config is unchanged");
    auto upgraded = dpkg("-i " + shell_quoted(deb_n1));
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out;
    EXPECT_EQ(package_status(), "ii " + upstream + "-2");
    EXPECT_EQ(read_file(kConfig), edited);
    EXPECT_FALSE(present("/etc/jumio-bridge/config.yaml.dpkg-dist"));
    EXPECT_FALSE(present("/etc/jumio-bridge/config.yaml.dpkg-new"));
    EXPECT_TRUE(present(kConfigDir / "env"));
    EXPECT_TRUE(present(kConfigDir / "credentials/sasl.password"));
    EXPECT_TRUE(present(kConfigDir / "retrieval-credentials/api_token"));
    EXPECT_TRUE(present(kStateDir / "spool-1.log"));
    EXPECT_TRUE(present(kWantsLink)) << "the operator's enable is kept";
    EXPECT_TRUE(present(kReconcileWantsLink)) << "the operator's enable is kept";
  }
  {
    SCOPED_TRACE("upgrade to N+2: the packaged config changed too");
    // Without an answer dpkg would ask (stdin is empty: the upgrade would fail); --force-confold
    // keeps the operator's file and puts the maintainer's beside it.
    auto upgraded = dpkg("-i --force-confold " + shell_quoted(deb_n2));
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out;
    EXPECT_EQ(package_status(), "ii " + upstream + "-3");
    EXPECT_EQ(read_file(kConfig), edited);
    EXPECT_NE(read_file("/etc/jumio-bridge/config.yaml.dpkg-dist").find(maintainer_line),
              std::string::npos);
    EXPECT_TRUE(present(kWantsLink));
    EXPECT_TRUE(present(kReconcileWantsLink));
  }
  for (const fs::path& unit : {kUnit, kReconcileUnit}) {
    SCOPED_TRACE("systemd-analyze verify on the installed unit " + unit.string());
    auto verify = sh("systemd-analyze verify " + shell_quoted(unit));
    EXPECT_EQ(verify.exit_code, 0) << verify.out;
    EXPECT_EQ(verify.out, "");
  }
  {
    SCOPED_TRACE("remove: the configuration, the spool and the user stay");
    auto removed = dpkg("-r jumio-bridge");
    ASSERT_EQ(removed.exit_code, 0) << removed.out;
    EXPECT_EQ(package_status(), "rc " + upstream + "-3");
    for (const char* gone :
         {"/usr/bin/jumio-bridge", "/usr/lib/systemd/system/jumio-bridge.service",
          "/usr/lib/systemd/system/jumio-bridge-reconcile.service",
          "/usr/share/man/man1/jumio-bridge.1.gz", "/usr/share/doc/jumio-bridge",
          "/usr/share/jumio-bridge"})
      EXPECT_FALSE(present(gone)) << gone;
    EXPECT_EQ(read_file(kConfig), edited);
    EXPECT_TRUE(present(kConfigDir / "env"));
    EXPECT_TRUE(present(kConfigDir / "credentials/sasl.password"));
    EXPECT_TRUE(present(kConfigDir / "retrieval-credentials/api_token"));
    EXPECT_TRUE(present(kStateDir / "spool-1.log"));
    EXPECT_TRUE(user_exists());
  }
  {
    SCOPED_TRACE("purge: everything goes but the service user");
    auto purged = dpkg("-P jumio-bridge");
    ASSERT_EQ(purged.exit_code, 0) << purged.out;
    EXPECT_EQ(package_status(), "");
    EXPECT_FALSE(present(kConfigDir));
    EXPECT_FALSE(present(kStateDir));
    EXPECT_FALSE(present(kWantsLink));
    EXPECT_FALSE(present(kHelperState));
    EXPECT_FALSE(present(kReconcileWantsLink));
    EXPECT_FALSE(present(kReconcileHelperState));
    EXPECT_FALSE(present("/usr/lib/sysusers.d/jumio-bridge.conf"));
    EXPECT_FALSE(present("/usr/lib/tmpfiles.d/jumio-bridge.conf"));
    // Debian keeps system users on purge (files they owned elsewhere must not pass to the next
    // user given the id); the guard removes it because the test created it.
    EXPECT_TRUE(user_exists());
  }
  std::cerr << "package lifecycle took "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s\n";
}

TEST(Package, LintianReportsNoErrors) {
  if (sh("command -v lintian && command -v dpkg-deb").exit_code != 0)
    GTEST_SKIP() << "lintian or dpkg-deb is missing";
  const std::string work = test::temp_dir("jb-lintian");
  std::string log;
  const std::string deb = package(work, "--no-lintian", &log);
  ASSERT_FALSE(deb.empty()) << log;
  auto lintian = sh("lintian --no-cfg --display-info --tag-display-limit 0 " + shell_quoted(deb) +
                    " 2>/dev/null");
  EXPECT_EQ(lintian.out.find("E: "), std::string::npos) << lintian.out;
  // The contents every install needs, by path in the package.
  auto contents = sh("dpkg-deb -c " + shell_quoted(deb));
  for (const char* path :
       {"./usr/bin/jumio-bridge", "./usr/share/man/man1/jumio-bridge.1.gz",
        "./usr/lib/systemd/system/jumio-bridge.service",
        "./usr/lib/systemd/system/jumio-bridge-reconcile.service",
        "./usr/lib/sysusers.d/jumio-bridge.conf", "./usr/lib/tmpfiles.d/jumio-bridge.conf",
        "./etc/jumio-bridge/config.yaml", "./usr/share/jumio-bridge/schemas/",
        "./usr/share/doc/jumio-bridge/docs/README.md",
        "./usr/share/doc/jumio-bridge/changelog.Debian.gz",
        "./usr/share/doc/jumio-bridge/copyright"})
    EXPECT_NE(contents.out.find(path), std::string::npos) << path;
  // The credentials directories are made by tmpfiles.d, not shipped (a purge removes them).
  EXPECT_EQ(contents.out.find("./etc/jumio-bridge/credentials"), std::string::npos);
  EXPECT_EQ(contents.out.find("./etc/jumio-bridge/retrieval-credentials"), std::string::npos);
  std::error_code ec;
  fs::remove_all(work, ec);
}

}  // namespace
}  // namespace jb
