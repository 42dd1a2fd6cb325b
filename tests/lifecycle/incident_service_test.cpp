#include "lifecycle/incident_service.hpp"

#include <SQLiteCpp/Exception.h>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_repository.hpp"
#include "store/outbox.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using IncidentServiceTest = testing::LifecycleTest;
using std::chrono::minutes;

TEST_F(IncidentServiceTest, DeclaresAnIncidentWithPriorityTimelineAndAnnouncement) {
  DeclareInput in;
  in.subject = "  FEAST25 fails at checkout ";
  in.description = "Customers can't use the launch code.";
  in.impact = store::Level::kHigh;
  in.urgency = store::Level::kMedium;
  auto incident = incidents_.Declare(in, mara_);
  ASSERT_TRUE(incident) << incident.error().detail;
  EXPECT_EQ(incident->number, 1);
  EXPECT_EQ(incident->subject, "FEAST25 fails at checkout");
  EXPECT_EQ(incident->state, store::IncidentState::kNew);
  EXPECT_EQ(incident->priority, 2);
  EXPECT_EQ(incident->declared_by, mara_);

  auto status = incidents_.StatusOf(1).value();
  ASSERT_EQ(status.recent.size(), 1u);
  EXPECT_EQ(status.recent[0].kind, "declared");
  EXPECT_EQ(status.recent[0].actor, "UMARA");

  auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].stream, "INC-1");
  EXPECT_EQ(pending[0].kind, "incident.announce");
  EXPECT_EQ(FormValue(pending[0].args, "incident"), "1");
  EXPECT_EQ(NewIncident(), 2);
}

TEST_F(IncidentServiceTest, RefusesADeclarationWithoutSubjectAndChangesNothing) {
  DeclareInput in;
  in.subject = "   ";
  auto result = incidents_.Declare(in, mara_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().user_message, "subject is required");
  in.subject = std::string(251, 'x');
  EXPECT_FALSE(incidents_.Declare(in, mara_));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 0);
}

TEST_F(IncidentServiceTest, LinksCasesAndHoldsThem) {
  const auto incident = NewIncident();
  const auto a = NewCase("email", "North");
  const auto b = NewCase("chat", "East");
  auto result = incidents_.LinkCases(incident, {b, a, a}, mara_);
  ASSERT_TRUE(result) << result.error().detail;
  EXPECT_EQ(result->linked, (std::vector<std::int64_t>{a, b}));
  EXPECT_TRUE(result->already_linked.empty());
  EXPECT_EQ(cases_.FindCase(a)->status, store::CaseStatus::kHeld);
  EXPECT_EQ(cases_.FindCase(a)->incident, incident);

  auto status = incidents_.StatusOf(incident).value();
  EXPECT_EQ(status.linked_cases, 2);
  EXPECT_EQ(status.by_territory.size(), 2u);
  EXPECT_EQ(status.recent.back().kind, "cases_linked");
  EXPECT_EQ(status.recent.back().text, "Linked 2 cases: CASE-1, CASE-2");

  // Held cases leave the open queue.
  store::CaseFilter open;
  open.statuses = {store::CaseStatus::kNew, store::CaseStatus::kOpen};
  EXPECT_EQ(cases_.ListCases(open)->total, 0);
}

// Check 15: a customer's reply reopens a case closed with its incident; the
// old link stays as history and must not keep the case from a new incident.
TEST_F(IncidentServiceTest, ACaseReopenedAfterItsIncidentClosedLinksToANewOne) {
  const auto first = NewIncident();
  const auto reopened = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(first, {reopened}, mara_));
  ASSERT_TRUE(incidents_.Close(first, mara_, "fixed"));
  store::CaseRepository(*db_).Reopen(reopened, clock_.Now());

  const auto second = NewIncident("FEAST25 fails again");
  auto linked = incidents_.LinkCases(second, {reopened}, mara_);

  ASSERT_TRUE(linked) << linked.error().detail;
  EXPECT_EQ(linked->linked, std::vector<std::int64_t>{reopened});
  EXPECT_EQ(cases_.FindCase(reopened)->incident, second);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM case_links WHERE case_number = " + std::to_string(reopened)), 2);
}

TEST_F(IncidentServiceTest, LinkingAgainIsANoOp) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {a}, mara_));
  DrainOutbox();
  const auto entries = Count("SELECT COUNT(*) FROM timeline");
  auto again = incidents_.LinkCases(incident, {a}, mara_);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->linked.empty());
  EXPECT_EQ(again->already_linked, std::vector<std::int64_t>{a});
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline"), entries);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 1);
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(IncidentServiceTest, RefusesTheWholeLinkWhenOneCaseIsUnknown) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  auto result = incidents_.LinkCases(incident, {a, 41, 42}, mara_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kNotFound);
  EXPECT_EQ(result.error().user_message, "CASE-41, CASE-42 don't exist; nothing was linked");
  EXPECT_EQ(cases_.FindCase(a)->status, store::CaseStatus::kNew);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM case_links"), 0);
}

TEST_F(IncidentServiceTest, RefusesACaseHeldByAnotherOpenIncident) {
  const auto first = NewIncident();
  const auto second = NewIncident("Refunds stuck");
  const auto a = NewCase();
  const auto b = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(first, {a}, mara_));
  auto result = incidents_.LinkCases(second, {b, a}, mara_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kConflict);
  EXPECT_EQ(result.error().user_message, "CASE-1 is already linked to INC-1");
  EXPECT_EQ(cases_.FindCase(b)->status, store::CaseStatus::kNew);  // all or nothing
}

TEST_F(IncidentServiceTest, RefusesLinksToAnUnknownOrClosedIncident) {
  const auto a = NewCase();
  auto unknown = incidents_.LinkCases(9, {a}, mara_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().user_message, "INC-9 doesn't exist");

  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, ""));
  auto closed = incidents_.LinkCases(incident, {a}, mara_);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, Errc::kConflict);
  EXPECT_EQ(closed.error().user_message, "INC-1 is closed; cases can't be linked to it");
}

TEST_F(IncidentServiceTest, RefusesAnEmptyLink) {
  auto result = incidents_.LinkCases(NewIncident(), {}, mara_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInvalidInput);
}

TEST_F(IncidentServiceTest, LinkRefreshesTheSwarmSummaryOnlyWhenThereIsASwarm) {
  const auto incident = NewIncident();
  DrainOutbox();
  ASSERT_TRUE(incidents_.LinkCases(incident, {NewCase()}, mara_));
  EXPECT_EQ(PendingKinds(), std::vector<std::string>{"incident.update_announcement"});
  DrainOutbox();

  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  DrainOutbox();
  ASSERT_TRUE(incidents_.LinkCases(incident, {NewCase()}, mara_));
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{"swarm.update_summary", "incident.update_announcement"}));
}

TEST_F(IncidentServiceTest, ClosesTheIncidentItsCasesAndTheSwarm) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  const auto b = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {a, b}, mara_));
  ASSERT_TRUE(swarms_.Start({incident, {}, {}}, priya_));
  DrainOutbox();
  clock_.Advance(minutes(90));

  auto closed = incidents_.Close(incident, priya_, "Validation fixed; FEAST25 works again");
  ASSERT_TRUE(closed) << closed.error().detail;
  EXPECT_EQ(closed->state, store::IncidentState::kClosed);
  EXPECT_EQ(closed->closed_at, clock_.Now());
  EXPECT_EQ(closed->resolved_at, clock_.Now());
  EXPECT_EQ(closed->close_note, "Validation fixed; FEAST25 works again");
  for (auto number : {a, b}) {
    auto c = cases_.FindCase(number).value();
    EXPECT_EQ(c.status, store::CaseStatus::kClosed);
    EXPECT_EQ(c.resolution, "Validation fixed; FEAST25 works again");
  }
  EXPECT_EQ(swarms_.FindByIncident(incident).value()->state, store::SwarmState::kClosing);
  // Ravi owned both cases: one direct message tells him they closed.
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{"routing.cases_closed", "swarm.set_topic",
                                      "swarm.update_summary", "swarm.post_closing", "swarm.archive",
                                      "incident.update_announcement"}));
  const auto told = store::Outbox(*db_).Pending().front();
  EXPECT_EQ(FormValue(told.args, "users"), "URAVI");
  EXPECT_EQ(FormValue(told.args, "cases"), std::to_string(a) + "," + std::to_string(b));
  const auto recent = incidents_.StatusOf(incident)->recent;
  ASSERT_GE(recent.size(), 2u);
  EXPECT_EQ(recent[recent.size() - 2].kind, "closed");
  EXPECT_EQ(recent.back().kind, "swarm_closed");
}

TEST_F(IncidentServiceTest, ClosingWithoutANoteGivesCasesADefaultResolution) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {a}, mara_));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Close(incident, mara_, ""));
  EXPECT_EQ(cases_.FindCase(a)->resolution, "Closed with INC-1");
  // No swarm, so nothing to archive; Ravi hears that his case closed.
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{"routing.cases_closed", "incident.update_announcement"}));
}

TEST_F(IncidentServiceTest, WhoeverClosesIsNotToldAboutTheirOwnCases) {
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.LinkCases(incident, {NewCase()}, mara_));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Close(incident, UserId("URAVI"), "fixed"));
  EXPECT_EQ(PendingKinds(), std::vector<std::string>{"incident.update_announcement"});
}

TEST_F(IncidentServiceTest, RefusesToCloseTwice) {
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, "done"));
  DrainOutbox();
  auto again = incidents_.Close(incident, mara_, "again");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(again.error().user_message,
            "INC-1 is closed; `close` works from new, triaged, in progress or resolved.");
  EXPECT_EQ(incidents_.FindIncident(incident)->close_note, "done");
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(IncidentServiceTest, RefusesAnOversizedCloseNote) {
  const auto incident = NewIncident();
  auto result = incidents_.Close(incident, mara_, std::string(3001, 'n'));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(incidents_.FindIncident(incident)->Open());
}

TEST_F(IncidentServiceTest, ReportsStatusWithCountsByChannelAndTerritory) {
  const auto incident = NewIncident();
  std::vector<std::int64_t> numbers{NewCase("email", "North"), NewCase("email", "East"),
                                    NewCase("phone", "North")};
  NewCase("web", "West");  // unrelated
  ASSERT_TRUE(incidents_.LinkCases(incident, numbers, mara_));
  auto status = incidents_.StatusOf(incident).value();
  EXPECT_EQ(status.linked_cases, 3);
  EXPECT_EQ(status.by_channel, (store::LabelCounts{{"email", 2}, {"phone", 1}}));
  EXPECT_EQ(status.by_territory, (store::LabelCounts{{"North", 2}, {"East", 1}}));
  EXPECT_FALSE(status.swarm);
  EXPECT_EQ(incidents_.StatusOf(99).error().code, Errc::kNotFound);
}

TEST_F(IncidentServiceTest, RecordsTheAnnouncementAndProblems) {
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.RecordAnnouncement(incident, ChannelId("CIM"), MessageTs("5.000001")));
  EXPECT_EQ(incidents_.FindIncident(incident)->announce_ts, MessageTs("5.000001"));
  ASSERT_TRUE(incidents_.NoteProblem(incident, "Slack refused to archive: cant_archive_general"));
  auto last = incidents_.StatusOf(incident)->recent.back();
  EXPECT_EQ(last.actor, "swarmbot");
  EXPECT_EQ(last.kind, "problem");
}

TEST(InTransaction, RollsBackAndReportsAStoreFailure) {
  auto db = store::Database::Open(":memory:").value();
  auto result = InTransaction(*db, "test", [&]() -> Status {
    db->Sql().exec("INSERT INTO sequences (kind, last_value) VALUES ('X', 1)");
    db->Sql().exec("INSERT INTO no_such_table VALUES (1)");
    return {};
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInternal);
  EXPECT_EQ(result.error().user_message,
            "Something went wrong while saving that; nothing was changed.");
  EXPECT_EQ(db->Sql().execAndGet("SELECT COUNT(*) FROM sequences").getInt(), 0);
}

TEST(InTransaction, RollsBackWhenTheBodyRefuses) {
  auto db = store::Database::Open(":memory:").value();
  auto result = InTransaction(*db, "test", [&]() -> Status {
    db->Sql().exec("INSERT INTO sequences (kind, last_value) VALUES ('X', 1)");
    return MakeError(Errc::kConflict, "no");
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(db->Sql().execAndGet("SELECT COUNT(*) FROM sequences").getInt(), 0);
}

}  // namespace
}  // namespace swarmbot::lifecycle
