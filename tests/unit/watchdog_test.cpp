// The watchdog pings only while every registered thread shows progress.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/notify.h"
#include "common/progress.h"

namespace jb::notify {
namespace {

using namespace std::chrono_literals;

TEST(Progress, AThreadSilentForLongerThanTheLimitIsStalledUntilItBeatsAgain) {
  progress::Heartbeat reader("test reader");
  EXPECT_TRUE(progress::stalled(50ms).empty());
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(progress::stalled(50ms), std::vector<std::string>{"test reader"});
  reader.beat();
  EXPECT_TRUE(progress::stalled(50ms).empty());
  { progress::Heartbeat gone("test gone"); }
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(progress::stalled(50ms), std::vector<std::string>{"test reader"})
      << "a destroyed heartbeat is no longer watched";
}

TEST(Watchdog, PingsWhileThreadsProgressAndHoldsThePingsWhileOneIsStalled) {
  std::atomic<int> pings{0};
  auto beating = std::make_unique<progress::Heartbeat>("test worker");
  std::atomic<bool> beat{true};
  std::thread worker([&] {
    while (beat) {
      beating->beat();
      std::this_thread::sleep_for(20ms);
    }
  });
  {
    // Pings every 100 ms; a thread counts as stalled after a second of silence.
    Watchdog watchdog(100ms, [&] { ++pings; });
    std::this_thread::sleep_for(550ms);
    const int while_beating = pings.load();
    EXPECT_GE(while_beating, 4);
    EXPECT_LE(while_beating, 7);

    beat = false;
    worker.join();
    std::this_thread::sleep_for(1200ms);  // stalled from 1 s after its last beat
    const int at_stall = pings.load();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(pings.load(), at_stall) << "pinged while a thread was stalled";
    EXPECT_LE(at_stall, while_beating + 12);

    beating->beat();  // progress again: the pings resume
    std::this_thread::sleep_for(350ms);
    EXPECT_GE(pings.load(), at_stall + 2);
  }
  const int after = pings.load();
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(pings.load(), after) << "pinged after the watchdog was destroyed";
}

}  // namespace
}  // namespace jb::notify
