#include "common/count_text.hpp"

#include <gtest/gtest.h>

namespace swarmbot {
namespace {

TEST(CountedText, OneTakesTheSingularAndEveryOtherCountThePlural) {
  EXPECT_EQ(Counted(1, "minute", "minutes"), "1 minute");
  EXPECT_EQ(Counted(0, "minute", "minutes"), "0 minutes");
  EXPECT_EQ(Counted(15, "person", "people"), "15 people");
}

TEST(JoinWithAnd, ListsReadAsASentence) {
  EXPECT_EQ(JoinWithAnd({}), "");
  EXPECT_EQ(JoinWithAnd({"you"}), "you");
  EXPECT_EQ(JoinWithAnd({"you", "3 people"}), "you and 3 people");
  EXPECT_EQ(JoinWithAnd({"you", "2 people", "1 group"}), "you, 2 people and 1 group");
}

TEST(JoinWithOr, OffersAlternatives) {
  EXPECT_EQ(JoinWithOr({"an incident manager"}), "an incident manager");
  EXPECT_EQ(JoinWithOr({"@dev", "@priya", "an incident manager"}),
            "@dev, @priya or an incident manager");
}

}  // namespace
}  // namespace swarmbot
