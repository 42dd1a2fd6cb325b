#include "lifecycle/swarm_service.hpp"

#include <gtest/gtest.h>

#include "common/form.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using SwarmServiceTest = testing::LifecycleTest;

TEST_F(SwarmServiceTest, StartsASwarmNamedFromTheIncident) {
  const auto incident = NewIncident();
  DrainOutbox();
  auto swarm =
      swarms_.Start({incident, {UserId("USOFIA"), priya_}, {UserGroupId("SDEVOPS")}}, priya_);
  ASSERT_TRUE(swarm) << swarm.error().detail;
  EXPECT_EQ(swarm->swarm.channel_name, "inc-1-feast25-fails-at-checkout");
  EXPECT_EQ(swarm->swarm.state, store::SwarmState::kStarting);
  EXPECT_EQ(swarm->swarm.created_by, priya_);
  EXPECT_EQ(incidents_.FindIncident(incident)->state, store::IncidentState::kInProgress);

  auto pending = store::Outbox(*db_).Pending();
  std::vector<std::string> kinds;
  for (const auto& item : pending) {
    EXPECT_EQ(item.stream, "INC-1");
    kinds.push_back(item.kind);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"swarm.create_channel", "swarm.set_topic",
                                             "swarm.set_purpose", "swarm.post_summary",
                                             "swarm.pin_summary", "swarm.add_bookmark",
                                             "swarm.invite", "incident.update_announcement"}));
  const auto& invite = pending[6];
  EXPECT_EQ(FormValue(invite.args, "users"), "UPRIYA,USOFIA");  // actor first, once
  EXPECT_EQ(FormValue(invite.args, "usergroups"), "SDEVOPS");
  const auto recent = incidents_.StatusOf(incident)->recent;
  ASSERT_GE(recent.size(), 2u);
  EXPECT_EQ(recent[recent.size() - 2].kind, "started");
  EXPECT_EQ(recent[recent.size() - 2].text, "Work started with the swarm");
  EXPECT_EQ(recent.back().kind, "swarm_started");
}

// check 14: a start Slack refused kept its time, so the closing summary's
// duration counted the hour before the channel existed.
TEST_F(SwarmServiceTest, AStartAfterARefusedChannelCountsFromTheNewStart) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.ChannelRefused(incident, "restricted_action", priya_));
  DrainOutbox();
  clock_.Advance(std::chrono::hours(1));
  auto again = swarms_.Start({incident, {}, {}}, priya_);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(again->swarm.state, store::SwarmState::kStarting);
  EXPECT_EQ(again->swarm.created_at, clock_.Now());
}

TEST_F(SwarmServiceTest, ClosingASwarmWhoseChannelWasRefusedSaysThereIsNone) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.ChannelRefused(incident, "restricted_action", priya_));
  const auto closed = swarms_.Close(incident, priya_);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().user_message,
            "INC-1 has no swarm channel to close: Slack refused to create "
            "#inc-1-feast25-fails-at-checkout");
}

TEST_F(SwarmServiceTest, RefusesASecondSwarmPointingAtTheFirst) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  DrainOutbox();
  auto again = swarms_.Start({incident, {}, {}}, mara_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(again.error().user_message,
            "INC-1 already has a swarm channel: #inc-1-feast25-fails-at-checkout");
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(SwarmServiceTest, AnEffectWithoutAChannelIsNotRequeuedWhenNoChannelIsComing) {
  const auto incident = NewIncident();
  DrainOutbox();
  ASSERT_TRUE(swarms_.Start({incident, {UserId("USOFIA")}, {}}, priya_));
  store::Outbox outbox(*db_);
  // conversations.create failed for good: nothing will ever create the channel.
  const auto create = outbox.ClaimNext(clock_.Now()).value();
  ASSERT_EQ(create.kind, effect::kCreateChannel);
  outbox.MarkFailed(create.id, "restricted_action", clock_.Now());
  const std::size_t pending = outbox.Pending().size();
  const auto next = outbox.ClaimNext(clock_.Now()).value();

  const auto requeued = swarms_.RequeueBehindNewChannel(incident, next);
  ASSERT_TRUE(requeued);
  EXPECT_FALSE(*requeued) << "queued again forever behind nothing";
  EXPECT_EQ(outbox.Pending().size(), pending);
}

TEST_F(SwarmServiceTest, RefusesUnknownAndClosedIncidents) {
  auto unknown = swarms_.Start({5, {}, {}}, priya_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, ""));
  auto closed = swarms_.Start({incident, {}, {}}, priya_);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, Errc::kConflict);
  EXPECT_FALSE(swarms_.FindByIncident(incident).value());
}

TEST_F(SwarmServiceTest, RefusesTooManyInvitees) {
  StartSwarmInput input{NewIncident(), {}, {}};
  for (std::size_t i = 0; i <= SwarmService::kMaxInvitees; ++i) {
    input.invitees.emplace_back("U" + std::to_string(i));
  }
  auto result = swarms_.Start(input, priya_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInvalidInput);
}

TEST_F(SwarmServiceTest, RecordsEffectResults) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(incident, ChannelId("CSWARM"), "inc-1-feast25-2"));
  auto swarm = swarms_.FindByChannel(ChannelId("CSWARM")).value();
  ASSERT_TRUE(swarm);
  EXPECT_EQ(swarm->incident, incident);
  EXPECT_EQ(swarm->state, store::SwarmState::kActive);
  EXPECT_EQ(swarm->channel_name, "inc-1-feast25-2");

  ASSERT_TRUE(swarms_.RecordSummary(incident, MessageTs("7.000007")));
  ASSERT_TRUE(swarms_.RecordInvited(incident, {priya_, UserId("USOFIA")}));
  EXPECT_EQ(incidents_.StatusOf(incident)->members.size(), 2u);
  ASSERT_TRUE(swarms_.RecordArchived(incident, ChannelId("CSWARM")));
  ASSERT_TRUE(swarms_.RecordArchived(incident, ChannelId("CSWARM")));  // idempotent
  swarm = swarms_.FindByIncident(incident).value();
  EXPECT_EQ(swarm->summary_ts, MessageTs("7.000007"));
  EXPECT_EQ(swarm->state, store::SwarmState::kArchived);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline WHERE kind = 'channel_archived'"), 1);

  EXPECT_EQ(swarms_.RecordChannel(99, ChannelId("C9"), "x").error().code, Errc::kNotFound);
}

TEST_F(SwarmServiceTest, RecordsMembersJoiningAndLeavingASwarmChannel) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(incident, ChannelId("CSWARM"), "inc-1"));

  auto joined = swarms_.MemberJoined(ChannelId("CSWARM"), UserId("USOFIA"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(*joined, incident);
  auto status = incidents_.StatusOf(incident).value();
  ASSERT_EQ(status.members.size(), 1u);
  EXPECT_TRUE(status.members[0].Present());
  EXPECT_EQ(status.recent.back().kind, "member_joined");

  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), UserId("USOFIA")));
  EXPECT_FALSE(incidents_.StatusOf(incident)->members[0].Present());
}

TEST_F(SwarmServiceTest, IgnoresMemberEventsOutsideSwarmChannels) {
  NewIncident();
  auto result = swarms_.MemberJoined(ChannelId("CRANDOM"), UserId("USOFIA"));
  ASSERT_TRUE(result);
  EXPECT_FALSE(*result);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM swarm_members"), 0);
}

}  // namespace
}  // namespace swarmbot::lifecycle
