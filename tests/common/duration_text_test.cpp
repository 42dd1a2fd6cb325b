#include "common/duration_text.hpp"

#include <gtest/gtest.h>

namespace swarmbot {
namespace {

TEST(FormatDuration, ReadsLikeAPerson) {
  using std::chrono::seconds;
  EXPECT_EQ(FormatDuration(seconds(45)), "45 s");
  EXPECT_EQ(FormatDuration(seconds(12 * 60 + 5)), "12 min");
  EXPECT_EQ(FormatDuration(seconds(90 * 60)), "1 h 30 min");
  EXPECT_EQ(FormatDuration(seconds(2 * 3600)), "2 h");
  EXPECT_EQ(FormatDuration(seconds(51 * 3600)), "2 d 3 h");
  EXPECT_EQ(FormatDuration(seconds(1)), "1 s");
  EXPECT_EQ(FormatDuration(seconds(0)), "under 1 s");
  EXPECT_EQ(FormatDuration(seconds(-5)), "under 1 s");
}

// Check 19: a spike's description said "in under 1 s" for good; a record
// kept names the minutes instead.
TEST(FormatTimeRange, NamesTheMinutesWithTheSecondDateOnlyWhenItDiffers) {
  using std::chrono::seconds;
  const std::chrono::system_clock::time_point at{seconds(1'700'000'000)};  // 22:13:20 UTC
  EXPECT_EQ(FormatTimeRange(at, at), "at 2023-11-14 22:13 UTC");
  EXPECT_EQ(FormatTimeRange(at, at + seconds(39)), "at 2023-11-14 22:13 UTC");
  EXPECT_EQ(FormatTimeRange(at, at + seconds(40)), "between 2023-11-14 22:13 and 22:14 UTC");
  EXPECT_EQ(FormatTimeRange(at, at + seconds(2 * 3600)),
            "between 2023-11-14 22:13 and 2023-11-15 00:13 UTC");
}

}  // namespace
}  // namespace swarmbot
