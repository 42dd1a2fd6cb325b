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

}  // namespace
}  // namespace swarmbot
