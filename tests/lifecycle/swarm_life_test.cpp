// The swarm channel's life (issue #4): /swarm close, the archive, reopening
// into a new channel, and the messages counted per member.
#include <algorithm>

#include <gtest/gtest.h>

#include "common/form.hpp"
#include "lifecycle/channel_name.hpp"
#include "lifecycle/expert_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/expert_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

class SwarmLifeTest : public testing::LifecycleTest {
 protected:
  // INC-1 swarming in CSWARM with Priya (who started it) and Sofia invited.
  std::int64_t Swarming() {
    const auto incident = NewIncident();
    EXPECT_TRUE(swarms_.Start({incident, {sofia_}, {}}, priya_));
    EXPECT_TRUE(swarms_.RecordChannel(incident, kChannel, "inc-1-feast25-fails-at-checkout"));
    EXPECT_TRUE(swarms_.RecordInvited(incident, {priya_, sofia_}));
    EXPECT_TRUE(swarms_.MemberJoined(kChannel, priya_));
    EXPECT_TRUE(swarms_.MemberJoined(kChannel, sofia_));
    DrainOutbox();
    return incident;
  }

  // The texts of the pending swarm.post_note effects.
  std::vector<std::string> NoteTexts() {
    std::vector<std::string> texts;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == "swarm.post_note") {
        texts.push_back(FormValue(item.args, "text").value_or(""));
      }
    }
    return texts;
  }

  // INC-1 resolved and its swarm closing, the archive not yet run.
  std::int64_t Closing() {
    const auto incident = Swarming();
    EXPECT_TRUE(incidents_.Move(incident, Transition::kResolve, priya_, ""));
    EXPECT_TRUE(swarms_.Close(incident, priya_));
    DrainOutbox();
    return incident;
  }

  store::Swarm SwarmOf(std::int64_t incident) {
    return swarms_.FindByIncident(incident).value().value();
  }

  const ChannelId kChannel{"CSWARM"};
  const UserId sofia_{"USOFIA"};
};

TEST_F(SwarmLifeTest, SwarmCloseIsRefusedWhileTheIncidentIsBeingWorkedOn) {
  const auto incident = Swarming();
  auto closed = swarms_.Close(incident, priya_);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, Errc::kConflict);
  EXPECT_EQ(closed.error().user_message,
            "INC-1 is in progress; resolve it first (`/incident resolve INC-1`), or close it "
            "(`/incident close INC-1`), which closes the swarm too");
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(SwarmLifeTest, SwarmCloseOfAResolvedIncidentPostsTheSummaryAndArchivesItsChannel) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kResolve, priya_, ""));
  DrainOutbox();
  ASSERT_TRUE(swarms_.Close(incident, priya_));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kClosing);
  EXPECT_EQ(incidents_.FindIncident(incident)->state, store::IncidentState::kResolved);
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(PendingKinds(), (std::vector<std::string>{"swarm.set_topic", "swarm.update_summary",
                                                      "swarm.post_closing", "swarm.archive"}));
  // The closing effects name the channel they act on.
  EXPECT_EQ(FormValue(pending[2].args, "channel"), "CSWARM");
  EXPECT_EQ(FormValue(pending[3].args, "channel"), "CSWARM");

  auto again = swarms_.Close(incident, priya_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().user_message,
            "INC-1's swarm channel #inc-1-feast25-fails-at-checkout is closed already");
}

TEST_F(SwarmLifeTest, SwarmCloseNamesAMissingSwarmOrIncident) {
  const auto incident = NewIncident();
  EXPECT_EQ(swarms_.Close(incident, priya_).error().user_message,
            "INC-1 has no swarm channel to close");
  EXPECT_EQ(swarms_.Close(42, priya_).error().code, Errc::kNotFound);
}

TEST_F(SwarmLifeTest, TheArchiveGivesEveryoneStillInALeaveTime) {
  const auto incident = Swarming();
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_));
  const auto sofia_left = clock_.Now();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(swarms_.RecordArchived(incident, kChannel));
  const auto members = incidents_.StatusOf(incident)->members;
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].user, priya_);
  EXPECT_EQ(members[0].left_at, clock_.Now());
  EXPECT_EQ(members[1].left_at, sofia_left);  // her own leave time stays
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kArchived);
}

TEST_F(SwarmLifeTest, ALeaveThatArrivesBeforeItsJoinStillStands) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(incident, kChannel, "inc-1"));
  // Slack delivered the leave first.
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_));
  auto members = incidents_.StatusOf(incident)->members;
  ASSERT_EQ(members.size(), 1u);
  EXPECT_TRUE(members[0].joined_at);
  EXPECT_TRUE(members[0].left_at);
  // Coming back later is a real return.
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_));
  members = incidents_.StatusOf(incident)->members;
  EXPECT_TRUE(members[0].Present());
}

TEST_F(SwarmLifeTest, ReopeningAClosedIncidentRestartsItsSwarmInANewChannel) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  ASSERT_TRUE(swarms_.RecordArchived(incident, kChannel));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, "still failing"));
  const store::Swarm swarm = SwarmOf(incident);
  EXPECT_EQ(swarm.state, store::SwarmState::kStarting);
  EXPECT_EQ(swarm.channel_name, "inc-1-feast25-fails-at-checkout-reopened");
  EXPECT_TRUE(swarm.channel_id.empty());
  EXPECT_EQ(swarm.previous_channel_id, kChannel);
  EXPECT_EQ(swarm.previous_channel_name, "inc-1-feast25-fails-at-checkout");
  const auto pending = store::Outbox(*db_).Pending();
  std::vector<std::string> kinds = PendingKinds();
  ASSERT_GE(kinds.size(), 9u);
  EXPECT_EQ(kinds[0], "swarm.create_channel");
  EXPECT_EQ(kinds[6], "swarm.invite");
  EXPECT_EQ(kinds[8], "swarm.post_reopened");
  // The reopener first, then everyone who was in the old channel.
  EXPECT_EQ(FormValue(pending[6].args, "users"), "UMARA,UPRIYA,USOFIA");
  // A swarm channel named for the reopening is the new current one.
  ASSERT_TRUE(swarms_.RecordChannel(incident, ChannelId("CNEW"), swarm.channel_name));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  EXPECT_FALSE(swarms_.FindByChannel(kChannel).value());
}

TEST_F(SwarmLifeTest, TheLateArchiveOfTheOldChannelLeavesTheReopenedSwarmAlone) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  // Reopened before the archive effect ran.
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  ASSERT_TRUE(swarms_.RecordChannel(incident, ChannelId("CNEW"), "inc-1-x-reopened"));
  ASSERT_TRUE(swarms_.RecordArchived(incident, kChannel));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  EXPECT_EQ(SwarmOf(incident).channel_id, ChannelId("CNEW"));
}

TEST_F(SwarmLifeTest, ReopeningAResolvedIncidentKeepsALiveSwarm) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kResolve, priya_, ""));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, priya_, "checkout fails again"));
  EXPECT_EQ(SwarmOf(incident).channel_id, kChannel);
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  // Check9 #13: the channel hears why.
  EXPECT_EQ(NoteTexts(), (std::vector<std::string>{":arrows_counterclockwise: INC-1 was reopened "
                                                   "by <@UPRIYA>: checkout fails again"}));
}

TEST_F(SwarmLifeTest, AChannelArchivedInSlackLetsStartOpenANewOne) {
  const auto incident = Swarming();
  auto archived = swarms_.ChannelArchived(kChannel);
  ASSERT_TRUE(archived);
  EXPECT_EQ(*archived, incident);
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kArchived);
  EXPECT_FALSE(*swarms_.ChannelArchived(ChannelId("CRANDOM")));

  auto restarted = swarms_.Start({incident, {UserId("UDEV")}, {}}, priya_);
  ASSERT_TRUE(restarted) << restarted.error().detail;
  EXPECT_EQ(restarted->swarm.channel_name, "inc-1-feast25-fails-at-checkout-reopened");
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_GE(pending.size(), 7u);
  EXPECT_EQ(FormValue(pending[6].args, "users"), "UPRIYA,USOFIA,UDEV");
  // A live swarm still refuses a second start.
  EXPECT_EQ(swarms_.Start({incident, {}, {}}, priya_).error().code, Errc::kConflict);
}

TEST_F(SwarmLifeTest, CountsMessagesPerMemberInLiveSwarmChannelsOnly) {
  const auto incident = Swarming();
  ASSERT_TRUE(swarms_.CountMessage(kChannel, sofia_));
  ASSERT_TRUE(swarms_.CountMessage(kChannel, sofia_));
  auto counted = swarms_.CountMessage(kChannel, UserId("UDEV"));  // not invited, still counted
  ASSERT_TRUE(counted);
  EXPECT_EQ(*counted, incident);
  EXPECT_FALSE(*swarms_.CountMessage(ChannelId("CRANDOM"), sofia_));
  const auto members = incidents_.StatusOf(incident)->members;
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].messages, 0);
  EXPECT_EQ(members[1].messages, 2);
  EXPECT_EQ(members[2].messages, 1);
  // No message text is stored anywhere.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline WHERE kind LIKE 'message%'"), 0);
}

// Check9 #1: a failed archive left the swarm "closing" for good.
TEST_F(SwarmLifeTest, AnArchiveThatFailsKeepsTheSwarmInItsOpenChannelAndTellsTheCloser) {
  const auto incident = Closing();
  ASSERT_TRUE(swarms_.ArchiveFailed(incident, kChannel, "not_in_channel", priya_));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(PendingKinds(), (std::vector<std::string>{"swarm.tell_archive_failed"}));
  EXPECT_EQ(FormValue(pending[0].args, "user"), "UPRIYA");
  EXPECT_EQ(FormValue(pending[0].args, "channel"), "CSWARM");
  EXPECT_EQ(FormValue(pending[0].args, "reason"), "not_in_channel");
  EXPECT_EQ(incidents_.StatusOf(incident)->recent.back().text,
            "Couldn't archive <#CSWARM>: Slack said not_in_channel. The channel stays open; "
            "`/swarm close INC-1` tries again.");
  DrainOutbox();

  // A later /swarm close tries again, with the closer named for the archive.
  ASSERT_TRUE(swarms_.Close(incident, mara_));
  const auto again = store::Outbox(*db_).Pending();
  ASSERT_EQ(again.back().kind, "swarm.archive");
  EXPECT_EQ(FormValue(again.back().args, "user"), "UMARA");
}

TEST_F(SwarmLifeTest, AClosedIncidentWhoseArchiveFailedCanCloseItsSwarmAgain) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  DrainOutbox();
  ASSERT_TRUE(swarms_.ArchiveFailed(incident, kChannel, "restricted_action", priya_));
  DrainOutbox();
  EXPECT_TRUE(swarms_.Close(incident, priya_));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kClosing);
}

// Check9 #2: reopening after a failed archive abandoned the open channel.
TEST_F(SwarmLifeTest, ReopeningAfterAFailedArchiveSwarmsInTheStillOpenChannel) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  DrainOutbox();
  ASSERT_TRUE(swarms_.ArchiveFailed(incident, kChannel, "not_in_channel", priya_));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  const store::Swarm swarm = SwarmOf(incident);
  EXPECT_EQ(swarm.channel_id, kChannel);
  EXPECT_EQ(swarm.channel_name, "inc-1-feast25-fails-at-checkout");
  EXPECT_EQ(swarm.state, store::SwarmState::kActive);
  for (const std::string& kind : PendingKinds()) {
    EXPECT_NE(kind, "swarm.create_channel");
    EXPECT_NE(kind, "swarm.post_reopened");
  }
  EXPECT_EQ(NoteTexts().size(), 1u);
}

// The archive of a closing swarm may still fail, so a reopening then doesn't
// call the earlier channel archived.
TEST_F(SwarmLifeTest, AReopeningBeforeTheArchiveRanSaysTheEarlierChannelIsBeingArchived) {
  const auto incident = Closing();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  EXPECT_EQ(SwarmOf(incident).previous_channel_id, kChannel);
  const auto status = incidents_.StatusOf(incident, 5);
  ASSERT_TRUE(status);
  const auto restarted = std::find_if(
      status->recent.begin(), status->recent.end(),
      [](const store::TimelineEntry& entry) { return entry.kind == "swarm_restarted"; });
  ASSERT_NE(restarted, status->recent.end());
  EXPECT_NE(
      restarted->text.find("(the earlier #inc-1-feast25-fails-at-checkout is being archived)"),
      std::string::npos)
      << restarted->text;
}

TEST_F(SwarmLifeTest, TheFailedArchiveOfAnEarlierChannelLeavesTheNewSwarmAlone) {
  const auto incident = Swarming();
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  ASSERT_TRUE(swarms_.RecordChannel(incident, ChannelId("CNEW"), "inc-1-x-reopened"));
  ASSERT_TRUE(swarms_.ArchiveFailed(incident, kChannel, "not_in_channel", priya_));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  EXPECT_EQ(SwarmOf(incident).channel_id, ChannelId("CNEW"));
  // Check12 #4: those told must hear the old channel is left over, not that
  // the swarm stays there.
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_FALSE(pending.empty());
  EXPECT_EQ(pending.back().kind, "swarm.tell_archive_failed");
  EXPECT_EQ(FormValue(pending.back().args, "moved_on"), "1");
}

// Check9 #3: a start on a resolved incident announced a reopening that wasn't.
TEST_F(SwarmLifeTest, StartOnAResolvedIncidentWhoseSwarmClosedPointsAtReopen) {
  const auto incident = Closing();
  ASSERT_TRUE(swarms_.RecordArchived(incident, kChannel));
  auto started = swarms_.Start({incident, {}, {}}, mara_);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::kConflict);
  EXPECT_EQ(started.error().user_message,
            "INC-1 is resolved and its swarm in #inc-1-feast25-fails-at-checkout has closed. If "
            "the fix didn't hold, `/incident reopen INC-1` reopens it and brings the swarm back.");
  EXPECT_TRUE(PendingKinds().empty());
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kArchived);
}

// Check9 #7: asking to start an existing swarm only named its channel.
TEST_F(SwarmLifeTest, AskingToJoinALiveSwarmInvitesTheAskerAndTheNamed) {
  const auto incident = Swarming();
  auto joined = swarms_.InviteToLive({incident, {UserId("UDEV")}, {UserGroupId("SOPS")}}, mara_);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->swarm.channel_id, kChannel);
  EXPECT_FALSE(joined->actor_present);
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(PendingKinds(), (std::vector<std::string>{"swarm.invite"}));
  EXPECT_EQ(FormValue(pending[0].args, "users"), "UMARA,UDEV");
  EXPECT_EQ(FormValue(pending[0].args, "usergroups"), "SOPS");
  ASSERT_TRUE(incidents_.Close(incident, priya_, ""));
  EXPECT_EQ(swarms_.InviteToLive({incident, {}, {}}, mara_).error().code, Errc::kConflict);
}

// Check9 #10: /swarm close left expert invitations open.
TEST_F(SwarmLifeTest, SwarmCloseWithdrawsOpenExpertInvitations) {
  store::Person person;
  person.user = sofia_;
  person.display_name = "Sofia";
  person.capacity = 3;
  store::PeopleRepository(*db_).Upsert(person, clock_.Now());
  person.user = UserId("UDEV");
  person.display_name = "Dev";
  store::PeopleRepository(*db_).Upsert(person, clock_.Now());
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(incident, kChannel, "inc-1"));
  ExpertService experts(*db_, clock_, ExpertSettings{});
  const auto invitation = experts.Invite(incident, UserId("UDEV"), priya_);
  ASSERT_TRUE(invitation) << invitation.error().detail;
  ASSERT_TRUE(incidents_.Move(incident, Transition::kResolve, priya_, ""));
  ASSERT_TRUE(swarms_.Close(incident, priya_));
  EXPECT_NE(experts.FindInvitation(invitation->id).value()->state, store::InvitationState::kOpen);
}

TEST(ReopenedChannelName, StaysWithinSlacksRules) {
  EXPECT_EQ(ReopenedChannelName(12, "Discount code"), "inc-12-discount-code-reopened");
  const std::string long_name = ReopenedChannelName(3, std::string(200, 'a'));
  EXPECT_EQ(long_name.size(), kMaxChannelName);
  EXPECT_TRUE(long_name.ends_with("-reopened"));
  EXPECT_EQ(ReopenedChannelName(4, "a very long subject " + std::string(80, 'b')).find("--"),
            std::string::npos);
}

// Session 10, fixerK #3: each reopening into a new channel takes a name no
// earlier channel of the swarm holds.
TEST(NextReopenedChannelName, FollowsTheSwarmsCurrentChannel) {
  EXPECT_EQ(NextReopenedChannelName(12, "Discount code", "inc-12-discount-code"),
            "inc-12-discount-code-reopened");
  EXPECT_EQ(NextReopenedChannelName(12, "Discount code", "inc-12-discount-code-2"),
            "inc-12-discount-code-reopened");
  EXPECT_EQ(NextReopenedChannelName(12, "Discount code", "inc-12-discount-code-reopened"),
            "inc-12-discount-code-reopened-2");
  EXPECT_EQ(NextReopenedChannelName(12, "Discount code", "inc-12-discount-code-reopened-9"),
            "inc-12-discount-code-reopened-10");
  // Check 16: a long subject is cut, never the suffix.
  const std::string subject(200, 'a');
  const std::string second = NextReopenedChannelName(3, subject, ReopenedChannelName(3, subject));
  EXPECT_EQ(second.size(), kMaxChannelName);
  EXPECT_TRUE(second.ends_with("a-reopened-2")) << second;
  const std::string third = NextReopenedChannelName(3, subject, second);
  EXPECT_TRUE(third.ends_with("a-reopened-3")) << third;
  EXPECT_EQ(third.size(), kMaxChannelName);
}

}  // namespace
}  // namespace swarmbot::lifecycle
