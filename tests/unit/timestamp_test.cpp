#include "callback/timestamp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace jb::callback {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

struct CanonicalCase {
  std::string input;
  std::string canonical;
};

class CanonicalTimestampTest : public testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalTimestampTest, PadsToMilliseconds) {
  std::string canonical;
  ASSERT_TRUE(canonical_timestamp(GetParam().input, &canonical));
  EXPECT_EQ(canonical, GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Valid, CanonicalTimestampTest,
    testing::Values(CanonicalCase{"2019-05-30T08:37:35Z", "2019-05-30T08:37:35.000Z"},
                    CanonicalCase{"2019-05-30T08:37:35.8Z", "2019-05-30T08:37:35.800Z"},
                    CanonicalCase{"2019-05-30T08:37:35.82Z", "2019-05-30T08:37:35.820Z"},
                    CanonicalCase{"2019-05-30T08:37:35.822Z", "2019-05-30T08:37:35.822Z"},
                    CanonicalCase{"2019-05-30T08:37:35.007Z", "2019-05-30T08:37:35.007Z"},
                    CanonicalCase{"2020-02-29T23:59:59Z", "2020-02-29T23:59:59.000Z"},
                    CanonicalCase{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"},
                    CanonicalCase{"1999-12-31T00:00:00.1Z", "1999-12-31T00:00:00.100Z"}));

class InvalidTimestampTest : public testing::TestWithParam<std::string> {};

TEST_P(InvalidTimestampTest, IsRejected) {
  std::string canonical = "untouched";
  EXPECT_FALSE(canonical_timestamp(GetParam(), &canonical));
  EXPECT_EQ(canonical, "untouched");
  system_clock::time_point time;
  EXPECT_FALSE(parse_timestamp(GetParam(), &time));
}

INSTANTIATE_TEST_SUITE_P(
    Invalid, InvalidTimestampTest,
    testing::Values("", "2019-05-30T08:37:35.8221Z", "2019-05-30T08:37:35.Z",
                    "2019-05-30T08:37:35.822", "2019-05-30T08:37:35", "2019-05-30t08:37:35Z",
                    "2019-05-30T08:37:35z", "2019-05-30 08:37:35Z", "2019-13-01T00:00:00Z",
                    "2019-00-01T00:00:00Z", "2019-04-31T00:00:00Z", "2019-01-00T00:00:00Z",
                    "2019-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2019-05-30T24:00:00Z",
                    "2019-05-30T23:60:00Z", "2019-05-30T23:59:60Z", "2019-05-30T08:37:35Zjunk",
                    "2019-05-30T08:37:35.822Z ", " 2019-05-30T08:37:35Z", "19-05-30T08:37:35Z",
                    "+2019-05-30T08:37:35Z", "2019-5-30T08:37:35Z", "2019-05-30T08:37:35+00:00",
                    "2019-05-30", "2019-05-30T8:37:35Z", "2019-05-30T08:37:3aZ"));

TEST(FormatTimestampTest, WritesUtcMilliseconds) {
  EXPECT_EQ(format_timestamp(system_clock::time_point()), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(1590827855822))),
            "2020-05-30T08:37:35.822Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(951782400000))),
            "2000-02-29T00:00:00.000Z");
}

TEST(CanonicalTimestampPaddingTest, PadsEveryField) {
  std::string canonical;
  ASSERT_TRUE(canonical_timestamp("0999-01-02T03:04:05.6Z", &canonical));
  EXPECT_EQ(canonical, "0999-01-02T03:04:05.600Z");
  ASSERT_TRUE(canonical_timestamp("0001-01-01T00:00:00Z", &canonical));
  EXPECT_EQ(canonical, "0001-01-01T00:00:00.000Z");
  ASSERT_TRUE(canonical_timestamp("9999-12-31T23:59:59.999Z", &canonical));
  EXPECT_EQ(canonical, "9999-12-31T23:59:59.999Z");
}

TEST(FormatTimestampTest, TruncatesBelowMilliseconds) {
  auto time = system_clock::time_point(milliseconds(1590827855822)) +
              std::chrono::duration_cast<system_clock::duration>(std::chrono::microseconds(999));
  EXPECT_EQ(format_timestamp(time), "2020-05-30T08:37:35.822Z");
}

// Formatting keeps the last second's text: times in one second, the next second and a second
// formatted again after another must each come out whole.
TEST(FormatTimestampTest, FormatsTimesWithinOneSecondAndAcrossSeconds) {
  const int64_t base = 1590827855000;
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(base + 822))),
            "2020-05-30T08:37:35.822Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(base + 5))),
            "2020-05-30T08:37:35.005Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(base + 999))),
            "2020-05-30T08:37:35.999Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(base + 1000))),
            "2020-05-30T08:37:36.000Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(-1))),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(-1000))),
            "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(-1001))),
            "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(base + 1))),
            "2020-05-30T08:37:35.001Z");
}

TEST(FormatTimestampTest, HandlesTimesBeforeTheEpoch) {
  EXPECT_EQ(format_timestamp(system_clock::time_point(milliseconds(-1))),
            "1969-12-31T23:59:59.999Z");
}

TEST(ParseTimestampTest, ReadsTheInstant) {
  system_clock::time_point time;
  ASSERT_TRUE(parse_timestamp("2020-05-30T08:37:35.822Z", &time));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count(),
            1590827855822);
  ASSERT_TRUE(parse_timestamp("2020-05-30T08:37:35.8Z", &time));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count(),
            1590827855800);
}

TEST(ParseTimestampTest, RefusesInstantsTheClockCannotHold) {
  std::string canonical;
  EXPECT_TRUE(canonical_timestamp("9999-12-31T23:59:59.999Z", &canonical));
  system_clock::time_point time;
  EXPECT_FALSE(parse_timestamp("9999-12-31T23:59:59.999Z", &time));
}

TEST(ParseTimestampTest, RoundTripsThroughFormat) {
  for (const char* text :
       {"1970-01-01T00:00:00.000Z", "2019-05-30T08:37:35.822Z", "2000-02-29T12:00:00.001Z",
        "2100-03-01T00:00:00.000Z", "1960-06-15T13:14:15.999Z", "2200-12-31T23:59:59.999Z"}) {
    system_clock::time_point time;
    ASSERT_TRUE(parse_timestamp(text, &time)) << text;
    EXPECT_EQ(format_timestamp(time), text);
  }
}

struct DateCase {
  std::string text;
  bool valid;
};

class DateTest : public testing::TestWithParam<DateCase> {};

TEST_P(DateTest, ValidatesCalendarDates) {
  EXPECT_EQ(is_valid_date(GetParam().text), GetParam().valid) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Dates, DateTest,
    testing::Values(DateCase{"1990-01-01", true}, DateCase{"2022-12-31", true},
                    DateCase{"2020-02-29", true}, DateCase{"2000-02-29", true},
                    DateCase{"2019-02-29", false}, DateCase{"1900-02-29", false},
                    DateCase{"2019-04-31", false}, DateCase{"2019-13-01", false},
                    DateCase{"2019-00-10", false}, DateCase{"2019-01-00", false},
                    DateCase{"2019-1-01", false}, DateCase{"2019/01/01", false},
                    DateCase{"2019-01-01T00:00:00Z", false}, DateCase{"N/A", false},
                    DateCase{"", false}, DateCase{"1990-01-01 ", false}));

}  // namespace
}  // namespace jb::callback
