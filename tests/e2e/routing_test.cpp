// Steps 5 and 6 of the Take-Out scenario through the real binary and the
// emulator: people imported with `swarmbot import people`, routing by skills,
// capacity and presence, /swarmbot away|back, the queue, and take-cases.

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Routing : public EndToEnd {
 protected:
  void ImportPeople() { scenario_->ImportPeople(); }

  bool ManagersChannelHas(const std::string& part) {
    return ChannelHasMessageWith(slack(), people().incidents, part);
  }
};

TEST_F(Routing, DeclaredIncidentGoesToTheBestSkillWhoGetsADirectMessage) {
  ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  ASSERT_TRUE(Eventually("Priya's direct message", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-1");
  }));
  EXPECT_TRUE(DirectMessagesWith(slack(), people().priya, "take-cases INC-1"));
  EXPECT_FALSE(slack().DirectMessage(people().omar));
  EXPECT_FALSE(slack().DirectMessage(people().chen));
  EXPECT_GE(slack().CallCount("users.getPresence"), 1);
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, people().priya.str())) << status;
}

TEST_F(Routing, OmarAtCapacityIsPassedOverForPriya) {
  ImportPeople();
  for (int i = 1; i <= 3; ++i) {
    scenario_->DeclareIncident(people().mara, people().incidents,
                               "Loyalty points missing " + std::to_string(i));
    ASSERT_TRUE(Eventually("Omar's incident " + std::to_string(i), [&] {
      return DirectMessagesWith(slack(), people().omar, "You now own INC-" + std::to_string(i));
    }));
  }
  // Omar knows promotions too, but holds three of his three.
  scenario_->DeclareIncident(people().mara, people().incidents, "Promo code rejected");
  ASSERT_TRUE(Eventually("Priya's direct message", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-4");
  }));
  EXPECT_EQ(DirectMessagesWith(slack(), people().omar, "You now own"), 3u);
}

TEST_F(Routing, TakeCasesMovesTheCasesAndTellsEachPreviousOwnerOnce) {
  ImportPeople();
  scenario_->CasesArrive();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  std::string link = "link INC-1";
  for (const auto& number : scenario_->Feast25CaseNumbers()) {
    link += " " + number;
  }
  Type(people().mara, people().incidents, "/incident", link);
  ASSERT_TRUE(Eventually("Priya owns INC-1", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-1");
  }));

  const std::string other = Type(people().tom, people().support, "/incident", "take-cases INC-1");
  EXPECT_TRUE(Contains(other, "Only the owner")) << other;

  const std::string taken =
      Type(people().priya, people().incidents, "/incident", "take-cases INC-1");
  EXPECT_TRUE(Contains(taken, "Moved 36 cases")) << taken;
  ASSERT_TRUE(Eventually("one message each for Ravi, Lena and Tom", [&] {
    return DirectMessagesWith(slack(), people().ravi, "moved to") &&
           DirectMessagesWith(slack(), people().lena, "moved to") &&
           DirectMessagesWith(slack(), people().tom, "moved to");
  }));
  for (const UserId& rep : {people().ravi, people().lena, people().tom}) {
    const auto dm = slack().DirectMessage(rep);
    ASSERT_EQ(dm->messages.size(), 1u) << "one message per previous owner";
    EXPECT_TRUE(Contains(dm->messages[0].text, "12 cases of yours moved to"))
        << dm->messages[0].text;
  }
  const std::string shown =
      Type(people().ravi, people().support, "/case", "show " + scenario_->Feast25CaseNumbers()[0]);
  EXPECT_TRUE(Contains(shown, people().priya.str())) << shown;

  const std::string again =
      Type(people().priya, people().incidents, "/incident", "take-cases INC-1");
  EXPECT_TRUE(Contains(again, "Nothing to move")) << again;
}

TEST_F(Routing, SomeoneWhoSaysAwayIsSkippedUntilBack) {
  ImportPeople();
  const std::string away = Type(people().priya, people().incidents, "/swarmbot", "away");
  EXPECT_TRUE(Contains(away, "marked away")) << away;
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  // Sofia has promotions 5 too; without Priya she is the best.
  ASSERT_TRUE(Eventually("Sofia's direct message", [&] {
    return DirectMessagesWith(slack(), people().sofia, "You now own INC-1");
  }));
  EXPECT_FALSE(slack().DirectMessage(people().priya));

  const std::string back = Type(people().priya, people().incidents, "/swarmbot", "back");
  EXPECT_TRUE(Contains(back, "Welcome back")) << back;
  scenario_->DeclareIncident(people().mara, people().incidents, "Coupon code not applied");
  EXPECT_TRUE(Eventually("Priya's direct message", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-2");
  }));
}

TEST_F(Routing, NobodyFreeWaitsInTheQueueUntilSomeoneIsBack) {
  ImportPeople();
  slack().SetPresence(people().chen, false);  // Slack shows Chen away
  scenario_->DeclareIncident(people().mara, people().incidents, "Refund card payment failing");
  ASSERT_TRUE(Eventually("the managers told why INC-1 waits",
                         [&] { return ManagersChannelHas("Nobody can take *INC-1*"); }));
  EXPECT_TRUE(ManagersChannelHas("away Chen"));
  EXPECT_FALSE(slack().DirectMessage(people().chen));

  Type(people().chen, people().incidents, "/swarmbot", "back");
  EXPECT_TRUE(Eventually("Chen's direct message", [&] {
    return DirectMessagesWith(slack(), people().chen, "You now own INC-1");
  }));
}

TEST_F(Routing, ManagersPickAnOwnerAndBadRequestsChangeNothing) {
  ImportPeople();
  scenario_->DeclareIncident(people().mara, people().incidents, "Refund card payment failing");
  ASSERT_TRUE(Eventually("Chen owns INC-1", [&] {
    return DirectMessagesWith(slack(), people().chen, "You now own INC-1");
  }));

  const std::string mention = "<@" + people().omar.str() + "|omar>";
  EXPECT_TRUE(Contains(Type(people().tom, people().support, "/incident", "assign INC-1 " + mention),
                       "Only incident managers"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/incident", "assign INC-9"),
                       "INC-9 doesn't exist"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/incident",
                            "assign INC-1 <@" + people().ravi.str() + "|ravi>"),
                       "people list"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/incident", "assign INC-1 omar"),
                       "Name one person"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/incident", "take-cases INC-9"),
                       "INC-9 doesn't exist"));
  EXPECT_TRUE(
      Contains(Type(people().mara, people().incidents, "/swarmbot", "away"), "people list"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/swarmbot", "dance"),
                       "Unknown subcommand"));
  EXPECT_FALSE(slack().DirectMessage(people().omar));

  const std::string assigned =
      Type(people().mara, people().incidents, "/incident", "assign INC-1 " + mention);
  EXPECT_TRUE(Contains(assigned, "now owned by")) << assigned;
  EXPECT_TRUE(Eventually("Omar's direct message", [&] {
    return DirectMessagesWith(slack(), people().omar, "You now own INC-1");
  }));
}

TEST_F(Routing, ImportRefusesABadFileNamingTheLineAndChangesNothing) {
  const auto file = dir_.path() / "bad-people.toml";
  std::ofstream(file) << "[[person]]\nuser = \"" << people().priya.str()
                      << "\"\nname = \"Priya\"\nskills = { promotions = 9 }\n";
  const auto result = stack_->RunSwarmbotCommand({"import", "people", file.string()});
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_TRUE(Contains(result.output, "bad-people.toml:4: person[1].skills.promotions"))
      << result.output;
  EXPECT_TRUE(
      Contains(Type(people().priya, people().incidents, "/swarmbot", "away"), "people list"));

  const auto missing = stack_->RunSwarmbotCommand({"import", "people", "/nonexistent.toml"});
  EXPECT_EQ(missing.status, 2) << missing.output;
}

}  // namespace
}  // namespace swarmbot::e2e
