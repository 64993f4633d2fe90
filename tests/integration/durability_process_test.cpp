// The real binary under load, against a mock cluster owned by this test: killed with SIGKILL and
// restarted, or stopped with SIGTERM. Every callback answered 200 must be read back from Kafka.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "kafka/embedded.h"
#include "support/load.h"
#include "support/process.h"

namespace jb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// The stop timeout the systemd unit gives the daemon (TimeoutStopSec=30).
constexpr seconds kStopTimeout{30};

// A serve process on port 0 (and its admin listener too, so that two can run at once) with its
// own config and spool directory.
class Served {
 public:
  Served(const std::string& dir, const std::string& brokers) : config_path_(dir + "/config.yaml") {
    std::ofstream(config_path_) << "http:\n  listen: \"127.0.0.1:0\"\nadmin:\n  listen: "
                                   "\"127.0.0.1:0\"\nkafka:\n  brokers: \""
                                << brokers << "\"\nspool:\n  dir: \"" << dir << "/spool\"\n";
  }
  ~Served() { stop_pump(); }

  // Starts the binary; false when it does not log where it listens within 15 s.
  bool start() {
    child_ =
        std::make_unique<test::Child>(std::vector<std::string>{"serve", "--config", config_path_});
    opened_ = child_->wait_for_line("spool opened", seconds(15));
    const std::string line = child_->wait_for_line("\"listening\"", seconds(15));
    const size_t at = line.find("127.0.0.1:");
    if (at == std::string::npos) return false;
    port_ = std::atoi(line.c_str() + at + 10);
    // The daemon logs every spooled callback: keep its stdout pipe from filling up.
    pumping_ = true;
    pump_ = std::thread([this] {
      while (pumping_) child_->wait_for_line("\x01", milliseconds(100));
    });
    return port_ > 0;
  }
  int port() const { return port_; }
  // The "spool opened" line of the last start.
  const std::string& opened() const { return opened_; }
  void signal(int signo) { child_->signal(signo); }
  // The exit code, after waiting up to timeout.
  int wait(std::chrono::milliseconds timeout) {
    stop_pump();
    return child_->wait(timeout);
  }

 private:
  void stop_pump() {
    pumping_ = false;
    if (pump_.joinable()) pump_.join();
  }

  std::string config_path_;
  std::unique_ptr<test::Child> child_;
  std::string opened_;
  std::atomic<int> port_{0};
  std::atomic<bool> pumping_{false};
  std::thread pump_;
};

struct Rig {
  std::string dir = test::temp_dir("durability-process");
  std::unique_ptr<kafka::EmbeddedCluster> cluster;
  Rig() {
    std::string error;
    cluster = kafka::EmbeddedCluster::start(1, &error);
    EXPECT_TRUE(cluster) << error;
  }
  ~Rig() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// Phase one sends `callbacks`; the brokers go down before callback down_at and `stop` is sent to
// the daemon before callback stop_at. Returns phase one's result; *stopped_in is how long the
// daemon took to exit and *exit_code its code.
test::LoadResult load_and_stop(Rig& rig, Served& served, unsigned run, int stop,
                               milliseconds* stopped_in, int* exit_code) {
  constexpr int kCallbacks = 3000, kDownAt = 900, kStopAt = 2100;
  std::promise<void> stop_reached;
  test::LoadOptions options;
  options.port = [&served] { return served.port(); };
  options.callbacks = kCallbacks;
  options.per_second = 300;
  options.run = run;
  options.before_send = [&](int index) {
    if (index == kDownAt) rd_kafka_mock_broker_set_down(rig.cluster->mock(), 1);
    if (index == kStopAt) stop_reached.set_value();
  };
  auto load = std::async(std::launch::async, [&] { return test::run_load(options); });
  stop_reached.get_future().wait();
  const auto signalled = Clock::now();
  served.signal(stop);
  *exit_code = served.wait(kStopTimeout);
  *stopped_in = std::chrono::duration_cast<milliseconds>(Clock::now() - signalled);
  return load.get();
}

// Restarts the daemon with the brokers up, sends a second phase, waits for the read-back of
// every 200 of both phases and checks that none is missing.
void restart_and_check(Rig& rig, Served& served, unsigned run, test::LoadResult first) {
  rd_kafka_mock_broker_set_up(rig.cluster->mock(), 1);
  ASSERT_TRUE(served.start());
  EXPECT_EQ(served.opened().find("\"records\":0,"), std::string::npos)
      << "the restarted daemon found nothing to drain: " << served.opened();
  test::LoadOptions options;
  options.port = [&served] { return served.port(); };
  options.first = 10000;
  options.callbacks = 1000;
  options.per_second = 300;
  options.run = run;
  const test::LoadResult second = test::run_load(options);
  EXPECT_EQ(second.ok, 1000);
  test::LoadResult all = first;
  all.sent += second.sent;
  all.ok += second.ok;
  all.unavailable += second.unavailable;
  all.no_answer += second.no_answer;
  all.acknowledged.insert(all.acknowledged.end(), second.acknowledged.begin(),
                          second.acknowledged.end());
  const test::ReadBack read =
      test::read_back(rig.cluster->bootstraps(), all.acknowledged, seconds(90));
  std::printf("[ figures  ] %s\n", test::summary(all, read).c_str());
  EXPECT_EQ(read.missing, 0u) << (read.missing_examples.empty() ? "" : read.missing_examples[0]);
  EXPECT_EQ(read.conflicting, 0u);
  served.signal(SIGTERM);
  EXPECT_EQ(served.wait(kStopTimeout), 0);
}

TEST(DurabilityProcess, KilledWithSigkillUnderLoadThenRestartedAndDrained) {
  Rig rig;
  Served served(rig.dir, rig.cluster->bootstraps());
  ASSERT_TRUE(served.start());
  const unsigned run = 0x9c111001;
  milliseconds stopped_in{0};
  int exit_code = 0;
  const test::LoadResult first = load_and_stop(rig, served, run, SIGKILL, &stopped_in, &exit_code);
  EXPECT_EQ(exit_code, -1);  // died by the signal
  EXPECT_GT(first.ok, 2000);
  EXPECT_GT(first.no_answer, 0) << "the load should outlive the daemon";
  restart_and_check(rig, served, run, first);
}

TEST(DurabilityProcess, SigtermUnderLoadExitsZeroWithinTheStopTimeoutAndLosesNothing) {
  Rig rig;
  Served served(rig.dir, rig.cluster->bootstraps());
  ASSERT_TRUE(served.start());
  const unsigned run = 0x9c111002;
  milliseconds stopped_in{0};
  int exit_code = -1;
  const test::LoadResult first = load_and_stop(rig, served, run, SIGTERM, &stopped_in, &exit_code);
  std::printf("[ figures  ] SIGTERM to exit: %lld ms\n",
              static_cast<long long>(stopped_in.count()));
  EXPECT_EQ(exit_code, 0);
  EXPECT_LT(stopped_in, kStopTimeout);
  EXPECT_GT(first.ok, 2000);
  restart_and_check(rig, served, run, first);
}

}  // namespace
}  // namespace jb
