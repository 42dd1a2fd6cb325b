// The incident record (issue #3): the priority matrix and overrides, guarded
// state moves, unlinking and linking by query.
#include <gtest/gtest.h>

#include "lifecycle/incident_service.hpp"
#include "lifecycle/incident_states.hpp"
#include "lifecycle/priority.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using IncidentRecordTest = testing::LifecycleTest;
using store::IncidentState;
using store::Level;

TEST(PriorityMatrix, DefaultsToTheUsualServiceDeskMatrix) {
  const PriorityMatrix matrix;
  EXPECT_EQ(matrix.For(Level::kHigh, Level::kHigh), 1);
  EXPECT_EQ(matrix.For(Level::kHigh, Level::kMedium), 2);
  EXPECT_EQ(matrix.For(Level::kMedium, Level::kHigh), 2);
  EXPECT_EQ(matrix.For(Level::kMedium, Level::kMedium), 3);
  EXPECT_EQ(matrix.For(Level::kHigh, Level::kLow), 3);
  EXPECT_EQ(matrix.For(Level::kMedium, Level::kLow), 4);
  EXPECT_EQ(matrix.For(Level::kLow, Level::kLow), 4);
  EXPECT_EQ(PriorityFor(Level::kLow, Level::kHigh), 3);
}

TEST(PriorityMatrix, ReadsImpactAsRowAndUrgencyAsColumn) {
  PriorityMatrix matrix;
  matrix.cells = {{{1, 1, 2}, {3, 3, 4}, {4, 4, 4}}};
  EXPECT_EQ(matrix.For(Level::kHigh, Level::kLow), 2);
  EXPECT_EQ(matrix.For(Level::kMedium, Level::kHigh), 3);
}

TEST(IncidentStates, EachMoveNamesItsTargetAndTheStatesItStartsFrom) {
  EXPECT_EQ(Target(Transition::kTriage), IncidentState::kTriaged);
  EXPECT_EQ(Target(Transition::kStart), IncidentState::kInProgress);
  EXPECT_EQ(Target(Transition::kResolve), IncidentState::kResolved);
  EXPECT_EQ(Target(Transition::kReopen), IncidentState::kInProgress);
  EXPECT_EQ(Target(Transition::kClose), IncidentState::kClosed);
  EXPECT_EQ(AllowedStatesText(Transition::kTriage), "new");
  EXPECT_EQ(AllowedStatesText(Transition::kStart), "new or triaged");
  EXPECT_EQ(AllowedStatesText(Transition::kResolve), "triaged or in progress");
  EXPECT_EQ(AllowedStatesText(Transition::kReopen), "resolved or closed");
  EXPECT_EQ(AllowedStatesText(Transition::kClose), "new, triaged, in progress or resolved");
}

TEST(IncidentStates, RefusesEveryMoveNotInTheTable) {
  EXPECT_FALSE(Allows(Transition::kTriage, IncidentState::kInProgress));
  EXPECT_FALSE(Allows(Transition::kResolve, IncidentState::kNew));
  EXPECT_FALSE(Allows(Transition::kResolve, IncidentState::kClosed));
  EXPECT_FALSE(Allows(Transition::kReopen, IncidentState::kInProgress));
  EXPECT_FALSE(Allows(Transition::kClose, IncidentState::kClosed));
  EXPECT_TRUE(Allows(Transition::kClose, IncidentState::kNew));
  EXPECT_EQ(ParseTransition("resolve"), Transition::kResolve);
  EXPECT_FALSE(ParseTransition("declare"));
  EXPECT_EQ(StateLabel(IncidentState::kInProgress), "in progress");
}

TEST_F(IncidentRecordTest, KeepsAnOverrideWithItsReasonBesideTheMatrixPriority) {
  DeclareInput in;
  in.subject = "FEAST25 fails";
  in.impact = Level::kMedium;
  in.urgency = Level::kMedium;
  in.territories = {"North", "East"};
  in.priority_override = 1;
  in.override_reason = "launch day campaign";
  auto incident = incidents_.Declare(in, mara_);
  ASSERT_TRUE(incident) << incident.error().detail;
  EXPECT_EQ(incident->priority, 1);
  EXPECT_EQ(incident->matrix_priority, 3);
  EXPECT_EQ(incident->priority_reason, "launch day campaign");
  EXPECT_EQ(incident->territories, (std::vector<std::string>{"North", "East"}));
  EXPECT_EQ(incidents_.StatusOf(1)->recent.back().text,
            "Declared with priority P1 (impact medium, urgency medium), overriding P3: launch "
            "day campaign; territories North, East");
}

TEST_F(IncidentRecordTest, RefusesAnOverrideWithoutReasonOrOutOfRange) {
  DeclareInput in;
  in.subject = "FEAST25 fails";
  in.priority_override = 1;
  auto refused = incidents_.Declare(in, mara_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().user_message, "override reason is required");
  in.priority_override = 5;
  in.override_reason = "why not";
  EXPECT_EQ(incidents_.Declare(in, mara_).error().user_message,
            "priority must be P1, P2, P3 or P4");
  in.priority_override = 3;  // what the matrix gives anyway: no reason needed
  in.override_reason.clear();
  ASSERT_TRUE(incidents_.Declare(in, mara_));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
}

TEST_F(IncidentRecordTest, UsesTheConfiguredMatrix) {
  PriorityMatrix matrix;
  matrix.cells = {{{4, 4, 4}, {4, 4, 4}, {4, 4, 1}}};
  IncidentService custom(*db_, clock_, matrix);
  DeclareInput in;
  in.subject = "Low and low";
  in.impact = Level::kLow;
  in.urgency = Level::kLow;
  EXPECT_EQ(custom.Declare(in, mara_)->priority, 1);
}

TEST_F(IncidentRecordTest, DeclaresOncePerView) {
  DeclareInput in;
  in.subject = "FEAST25 fails";
  in.declare_view = "V1";
  ASSERT_TRUE(incidents_.Declare(in, mara_));
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{"incident.announce", "incident.tell_declarer"}));
  auto again = incidents_.Declare(in, mara_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_EQ(again.error().user_message, "This form was submitted already: it declared INC-1.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM incidents"), 1);
}

TEST_F(IncidentRecordTest, MovesThroughTheStatesWithTimelineAndStamps) {
  const auto incident = NewIncident();
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kTriage, mara_, ""));
  ASSERT_TRUE(incidents_.Move(incident, Transition::kStart, mara_, ""));
  const auto resolved_at = clock_.Now();
  auto resolved = incidents_.Move(incident, Transition::kResolve, mara_, "validation fixed");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->state, IncidentState::kResolved);
  EXPECT_EQ(resolved->resolved_at, resolved_at);
  EXPECT_FALSE(resolved->closed_at);
  EXPECT_EQ(incidents_.StatusOf(incident)->recent.back().text, "Resolved: validation fixed");
  // No swarm: only the announcement follows.
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{"incident.update_announcement",
                                                      "incident.update_announcement",
                                                      "incident.update_announcement"}));
  auto reopened = incidents_.Move(incident, Transition::kReopen, mara_, "");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->state, IncidentState::kInProgress);
  EXPECT_FALSE(reopened->resolved_at);
}

TEST_F(IncidentRecordTest, RefusesAnIllegalMoveNamingTheStatesThatAllowIt) {
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, ""));
  DrainOutbox();
  auto refused = incidents_.Move(incident, Transition::kResolve, mara_, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kConflict);
  EXPECT_EQ(refused.error().user_message,
            "INC-1 is closed; `resolve` works from triaged or in progress.");
  EXPECT_EQ(incidents_.Move(99, Transition::kTriage, mara_, "").error().code, Errc::kNotFound);
  EXPECT_EQ(incidents_.FindIncident(incident)->state, IncidentState::kClosed);
  EXPECT_TRUE(PendingKinds().empty());
  EXPECT_EQ(incidents_.Move(NewIncident(), Transition::kReopen, mara_, "").error().user_message,
            "INC-2 is new; `reopen` works from resolved or closed.");
}

TEST_F(IncidentRecordTest, AMoveRefreshesTheSwarmSummaryAndTopic) {
  const auto incident = NewIncident();
  StartSwarmInput start;
  start.incident = incident;
  ASSERT_TRUE(swarms_.Start(start, mara_));
  DrainOutbox();
  ASSERT_TRUE(incidents_.Move(incident, Transition::kResolve, mara_, ""));
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{"swarm.update_summary", "swarm.set_topic",
                                                      "incident.update_announcement"}));
}

TEST_F(IncidentRecordTest, ReopeningAClosedIncidentHoldsItsCasesAgain) {
  const auto incident = NewIncident();
  const auto c = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {c}, mara_));
  ASSERT_TRUE(incidents_.Close(incident, mara_, "fixed"));
  EXPECT_EQ(cases_.FindCase(c)->status, store::CaseStatus::kClosed);
  EXPECT_EQ(cases_.FindCase(c)->resolution, "fixed");
  auto reopened = incidents_.Move(incident, Transition::kReopen, mara_, "still failing");
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(reopened->closed_at);
  EXPECT_EQ(cases_.FindCase(c)->status, store::CaseStatus::kHeld);
  EXPECT_EQ(cases_.FindCase(c)->resolution, "") << "the earlier resolution no longer applies";
}

TEST_F(IncidentRecordTest, UnlinksCasesBackToTheirOwnersOpenQueue) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  const auto b = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {a, b}, mara_));
  DrainOutbox();
  auto unlinked = incidents_.UnlinkCases(incident, {a}, mara_);
  ASSERT_TRUE(unlinked) << unlinked.error().detail;
  EXPECT_EQ(*unlinked, std::vector<std::int64_t>{a});
  EXPECT_EQ(cases_.FindCase(a)->status, store::CaseStatus::kOpen);
  EXPECT_FALSE(cases_.FindCase(a)->incident);
  EXPECT_EQ(incidents_.StatusOf(incident)->linked_cases, 1);
  EXPECT_EQ(incidents_.StatusOf(incident)->recent.back().text, "Unlinked 1 case: CASE-1");
  EXPECT_EQ(PendingKinds(), std::vector<std::string>{"incident.update_announcement"});
  // Free again: another incident may take it.
  EXPECT_TRUE(incidents_.LinkCases(NewIncident(), {a}, mara_));
}

TEST_F(IncidentRecordTest, RefusesToUnlinkACaseThatIsntLinkedHereAndChangesNothing) {
  const auto incident = NewIncident();
  const auto a = NewCase();
  const auto b = NewCase();
  ASSERT_TRUE(incidents_.LinkCases(incident, {a}, mara_));
  DrainOutbox();
  auto refused = incidents_.UnlinkCases(incident, {a, b}, mara_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().user_message, "CASE-2 isn't linked to INC-1; nothing was unlinked");
  EXPECT_EQ(incidents_.UnlinkCases(incident, {99}, mara_).error().code, Errc::kNotFound);
  EXPECT_EQ(cases_.FindCase(a)->status, store::CaseStatus::kHeld);
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(IncidentRecordTest, LinksTheOpenCasesMatchingEveryWord) {
  const auto incident = NewIncident();
  auto in = ValidCase("FEAST25 rejected at checkout");
  const auto match = cases_.IntakeCase(in, {})->record.number;
  in.subject = "Late delivery";
  in.description = "Driver never came";
  const auto other = cases_.IntakeCase(in, {})->record.number;
  in.subject = "feast25 CHECKOUT problem 100%";
  const auto second = cases_.IntakeCase(in, {})->record.number;
  auto linked = incidents_.LinkMatching(incident, {"feast25", "checkout"}, mara_);
  ASSERT_TRUE(linked) << linked.error().detail;
  EXPECT_EQ(linked->linked, (std::vector<std::int64_t>{match, second}));
  EXPECT_EQ(cases_.FindCase(other)->status, store::CaseStatus::kNew);
  // Held cases aren't matched again; % is a letter, not a wildcard.
  EXPECT_TRUE(incidents_.LinkMatching(incident, {"feast25"}, mara_)->linked.empty());
  EXPECT_TRUE(incidents_.LinkMatching(incident, {"1%0"}, mara_)->linked.empty());
  EXPECT_EQ(incidents_.LinkMatching(incident, {}, mara_).error().code, Errc::kInvalidInput);
}

}  // namespace
}  // namespace swarmbot::lifecycle
