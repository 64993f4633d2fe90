// Log lines are JSON objects: text fields are strings, numeric fields JSON numbers, empty text
// fields left out, and bytes that are not UTF-8 replaced.
#include "common/log.h"
#include "support/captured_stderr.h"

#include "common/counted_log.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace jb::log {
namespace {

// What one log::write call printed on stderr.
template <typename Write>
std::string captured(Write write_line) {
  return test::captured_stderr(write_line);
}

TEST(Log, NumbersAreJsonNumbersAndTextIsJsonStrings) {
  use_stdout(false);
  const uint64_t big = 18446744073709551615ull;
  const std::string line = captured([&] {
    warn("spool opened", {{"dir", "/var/lib/jumio-bridge"},
                          {"records", 0},
                          {"bytes", big},
                          {"offset", int64_t{-5}},
                          {"ratio", 0.5},
                          {"reference", ""},
                          {"note", std::string("a\"b\xff")}});
  });
  rapidjson::Document document;
  ASSERT_FALSE(document.Parse(line.c_str()).HasParseError()) << line;
  ASSERT_TRUE(document.IsObject());
  EXPECT_STREQ(document["msg"].GetString(), "spool opened");
  EXPECT_STREQ(document["level"].GetString(), "warn");
  EXPECT_STREQ(document["dir"].GetString(), "/var/lib/jumio-bridge");
  ASSERT_TRUE(document["records"].IsUint64()) << line;
  EXPECT_EQ(document["records"].GetUint64(), 0u);
  ASSERT_TRUE(document["bytes"].IsUint64()) << line;
  EXPECT_EQ(document["bytes"].GetUint64(), big);
  ASSERT_TRUE(document["offset"].IsInt64()) << line;
  EXPECT_EQ(document["offset"].GetInt64(), -5);
  ASSERT_TRUE(document["ratio"].IsDouble()) << line;
  EXPECT_DOUBLE_EQ(document["ratio"].GetDouble(), 0.5);
  EXPECT_FALSE(document.HasMember("reference")) << "an empty text field is left out";
  EXPECT_STREQ(document["note"].GetString(), "a\"b\xEF\xBF\xBD");
}

TEST(Log, BelowTheLevelNothingIsWritten) {
  use_stdout(false);
  set_level(Level::warn);
  EXPECT_EQ(captured([] { info("quiet", {{"count", 1}}); }), "");
  set_level(Level::info);
  EXPECT_NE(captured([] {
              info("heard", {{"count", 1}});
            }).find("\"count\":1}"),
            std::string::npos);
}

TEST(CountedLog, AFloodIsOneLineAtOnceThenOneLineAnIntervalWithTheCountSinceTheLast) {
  use_stdout(false);
  set_level(Level::info);
  CountedLog counted(Level::warn, "callbacks dead-lettered", std::chrono::milliseconds(200));
  const std::string first = captured([&] { counted.note({{"last_reason", "unknown_kind"}}); });
  EXPECT_NE(first.find("\"msg\":\"callbacks dead-lettered\",\"count\":1,"
                       "\"last_reason\":\"unknown_kind\"}"),
            std::string::npos)
      << first;
  const std::string flood = captured([&] {
    for (int i = 0; i < 1000; ++i) counted.note({{"last_reason", "invalid_json"}});
  });
  EXPECT_EQ(flood, "") << "a flood within the interval writes nothing more";
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const std::string next = captured([&] { counted.note({{"last_reason", "invalid_date"}}); });
  EXPECT_NE(next.find("\"count\":1001,\"last_reason\":\"invalid_date\""), std::string::npos)
      << next;
}

}  // namespace
}  // namespace jb::log
