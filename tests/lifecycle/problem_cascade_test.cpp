// The lower half of the closing cascade (issue #5): fixed problems close with
// their incidents and cases in the caller's transaction, guarded so that
// nothing still needed closes, and all of it rolls back on a failure. Also the
// other direction: reopening an incident soon after closing reopens its problem.
#include <string>

#include <gtest/gtest.h>

#include "lifecycle/problem_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/change_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle::testing {
namespace {

class ProblemCascadeTest : public LifecycleTest {
 protected:
  void SetUp() override {
    incidents_.SetReopenHook(
        [this](std::int64_t incident, Clock::TimePoint closed_at, const UserId& actor) {
          return problems_.ReopenWithIncidentInTransaction(incident, closed_at, actor);
        });
    incidents_.SetCloseHook([this](std::int64_t incident, const UserId& actor) {
      return problems_.CloseReleasedInTransaction(incident, actor);
    });
  }

  // CHG-n fixing `problem`, closed with `note` in the cascade's transaction
  // as ChangeService::Close does it, the cascade's report returned.
  CascadeReport CloseChangeFixing(std::int64_t problem, const std::string& note) {
    auto report = InTransaction(*db_, "test_close_change", [&]() -> Result<CascadeReport> {
      store::ChangeRepository changes(*db_);
      store::Change change;
      change.title = "Fix the rule";
      change.requester = dev_;
      change.created_at = clock_.Now();
      const std::int64_t number = changes.Insert(change);
      changes.AddLink(number, {store::LinkTarget::kProblem, problem, store::LinkRelation::kFixes,
                               dev_, clock_.Now()});
      changes.SetClosed(number, note, clock_.Now());
      return problems_.CloseFixedInTransaction({problem}, dev_, note);
    });
    EXPECT_TRUE(report) << report.error().detail;
    return report ? *report : CascadeReport{};
  }

  std::int64_t ProblemFor(std::int64_t incident) {
    return problems_.Create({"FEAST25 rule", incident}, dev_).value().number;
  }

  std::int64_t IncidentWithCases(int cases) {
    const std::int64_t incident = NewIncident();
    std::vector<std::int64_t> numbers;
    for (int i = 0; i < cases; ++i) {
      numbers.push_back(NewCase());
    }
    EXPECT_TRUE(incidents_.LinkCases(incident, numbers, mara_));
    return incident;
  }

  // The cascade inside a transaction of its own, as the change's close runs it.
  Result<CascadeReport> Cascade(const std::vector<std::int64_t>& problems,
                                std::string_view note = "Fixed by CHG-1") {
    return InTransaction(*db_, "test_cascade", [&]() -> Result<CascadeReport> {
      return problems_.CloseFixedInTransaction(problems, dev_, note);
    });
  }

  std::string State(const std::string& table, std::int64_t number) {
    return db_->Sql()
        .execAndGet("SELECT state FROM " + table + " WHERE number = " + std::to_string(number))
        .getString();
  }

  ProblemService problems_{*db_, clock_, incidents_};
  UserId dev_{"UDEV"};
};

TEST_F(ProblemCascadeTest, ClosesTheProblemItsIncidentsAndTheirCases) {
  const std::int64_t first = IncidentWithCases(3);
  const std::int64_t second = IncidentWithCases(2);
  const std::int64_t problem = ProblemFor(first);
  ASSERT_TRUE(problems_.Link(problem, second, {dev_, true}));

  const auto report = Cascade({problem, problem});
  ASSERT_TRUE(report) << report.error().detail;
  EXPECT_EQ(report->closed_problems, std::vector<std::int64_t>{problem});
  EXPECT_EQ(report->closed_incidents, (std::vector<std::int64_t>{first, second}));
  EXPECT_EQ(report->closed_cases, 5);
  EXPECT_TRUE(report->kept_open.empty());
  EXPECT_EQ(State("problems", problem), "closed");
  EXPECT_EQ(State("incidents", first), "closed");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'closed' AND "
                  "resolution = 'Fixed by CHG-1'"),
            5);
  EXPECT_EQ(problems_.Details(problem).value().problem.close_note, "Fixed by CHG-1");
}

TEST_F(ProblemCascadeTest, AnIncidentWithAnotherOpenProblemStaysOpenAndSoDoesTheFixedOne) {
  const std::int64_t shared = IncidentWithCases(1);
  const std::int64_t only_fixed = IncidentWithCases(1);
  const std::int64_t fixed = ProblemFor(shared);
  const std::int64_t other = ProblemFor(shared);
  ASSERT_TRUE(problems_.Link(fixed, only_fixed, {dev_, true}));

  const auto report = Cascade({fixed});
  ASSERT_TRUE(report) << report.error().detail;
  // The incident whose only problem is fixed closes; the shared one waits for
  // PRB-2, and PRB-1 waits for the shared incident.
  EXPECT_EQ(report->closed_incidents, std::vector<std::int64_t>{only_fixed});
  EXPECT_TRUE(report->closed_problems.empty());
  EXPECT_EQ(report->closed_cases, 1);
  EXPECT_EQ(report->kept_open,
            (std::vector<std::string>{"INC-1 stays open: PRB-2 is still open.",
                                      "PRB-1 stays open: INC-1 is still open."}));
  EXPECT_EQ(State("incidents", shared), "new");
  EXPECT_EQ(State("problems", other), "new");
}

TEST_F(ProblemCascadeTest, FixingBothProblemsClosesTheSharedIncident) {
  const std::int64_t shared = IncidentWithCases(2);
  const std::int64_t a = ProblemFor(shared);
  const std::int64_t b = ProblemFor(shared);
  const auto report = Cascade({b, a});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->closed_problems, (std::vector<std::int64_t>{a, b}));
  EXPECT_EQ(report->closed_incidents, std::vector<std::int64_t>{shared});
  EXPECT_EQ(report->closed_cases, 2);
}

TEST_F(ProblemCascadeTest, AnUnknownProblemRefusesTheWholeCascade) {
  const std::int64_t incident = IncidentWithCases(1);
  const std::int64_t problem = ProblemFor(incident);
  const auto report = Cascade({problem, 99});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kNotFound);
  EXPECT_EQ(report.error().user_message, "PRB-99 doesn't exist");
  EXPECT_EQ(State("problems", problem), "new");
  EXPECT_EQ(State("incidents", incident), "new");
}

TEST_F(ProblemCascadeTest, AStoreFailureMidwayLeavesNothingHalfClosed) {
  const std::int64_t first = IncidentWithCases(2);
  const std::int64_t second = IncidentWithCases(2);
  const std::int64_t problem = ProblemFor(first);
  ASSERT_TRUE(problems_.Link(problem, second, {dev_, true}));
  DrainOutbox();
  // The last case of the second incident can't be closed: by then the
  // problem, the first incident and its cases have closed in this transaction.
  db_->Sql().exec(
      "CREATE TRIGGER refuse_close BEFORE UPDATE OF status ON cases "
      "WHEN NEW.status = 'closed' AND NEW.number = 4 "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");

  const auto report = Cascade({problem});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kInternal);
  EXPECT_EQ(report.error().user_message,
            "Something went wrong while closing the problems; nothing was changed.");
  EXPECT_EQ(State("problems", problem), "new");
  EXPECT_EQ(State("incidents", first), "new");
  EXPECT_EQ(State("incidents", second), "new");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'closed'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_events WHERE kind = 'state'"), 0);
  EXPECT_TRUE(PendingKinds().empty());
}

TEST_F(ProblemCascadeTest, ReopeningSoonAfterClosingReopensTheProblemAndSaysSo) {
  const std::int64_t incident = IncidentWithCases(1);
  const std::int64_t problem = ProblemFor(incident);
  ASSERT_TRUE(Cascade({problem}));
  clock_.Advance(std::chrono::hours(24 * 6));
  EXPECT_EQ(problems_.ReopenCandidates(incident).value(), std::vector<std::int64_t>{problem});
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, "customers still see it"));
  EXPECT_EQ(State("problems", problem), "investigating");
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT text FROM timeline WHERE kind = 'problem_state' "
                            "ORDER BY id DESC LIMIT 1")
                .getString(),
            "PRB-1: Reopened: INC-1 was reopened within 7 days of closing");
}

TEST_F(ProblemCascadeTest, ReopeningLongAfterClosingLeavesTheProblemClosed) {
  const std::int64_t incident = IncidentWithCases(1);
  const std::int64_t problem = ProblemFor(incident);
  ASSERT_TRUE(Cascade({problem}));
  clock_.Advance(std::chrono::hours(24 * 8));
  EXPECT_TRUE(problems_.ReopenCandidates(incident).value().empty());
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, ""));
  EXPECT_EQ(State("problems", problem), "closed");
}

// Issue #4: a fixed problem kept open by an incident that another problem
// holds open closed never, though its fix was done.
TEST_F(ProblemCascadeTest, AFixedProblemWaitingForItsLastIncidentClosesWithIt) {
  const std::int64_t held = IncidentWithCases(1);
  const std::int64_t fixed = ProblemFor(held);
  const std::int64_t other = ProblemFor(held);
  const CascadeReport report = CloseChangeFixing(fixed, "Rule restored");
  EXPECT_EQ(report.kept_open, (std::vector<std::string>{"INC-1 stays open: PRB-2 is still open.",
                                                        "PRB-1 stays open: INC-1 is still open."}));
  const auto waiting = problems_.Details(fixed).value();
  ASSERT_TRUE(waiting.closed_fix);
  EXPECT_EQ(waiting.closed_fix->number, 1);
  EXPECT_EQ(problems_.WaitingOnlyFor(held).value().size(), 1u);

  ASSERT_TRUE(incidents_.Close(held, mara_, "Cache flushed"));
  EXPECT_EQ(State("problems", fixed), "closed");
  EXPECT_EQ(State("problems", other), "new");
  const auto closed = problems_.Details(fixed).value();
  EXPECT_EQ(closed.problem.close_note, "Rule restored");
  EXPECT_FALSE(closed.closed_fix);
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT text FROM timeline WHERE kind = 'problem_state' "
                            "ORDER BY id DESC LIMIT 1")
                .getString(),
            "PRB-1: Closed: Rule restored. CHG-1 fixed it; it waited for INC-1, which is closed "
            "now.");
}

// Check 17 #1: two problems sharing an incident, each fixed by its own
// change, waited for each other: the second change's close kept the incident
// open for the first problem, which waited only for that incident.
TEST_F(ProblemCascadeTest, AProblemWhoseFixClosedDoesNotHoldItsIncidentOpenForTheNextFix) {
  const std::int64_t shared = IncidentWithCases(1);
  const std::int64_t only_second = IncidentWithCases(1);
  const std::int64_t first = ProblemFor(shared);
  const std::int64_t second = ProblemFor(only_second);
  ASSERT_TRUE(problems_.Link(second, shared, {dev_, true}));
  CloseChangeFixing(first, "Rule restored");
  ASSERT_EQ(State("incidents", shared), "new") << "PRB-2 still holds it";

  const CascadeReport report = CloseChangeFixing(second, "Cache flushed");
  EXPECT_TRUE(report.kept_open.empty()) << report.kept_open.front();
  EXPECT_EQ(report.closed_incidents, (std::vector<std::int64_t>{shared, only_second}));
  EXPECT_EQ(report.closed_problems, (std::vector<std::int64_t>{second, first}));
  EXPECT_EQ(State("problems", first), "closed");
  EXPECT_EQ(State("problems", second), "closed");
}

// A reopening after the fix closed says the fix is in doubt: the problem no
// longer closes on its own with the incident.
TEST_F(ProblemCascadeTest, AProblemReopenedAfterItsFixClosedStaysOpenWithItsIncident) {
  const std::int64_t held = IncidentWithCases(1);
  const std::int64_t fixed = ProblemFor(held);
  ProblemFor(held);
  CloseChangeFixing(fixed, "Rule restored");
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(problems_.Move(fixed, ProblemMove::kResolve, {dev_, true}, ""));
  const auto reopened = problems_.Move(fixed, ProblemMove::kReopen, {dev_, true}, "still failing");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->problem.state, store::ProblemState::kInvestigating);
  ASSERT_TRUE(reopened->ended_wait);  // its reply says the wait ended too
  EXPECT_EQ(reopened->waited_for, (std::vector<std::int64_t>{held}));
  EXPECT_FALSE(problems_.Details(fixed).value().closed_fix);

  ASSERT_TRUE(incidents_.Close(held, mara_, ""));
  EXPECT_EQ(State("problems", fixed), "investigating");
}

// Reopened within the window, the incident reopens its problem; closing it
// again doesn't close that problem behind anyone's back.
TEST_F(ProblemCascadeTest, AProblemReopenedWithItsIncidentDoesNotCloseWhenItClosesAgain) {
  const std::int64_t incident = IncidentWithCases(1);
  const std::int64_t problem = ProblemFor(incident);
  CloseChangeFixing(problem, "Rule restored");
  ASSERT_EQ(State("problems", problem), "closed");
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(incidents_.Move(incident, Transition::kReopen, mara_, "customers still see it"));
  ASSERT_EQ(State("problems", problem), "investigating");

  ASSERT_TRUE(incidents_.Close(incident, mara_, "Worked around"));
  EXPECT_EQ(State("problems", problem), "investigating");
}

}  // namespace
}  // namespace swarmbot::lifecycle::testing
