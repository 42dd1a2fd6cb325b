// /swarm experts, /swarm invite and the Invite / Accept / Decline buttons,
// through the router as Slack delivers them, and the messages they post.
#include <algorithm>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/expert_view.hpp"
#include "handlers/router.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/expert_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
constexpr std::string_view kResponseUrl = "https://hooks.slack.com/actions/T1/1/x";

lifecycle::MovedOn Moved(std::vector<UserId> unreachable, std::optional<UserId> asked) {
  lifecycle::MovedOn moved;
  moved.unreachable = std::move(unreachable);
  moved.asked = std::move(asked);
  return moved;
}

class ExpertCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 discount code fails at checkout";
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    lifecycle::SwarmService swarms(*db_, clock_);
    ASSERT_TRUE(swarms.Start({1, {}, {}}, UserId("UPRIYA")));
    ASSERT_TRUE(swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
    store::Person sofia;
    sofia.user = UserId("USOFIA");
    sofia.display_name = "Sofia";
    sofia.capacity = 1;
    sofia.skills = {{"promotions", 5}};
    store::PeopleRepository(*db_).Upsert(sofia, clock_.Now());
    ClearOutbox();
  }

  void ClearOutbox() { db_->Sql().exec("DELETE FROM outbox"); }

  std::string Swarm(std::string_view text, std::string_view channel = "CSWARM",
                    std::string_view user = "UPRIYA") {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", channel},
                         {"user_id", user},
                         {"command", "/swarm"},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  void Click(std::string_view action_id, std::string_view value, std::string_view user) {
    json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"container", {{"type", "message"}, {"message_ts", "1.2"}}},
        {"response_url", kResponseUrl},
        {"actions",
         json::array{
             {{"action_id", action_id}, {"block_id", "b"}, {"type", "button"}, {"value", value}}}}};
    EXPECT_EQ(router_.Handle({InboundKind::kInteractive, json::serialize(payload), "d"}).body_json,
              "");
  }

  // The newest response_url answer's text.
  std::string LastAnswer() {
    std::string text;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kRespond) {
        text = json::parse(*FormValue(item.args, lifecycle::effect::kArgBody))
                   .at("text")
                   .as_string()
                   .c_str();
      }
    }
    return text;
  }

  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      kinds.push_back(item.kind);
    }
    return kinds;
  }

  std::int64_t OnlyInvitation() {
    return db_->Sql().execAndGet("SELECT max(id) FROM expert_invitations").getInt64();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, settings_};
};

TEST_F(ExpertCommandsTest, ExpertsInTheSwarmChannelAcksAtOnceAndQueuesTheRanking) {
  EXPECT_EQ(Swarm("experts"),
            "Looking for experts for INC-1; the list appears in the swarm channel in a moment.");
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"experts.propose"}));
}

TEST_F(ExpertCommandsTest, ExpertsAnswersBadRequestsClearlyAndQueuesNothing) {
  EXPECT_NE(Swarm("experts", "CGENERAL").find("Which incident?"), std::string::npos);
  EXPECT_NE(Swarm("experts INC-9").find("INC-9 doesn't exist"), std::string::npos);
  EXPECT_NE(Swarm("experts INC-1 please").find("Usage"), std::string::npos);
  lifecycle::DeclareInput in;
  in.subject = "Checkout slow";
  ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
  ClearOutbox();
  EXPECT_NE(Swarm("experts INC-2", "CGENERAL").find("start one with `/swarm start INC-2`"),
            std::string::npos);
  db_->Sql().exec("DELETE FROM person_skills; DELETE FROM people");
  EXPECT_NE(Swarm("experts").find("swarmbot import people"), std::string::npos);
  EXPECT_TRUE(Kinds().empty());
}

TEST_F(ExpertCommandsTest, InviteAddsPeopleAndGroupsAndRefusesOtherWords) {
  EXPECT_EQ(Swarm("invite <@USOFIA|sofia> <!subteam^SDEVOPS|@devops>"),
            "Inviting <@USOFIA> and the members of 1 group to the swarm of INC-1.");
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"swarm.invite"}));
  EXPECT_EQ(Swarm("invite <!subteam^SDEVOPS|@devops>"),
            "Inviting the members of 1 group to the swarm of INC-1.");
  ClearOutbox();
  EXPECT_NE(Swarm("invite sofia").find("isn't a person or a user group"), std::string::npos);
  EXPECT_NE(Swarm("invite").find("name at least one"), std::string::npos);
  EXPECT_TRUE(Kinds().empty());
}

// Issue #14 of check9: "/swarm invite @mara(already in) @swarmbot @dead"
// answered "Inviting 3 people…", counting the bot and someone already in.
TEST_F(ExpertCommandsTest, InviteLeavesOutTheBotAndPeopleAlreadyInTheChannelAndSaysSo) {
  ASSERT_TRUE(lifecycle::SwarmService(*db_, clock_).RecordInvited(1, {UserId("UMARA")}));
  ClearOutbox();
  EXPECT_EQ(Swarm("invite <@UMARA|mara> <@UBOT|swarmbot> <@UDEAD|dead> <@UDEAD> "
                  "<!subteam^SDEVOPS|@devops>"),
            "Inviting <@UDEAD> and the members of 1 group to the swarm of INC-1. <@UMARA> is "
            "already in #inc-1-feast25. I'm in #inc-1-feast25 already.");
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(FormValue(pending[0].args, lifecycle::effect::kArgUsers), "UDEAD");
  EXPECT_EQ(FormValue(pending[0].args, lifecycle::effect::kArgUsergroups), "SDEVOPS");

  ClearOutbox();
  EXPECT_EQ(Swarm("invite <@UMARA|mara> <@UBOT|swarmbot>"),
            "Nobody to invite: <@UMARA> is already in #inc-1-feast25. I'm in #inc-1-feast25 "
            "already. Nothing was changed.");
  EXPECT_TRUE(Kinds().empty());
  EXPECT_EQ(Swarm("invite <@USOFIA> <@UCHEN> <@UDEV>"),
            "Inviting <@USOFIA>, <@UCHEN> and <@UDEV> to the swarm of INC-1.");
}

// Issue #17 of check9: "they have 1 minutes to answer".
TEST_F(ExpertCommandsTest, OneMinuteIsSaidInTheSingular) {
  settings_.invitation_timeout = std::chrono::minutes(1);
  Router router{*db_, clock_, settings_};
  json::object payload{
      {"type", "block_actions"},
      {"user", {{"id", "UPRIYA"}}},
      {"response_url", kResponseUrl},
      {"actions", json::array{{{"action_id", "experts.invite.1"}, {"value", "INC-1 USOFIA"}}}}};
  router.Handle({InboundKind::kInteractive, json::serialize(payload), "d"});
  EXPECT_EQ(LastAnswer(), "Asked <@USOFIA> by direct message; they have 1 minute to answer.");
  store::Incident incident;
  incident.number = 1;
  store::Invitation invitation;
  invitation.invitee = UserId("USOFIA");
  const std::string asked = json::serialize(
      InvitationMessage(incident, invitation, ChannelId("CSWARM"), std::chrono::minutes(1))
          .ToObject());
  EXPECT_NE(asked.find("No answer within 1 minute counts as a decline."), std::string::npos);
  invitation.state = store::InvitationState::kExpired;
  invitation.dm_ts = MessageTs("1.2");
  EXPECT_EQ(AnswerNotice(invitation, lifecycle::MovedOn(), std::chrono::minutes(1)),
            "<@USOFIA> didn't answer within 1 minute. Nobody else is left on the list; "
            "`/swarm experts` looks again.");
}

// Issue #11 of check9: Accept clicked after the incident closed advised
// asking in the (archived) channel.
TEST_F(ExpertCommandsTest, AnAnswerAfterTheIncidentClosedSaysNoAnswerIsNeeded) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  const std::string id = std::to_string(OnlyInvitation());
  ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Close(1, UserId("UMARA"), "Fixed"));
  Click("experts.accept", id, "USOFIA");
  EXPECT_EQ(LastAnswer(), "INC-1 is closed, so no answer is needed. Thank you all the same.");
  Click("experts.decline", id, "USOFIA");
  EXPECT_EQ(LastAnswer(), "INC-1 is closed, so no answer is needed. Thank you all the same.");
}

// Issue #15 of check9: the channel heard "Asking @omar next." and then
// "@omar couldn't be reached"; now the notice names who was skipped.
TEST_F(ExpertCommandsTest, TheNoticeNamesWhoWasSkippedAndWhoWasActuallyAsked) {
  store::Invitation invitation;
  invitation.invitee = UserId("ULEA");
  invitation.state = store::InvitationState::kDeclined;
  EXPECT_EQ(
      AnswerNotice(invitation, Moved({UserId("UOMAR")}, UserId("UPAT")), std::chrono::minutes(15)),
      "<@ULEA> declined the invitation. <@UOMAR> couldn't be reached by direct message. "
      "Asking <@UPAT> next.");
  EXPECT_EQ(AnswerNotice(invitation, Moved({UserId("UOMAR"), UserId("UKAI")}, std::nullopt),
                         std::chrono::minutes(15)),
            "<@ULEA> declined the invitation. <@UOMAR> and <@UKAI> couldn't be reached by direct "
            "message. Nobody else is left on the list; `/swarm experts` looks again.");
  invitation.state = store::InvitationState::kUnreachable;
  EXPECT_EQ(
      AnswerNotice(invitation, Moved({UserId("UOMAR")}, UserId("UPAT")), std::chrono::minutes(15)),
      "<@ULEA> couldn't be reached by direct message. <@UOMAR> couldn't be reached by direct "
      "message either. Asking <@UPAT> next.");
}

// Issue #12 of check9: the list proposed people already invited, people who
// had declined, and people who left, without a word.
TEST_F(ExpertCommandsTest, TheListMarksWhoLeftAndNamesWhoIsWaitingOrDeclined) {
  store::Incident incident;
  incident.number = 1;
  incident.subject = "FEAST25 discount code fails";
  lifecycle::ExpertList list;
  list.experts = {{UserId("USOFIA"), {"promotions level 5"}, {"left the swarm"}}};
  list.waiting = {UserId("UOMAR")};
  list.declined = {UserId("ULEA"), UserId("UKAI")};
  const json::object message = ExpertListMessage(incident, list).ToObject();
  const json::array& blocks = message.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[1].at("text").at("text").as_string(),
            "*1.* <@USOFIA> · _left the swarm_\npromotions level 5");
  const std::string context = json::serialize(blocks[2]);
  EXPECT_NE(context.find("Invited, waiting for an answer: <@UOMAR>"), std::string::npos) << context;
  EXPECT_NE(context.find("Declined for this incident, so not proposed again: <@ULEA> and <@UKAI>"),
            std::string::npos)
      << context;
}

TEST_F(ExpertCommandsTest, TheInviteButtonAsksTheExpertOnce) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  EXPECT_EQ(LastAnswer(), "Asked <@USOFIA> by direct message; they have 15 minutes to answer.");
  EXPECT_EQ(Kinds(), (std::vector<std::string>{"experts.ask", "experts.invitation_timeout",
                                               "slack.respond"}));
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  EXPECT_EQ(LastAnswer(), "Sofia was already asked and hasn't answered yet.");
  Click("experts.invite.1", "garbage", "UPRIYA");
  EXPECT_EQ(LastAnswer(), "That button is out of date; run `/swarm experts` again.");
}

// Check10 #9: an older list's Invite button asked someone who had declined.
TEST_F(ExpertCommandsTest, TheInviteButtonOfAnOlderListRefusesWhoDeclined) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  Click("experts.decline", std::to_string(OnlyInvitation()), "USOFIA");
  const auto asked = [&] {
    const auto kinds = Kinds();
    return std::count(kinds.begin(), kinds.end(), "experts.ask");
  };
  const auto before = asked();
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  EXPECT_EQ(LastAnswer(), "Sofia declined for INC-1.");
  EXPECT_EQ(asked(), before);
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT COUNT(*) FROM expert_invitations WHERE invitee = 'USOFIA'")
                .getInt64(),
            1);
}

TEST_F(ExpertCommandsTest, OnlyTheInviteeCanAcceptAndASecondClickIsAnswered) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  const std::string id = std::to_string(OnlyInvitation());
  Click("experts.accept", id, "UOMAR");
  EXPECT_EQ(LastAnswer(), "This invitation is for someone else; only they can answer it.");
  ClearOutbox();
  Click("experts.accept", id, "USOFIA");
  EXPECT_EQ(LastAnswer(), "");
  Click("experts.decline", id, "USOFIA");
  EXPECT_EQ(LastAnswer(), "You already accepted this invitation.");
  EXPECT_EQ(db_->Sql().execAndGet("SELECT state FROM expert_invitations").getString(), "accepted");
  Click("experts.accept", "12345", "USOFIA");
  EXPECT_EQ(LastAnswer(), "That invitation no longer exists.");
}

// Check 19: accepting updated the invitation to "You accepted; you are being
// added to #…" and an ephemeral "Thank you! Adding you…" said it again.
TEST_F(ExpertCommandsTest, AnAnswerIsSaidOnceInTheUpdatedInvitation) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  const std::string id = std::to_string(OnlyInvitation());
  ClearOutbox();
  Click("experts.accept", id, "USOFIA");
  const auto kinds = Kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), std::string(lifecycle::effect::kUpdateAsk)), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), std::string(lifecycle::effect::kRespond)), 0);
  store::Incident incident;
  incident.number = 1;
  store::Invitation accepted;
  accepted.state = store::InvitationState::kAccepted;
  const std::string updated = json::serialize(
      AnsweredInvitationMessage(incident, accepted, ChannelId("CSWARM")).ToObject());
  EXPECT_NE(updated.find("You accepted; you are being added to <#CSWARM>."), std::string::npos)
      << updated;
}

TEST_F(ExpertCommandsTest, TheListShowsReasonsAnInviteButtonEachAndUncoveredSkills) {
  store::Incident incident;
  incident.number = 1;
  incident.subject = "FEAST25 discount code fails";
  lifecycle::ExpertList list;
  list.experts = {{UserId("USOFIA"), {"promotions level 5", "resolved INC-12", "available"}, {}},
                  {UserId("UOMAR"), {}, {}}};
  list.needed_skills = {"promotions", "checkout"};
  list.uncovered_skills = {"checkout"};
  list.history_records = 12;
  const json::object message = ExpertListMessage(incident, list).ToObject();
  const json::array& blocks = message.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_EQ(blocks[0].at("text").at("text").as_string(), "Experts for INC-1");
  EXPECT_EQ(blocks[1].at("text").at("text").as_string(),
            "*1.* <@USOFIA>\npromotions level 5; resolved INC-12; available");
  EXPECT_EQ(blocks[1].at("accessory").at("action_id").as_string(), "experts.invite.1");
  EXPECT_EQ(blocks[1].at("accessory").at("value").as_string(), "INC-1 USOFIA");
  EXPECT_EQ(blocks[2].at("accessory").at("action_id").as_string(), "experts.invite.2");
  const std::string context = json::serialize(blocks[3]);
  EXPECT_NE(context.find("Nobody above has the skill: *checkout*"), std::string::npos);
  EXPECT_NE(context.find("12 past records"), std::string::npos);
}

TEST_F(ExpertCommandsTest, AListWithNobodyToProposeSaysNobodyHasEvidenceAndHowToInvite) {
  store::Incident incident;
  incident.number = 1;
  incident.subject = "Printer jams";
  lifecycle::ExpertList list;
  list.needed_skills = {"printers"};
  list.uncovered_skills = {"printers"};
  const std::string text = json::serialize(ExpertListMessage(incident, list).ToObject());
  EXPECT_NE(text.find("Nobody outside this channel has a matching skill or past work"),
            std::string::npos);
  EXPECT_NE(text.find("/swarm invite @person"), std::string::npos);
  // Check18 #8: "Nobody above" pointed at an empty list.
  EXPECT_NE(text.find("Nobody outside this channel has the skill: *printers*"), std::string::npos);
  EXPECT_EQ(text.find("Nobody above"), std::string::npos) << text;
  EXPECT_EQ(text.find("Invite\""), std::string::npos) << "no buttons without people";
}

TEST_F(ExpertCommandsTest, TheInvitationHasAcceptAndDeclineAndTheAnswerReplacesThem) {
  store::Incident incident;
  incident.number = 1;
  incident.subject = "FEAST25 discount code fails";
  store::Invitation invitation;
  invitation.id = 7;
  invitation.invitee = UserId("USOFIA");
  invitation.asked_by = "UPRIYA";
  invitation.reasons = "promotions level 5";
  const std::string asked = json::serialize(
      InvitationMessage(incident, invitation, ChannelId("CSWARM"), std::chrono::minutes(15))
          .ToObject());
  EXPECT_NE(asked.find("<@UPRIYA> asks you to join <#CSWARM>"), std::string::npos);
  EXPECT_NE(asked.find("\"action_id\":\"experts.accept\""), std::string::npos);
  EXPECT_NE(asked.find("\"action_id\":\"experts.decline\""), std::string::npos);
  EXPECT_NE(asked.find("\"value\":\"7\""), std::string::npos);
  EXPECT_NE(asked.find("Why you:* promotions level 5"), std::string::npos);
  invitation.state = store::InvitationState::kDeclined;
  const std::string answered = json::serialize(
      AnsweredInvitationMessage(incident, invitation, ChannelId("CSWARM")).ToObject());
  EXPECT_EQ(answered.find("experts.accept"), std::string::npos);
  EXPECT_NE(answered.find("You declined; thanks for saying so."), std::string::npos) << answered;
  EXPECT_EQ(AnswerNotice(invitation, Moved({}, UserId("UOMAR")), std::chrono::minutes(15)),
            "<@USOFIA> declined the invitation. Asking <@UOMAR> next.");
}

// Check 7: the invitation showed the raw state "(P1, in_progress)".
TEST_F(ExpertCommandsTest, TheInvitationNamesTheIncidentStateInWords) {
  store::Incident incident;
  incident.number = 1;
  incident.priority = 1;
  incident.state = store::IncidentState::kInProgress;
  incident.subject = "Checkout down";
  store::Invitation invitation;
  invitation.id = 7;
  invitation.invitee = UserId("USOFIA");
  const std::string asked = json::serialize(
      InvitationMessage(incident, invitation, ChannelId("CSWARM"), std::chrono::minutes(15))
          .ToObject());
  EXPECT_NE(asked.find("(P1, in progress)"), std::string::npos) << asked;
}

// Check 7: with nobody left to ask, the DM, the click's answer and a later
// click all said that the next person was (or would be) asked. Check 20 #5:
// the decliner needn't hear about the list at all.
TEST_F(ExpertCommandsTest, DecliningWhenNobodyIsLeftTellsTheDeclinerOnlyTheirAnswer) {
  Click("experts.invite.1", "INC-1 USOFIA", "UPRIYA");
  const std::int64_t invitation = OnlyInvitation();
  ClearOutbox();
  Click("experts.decline", std::to_string(invitation), "USOFIA");
  EXPECT_EQ(LastAnswer(), "") << "the updated invitation says it";
  std::optional<store::OutboxItem> update;
  for (const auto& item : store::Outbox(*db_).Pending()) {
    if (item.kind == lifecycle::effect::kUpdateAsk) {
      update = item;
    }
  }
  ASSERT_TRUE(update);
  EXPECT_EQ(FormValue(update->args, lifecycle::effect::kArgNext), std::optional<std::string>(""));
  store::Incident incident;
  incident.number = 1;
  store::Invitation declined;
  declined.state = store::InvitationState::kDeclined;
  const std::string edited = json::serialize(
      AnsweredInvitationMessage(incident, declined, ChannelId("CSWARM")).ToObject());
  EXPECT_NE(edited.find("You declined; thanks for saying so."), std::string::npos) << edited;
  EXPECT_EQ(edited.find("next person"), std::string::npos) << edited;
  EXPECT_EQ(edited.find("Nobody else"), std::string::npos) << edited;
  store::Invitation expired;
  expired.state = store::InvitationState::kExpired;
  const std::string lapsed =
      json::serialize(AnsweredInvitationMessage(incident, expired, ChannelId("CSWARM")).ToObject());
  EXPECT_NE(lapsed.find("This invitation expired without an answer."), std::string::npos);
  EXPECT_EQ(lapsed.find("Nobody else"), std::string::npos) << lapsed;

  ClearOutbox();
  Click("experts.decline", std::to_string(invitation), "USOFIA");
  EXPECT_EQ(LastAnswer(), "You already declined this invitation.");
}

// Check 20 #5: a deactivated invitee's click was told the invitation
// "couldn't be delivered", though it had been.
TEST_F(ExpertCommandsTest, ADeliveredInvitationEndedByADeactivationSaysSo) {
  store::Incident incident;
  incident.number = 1;
  store::Invitation ended;
  ended.state = store::InvitationState::kUnreachable;
  ended.dm_ts = MessageTs("1.0");
  const std::string dm =
      json::serialize(AnsweredInvitationMessage(incident, ended, ChannelId("CSWARM")).ToObject());
  EXPECT_EQ(dm.find("couldn't be delivered"), std::string::npos) << dm;
  EXPECT_NE(dm.find("Slack reported your account as deactivated"), std::string::npos) << dm;
  EXPECT_EQ(UnreachableText(ended).find("couldn't be delivered"), std::string::npos);
  ended.dm_ts = MessageTs();
  EXPECT_NE(UnreachableText(ended).find("couldn't be delivered"), std::string::npos);
}

// Check 20 #2: the chain went past someone who left the swarm without a word,
// and said "Nobody else is left" while the list still named them.
TEST_F(ExpertCommandsTest, TheNoticeNamesWhoWasPassedOverAndWhy) {
  store::Invitation invitation;
  invitation.invitee = UserId("USOFIA");
  invitation.state = store::InvitationState::kDeclined;
  lifecycle::MovedOn moved = Moved({}, UserId("UTOM"));
  moved.passed_over = {{UserId("ULENA"), "left the swarm"}};
  EXPECT_EQ(AnswerNotice(invitation, moved, std::chrono::minutes(15)),
            "<@USOFIA> declined the invitation. Not asked: <@ULENA> (left the swarm). Asking "
            "<@UTOM> next.");
  moved.asked.reset();
  EXPECT_EQ(AnswerNotice(invitation, moved, std::chrono::minutes(15)),
            "<@USOFIA> declined the invitation. Not asked: <@ULENA> (left the swarm). Nobody "
            "else on the list can be asked; `/swarm experts` looks again.");
}

// Check 20: Slack said the account is deactivated, and the channel heard
// "couldn't be reached by direct message".
TEST_F(ExpertCommandsTest, TheNoticeSaysWhenSlackSaidTheAccountIsDeactivated) {
  store::Invitation invitation;
  invitation.invitee = UserId("USOFIA");
  invitation.state = store::InvitationState::kUnreachable;
  invitation.deactivated = true;
  EXPECT_EQ(AnswerNotice(invitation, Moved({}, UserId("UTOM")), std::chrono::minutes(15)),
            "<@USOFIA> couldn't be asked: Slack says their account is deactivated. Asking <@UTOM> "
            "next.");
  invitation.state = store::InvitationState::kDeclined;
  lifecycle::MovedOn moved = Moved({UserId("UCHEN")}, std::nullopt);
  moved.deactivated = {UserId("ULENA"), UserId("UOMAR")};
  EXPECT_EQ(AnswerNotice(invitation, moved, std::chrono::minutes(15)),
            "<@USOFIA> declined the invitation. <@ULENA> and <@UOMAR> couldn't be asked: Slack "
            "says their accounts are deactivated. <@UCHEN> couldn't be reached by direct message. "
            "Nobody else is left on the list; `/swarm experts` looks again.");
  moved = Moved({}, std::nullopt);
  moved.named_before = true;
  EXPECT_EQ(AnswerNotice(invitation, moved, std::chrono::minutes(15)),
            "<@USOFIA> declined the invitation. Nobody else on the list can be asked; `/swarm "
            "experts` looks again.");
}

// Check 20 #4: "Nobody outside this channel has …" above the invited people
// who have it.
TEST_F(ExpertCommandsTest, AnEmptyListDoesNotDenyThePeopleAskedAlready) {
  store::Incident incident;
  incident.number = 1;
  incident.subject = "Coupon rejected";
  lifecycle::ExpertList list;
  list.needed_skills = {"promotions"};
  list.waiting = {UserId("USOFIA"), UserId("UOMAR")};
  const std::string text = json::serialize(ExpertListMessage(incident, list).ToObject());
  EXPECT_EQ(text.find("Nobody outside this channel has a matching"), std::string::npos) << text;
  EXPECT_NE(text.find("but the people asked already"), std::string::npos) << text;
  EXPECT_EQ(text.find("has the skill"), std::string::npos) << text;
}

}  // namespace
}  // namespace swarmbot::handlers
