// Problems (issue #5): records, links, notes, assets, guarded states and the
// announcements each change queues for the linked incidents' swarm channels.
#include "lifecycle/problem_service.hpp"

#include <string>

#include <gtest/gtest.h>

#include "lifecycle/effects.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle::testing {
namespace {

class ProblemServiceTest : public LifecycleTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(problems_.ImportAssets({{"checkout-service", "payments", "Checkout"},
                                        {"pricing-service", "promotions", "Prices"},
                                        {"order-service", "fulfilment", "Orders"}}));
  }

  // An incident whose swarm channel exists, so announcements go there.
  std::int64_t SwarmingIncident() {
    const std::int64_t incident = NewIncident();
    EXPECT_TRUE(swarms_.Start({incident, {}, {}}, mara_));
    EXPECT_TRUE(swarms_.RecordChannel(incident, ChannelId("CSWARM"), "inc-1-feast25"));
    DrainOutbox();
    return incident;
  }

  std::int64_t NewProblem(std::optional<std::int64_t> incident = {}) {
    return problems_.Create({"FEAST25 rule rejects valid baskets", incident}, dev_).value().number;
  }

  std::int64_t PendingOf(std::string_view kind) {
    std::int64_t n = 0;
    for (const auto& kinds : PendingKinds()) {
      n += kinds == kind ? 1 : 0;
    }
    return n;
  }

  std::string LatestTimelineText(std::int64_t incident) {
    return db_->Sql()
        .execAndGet("SELECT text FROM timeline WHERE incident_id = " + std::to_string(incident) +
                    " ORDER BY id DESC LIMIT 1")
        .getString();
  }

  ProblemService problems_{*db_, clock_, incidents_};
  UserId dev_{"UDEV"};
  ProblemActor dev_actor_{dev_, false};
  ProblemActor stranger_{UserId("USTRANGER"), false};
  ProblemActor manager_{mara_, true};
};

TEST_F(ProblemServiceTest, ANewProblemFromASwarmIsLinkedAndAnnouncedThere) {
  const std::int64_t incident = SwarmingIncident();
  const auto created = problems_.Create({" \u00A0FEAST25 rule\u200B ", incident}, dev_);
  ASSERT_TRUE(created) << created.error().detail;
  EXPECT_EQ(created->number, 1);
  EXPECT_EQ(created->title, "FEAST25 rule");
  EXPECT_EQ(created->owner, dev_);
  EXPECT_EQ(created->state, store::ProblemState::kNew);
  EXPECT_EQ(problems_.ProblemsOf(incident).value(), std::vector<std::int64_t>{1});
  EXPECT_EQ(PendingOf(effect::kProblemAnnounce), 1);
  EXPECT_EQ(PendingOf(effect::kUpdateSummary), 1);
  EXPECT_EQ(LatestTimelineText(incident), "PRB-1: Opened \"FEAST25 rule\", linked to INC-1");
  const auto status = incidents_.StatusOf(incident).value();
  ASSERT_EQ(status.problems.size(), 1u);
  EXPECT_EQ(status.problems[0].number, 1);
}

TEST_F(ProblemServiceTest, AStandaloneProblemAnnouncesNothing) {
  const auto created = problems_.Create({"Slow pricing", {}}, dev_);
  ASSERT_TRUE(created);
  EXPECT_TRUE(PendingKinds().empty());
  EXPECT_TRUE(problems_.Exists(created->number).value());
  EXPECT_FALSE(problems_.Exists(42).value());
}

TEST_F(ProblemServiceTest, RefusesBadTitlesAndUnknownIncidents) {
  EXPECT_EQ(problems_.Create({"", {}}, dev_).error().code, Errc::kInvalidInput);
  EXPECT_EQ(problems_.Create({std::string(251, 'x'), {}}, dev_).error().code, Errc::kInvalidInput);
  // Check18 #3: zero-width characters and Unicode spaces are no title.
  const auto blank = problems_.Create({"\u200B\u00A0\u3000", {}}, dev_);
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().user_message, "title is required");
  const auto unknown = problems_.Create({"x", 9}, dev_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().user_message, "INC-9 doesn't exist");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problems"), 0);
}

TEST_F(ProblemServiceTest, LinksToManyIncidentsButNotTwiceToOne) {
  const std::int64_t first = SwarmingIncident();
  const std::int64_t second = NewIncident("Checkout errors");
  const std::int64_t problem = NewProblem(first);
  DrainOutbox();
  ASSERT_TRUE(problems_.Link(problem, second, dev_actor_));
  // Both incidents hear of it: the swarm channel of the first, and the
  // announcement of each.
  EXPECT_EQ(PendingOf(effect::kProblemAnnounce), 1);
  EXPECT_EQ(PendingOf(effect::kUpdateAnnouncement), 2);
  EXPECT_EQ(LatestTimelineText(second), "PRB-1: Linked to INC-2");

  const auto twice = problems_.Link(problem, second, dev_actor_);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, Errc::kConflict);
  EXPECT_EQ(twice.error().user_message, "PRB-1 is already linked to INC-2; nothing changed.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_incidents"), 2);

  EXPECT_EQ(problems_.Link(problem, 77, dev_actor_).error().user_message, "INC-77 doesn't exist");
  EXPECT_EQ(problems_.Link(55, first, dev_actor_).error().user_message, "PRB-55 doesn't exist");
}

TEST_F(ProblemServiceTest, UnlinkingTellsTheIncidentItLeaves) {
  const std::int64_t incident = SwarmingIncident();
  const std::int64_t problem = NewProblem(incident);
  DrainOutbox();
  ASSERT_TRUE(problems_.Unlink(problem, incident, dev_actor_));
  EXPECT_EQ(PendingOf(effect::kProblemAnnounce), 1);
  EXPECT_EQ(LatestTimelineText(incident), "PRB-1: Unlinked from INC-1");
  EXPECT_TRUE(problems_.ProblemsOf(incident).value().empty());
  EXPECT_EQ(problems_.Unlink(problem, incident, dev_actor_).error().user_message,
            "PRB-1 isn't linked to INC-1; nothing changed.");
}

TEST_F(ProblemServiceTest, ACauseNoteKeepsItsAuthorAndStartsTheInvestigation) {
  const std::int64_t problem = NewProblem(SwarmingIncident());
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(problems_.AddCause(problem, "The rule expired at midnight UTC", dev_actor_));
  ASSERT_TRUE(problems_.AddCause(problem, "Cache kept the old rule", dev_actor_));
  const auto details = problems_.Details(problem).value();
  ASSERT_EQ(details.causes.size(), 2u);
  EXPECT_EQ(details.causes[0].text, "The rule expired at midnight UTC");
  EXPECT_EQ(details.causes[0].author, dev_);
  EXPECT_EQ(details.causes[0].at, clock_.Now());
  EXPECT_EQ(details.problem.state, store::ProblemState::kInvestigating);
}

TEST_F(ProblemServiceTest, RefusesEmptyAndOversizedCauses) {
  const std::int64_t problem = NewProblem();
  EXPECT_EQ(problems_.AddCause(problem, "  ", dev_actor_).error().code, Errc::kInvalidInput);
  EXPECT_EQ(problems_.AddCause(problem, std::string(3001, 'x'), dev_actor_).error().code,
            Errc::kInvalidInput);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_causes"), 0);
}

TEST_F(ProblemServiceTest, AssetsComeFromTheCatalogueAndUnknownOnesNameCloseMatches) {
  const std::int64_t problem = NewProblem(SwarmingIncident());
  DrainOutbox();
  const auto unknown =
      problems_.AddAssets(problem, {"checkout-service", "pricing-servce"}, dev_actor_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  EXPECT_EQ(unknown.error().user_message,
            "`pricing-servce` isn't in the asset catalogue; did you mean pricing-service? "
            "Nothing was added.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_assets"), 0);

  const auto added =
      problems_.AddAssets(problem, {"Checkout-Service", "pricing-service"}, dev_actor_);
  ASSERT_TRUE(added) << added.error().detail;
  EXPECT_EQ(*added, (std::vector<std::string>{"checkout-service", "pricing-service"}));
  EXPECT_EQ(PendingOf(effect::kProblemAnnounce), 1);
  EXPECT_TRUE(problems_.AddAssets(problem, {"checkout-service"}, dev_actor_).value().empty());
  EXPECT_EQ(problems_.Details(problem).value().assets,
            (std::vector<std::string>{"checkout-service", "pricing-service"}));
}

TEST_F(ProblemServiceTest, OnlyManagersTheOwnerAndIncidentOwnersMayChangeIt) {
  const std::int64_t incident = NewIncident();
  const std::int64_t problem = NewProblem(incident);
  const auto refused = problems_.AddCause(problem, "guess", stranger_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kForbidden);
  EXPECT_EQ(refused.error().user_message,
            "Only incident managers, PRB-1's owner and the owners of its incidents can change "
            "it.");
  EXPECT_TRUE(problems_.AddCause(problem, "from the manager", manager_));
  db_->Sql().exec("UPDATE incidents SET owner = 'USTRANGER' WHERE number = 1");
  EXPECT_TRUE(problems_.AddCause(problem, "from the incident's owner", stranger_));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_causes"), 2);
}

TEST_F(ProblemServiceTest, MovesAreGuardedByStateAndOpenIncidents) {
  const std::int64_t incident = NewIncident();
  const std::int64_t problem = NewProblem(incident);
  const auto early = problems_.Move(problem, ProblemMove::kClose, dev_actor_, "");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().user_message, "PRB-1 is new; `close` works from resolved.");
  ASSERT_TRUE(problems_.Move(problem, ProblemMove::kResolve, dev_actor_, "patched"));
  const auto blocked = problems_.Move(problem, ProblemMove::kClose, dev_actor_, "");
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().user_message,
            "PRB-1 stays open while INC-1 is open; close the incident first.");
  ASSERT_TRUE(incidents_.Close(incident, mara_, "done"));
  const auto closed = problems_.Move(problem, ProblemMove::kClose, dev_actor_, "verified");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->problem.state, store::ProblemState::kClosed);
  EXPECT_EQ(closed->problem.close_note, "verified");
  EXPECT_TRUE(closed->problem.closed_at.has_value());
  // A closed problem takes no more notes until it is reopened.
  EXPECT_EQ(problems_.AddCause(problem, "late", dev_actor_).error().user_message,
            "PRB-1 is closed; reopen it first (`/problem reopen PRB-1`).");
  const auto reopened = problems_.Move(problem, ProblemMove::kReopen, dev_actor_, "");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->problem.state, store::ProblemState::kInvestigating);
  EXPECT_FALSE(reopened->problem.closed_at.has_value());
}

TEST_F(ProblemServiceTest, AKnownErrorNeedsAWorkaroundAndMayNameAnArticle) {
  const std::int64_t problem = NewProblem(SwarmingIncident());
  EXPECT_EQ(problems_.MarkKnownError(problem, {"", {}}, dev_actor_).error().code,
            Errc::kInvalidInput);
  EXPECT_EQ(problems_.MarkKnownError(problem, {"", 99}, dev_actor_).error().code, Errc::kNotFound);
  store::Article article;
  article.slug = "promo-code-expired.md";
  article.title = "Promo code expired";
  article.body = "Offer the alternate code.";
  article.content_hash = "h";
  store::KnowledgeRepository(*db_).Upsert(article);
  const std::int64_t id = store::KnowledgeRepository(*db_).FindBySlug(article.slug)->id;
  ASSERT_TRUE(problems_.MarkKnownError(problem, {"Use FEAST25B", id}, dev_actor_));
  const auto details = problems_.Details(problem).value();
  EXPECT_TRUE(details.problem.known_error);
  EXPECT_EQ(details.problem.state, store::ProblemState::kKnownError);
  EXPECT_EQ(details.problem.workaround, "Use FEAST25B");
  ASSERT_TRUE(details.article);
  EXPECT_EQ(details.article->title, "Promo code expired");
  EXPECT_EQ(LatestTimelineText(1),
            "PRB-1: Known error. Workaround: Use FEAST25B; see \"Promo code expired\"");
}

TEST(ProblemCloseMatches, PrefersTheNearestNames) {
  const std::vector<std::string> names{"checkout-service", "pricing-service", "order-service"};
  EXPECT_EQ(CloseMatches("checkout", names), std::vector<std::string>{"checkout-service"});
  EXPECT_EQ(CloseMatches("order-servise", names), std::vector<std::string>{"order-service"});
  EXPECT_TRUE(CloseMatches("warehouse", names).empty());
}

}  // namespace
}  // namespace swarmbot::lifecycle::testing
