// People whose Slack account is deactivated while the people file still
// lists them: routing passes them over, whether Slack said so with a
// user_change event or by refusing a direct message; what swarmbot learnt
// survives a restart and a people import; an incident they already own stays
// theirs, and the managers are told so that someone reassigns it.

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class DeactivatedAccounts : public EndToEnd {
 protected:
  bool ManagersChannelHas(const std::string& part) {
    return ChannelHasMessageWith(slack(), people().incidents, part);
  }

  std::size_t ManagersMessagesWith(const std::string& part) {
    const auto channel = slack().Channel(people().incidents);
    return channel ? static_cast<std::size_t>(std::count_if(
                         channel->messages.begin(), channel->messages.end(),
                         [&](const auto& m) { return Contains(m.text + m.blocks_json, part); }))
                   : 0;
  }

  // `who` says `/swarmbot back`: routing takes them whatever Slack's presence
  // shows, which is how a deactivated account got incidents.
  void Back(const UserId& who) {
    const std::string back = Type(who, people().incidents, "/swarmbot", "back");
    ASSERT_TRUE(Contains(back, "Welcome back")) << back;
  }

  // Slack deactivates `who`, and swarmbot has heard of it from user_change.
  void Deactivate(const UserId& who) {
    slack().DeactivateUser(who);
    ASSERT_TRUE(LogSays("event=routing.slack_account user=" + who.str() + " deactivated=true"));
  }

  // INC-1 declared and its swarm started by Mara with Sofia and Dev; its
  // channel once all three are in it.
  ChannelId SwarmWithSofiaAndDev() {
    EXPECT_EQ(DeclareFeast25(), "INC-1");
    Type(people().mara, people().incidents, "/swarm",
         "start INC-1 <@" + people().sofia.str() + "> <@" + people().dev.str() + ">");
    return SwarmChannelWith({people().mara, people().sofia, people().dev}, "the swarm channel");
  }

  std::string Status(const std::string& incident) {
    return Type(people().mara, people().incidents, "/incident", "status " + incident);
  }

  // `swarmbot import people` with the Take-Out people file; its whole output.
  std::string ImportPeopleOutput() {
    const auto file = dir_.path() / "people-again.toml";
    std::ofstream(file, std::ios::trunc) << demo::TakeOutPeopleToml(people());
    const auto result = stack_->RunSwarmbotCommand({"import", "people", file.string()});
    EXPECT_EQ(result.status, 0) << result.output;
    return result.output;
  }
};

TEST_F(DeactivatedAccounts, TheNextBestPersonGetsTheIncident) {
  scenario_->ImportPeople();
  Back(people().priya);
  Deactivate(people().priya);

  ASSERT_EQ(DeclareFeast25(), "INC-1");
  // Sofia has promotions 5 too; without Priya she is the best.
  ASSERT_TRUE(Eventually("Sofia's direct message", [&] {
    return DirectMessagesWith(slack(), people().sofia, "You now own INC-1");
  }));
  EXPECT_FALSE(slack().DirectMessage(people().priya));
  const std::string status = Status("INC-1");
  EXPECT_TRUE(Contains(status, people().sofia.str())) << status;
  EXPECT_FALSE(Contains(status, people().priya.str())) << status;
}

TEST_F(DeactivatedAccounts, NobodyLeftWaitsAsWhenNobodyMatches) {
  scenario_->ImportPeople();
  Back(people().chen);  // the only one with payments
  Deactivate(people().chen);

  scenario_->DeclareIncident(people().mara, people().incidents, "Refund card payment failing");
  ASSERT_TRUE(Eventually("the managers told why INC-1 waits",
                         [&] { return ManagersChannelHas("Nobody can take *INC-1*"); }));
  EXPECT_FALSE(slack().DirectMessage(people().chen));
  EXPECT_TRUE(Contains(Status("INC-1"), "unassigned"));
}

TEST_F(DeactivatedAccounts, ARefusedDirectMessageTellsOfTheDeactivation) {
  // Without user_change, swarmbot first hears of it when Slack refuses a DM.
  auto events = emulator::DefaultEventSubscriptions();
  events.insert("member_left_channel");
  slack().SetEventSubscriptions(events);
  scenario_->ImportPeople();
  Back(people().priya);
  slack().DeactivateUser(people().priya);

  ASSERT_EQ(DeclareFeast25(), "INC-1");
  ASSERT_TRUE(Eventually("the managers told INC-1's owner is deactivated", [&] {
    return ManagersChannelHas("owns *INC-1*") && ManagersChannelHas("Slack account is deactivated");
  }));
  EXPECT_TRUE(Contains(Status("INC-1"), people().priya.str())) << "not silently reassigned";

  scenario_->DeclareIncident(people().mara, people().incidents, "Coupon code not applied");
  EXPECT_TRUE(Eventually("Sofia's direct message", [&] {
    return DirectMessagesWith(slack(), people().sofia, "You now own INC-2");
  }));
}

TEST_F(DeactivatedAccounts, AnOwnerDeactivatedKeepsTheIncidentUntilAManagerReassignsIt) {
  scenario_->ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  ASSERT_TRUE(Eventually("Priya owns INC-1", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-1");
  }));

  slack().DeactivateUser(people().priya);
  ASSERT_TRUE(Eventually("the managers told INC-1's owner is deactivated", [&] {
    return ManagersChannelHas("owns *INC-1*") && ManagersChannelHas("Slack account is deactivated");
  }));
  EXPECT_TRUE(Eventually("the announcement says so", [&] {
    const auto announcement =
        MessageMentioning(slack(), people().incidents, "Slack account deactivated");
    return announcement && Contains(announcement->blocks_json, "INC-1");
  }));
  const std::string status = Status("INC-1");
  EXPECT_TRUE(Contains(status, people().priya.str())) << status;
  EXPECT_FALSE(slack().DirectMessage(people().sofia)) << "not silently reassigned";

  Type(people().mara, people().incidents, "/incident", "assign INC-1");
  EXPECT_TRUE(Eventually("Sofia's direct message", [&] {
    return DirectMessagesWith(slack(), people().sofia, "You now own INC-1");
  }));
}

TEST_F(DeactivatedAccounts, ARestartAndAnImportKeepItUntilSlackBringsTheAccountBack) {
  scenario_->ImportPeople();
  Back(people().priya);
  Deactivate(people().priya);
  ASSERT_EQ(stack_->StopSwarmbot(), 0);

  const std::string imported = ImportPeopleOutput();
  EXPECT_TRUE(Contains(imported, "1 listed people have a deactivated Slack account")) << imported;
  stack_->StartSwarmbot();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  ASSERT_TRUE(Eventually("Sofia's direct message", [&] {
    return DirectMessagesWith(slack(), people().sofia, "You now own INC-1");
  }));
  EXPECT_FALSE(slack().DirectMessage(people().priya));

  slack().ReactivateUser(people().priya);
  ASSERT_TRUE(
      LogSays("event=routing.slack_account user=" + people().priya.str() + " deactivated=false"));
  scenario_->DeclareIncident(people().mara, people().incidents, "Coupon code not applied");
  EXPECT_TRUE(Eventually("Priya's direct message", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-2");
  }));
}

// Check 16: /swarm start counted someone Slack had said was deactivated
// among those it invites; Slack then refused them.
TEST_F(DeactivatedAccounts, SwarmStartLeavesOutAndNamesSomeoneDeactivated) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  Deactivate(people().sofia);

  const std::string reply =
      Type(people().mara, people().incidents, "/swarm",
           "start INC-1 <@" + people().sofia.str() + "> <@" + people().dev.str() + ">");

  EXPECT_TRUE(Contains(reply, "inviting you and 1 person.")) << reply;
  EXPECT_TRUE(Contains(
      reply, "Not inviting <@" + people().sofia.str() + ">: their Slack account is deactivated."))
      << reply;
  const ChannelId swarm = SwarmChannelWith({people().mara, people().dev}, "the swarm channel");
  ASSERT_FALSE(swarm.empty());
  EXPECT_FALSE(slack().Channel(swarm)->HasMember(people().sofia));
  EXPECT_EQ(slack().CallCount("conversations.invite"), 1) << "nobody refused for Sofia";
}

// Issue #4: reopening an incident brought back everyone who was in its
// swarm channel when it closed, someone Slack had deactivated since too.
TEST_F(DeactivatedAccounts, AReopenedSwarmLeavesOutAndNamesAMemberDeactivatedSince) {
  const demo::TakeOut& p = people();
  const ChannelId first = SwarmWithSofiaAndDev();
  ASSERT_FALSE(first.empty());
  Type(p.mara, p.incidents, "/incident", "close INC-1 Fixed");
  ASSERT_TRUE(Eventually("the archive recorded", [&] {
    return slack().Channel(first)->is_archived && Contains(Status("INC-1"), "(archived)");
  }));
  Deactivate(p.sofia);
  const auto invites = slack().CallCount("conversations.invite");

  const std::string reply = Type(p.mara, p.incidents, "/incident", "reopen INC-1");
  EXPECT_TRUE(
      Contains(reply, "Not inviting <@" + p.sofia.str() + ">: their Slack account is deactivated."))
      << reply;
  std::optional<emulator::ChannelSnapshot> second;
  ASSERT_TRUE(Eventually("the new channel with Mara and Dev", [&] {
    second.reset();
    for (const auto& channel : slack().Channels()) {
      if (channel.name.ends_with("-reopened") && !channel.pins.empty() &&
          channel.HasMember(p.mara) && channel.HasMember(p.dev)) {
        second = channel;
      }
    }
    return second.has_value();
  }));
  EXPECT_FALSE(second->HasMember(p.sofia));
  EXPECT_EQ(slack().CallCount("conversations.invite"), invites + 1) << "nobody refused for Sofia";
  EXPECT_TRUE(Contains(Type(p.mara, p.incidents, "/incident", "status INC-1"),
                       "isn't invited again: their Slack account is deactivated"));
}

// Issue #4: `/swarm start` after someone archived the channel in Slack
// brought back a member Slack had deactivated since.
TEST_F(DeactivatedAccounts, ASwarmStartedAgainAfterAnArchiveLeavesOutAMemberDeactivatedSince) {
  const demo::TakeOut& p = people();
  const ChannelId first = SwarmWithSofiaAndDev();
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(slack().ArchiveChannelAs(p.mara, first));
  ASSERT_TRUE(LogSays("event=swarm.archived_in_slack incident=INC-1"));
  Deactivate(p.sofia);

  const std::string reply = Type(p.mara, p.incidents, "/swarm", "start INC-1");
  EXPECT_TRUE(Contains(reply, "Starting the swarm for INC-1 again")) << reply;
  EXPECT_TRUE(
      Contains(reply, "Not inviting <@" + p.sofia.str() + ">: their Slack account is deactivated."))
      << reply;
  ASSERT_TRUE(Eventually("the new channel with Mara and Dev", [&] {
    for (const auto& channel : slack().Channels()) {
      if (channel.name.ends_with("-reopened") && channel.HasMember(p.mara) &&
          channel.HasMember(p.dev)) {
        return !channel.HasMember(p.sofia);
      }
    }
    return false;
  }));
}

// Issue #4: the managers heard once that an incident's owner was
// deactivated; reopening it later said nothing, so nobody reassigned it.
TEST_F(DeactivatedAccounts, ReopeningAnIncidentOfADeactivatedOwnerTellsTheManagersAgain) {
  scenario_->ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  ASSERT_TRUE(Eventually("Priya owns INC-1", [&] {
    return DirectMessagesWith(slack(), people().priya, "You now own INC-1");
  }));
  Type(people().mara, people().incidents, "/incident", "close INC-1 Fixed");
  Deactivate(people().priya);
  EXPECT_EQ(ManagersMessagesWith("owns *INC-1*"), 0u) << "a closed incident needs no owner";

  const std::string reply = Type(people().mara, people().incidents, "/incident", "reopen INC-1");
  ASSERT_TRUE(Contains(reply, "INC-1 is in progress now")) << reply;
  ASSERT_TRUE(Eventually("the managers told INC-1's owner is deactivated", [&] {
    return ManagersMessagesWith("owns *INC-1*") == 1 &&
           ManagersChannelHas("Slack account is deactivated");
  }));
  EXPECT_TRUE(Eventually("the announcement says so", [&] {
    const auto announcement =
        MessageMentioning(slack(), people().incidents, "Slack account deactivated");
    return announcement && Contains(announcement->blocks_json, "INC-1");
  }));
  EXPECT_TRUE(Contains(Status("INC-1"), "reassigned")) << Status("INC-1");

  // Each reopening tells them again, until someone reassigns it.
  Type(people().mara, people().incidents, "/incident", "close INC-1 Fixed again");
  Type(people().mara, people().incidents, "/incident", "reopen INC-1");
  EXPECT_TRUE(Eventually("the managers told again",
                         [&] { return ManagersMessagesWith("owns *INC-1*") == 2; }));
}

// Check 21: the "cases closed" message went to a case owner swarmbot knew was
// deactivated; Slack refused it, the refusal was logged as an error, and
// nobody heard that the cases closed. The managers' channel hears instead,
// as for a reopened case.
TEST_F(DeactivatedAccounts, CasesOfADeactivatedOwnerThatCloseAreToldToTheManagers) {
  scenario_->ImportPeople();
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const auto posted = stack_->PostCase(
      "{\"contact_name\":\"Ada Diner\",\"contact_email\":\"ada@example.com\","
      "\"channel\":\"email\",\"territory\":\"North\",\"subject\":\"FEAST25 rejected\","
      "\"description\":\"The code fails\",\"owner\":\"" +
      people().tom.str() + "\"}");
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string linked =
      Type(people().mara, people().incidents, "/incident", "link INC-1 CASE-1");
  ASSERT_TRUE(Contains(linked, "Linked 1")) << linked;
  Deactivate(people().tom);

  Type(people().mara, people().incidents, "/incident", "close INC-1 Validator fixed");
  EXPECT_TRUE(Eventually("the managers told of Tom's closed case", [&] {
    return ManagersChannelHas("1 case of <@" + people().tom.str() + "> closed with *INC-1*") &&
           ManagersChannelHas("Resolution: Validator fixed") &&
           ManagersChannelHas("so they weren't told");
  }));
  EXPECT_EQ(DirectMessagesWith(slack(), people().tom, "closed with"), 0u);
  std::istringstream log(testing::ReadFile(stack_->LogFile()));
  for (std::string line; std::getline(log, line);) {
    EXPECT_FALSE(Contains(line, "routing.cases_closed") &&
                 (Contains(line, "outbox.failed") || Contains(line, "effect.failed")))
        << line;
  }
}

TEST_F(DeactivatedAccounts, AManagerCannotNameSomeoneDeactivated) {
  scenario_->ImportPeople();
  Deactivate(people().omar);
  scenario_->DeclareIncident(people().mara, people().incidents, "Refund card payment failing");
  ASSERT_TRUE(Eventually("Chen owns INC-1", [&] {
    return DirectMessagesWith(slack(), people().chen, "You now own INC-1");
  }));

  const std::string refused = Type(people().mara, people().incidents, "/incident",
                                   "assign INC-1 <@" + people().omar.str() + "|omar>");
  EXPECT_TRUE(Contains(refused, "Slack account is deactivated")) << refused;
  EXPECT_TRUE(Contains(Status("INC-1"), people().chen.str()));
}

}  // namespace
}  // namespace swarmbot::e2e
