#include <chrono>

#include <SQLiteCpp/Exception.h>
#include <gtest/gtest.h>

#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/idempotency_repository.hpp"
#include "store/incident_repository.hpp"
#include "store/records.hpp"
#include "store/sequences.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::store {
namespace {

using std::chrono::minutes;

CaseFilter Filter(std::vector<CaseStatus> statuses, std::optional<std::int64_t> incident = {},
                  int limit = 50) {
  CaseFilter f;
  f.statuses = std::move(statuses);
  f.incident = incident;
  f.limit = limit;
  return f;
}

class RepositoryTest : public ::testing::Test {
 protected:
  Case MakeCase(std::string subject, CaseChannel channel = CaseChannel::kEmail,
                std::string territory = "North") {
    Case c;
    c.contact_name = "Ada";
    c.contact_email = "ada@example.com";
    c.channel = channel;
    c.territory = std::move(territory);
    c.subject = std::move(subject);
    c.owner = UserId("URAVI");
    c.created_at = c.updated_at = clock_.Now();
    clock_.Advance(minutes(1));
    return c;
  }

  std::int64_t MakeIncident() {
    Incident i;
    i.subject = "FEAST25 fails";
    i.declared_by = UserId("UMARA");
    i.created_at = clock_.Now();
    return incidents_.Insert(i);
  }

  FakeClock clock_;
  std::unique_ptr<Database> db_ = Database::Open(":memory:").value();
  CaseRepository cases_{*db_};
  IncidentRepository incidents_{*db_};
  CaseLinkRepository links_{*db_};
  SwarmRepository swarms_{*db_};
  TimelineRepository timeline_{*db_};
};

TEST(Records, FormatsAndParsesHumanNumbers) {
  EXPECT_EQ(CaseNumberText(1042), "CASE-1042");
  EXPECT_EQ(IncidentNumberText(42), "INC-42");
  EXPECT_EQ(ParseCaseNumber("CASE-1042"), 1042);
  EXPECT_EQ(ParseCaseNumber("case-7"), 7);
  EXPECT_EQ(ParseIncidentNumber("INC-42"), 42);
  for (const char* bad : {"CASE-", "CASE-0", "CASE-1x", "CASE--1", "INC-1", " CASE-1",
                          "CASE-1234567890123", "CASE+1"}) {
    EXPECT_FALSE(ParseCaseNumber(bad)) << bad;
  }
  EXPECT_FALSE(ParseIncidentNumber("CASE-1"));
}

TEST(Records, NamesRoundTrip) {
  for (auto c : {CaseChannel::kEmail, CaseChannel::kChat, CaseChannel::kMessaging,
                 CaseChannel::kPhone, CaseChannel::kWeb}) {
    EXPECT_EQ(ParseCaseChannel(Name(c)), c);
  }
  EXPECT_FALSE(ParseCaseChannel("fax"));
  EXPECT_EQ(ParseIncidentState("in_progress"), IncidentState::kInProgress);
  EXPECT_EQ(ParseLevel("high"), Level::kHigh);
  EXPECT_EQ(FromMillis(ToMillis(FakeClock().Now())), FakeClock().Now());
}

TEST_F(RepositoryTest, SequencesCountPerKindFromOne) {
  Sequences sequences(*db_);
  EXPECT_EQ(sequences.Next("CASE"), 1);
  EXPECT_EQ(sequences.Next("CASE"), 2);
  EXPECT_EQ(sequences.Next("INC"), 1);
  EXPECT_EQ(sequences.Next("CASE"), 3);
}

TEST_F(RepositoryTest, StoresAndFindsACase) {
  const auto number = cases_.Insert(MakeCase("FEAST25 rejected"));
  EXPECT_EQ(number, 1);
  auto found = cases_.Find(number);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->subject, "FEAST25 rejected");
  EXPECT_EQ(found->channel, CaseChannel::kEmail);
  EXPECT_EQ(found->owner, UserId("URAVI"));
  EXPECT_EQ(found->status, CaseStatus::kNew);
  EXPECT_FALSE(found->incident);
  EXPECT_FALSE(cases_.Find(99));
}

TEST_F(RepositoryTest, ListsCasesNewestFirstWithAFilter) {
  cases_.Insert(MakeCase("one"));
  cases_.Insert(MakeCase("two", CaseChannel::kChat));
  cases_.Insert(MakeCase("three", CaseChannel::kPhone));
  const auto incident = MakeIncident();
  cases_.Hold(2, incident, clock_.Now());

  auto all = cases_.List({});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].subject, "three");
  EXPECT_EQ(all[2].subject, "one");

  auto open = cases_.List(Filter({CaseStatus::kNew, CaseStatus::kOpen}));
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].subject, "three");
  EXPECT_EQ(cases_.Count(Filter({CaseStatus::kHeld})), 1);
  EXPECT_EQ(cases_.List(Filter({}, {}, 1)).size(), 1u);
  EXPECT_EQ(cases_.List(Filter({}, incident))[0].subject, "two");
}

TEST_F(RepositoryTest, HoldsAndClosesCases) {
  const auto number = cases_.Insert(MakeCase("x"));
  const auto incident = MakeIncident();
  cases_.Hold(number, incident, clock_.Now());
  EXPECT_EQ(cases_.Find(number)->status, CaseStatus::kHeld);
  EXPECT_EQ(cases_.Find(number)->incident, incident);
  clock_.Advance(minutes(5));
  cases_.Close(number, "code fixed", clock_.Now());
  auto closed = cases_.Find(number).value();
  EXPECT_EQ(closed.status, CaseStatus::kClosed);
  EXPECT_EQ(closed.resolution, "code fixed");
  EXPECT_EQ(closed.updated_at, clock_.Now());
}

TEST_F(RepositoryTest, CountsAnIncidentsCasesByChannelAndTerritory) {
  const auto incident = MakeIncident();
  for (auto [channel, territory] : {std::pair{CaseChannel::kEmail, "North"},
                                    {CaseChannel::kEmail, "East"},
                                    {CaseChannel::kChat, "North"}}) {
    cases_.Hold(cases_.Insert(MakeCase("s", channel, territory)), incident, clock_.Now());
  }
  cases_.Insert(MakeCase("unrelated", CaseChannel::kWeb));
  EXPECT_EQ(cases_.CountByChannel(incident), (LabelCounts{{"email", 2}, {"chat", 1}}));
  EXPECT_EQ(cases_.CountByTerritory(incident), (LabelCounts{{"North", 2}, {"East", 1}}));
}

TEST_F(RepositoryTest, StampsIncidentTimesAsTheStateMoves) {
  const auto number = MakeIncident();
  auto incident = incidents_.Find(number).value();
  EXPECT_EQ(incident.state, IncidentState::kNew);
  EXPECT_TRUE(incident.Open());
  incidents_.SetState(number, IncidentState::kInProgress, clock_.Now());
  EXPECT_FALSE(incidents_.Find(number)->resolved_at);
  const auto resolved = clock_.Now();
  incidents_.SetState(number, IncidentState::kResolved, resolved);
  clock_.Advance(minutes(10));
  incidents_.SetState(number, IncidentState::kClosed, clock_.Now());
  incident = incidents_.Find(number).value();
  EXPECT_EQ(incident.resolved_at, resolved);
  EXPECT_EQ(incident.closed_at, clock_.Now());
  EXPECT_FALSE(incident.Open());
  incidents_.SetAnnouncement(number, ChannelId("CIM"), MessageTs("1.000100"));
  EXPECT_EQ(incidents_.Find(number)->announce_ts, MessageTs("1.000100"));
}

TEST_F(RepositoryTest, AllowsOneLiveLinkPerCase) {
  const auto a = MakeIncident();
  const auto b = MakeIncident();
  const auto number = cases_.Insert(MakeCase("x"));
  links_.Link(a, number, UserId("UMARA"), clock_.Now());
  EXPECT_THROW(links_.Link(b, number, UserId("UMARA"), clock_.Now()), SQLite::Exception);
  EXPECT_EQ(links_.LiveLink(number)->incident, a);
  EXPECT_EQ(links_.LinkedCases(a), std::vector<std::int64_t>{number});
  EXPECT_TRUE(links_.LinkedCases(b).empty());
}

TEST_F(RepositoryTest, FindsASwarmByIncidentAndByChannel) {
  const auto incident = MakeIncident();
  Swarm s;
  s.incident = incident;
  s.channel_name = "inc-1-feast25-fails";
  s.created_by = UserId("UPRIYA");
  s.created_at = clock_.Now();
  const auto id = swarms_.Insert(s);
  EXPECT_FALSE(swarms_.FindByChannel(ChannelId("C1")));
  EXPECT_FALSE(swarms_.FindByChannel(ChannelId("")));
  swarms_.SetChannel(id, ChannelId("C1"), "inc-1-feast25-fails");
  swarms_.SetSummaryTs(id, MessageTs("2.000200"));
  auto found = swarms_.FindByChannel(ChannelId("C1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->incident, incident);
  EXPECT_EQ(found->summary_ts, MessageTs("2.000200"));
  swarms_.SetState(id, SwarmState::kArchived, clock_.Now());
  EXPECT_EQ(swarms_.FindByIncident(incident)->archived_at, clock_.Now());
  EXPECT_THROW(swarms_.Insert(s), SQLite::Exception);  // one swarm per incident
}

TEST_F(RepositoryTest, TracksSwarmMembersComingAndGoing) {
  Swarm s;
  s.incident = MakeIncident();
  s.channel_name = "inc-1";
  s.created_at = clock_.Now();
  const auto id = swarms_.Insert(s);
  swarms_.MarkInvited(id, UserId("USOFIA"), clock_.Now());
  const auto invited = clock_.Now();
  clock_.Advance(minutes(1));
  swarms_.MarkInvited(id, UserId("USOFIA"), clock_.Now());  // keeps the first invitation
  swarms_.MarkJoined(id, UserId("USOFIA"), clock_.Now());
  swarms_.MarkJoined(id, UserId("UDEV"), clock_.Now());
  swarms_.MarkLeft(id, UserId("UDEV"), clock_.Now());

  auto members = swarms_.Members(id);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].user, UserId("USOFIA"));
  EXPECT_EQ(members[0].invited_at, invited);
  EXPECT_TRUE(members[0].Present());
  EXPECT_FALSE(members[1].Present());

  swarms_.MarkJoined(id, UserId("UDEV"), clock_.Now());
  EXPECT_TRUE(swarms_.Members(id)[1].Present());
}

TEST_F(RepositoryTest, ReturnsTheLatestTimelineEntriesInOrder) {
  const auto incident = MakeIncident();
  for (int i = 0; i < 5; ++i) {
    timeline_.Append(incident, clock_.Now(), "UMARA", "note", "entry " + std::to_string(i));
  }
  auto recent = timeline_.Recent(incident, 3);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].text, "entry 2");
  EXPECT_EQ(recent[2].text, "entry 4");
}

// Check 22, 7: a leave Slack delivered before its join read "Left…, Joined…".
TEST_F(RepositoryTest, OrdersTheTimelineByEachEntrysOwnTimeNotByArrival) {
  const auto incident = MakeIncident();
  const auto joined_at = clock_.Now();
  timeline_.Append(incident, joined_at + std::chrono::seconds(1), "UDEV", "member_left", "Left");
  timeline_.Append(incident, joined_at, "UDEV", "member_joined", "Joined");
  timeline_.Append(incident, joined_at + std::chrono::seconds(1), "UMARA", "note", "same instant");
  const auto recent = timeline_.Recent(incident, 3);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].text, "Joined");
  EXPECT_EQ(recent[1].text, "Left");
  EXPECT_EQ(recent[2].text, "same instant");
  const auto latest = timeline_.Recent(incident, 1);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].text, "same instant");
}

TEST_F(RepositoryTest, RemembersIdempotencyKeys) {
  IdempotencyRepository keys(*db_);
  const auto number = cases_.Insert(MakeCase("x"));
  EXPECT_FALSE(keys.Find("k1"));
  keys.Insert("k1", "hash", number, clock_.Now());
  auto found = keys.Find("k1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->request_hash, "hash");
  EXPECT_EQ(found->case_number, number);
}

}  // namespace
}  // namespace swarmbot::store
