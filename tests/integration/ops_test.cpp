// Operating the daemon: the real `serve` binary under a notify socket (READY, WATCHDOG, RELOADING,
// STOPPING), SIGHUP reload under traffic, exact /metrics counts, and no PII in logs or metrics.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/process.h"
#include "support/reader.h"

namespace jb {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A config on port 0 and the embedded broker, spooling in dir; `extra` adds sections.
std::string serve_config(const std::string& dir, const std::string& extra = "") {
  return "http:\n  listen: \"127.0.0.1:0\"\nadmin:\n  listen: \"127.0.0.1:0\"\n"
         "kafka:\n  brokers: embedded\nspool:\n  dir: \"" +
         dir + "/spool\"\n" + extra;
}

// `jumio-bridge serve` as a child with extra environment; stdout and stderr are collected.
class Serve {
 public:
  Serve(const std::string& config, const std::vector<std::string>& env) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    std::vector<std::string> args = {JB_BINARY, "serve", "--config", config};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment(env);
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    readers_.emplace_back([this, fd = out[0]] { collect(fd, &out_); });
    readers_.emplace_back([this, fd = err[0]] { collect(fd, &err_); });
  }
  ~Serve() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (auto& reader : readers_) reader.join();
  }

  // The first stdout line at or after `from` (a byte offset) containing needle; "" on timeout.
  std::string wait_for_line(const std::string& needle, std::chrono::milliseconds timeout,
                            size_t from = 0) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      std::string text = out();
      for (size_t at = from, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
        if (text.substr(at, end - at).find(needle) != std::string::npos)
          return text.substr(at, end - at);
      std::this_thread::sleep_for(5ms);
    }
    return "";
  }
  int port() { return port_logged_as("\"listening\""); }
  int admin_port() { return port_logged_as("\"admin listening\""); }
  int port_logged_as(const std::string& message) {
    std::smatch match;
    std::string line = wait_for_line(message, 20s);
    return std::regex_search(line, match, std::regex(":([0-9]+)\"")) ? std::stoi(match[1]) : -1;
  }
  void signal(int signo) { kill(pid_, signo); }
  int wait(std::chrono::milliseconds timeout) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
  std::string out() {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
  }
  std::string err() {
    std::lock_guard<std::mutex> lock(mutex_);
    return err_;
  }

 private:
  void collect(int fd, std::string* into) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      into->append(buf, n);
    }
    close(fd);
  }

  pid_t pid_ = -1;
  std::mutex mutex_;
  std::string out_, err_;
  std::vector<std::thread> readers_;
};

// The service manager's side of sd_notify: a datagram socket whose messages the test reads.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& dir) : path_(dir + "/notify.sock") {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~NotifySocket() { close(fd_); }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }

  // Receives until a message containing needle arrives; true when it did within timeout.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      messages_.emplace_back(buf, n);
      if (messages_.back().find(needle) != std::string::npos) return true;
    }
    return false;
  }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

// One keep-alive HTTP/1.1 connection driven by hand, so a dropped connection is seen as such.
class Connection {
 public:
  explicit Connection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) close_fd();
  }
  ~Connection() { close_fd(); }
  bool open() const { return fd_ >= 0; }
  // Set once the server announced `Connection: close`: the next request needs a new connection.
  bool closing() const { return closing_; }

  // POSTs a callback and reads the whole answer: its status, or -1 when the connection broke.
  int post(const std::string& body) {
    std::string request =
        "POST /callbacks/jumio HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size()))
      return -1;
    std::string answer;
    size_t head_end;
    while ((head_end = answer.find("\r\n\r\n")) == std::string::npos)
      if (!receive(&answer)) return -1;
    std::string head = answer.substr(0, head_end);
    std::smatch length;
    size_t body_length =
        std::regex_search(head, length, std::regex("Content-Length: ([0-9]+)", std::regex::icase))
            ? std::stoul(length[1])
            : 0;
    while (answer.size() < head_end + 4 + body_length)
      if (!receive(&answer)) return -1;
    closing_ = std::regex_search(head, std::regex("Connection: close", std::regex::icase));
    return std::stoi(head.substr(9, 3));
  }

 private:
  bool receive(std::string* into) {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    into->append(buf, n);
    return true;
  }
  void close_fd() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
  bool closing_ = false;
};

TEST(Notify, ReadyAfterTheListenerWatchdogAtHalfTheIntervalStoppingOnTerm) {
  std::string dir = test::temp_dir("jb-ops");
  write_text(dir + "/config.yaml", serve_config(dir));
  NotifySocket manager(dir);
  Serve serve(dir + "/config.yaml", {manager.env(), "WATCHDOG_USEC=400000"});

  ASSERT_TRUE(manager.wait_for("READY=1", 20s)) << serve.out() << serve.err();
  // Ready means serving: both listeners answer at once.
  ASSERT_GT(serve.port(), 0);
  int port = serve.admin_port();
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // Pings every 200 ms: at least four within a second after READY.
  auto ready_at = manager.messages().size();
  std::this_thread::sleep_for(1s);
  manager.wait_for("no such message", 100ms);
  auto pings = std::count(manager.messages().begin() + ready_at, manager.messages().end(),
                          std::string("WATCHDOG=1"));
  EXPECT_GE(pings, 4);
  EXPECT_LE(pings, 8);

  serve.signal(SIGTERM);
  EXPECT_TRUE(manager.wait_for("STOPPING=1", 10s));
  EXPECT_EQ(serve.wait(30s), 0) << serve.err();
  std::filesystem::remove_all(dir);
}

TEST(Notify, WithoutANotifySocketServeRunsAndStopsAsBefore) {
  std::string dir = test::temp_dir("jb-ops");
  write_text(dir + "/config.yaml", serve_config(dir));
  Serve serve(dir + "/config.yaml", {"WATCHDOG_USEC=100000"});
  ASSERT_GT(serve.port(), 0) << serve.err();
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(30s), 0) << serve.err();
  std::filesystem::remove_all(dir);
}

// The embedded broker of a serve child, from the address file it writes in its spool dir.
std::string embedded_brokers(const std::string& dir) {
  std::string brokers = read_text(dir + "/spool/embedded-brokers");
  while (!brokers.empty() && brokers.back() == '\n') brokers.pop_back();
  return brokers;
}

// Posts callbacks over keep-alive connections until stopped; counts answers and broken connections.
struct Traffic {
  explicit Traffic(int port) : port(port), thread([this] { run(); }) {}
  ~Traffic() { stop(); }
  void stop() {
    running = false;
    if (thread.joinable()) thread.join();
  }
  void run() {
    auto connection = std::make_unique<Connection>(port);
    while (running) {
      if (connection->closing() || !connection->open())
        connection = std::make_unique<Connection>(port);
      int status = connection->post(sent % 2 ? kSampleNetverifyFraud : kSampleNetverifyApproved);
      ++sent;
      if (status == 200) ++ok;
      if (status == -1) ++broken;
    }
  }
  int port;
  std::atomic<bool> running{true};
  std::atomic<int> sent{0}, ok{0}, broken{0};
  std::thread thread;
};

TEST(Reload, SighupUnderTrafficAppliesAValidConfigAndKeepsTheOldOneOnErrors) {
  std::string dir = test::temp_dir("jb-ops");
  std::string config = dir + "/config.yaml";
  write_text(config, serve_config(dir, "log:\n  level: info\n"));
  NotifySocket manager(dir);
  Serve serve(config, {manager.env()});
  ASSERT_TRUE(manager.wait_for("READY=1", 20s)) << serve.err();
  int port = serve.port();
  ASSERT_GT(port, 0);

  Traffic traffic(port);
  while (traffic.ok < 20) std::this_thread::sleep_for(5ms);
  // At info level, before the reload, published callbacks were not logged. (Once the reload
  // sets the new level, traffic may log at debug before "config reloaded" is written.)
  EXPECT_EQ(serve.out().find("callback published"), std::string::npos);
  // Overrides and log level change together; debug lines name the reference and the topic.
  write_text(config, serve_config(dir,
                                  "topics:\n  overrides:\n    \"netverify.denied_fraud\": "
                                  "\"fraud-alerts\"\nlog:\n  level: debug\n"));
  serve.signal(SIGHUP);
  ASSERT_TRUE(manager.wait_for("RELOADING=1", 10s));
  ASSERT_TRUE(manager.wait_for("READY=1", 10s));
  ASSERT_NE(serve.wait_for_line("\"config reloaded\"", 10s), "");
  size_t reloaded_at = serve.out().find("\"config reloaded\"");
  std::string published = serve.wait_for_line("\"topic\":\"fraud-alerts\"", 10s, reloaded_at);
  EXPECT_NE(published.find("\"level\":\"debug\""), std::string::npos) << published;
  EXPECT_NE(published.find("\"reference\":\"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\""),
            std::string::npos)
      << published;

  // An invalid config: rejected with an error naming key and line; routing and level stay.
  write_text(config, serve_config(dir,
                                  "topics:\n  overrides:\n    \"netverify.denied_fraud\": "
                                  "\"other\"\nlog:\n  level: loud\n"));
  serve.signal(SIGHUP);
  std::string rejected = serve.wait_for_line("config reload rejected", 10s);
  EXPECT_NE(rejected.find("\"level\":\"error\""), std::string::npos) << rejected;
  EXPECT_NE(rejected.find("\"key\":\"log.level\""), std::string::npos) << rejected;
  EXPECT_TRUE(manager.wait_for("STATUS=serving; config reload rejected", 10s));
  size_t rejected_at = serve.out().size();
  EXPECT_NE(serve.wait_for_line("\"topic\":\"fraud-alerts\"", 10s, rejected_at), "");
  traffic.stop();

  RecordProperty("callbacks", traffic.sent.load());
  EXPECT_EQ(traffic.broken, 0);
  EXPECT_EQ(traffic.ok, traffic.sent);
  EXPECT_EQ(serve.out().find("\"topic\":\"other\""), std::string::npos);
  // Every answered callback is in Kafka: before the reload on the template, after it overridden.
  auto records = test::read_records(embedded_brokers(dir),
                                    {"jumio.netverify.denied_fraud", "fraud-alerts", "other"},
                                    traffic.sent / 2, 20s);
  size_t overridden = std::count_if(records.begin(), records.end(),
                                    [](const auto& r) { return r.topic == "fraud-alerts"; });
  EXPECT_EQ(records.size(), size_t(traffic.sent / 2));
  EXPECT_GT(overridden, 0u);
  EXPECT_LT(overridden, records.size());
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(30s), 0);
  std::filesystem::remove_all(dir);
}

// "name{labels} value" lines of one metric family.
std::map<std::string, std::string> family(const std::string& text, const std::string& name) {
  std::map<std::string, std::string> series;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t space = line.rfind(' ');
    if (line.rfind(name + "{", 0) == 0 && space != std::string::npos)
      series[line.substr(0, space)] = line.substr(space + 1);
  }
  return series;
}

TEST(Metrics, CountsCallbacksAnswersAndDeadLettersExactly) {
  test::Bridge bridge(
      [](config::Config& config) { config.security.trusted_proxies = {"127.0.0.1/32"}; });
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(bridge.post(kSampleNetverifyFraud), 200);
  ASSERT_EQ(bridge.post(kSampleAuthenticationPassed), 200);
  ASSERT_EQ(bridge.post(kSampleDocumentExtracted), 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(bridge.post("callBackType=SOMETHING_ELSE&x=1"), 200);
  ASSERT_EQ(bridge.post("callBackType=NETVERIFYID&verificationStatus=APPROVED_VERIFIED"), 200);
  ASSERT_EQ(bridge.post(kSampleNetverifyApproved, "text/plain"), 200);
  auto client = bridge.client();
  auto forbidden = client.Post("/callbacks/jumio", {{"X-Forwarded-For", "203.0.113.9"}},
                               kSampleNetverifyApproved, "application/x-www-form-urlencoded");
  ASSERT_TRUE(forbidden);
  ASSERT_EQ(forbidden->status, 403);
  ASSERT_EQ(bridge.post(std::string(kSampleNetverifyApproved) + "&x=" + std::string(300000, 'y')),
            413);

  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  using Series = std::map<std::string, std::string>;
  EXPECT_EQ(
      family(metrics->body, "jumio_bridge_callbacks_total"),
      (Series{
          {"jumio_bridge_callbacks_total{type=\"authentication\",status=\"passed\"}", "1"},
          {"jumio_bridge_callbacks_total{type=\"document\",status=\"extracted\"}", "1"},
          {"jumio_bridge_callbacks_total{type=\"netverify\",status=\"approved_verified\"}", "3"},
          {"jumio_bridge_callbacks_total{type=\"netverify\",status=\"denied_fraud\"}", "2"},
      }))
      << metrics->body;
  EXPECT_EQ(family(metrics->body, "jumio_bridge_deadletters_total"),
            (Series{
                {"jumio_bridge_deadletters_total{reason=\"missing_reference\"}", "1"},
                {"jumio_bridge_deadletters_total{reason=\"not_form_urlencoded\"}", "1"},
                {"jumio_bridge_deadletters_total{reason=\"unknown_kind\"}", "2"},
            }))
      << metrics->body;
  EXPECT_EQ(family(metrics->body, "jumio_bridge_http_responses_total"),
            (Series{
                {"jumio_bridge_http_responses_total{code=\"200\"}", "11"},
                {"jumio_bridge_http_responses_total{code=\"403\"}", "1"},
                {"jumio_bridge_http_responses_total{code=\"413\"}", "1"},
            }))
      << metrics->body;
}

// Personal data with values found nowhere else: every PII parameter of a Netverify callback.
const FormFields kNetverifyCanaries = {
    {"idFirstName", "CnryFirstZq"},
    {"idLastName", "CnryLastZq"},
    {"idDob", "1931-02-17"},
    {"idNumber", "CnryIdNumberZq"},
    {"personalNumber", "CnryPersonalNumberZq"},
    {"idScanImage", "https://netverify.com/CnryFrontImageZq"},
    {"idScanImageFace", "https://netverify.com/CnryFaceImageZq"},
    {"idScanImageBackside", "https://netverify.com/CnryBackImageZq"},
    {"idAddress", R"({"streetNumber":"CnryStreetNumberZq","streetName":"CnryStreetZq",)"
                  R"("city":"CnryCityZq","stateCode":"US-AL","zip":"CnryZipZq","country":"USA"})"},
    {"livenessImages", R"(["https://netverify.com/CnryLivenessZq"])"},
    {"facemap", "https://netverify.com/CnryFacemapZq"},
    {"customerId", "CnryCustomerZq"},
    {"clientIp", "198.51.100.77"},
    {"optionalData1", "CnryOptionalOneZq"},
    {"optionalData2", "CnryOptionalTwoZq"},
    {"dni", "CnryDniZq"},
    {"curp", "CnryCurpZq"},
    {"passportNumber", "CnryPassportZq"},
    {"placeOfBirth", "CnryBirthPlaceZq"},
    {"issuingPlace", "CnryIssuingPlaceZq"},
    {"taxNumber", "CnryTaxZq"},
    {"cpf", "CnryCpfZq"},
    {"registrationNumber", "CnryRegistrationZq"},
    {"mothersName", "CnryMotherZq"},
    {"fathersName", "CnryFatherZq"},
    {"personalIdentificationNumber", "CnryPinZq"},
    {"rgNumber", "CnryRgZq"},
};

// The strings that must never leave the daemon other than towards Kafka.
std::vector<std::string> canary_needles() {
  std::vector<std::string> needles = {"1931-02-17",      "198.51.100.77",    "CnryDocFirstZq",
                                      "CnryDocLastZq",   "CnrySsnZq",        "CnryDocCustomerZq",
                                      "CnryBadDateZq",   "CnryDuplicateZq",  "CnryBrokenJsonZq",
                                      "CnryEnvSecretZq", "CnryCredentialZq", "CnryConfigSecretZq"};
  std::regex token("Cnry[A-Za-z]*Zq");
  for (const auto& [name, value] : kNetverifyCanaries)
    for (std::sregex_iterator it(value.begin(), value.end(), token), end; it != end; ++it)
      needles.push_back(it->str());
  return needles;
}

FormFields with_canaries(FormFields fields) {
  for (auto& [name, value] : fields)
    for (const auto& [canary_name, canary] : kNetverifyCanaries)
      if (name == canary_name) value = canary;
  return fields;
}

FormFields replaced(FormFields fields, const std::string& name, const std::string& value) {
  for (auto& field : fields)
    if (field.first == name) field.second = value;
  return fields;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void expect_no_canary(const std::string& where, const std::string& text) {
  std::string haystack = lower(text);
  for (const auto& needle : canary_needles())
    EXPECT_EQ(haystack.find(lower(needle)), std::string::npos) << needle << " in " << where;
}

TEST(Pii, CanaryValuesNeverReachLogsOrMetrics) {
  std::string dir = test::temp_dir("jb-ops");
  std::string config = dir + "/config.yaml";
  write_text(config, serve_config(dir, "log:\n  level: debug\n"));
  std::filesystem::create_directories(dir + "/credentials");
  write_text(dir + "/credentials/kafka_sasl.username", "CnryCredentialZq\n");
  Serve serve(config, {"JUMIO_BRIDGE_KAFKA_SASL_PASSWORD=CnryEnvSecretZq",
                       "CREDENTIALS_DIRECTORY=" + dir + "/credentials"});
  int port = serve.port();
  ASSERT_GT(port, 0) << serve.err();
  httplib::Client client("127.0.0.1", port);
  auto post = [&](const std::string& body, const char* type = "application/x-www-form-urlencoded",
                  httplib::Headers headers = {}) {
    auto answer = client.Post("/callbacks/jumio", headers, body, type);
    return answer ? answer->status : -1;
  };

  FormFields valid = with_canaries(netverify_all_parameter_fields());
  std::string document = replace_all(
      replace_all(replace_all(replace_all(kSampleDocumentExtracted, "FIRSTNAME", "CnryDocFirstZq"),
                              "LASTNAME", "CnryDocLastZq"),
                  "%22ssn%22%3A%22xxxxxxxxx%22", "%22ssn%22%3A%22CnrySsnZq%22"),
      "CUSTOMERID", "CnryDocCustomerZq");
  FormFields duplicate = valid;
  duplicate.emplace_back("idFirstName", "CnryDuplicateZq");
  FormFields unreferenced;
  for (const auto& field : valid)
    if (field.first != "jumioIdScanReference") unreferenced.push_back(field);
  const std::vector<std::string> dead_letters = {
      form_encode(replaced(valid, "verificationStatus", "NOT_A_STATUS")),
      form_encode(replaced(valid, "idDob", "CnryBadDateZq")),
      form_encode(replaced(valid, "idAddress", R"({"streetName":"CnryBrokenJsonZq")")),
      form_encode(duplicate),
      form_encode(unreferenced),
      form_encode(replaced(valid, "callBackType", "SOMETHING_ELSE")),
      form_encode(valid) + "&idLastName2=%FF%FE",
  };
  ASSERT_EQ(post(form_encode(valid)), 200);
  ASSERT_EQ(post(document), 200);
  for (const auto& body : dead_letters) EXPECT_EQ(post(body), 200);
  EXPECT_EQ(post(form_encode(valid), "text/plain"), 200);
  EXPECT_EQ(post(form_encode(valid) + "&x=" + std::string(300000, 'y')), 413);

  // The canaries did pass through: Kafka holds them, events and dead letters alike.
  auto records = test::read_records(embedded_brokers(dir),
                                    {"jumio.netverify.approved_verified", "jumio.deadletter"},
                                    2 + dead_letters.size(), 20s);
  std::string stored;
  for (const auto& record : records) stored += record.value;
  EXPECT_NE(stored.find("CnryFirstZq"), std::string::npos);
  EXPECT_NE(stored.find("CnryDuplicateZq"), std::string::npos);

  httplib::Client admin("127.0.0.1", serve.admin_port());
  auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  expect_no_canary("/metrics", metrics->body);

  // A rejected reload whose config carries a secret.
  write_text(config,
             "http:\n  listen: \"127.0.0.1:0\"\n  lisen: 1\nkafka:\n  brokers: embedded\n"
             "  properties:\n    sasl.password: CnryConfigSecretZq\n");
  serve.signal(SIGHUP);
  EXPECT_NE(serve.wait_for_line("config reload rejected", 10s), "");
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(30s), 0);

  std::string out = serve.out();
  expect_no_canary("stdout", out);
  expect_no_canary("stderr", serve.err());
  // One JSON object per line; the dead letters that have a reference log it.
  std::istringstream lines(out);
  std::string line;
  int dead_lettered_with_reference = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document parsed;
    parsed.Parse(line.c_str());
    ASSERT_TRUE(parsed.IsObject()) << line;
    EXPECT_TRUE(parsed.HasMember("ts") && parsed.HasMember("level") && parsed.HasMember("msg"));
    if (line.find("\"callback dead-lettered\"") != std::string::npos &&
        line.find("\"reference\":\"4f2b1e54-9c3a-4d1e-8b7f-2a6c5d9e0f13\"") != std::string::npos)
      ++dead_lettered_with_reference;
  }
  // unknown_status, invalid_date and invalid_json; the other reasons come with no reference.
  EXPECT_GE(dead_lettered_with_reference, 3) << out;
  // The credential reached the producer: librdkafka names the property, never its value.
  EXPECT_NE(out.find("`sasl.username`"), std::string::npos) << out;

  // Bad configs at start and in check-config do not echo the secret either.
  auto started = test::run_binary({"serve", "--config", config});
  EXPECT_EQ(started.exit_code, 78);
  expect_no_canary("serve with a bad config", started.out + started.err);
  auto checked = test::run_binary({"check-config", "--config", config});
  EXPECT_EQ(checked.exit_code, 78);
  expect_no_canary("check-config", checked.out + checked.err);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace jb
