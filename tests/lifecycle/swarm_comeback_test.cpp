// A reopened swarm back in its unarchived channel when a user token is
// configured (or in a new one when Slack refuses), and joins and leaves
// ordered by the events' own times (issue #4).
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using std::chrono::minutes;

class SwarmComebackTest : public testing::LifecycleTest {
 protected:
  void SetUp() override {
    incidents_.SetUnarchiveSwarms(true);
    swarms_.SetUnarchiveSwarms(true);
  }

  // INC-1 swarmed in CSWARM by Priya with Sofia, then closed and archived.
  std::int64_t ClosedAndArchived() {
    const auto incident = NewIncident();
    EXPECT_TRUE(swarms_.Start({incident, {sofia_}, {}}, priya_));
    EXPECT_TRUE(swarms_.RecordChannel(incident, kChannel, "inc-1-feast25-fails-at-checkout"));
    EXPECT_TRUE(swarms_.MemberJoined(kChannel, priya_));
    EXPECT_TRUE(swarms_.MemberJoined(kChannel, sofia_));
    EXPECT_TRUE(incidents_.Close(incident, priya_, "fixed"));
    EXPECT_TRUE(swarms_.RecordArchived(incident, kChannel));
    DrainOutbox();
    return incident;
  }

  store::Swarm SwarmOf(std::int64_t incident) {
    return swarms_.FindByIncident(incident).value().value();
  }

  std::string LastTimelineText(std::int64_t incident) {
    return incidents_.StatusOf(incident, 1)->recent.back().text;
  }

  const ChannelId kChannel{"CSWARM"};
  const UserId sofia_{"USOFIA"};
};

TEST_F(SwarmComebackTest, ReopeningUnarchivesTheSameChannelInsteadOfOpeningANewOne) {
  const auto incident = ClosedAndArchived();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, "still failing"));
  const store::Swarm swarm = SwarmOf(incident);
  EXPECT_EQ(swarm.state, store::SwarmState::kStarting);
  EXPECT_EQ(swarm.channel_id, kChannel);
  EXPECT_EQ(swarm.channel_name, "inc-1-feast25-fails-at-checkout");
  const auto pending = store::Outbox(*db_).Pending();
  // No topic or summary yet: the channel isn't back.
  ASSERT_EQ(PendingKinds(),
            (std::vector<std::string>{"swarm.unarchive", "incident.update_announcement"}));
  EXPECT_EQ(FormValue(pending[0].args, "channel"), "CSWARM");
  EXPECT_EQ(FormValue(pending[0].args, "users"), "UMARA,UPRIYA,USOFIA");
  // A second start while it comes back is refused, as for any live swarm.
  EXPECT_EQ(swarms_.Start({incident, {}, {}}, priya_).error().code, Errc::kConflict);
}

TEST_F(SwarmComebackTest, TheUnarchivedChannelGetsItsTopicSummaryNoteAndMembersBack) {
  const auto incident = ClosedAndArchived();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  DrainOutbox();
  ASSERT_TRUE(swarms_.RecordUnarchived(incident, kChannel, {mara_, priya_, sofia_}, {}));
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{"swarm.set_topic", "swarm.update_summary",
                                                      "swarm.post_unarchived", "swarm.invite",
                                                      "incident.update_announcement"}));
  EXPECT_EQ(FormValue(store::Outbox(*db_).Pending()[3].args, "users"), "UMARA,UPRIYA,USOFIA");
  EXPECT_EQ(LastTimelineText(incident),
            "Unarchived #inc-1-feast25-fails-at-checkout; the swarm gathers there again");
  // Recorded twice (a retried effect): nothing more is queued.
  DrainOutbox();
  ASSERT_TRUE(swarms_.RecordUnarchived(incident, kChannel, {mara_}, {}));
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(SwarmComebackTest, ARefusedUnarchiveFallsBackToANewChannelWithTheSamePeople) {
  const auto incident = ClosedAndArchived();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  DrainOutbox();
  ASSERT_TRUE(swarms_.UnarchiveFailed(incident, kChannel, "invalid_auth", {mara_, sofia_},
                                      {UserGroupId("SDEVOPS")}));
  const store::Swarm swarm = SwarmOf(incident);
  EXPECT_TRUE(swarm.channel_id.empty());
  EXPECT_EQ(swarm.channel_name, "inc-1-feast25-fails-at-checkout-reopened");
  EXPECT_EQ(swarm.previous_channel_id, kChannel);
  const auto kinds = PendingKinds();
  ASSERT_GE(kinds.size(), 9u);
  EXPECT_EQ(kinds[0], "swarm.create_channel");
  EXPECT_EQ(kinds[8], "swarm.post_reopened");
  const auto invite = store::Outbox(*db_).Pending()[6];
  EXPECT_EQ(FormValue(invite.args, "users"), "UMARA,USOFIA");
  EXPECT_EQ(FormValue(invite.args, "usergroups"), "SDEVOPS");
  EXPECT_EQ(LastTimelineText(incident),
            "Slack refused to unarchive #inc-1-feast25-fails-at-checkout (invalid_auth). Swarm "
            "restarted in #inc-1-feast25-fails-at-checkout-reopened (the earlier "
            "#inc-1-feast25-fails-at-checkout stays archived), inviting 2 people");
}

TEST_F(SwarmComebackTest, AnOutcomeForAChannelTheSwarmLeftIsIgnored) {
  const auto incident = ClosedAndArchived();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  DrainOutbox();
  ASSERT_TRUE(swarms_.UnarchiveFailed(incident, kChannel, "not_authed", {mara_}, {}));
  DrainOutbox();
  ASSERT_TRUE(swarms_.RecordUnarchived(incident, kChannel, {mara_}, {}));
  ASSERT_TRUE(swarms_.UnarchiveFailed(incident, kChannel, "not_authed", {mara_}, {}));
  EXPECT_TRUE(PendingKinds().empty());
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kStarting);
}

TEST_F(SwarmComebackTest, TheArchiveEventArrivingAfterTheUnarchiveDoesNotArchiveItAgain) {
  const auto incident = ClosedAndArchived();
  const auto archived_at = SwarmOf(incident).archived_at.value();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  ASSERT_TRUE(swarms_.RecordUnarchived(incident, kChannel, {mara_}, {}));
  // Slack's channel_archive event of the first archive, delivered late.
  auto late = swarms_.ChannelArchived(kChannel, archived_at - std::chrono::seconds(1));
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kActive);
  // Someone archiving it again later is recorded.
  clock_.Advance(minutes(5));
  auto again = swarms_.ChannelArchived(kChannel, clock_.Now());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, incident);
  EXPECT_EQ(SwarmOf(incident).state, store::SwarmState::kArchived);
}

TEST_F(SwarmComebackTest, AClosingSwarmWhoseArchiveIsStillQueuedMovesToANewChannel) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(incident, kChannel, "inc-1-feast25-fails-at-checkout"));
  ASSERT_TRUE(incidents_.Close(incident, priya_, "fixed"));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  EXPECT_EQ(PendingKinds().front(), "swarm.create_channel");
}

TEST_F(SwarmComebackTest, WithoutAUserTokenReopeningOpensANewChannelAsBefore) {
  incidents_.SetUnarchiveSwarms(false);
  const auto incident = ClosedAndArchived();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  EXPECT_EQ(PendingKinds().front(), "swarm.create_channel");
  EXPECT_TRUE(SwarmOf(incident).channel_id.empty());
}

// ---- Joins and leaves by event time -----------------------------------------

class MemberOrderTest : public SwarmComebackTest {
 protected:
  void SetUp() override {
    incident_ = NewIncident();
    ASSERT_TRUE(swarms_.Start({incident_, {}, {}}, priya_));
    ASSERT_TRUE(swarms_.RecordChannel(incident_, kChannel, "inc-1"));
  }

  store::SwarmMember Sofia() {
    const IncidentStatus status = incidents_.StatusOf(incident_).value();
    for (const auto& member : status.members) {
      if (member.user == sofia_) {
        return member;
      }
    }
    ADD_FAILURE() << "Sofia isn't a member";
    return {};
  }

  Clock::TimePoint At(int minute) { return start_ + minutes(minute); }

  std::int64_t incident_ = 0;
  Clock::TimePoint start_ = clock_.Now() - minutes(30);
};

TEST_F(MemberOrderTest, AnOlderJoinArrivingAfterTheLeaveDoesNotMakeHerPresent) {
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(1)));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  // A redelivered join from before she left.
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(1)));
  EXPECT_FALSE(Sofia().Present());
  EXPECT_EQ(Sofia().joined_at, At(1));
  EXPECT_EQ(Sofia().left_at, At(5));
}

TEST_F(MemberOrderTest, ALeaveArrivingBeforeItsJoinStandsAndKeepsBothTimes) {
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(2)));
  EXPECT_FALSE(Sofia().Present());
  EXPECT_EQ(Sofia().joined_at, At(2));
  EXPECT_EQ(Sofia().left_at, At(5));
}

TEST_F(MemberOrderTest, AnOldLeaveArrivingAfterSheCameBackIsIgnored) {
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(1)));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(9)));  // the leave at 5 is late
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  EXPECT_TRUE(Sofia().Present());
}

TEST_F(MemberOrderTest, AReturnAfterTheLeaveMakesHerPresentAgainFromThen) {
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(1)));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(8)));
  EXPECT_TRUE(Sofia().Present());
  EXPECT_EQ(Sofia().joined_at, At(8));
  // An older leave redelivered now changes nothing; a newer one counts.
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  EXPECT_TRUE(Sofia().Present());
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(12)));
  EXPECT_EQ(Sofia().left_at, At(12));
}

TEST_F(MemberOrderTest, RepeatedJoinsAndLeavesKeepTheLatestTimes) {
  // Two joins without a leave between: the later one starts her stay.
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(3)));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(1)));
  EXPECT_EQ(Sofia().joined_at, At(3));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(7)));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(6)));
  EXPECT_EQ(Sofia().left_at, At(7));
}

TEST_F(MemberOrderTest, AnEventTimeAheadOfTheClockCountsAsNow) {
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, clock_.Now() + std::chrono::hours(24)));
  EXPECT_EQ(Sofia().joined_at, clock_.Now());
  // So a real leave a little later still takes her out.
  clock_.Advance(minutes(2));
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, clock_.Now()));
  EXPECT_FALSE(Sofia().Present());
}

TEST_F(MemberOrderTest, TheTimelineShowsEachEventAtItsOwnTime) {
  ASSERT_TRUE(swarms_.MemberLeft(kChannel, sofia_, At(5)));
  ASSERT_TRUE(swarms_.MemberJoined(kChannel, sofia_, At(2)));
  // Listed by those times (check 22, 7), not in the order they arrived.
  auto recent = incidents_.StatusOf(incident_, 20)->recent;
  std::erase_if(recent, [](const auto& e) { return !e.kind.starts_with("member_"); });
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].kind, "member_joined");
  EXPECT_EQ(recent[0].at, At(2));
  EXPECT_EQ(recent[1].kind, "member_left");
  EXPECT_EQ(recent[1].at, At(5));
}

}  // namespace
}  // namespace swarmbot::lifecycle
