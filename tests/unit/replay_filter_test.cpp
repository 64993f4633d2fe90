#include <gtest/gtest.h>

#include "callback/timestamp.h"
#include "replay/commit_tracker.h"
#include "replay/filter.h"

namespace jb::replay {
namespace {

TimePoint at(const char* canonical) {
  TimePoint time;
  EXPECT_TRUE(callback::parse_timestamp(canonical, &time)) << canonical;
  return time;
}

TEST(ReplayRfc3339, AcceptsZuluOffsetsFractionsAndDates) {
  struct Case {
    const char* text;
    const char* utc;
  };
  const Case cases[] = {
      {"2024-05-01T00:00:00Z", "2024-05-01T00:00:00.000Z"},
      {"2024-05-01t02:00:00.5+02:00", "2024-05-01T00:00:00.500Z"},
      {"2024-04-30T19:30:00.123456-04:30", "2024-05-01T00:00:00.123Z"},
      {"2024-05-01", "2024-05-01T00:00:00.000Z"},
  };
  for (const auto& c : cases) {
    TimePoint time;
    ASSERT_TRUE(parse_rfc3339(c.text, &time)) << c.text;
    EXPECT_EQ(time, at(c.utc)) << c.text;
  }
  TimePoint ignored;
  for (const char* bad : {"yesterday", "2024-05-01T00:00:00", "2024-05-01T00:00:00+2:00",
                          "2024-13-01", "2024-05-01T24:00:00Z", "2024-05-01T00:00:00.Z"})
    EXPECT_FALSE(parse_rfc3339(bad, &ignored)) << bad;
}

TEST(ReplayFilter, EachPartMustMatch) {
  Filter filter;
  filter.reasons = {"unknown_status"};
  filter.references = {"ref-1"};
  filter.since = at("2021-01-01T00:00:00Z");
  filter.until = at("2021-02-01T00:00:00Z");
  const auto inside = at("2021-01-15T00:00:00Z");
  EXPECT_TRUE(matches(filter, {"unknown_status", "ref-1", "", inside}));
  EXPECT_TRUE(matches(filter, {"unknown_status", "sha", "ref-1", inside}));  // read today
  EXPECT_TRUE(matches(filter, {"unknown_status", "ref-1", "", filter.since}));
  EXPECT_FALSE(matches(filter, {"unknown_status", "ref-1", "", filter.until}));
  EXPECT_FALSE(matches(filter, {"invalid_json", "ref-1", "", inside}));
  EXPECT_FALSE(matches(filter, {"unknown_status", "ref-2", "", inside}));
  EXPECT_FALSE(matches(filter, {"unknown_status", "ref-1", "", std::nullopt}));
  EXPECT_TRUE(matches(Filter{}, {"invalid_json", "x", "", std::nullopt}));
}

TEST(ReplayFilter, FilteredGroupsAreStableAndDistinct) {
  Filter a;
  a.reasons = {"unknown_status"};
  Filter b = a;
  b.references = {"ref-1"};
  EXPECT_EQ(filtered_group(a), filtered_group(a));
  EXPECT_NE(filtered_group(a), filtered_group(b));
  EXPECT_EQ(filtered_group(a).rfind("jumio-bridge-replay-", 0), 0u);
  EXPECT_EQ(filtered_group(a).size(), std::string("jumio-bridge-replay-").size() + 12);
}

TEST(ReplayCommitTracker, CommitsOnlyPastFinishedRecords) {
  CommitTracker tracker;
  for (int64_t offset = 10; offset < 14; ++offset) tracker.begin(0, offset);
  EXPECT_TRUE(tracker.advanced().empty());
  tracker.finish(0, 11);  // 10 is still pending
  EXPECT_TRUE(tracker.advanced().empty() || tracker.advanced().at(0) <= 10);
  tracker.finish(0, 10);
  EXPECT_EQ(tracker.advanced().at(0), 12);
  tracker.committed(0, 12);
  EXPECT_TRUE(tracker.advanced().empty());
  tracker.finish(0, 13);  // 12 never finishes: the position stays there
  EXPECT_TRUE(tracker.advanced().empty());
  tracker.begin(1, 0);
  tracker.finish(1, 0);
  EXPECT_EQ(tracker.advanced(), (std::map<int32_t, int64_t>{{1, 1}}));
}

}  // namespace
}  // namespace jb::replay
