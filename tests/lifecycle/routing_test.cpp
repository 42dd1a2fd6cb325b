#include "lifecycle/routing.hpp"

#include <gtest/gtest.h>

namespace swarmbot::lifecycle {
namespace {

using std::chrono::minutes;

const std::vector<SkillRule> kRules{
    {"promotions", {"discount", "promo", "coupon", "code"}},
    {"payments", {"card", "refund", "payment"}},
    {"checkout", {"checkout", "basket", "cart"}},
};

Candidate Person(const std::string& id, std::map<std::string, int> skills, int open = 0,
                 int capacity = 3, bool available = true) {
  Candidate c;
  c.user = UserId(id);
  c.name = id;
  c.skills = std::move(skills);
  c.open_incidents = open;
  c.capacity = capacity;
  c.available = available;
  return c;
}

TEST(RequiredSkills, FindsEverySkillWhoseWordsAppearAsWholeWordsOrPlurals) {
  EXPECT_EQ(RequiredSkills(kRules, "FEAST25 discount code fails at Checkout"),
            (std::vector<std::string>{"promotions", "checkout"}));
  EXPECT_EQ(RequiredSkills(kRules, "Refunds not received"), std::vector<std::string>{"payments"});
  EXPECT_TRUE(RequiredSkills(kRules, "Encoded cartography").empty());
  EXPECT_TRUE(RequiredSkills(kRules, "").empty());
}

TEST(ChooseOwner, PrefersTheHighestSumOfLevelsInTheRequiredSkills) {
  const std::vector<std::string> required{"promotions", "checkout"};
  const auto choice = ChooseOwner(required, {Person("USOFIA", {{"promotions", 5}, {"pricing", 4}}),
                                             Person("UPRIYA", {{"promotions", 5}, {"checkout", 3}}),
                                             Person("UCHEN", {{"payments", 5}})});
  ASSERT_TRUE(choice.owner);
  EXPECT_EQ(choice.owner->str(), "UPRIYA");
  EXPECT_EQ(choice.why, "promotions 5, checkout 3; 0 of 3 open");
}

TEST(ChooseOwner, SkipsPeopleAtCapacityEvenWithTheBestLevel) {
  const auto choice = ChooseOwner({"promotions"}, {Person("UOMAR", {{"promotions", 5}}, 3, 3),
                                                   Person("UPRIYA", {{"promotions", 2}}, 1, 3)});
  ASSERT_TRUE(choice.owner);
  EXPECT_EQ(choice.owner->str(), "UPRIYA");
}

TEST(ChooseOwner, SkipsPeopleWhoAreAway) {
  const auto choice = ChooseOwner(
      {"promotions"},
      {Person("UOMAR", {{"promotions", 5}}, 0, 3, false), Person("UPRIYA", {{"promotions", 2}})});
  ASSERT_TRUE(choice.owner);
  EXPECT_EQ(choice.owner->str(), "UPRIYA");
}

TEST(ChooseOwner, NeverPicksSomeoneWithoutARequiredSkill) {
  const auto choice = ChooseOwner({"promotions"}, {Person("UCHEN", {{"payments", 5}})});
  EXPECT_FALSE(choice.owner);
  EXPECT_EQ(choice.why,
            "nobody with promotions is in the people list with an active Slack account");
}

TEST(ChooseOwner, BreaksLevelTiesByFreeCapacity) {
  const auto choice = ChooseOwner(
      {"payments"}, {Person("UA", {{"payments", 4}}, 2, 3), Person("UB", {{"payments", 4}}, 1, 3)});
  EXPECT_EQ(choice.owner->str(), "UB");
}

TEST(ChooseOwner, BreaksRemainingTiesByLeastRecentlyAssignedWithNeverFirst) {
  Candidate recent = Person("UA", {{"payments", 4}});
  recent.last_assigned_at = Clock::TimePoint{} + minutes(10);
  Candidate earlier = Person("UB", {{"payments", 4}});
  earlier.last_assigned_at = Clock::TimePoint{} + minutes(5);
  EXPECT_EQ(ChooseOwner({"payments"}, {recent, earlier}).owner->str(), "UB");
  const Candidate never = Person("UC", {{"payments", 4}});
  EXPECT_EQ(ChooseOwner({"payments"}, {recent, earlier, never}).owner->str(), "UC");
}

TEST(ChooseOwner, TakesAnyoneAvailableWhenNoSkillIsRequired) {
  const auto choice = ChooseOwner({}, {Person("UA", {}, 3, 3), Person("UB", {})});
  EXPECT_EQ(choice.owner->str(), "UB");
  EXPECT_EQ(choice.why, "no particular skill needed; 0 of 3 open");
}

TEST(ChooseOwner, ExplainsWhoIsAtCapacityAndWhoIsAwayWhenNobodyCanTakeIt) {
  const auto choice =
      ChooseOwner({"promotions"}, {Person("Omar", {{"promotions", 4}}, 3, 3),
                                   Person("Priya", {{"promotions", 5}}, 0, 3, false)});
  EXPECT_FALSE(choice.owner);
  EXPECT_EQ(choice.why,
            "everyone with promotions is busy: at capacity Omar (3 of 3 open); away "
            "Priya");
}

TEST(ChooseOwner, TreatsCapacityZeroAsNeverRoutable) {
  EXPECT_FALSE(ChooseOwner({}, {Person("UA", {}, 0, 0)}).owner);
}

}  // namespace
}  // namespace swarmbot::lifecycle
