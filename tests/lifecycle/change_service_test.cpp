// Change requests: the record, its links, the work plan, submission,
// the CAB's decision and the close that cascades (issue #5).
#include "lifecycle/change_service.hpp"

#include <gtest/gtest.h>

#include "lifecycle/problem_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/people_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using store::ChangeState;

class ChangeServiceTest : public testing::LifecycleTest {
 protected:
  ChangeInput Emergency(std::int64_t incident) {
    ChangeInput in;
    in.title = "Fix FEAST25 validation";
    in.type = store::ChangeType::kEmergency;
    in.risk = store::Level::kHigh;
    in.justification = "Customers can't use the launch code";
    in.links.push_back({store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes});
    return in;
  }

  // An incident that swarms with Dev in its channel, as in the scenario: he
  // may open a change that fixes it.
  std::int64_t NewIncident() {
    const auto incident = LifecycleTest::NewIncident();
    Swarming(incident, {dev_});
    return incident;
  }

  // Adds `members` to the incident's swarm channel, starting the swarm first;
  // they are responders on the people list unless `listed` is false.
  void Swarming(std::int64_t incident, const std::vector<UserId>& members, bool listed = true) {
    for (const UserId& member : members) {
      if (listed) {
        store::Person person;
        person.user = member;
        person.display_name = member.str();
        person.capacity = 3;
        ASSERT_TRUE(InTransaction(*db_, "list", [&]() -> Status {
          store::PeopleRepository(*db_).Upsert(person, clock_.Now());
          return {};
        }));
      }
    }
    const ChannelId channel("CSWARM" + std::to_string(incident));
    if (!swarms_.FindByIncident(incident).value()) {
      ASSERT_TRUE(swarms_.Start({incident, members, {}}, mara_));
      ASSERT_TRUE(swarms_.RecordChannel(incident, channel, "inc-" + std::to_string(incident)));
    }
    for (const UserId& member : members) {
      ASSERT_TRUE(swarms_.MemberJoined(channel, member));
    }
  }

  // An emergency change fixing a new incident with linked cases, its three
  // steps done by Dev and verified by Ines, who swarms on the incident.
  std::int64_t VerifiedChange() {
    incident_ = NewIncident();
    Swarming(incident_, {ines_});
    cases_in_incident_ = {NewCase(), NewCase("chat")};
    EXPECT_TRUE(incidents_.LinkCases(incident_, cases_in_incident_, mara_));
    const auto change = changes_.Create(Emergency(incident_), dev_).value().number;
    for (const char* text : {"Fix validation", "Deploy", "Verify checkout"}) {
      const int step = changes_.AddStep(change, text, dev_).value();
      EXPECT_TRUE(changes_.MarkDone(change, step, dev_));
      EXPECT_TRUE(changes_.Verify(change, step, ines_));
    }
    return change;
  }

  std::int64_t ApprovedChange() {
    const auto change = VerifiedChange();
    const auto submitted = changes_.Submit(change, dev_);
    EXPECT_TRUE(submitted);
    EXPECT_TRUE(changes_.RecordDecision(change, true, submitted->plan_version, "2 of 3 approved"));
    return change;
  }

  // Dev's standard "restart-pricing" with a fourth step added (and step 2
  // edited if asked), every step done by Dev and verified by Mara, a manager.
  std::int64_t EditedRestartPricing(bool edit_step_two) {
    changes_.is_manager = [this](const UserId& user) { return user == mara_; };
    ChangeInput in;
    in.type = store::ChangeType::kStandard;
    in.template_name = "restart-pricing";
    const auto change = changes_.Create(in, dev_).value().number;
    if (edit_step_two) {
      EXPECT_TRUE(changes_.EditStep(change, 2, "Drop the production database", dev_));
    }
    EXPECT_TRUE(changes_.AddStep(change, "Disable fraud checks", dev_));
    for (int step = 1; step <= 4; ++step) {
      EXPECT_TRUE(changes_.MarkDone(change, step, dev_));
      EXPECT_TRUE(changes_.Verify(change, step, mara_));
    }
    return change;
  }

  // Problems here exist through the hook only, with no owner to check: Dev
  // links them as an incident manager.
  void DevManages() {
    changes_.is_manager = [this](const UserId& user) { return user == dev_; };
  }

  store::Change Find(std::int64_t change) { return changes_.Details(change).value().change; }

  std::string Refusal(const Status& status) {
    return status ? std::string("(accepted)") : status.error().user_message;
  }

  UserId dev_{"UDEV"};
  UserId ines_{"UINES"};
  UserId kofi_{"UKOFI"};
  std::int64_t incident_ = 0;
  std::vector<std::int64_t> cases_in_incident_;
  ChangeService changes_{*db_,
                         clock_,
                         incidents_,
                         {{"restart-pricing",
                           "Restart the pricing service",
                           {"Drain traffic", "Restart", "Check prices"}}}};
};

TEST_F(ChangeServiceTest, AnEmergencyChangeFixingTheIncidentOpensAsADraft) {
  const auto incident = NewIncident();
  const auto change = changes_.Create(Emergency(incident), dev_);
  ASSERT_TRUE(change) << change.error().user_message;
  EXPECT_EQ(store::ChangeNumberText(change->number), "CHG-1");
  EXPECT_EQ(change->state, ChangeState::kDraft);
  EXPECT_EQ(change->requester, dev_);
  const auto details = changes_.Details(change->number).value();
  ASSERT_EQ(details.links.size(), 1u);
  EXPECT_EQ(details.links[0].target, store::LinkTarget::kIncident);
  EXPECT_EQ(details.links[0].relation, store::LinkRelation::kFixes);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline WHERE kind = 'change'"), 1);
}

TEST_F(ChangeServiceTest, BadInputIsRefusedAndCreatesNothing) {
  const auto incident = NewIncident();
  auto refused = [&](ChangeInput in) {
    auto created = changes_.Create(in, dev_);
    return created ? std::string("(created)") : created.error().user_message;
  };
  ChangeInput in = Emergency(incident);
  in.title = "";
  EXPECT_EQ(refused(in), "title is required");
  in.title = "\uFEFF\u2007\u200B";  // check18 #3: nothing visible is no title
  EXPECT_EQ(refused(in), "title is required");
  in.title = std::string(201, 'x');
  EXPECT_NE(refused(in).find("title"), std::string::npos);
  in = Emergency(incident);
  in.window_start = clock_.Now();
  EXPECT_EQ(refused(in), "give the planned window's start and its end, or neither");
  in.window_end = clock_.Now() - std::chrono::hours(1);
  EXPECT_EQ(refused(in), "the planned window must end after it starts");
  in = Emergency(99);
  EXPECT_EQ(refused(in), "INC-99 doesn't exist");
  in = Emergency(incident);
  in.links.push_back({store::LinkTarget::kProblem, 2, store::LinkRelation::kFixes});
  EXPECT_EQ(refused(in), "Problems aren't available, so PRB-2 can't be linked.");
  in = Emergency(incident);
  in.type = store::ChangeType::kStandard;
  EXPECT_EQ(refused(in), "a standard change needs a template from the catalogue");
  in.template_name = "reboot-the-world";
  EXPECT_EQ(refused(in), "\"reboot-the-world\" isn't in the standard change catalogue");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes"), 0);
}

// Closing a change closes what it fixes, so only those who could close that
// by hand, or who swarm on it, may tie a change to it as its fix.
TEST_F(ChangeServiceTest, OnlyThoseWhoWorkOnARecordMayMakeAChangeFixIt) {
  const UserId outsider("UNOBODY");
  const auto incident = LifecycleTest::NewIncident();
  EXPECT_EQ(Refusal(changes_.MayLink(
                {store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes}, outsider)),
            "Only incident managers, INC-1's owner and the members of its swarm on the people "
            "list can tie a change to INC-1 as its fix, since closing the change closes it. Ask "
            "an incident manager.");
  EXPECT_EQ(changes_.Create(Emergency(incident), outsider).error().code, Errc::kForbidden);
  EXPECT_EQ(Refusal(changes_.MayLink({store::LinkTarget::kIncident, 9, store::LinkRelation::kFixes},
                                     outsider)),
            "INC-9 doesn't exist");

  // Marking a change as caused by a record closes nothing: anyone may.
  ChangeInput cause = Emergency(incident);
  cause.links.front().relation = store::LinkRelation::kCausedBy;
  const auto change = changes_.Create(cause, outsider).value().number;
  // The requester edits their change, but can't make it fix someone else's record.
  EXPECT_EQ(changes_
                .Link(change, {store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes},
                      outsider)
                .error()
                .code,
            Errc::kForbidden);

  // Joining the swarm makes a responder on the people list one of those who
  // work on it (check 21: anyone in the workspace may join a public channel).
  Swarming(incident, {outsider}, /*listed=*/false);
  EXPECT_EQ(Refusal(changes_.MayLink(
                {store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes}, outsider)),
            "Only incident managers, INC-1's owner and the members of its swarm on the people "
            "list can tie a change to INC-1 as its fix, since closing the change closes it. Ask "
            "an incident manager.");
  Swarming(incident, {outsider});
  EXPECT_TRUE(changes_.MayLink(
      {store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes}, outsider));
  changes_.is_manager = [this](const UserId& user) { return user == mara_; };
  EXPECT_TRUE(changes_.MayLink(
      {store::LinkTarget::kIncident, LifecycleTest::NewIncident(), store::LinkRelation::kFixes},
      mara_));
}

// Check12 #1: owning a problem one opened on someone else's incident was
// enough to close that incident through a change.
TEST_F(ChangeServiceTest, AProblemIsFixedByWhoeverWorksOnEachOfItsOpenIncidents) {
  ProblemService problems(*db_, clock_, incidents_);
  changes_.problem_exists = [&](std::int64_t number) { return problems.Exists(number); };
  const auto incident = LifecycleTest::NewIncident();
  const UserId sofia("USOFIA");
  const auto problem =
      problems.Create({"FEAST25 rule rejects valid baskets", incident}, sofia).value().number;
  const store::LinkTarget kProblem = store::LinkTarget::kProblem;
  const std::string name = "PRB-" + std::to_string(problem);
  EXPECT_EQ(Refusal(changes_.MayLink({kProblem, problem, store::LinkRelation::kFixes}, sofia)),
            "Only incident managers and those who work on each of " + name +
                "'s open incidents (their owners and the members of their swarms on the people "
                "list) can tie a "
                "change to " +
                name +
                " as its fix, since closing the change closes it. Ask <@USOFIA> or an "
                "incident manager.");
  Swarming(incident, {dev_});
  EXPECT_TRUE(changes_.MayLink({kProblem, problem, store::LinkRelation::kFixes}, dev_));

  // A problem with no open incident is its owner's to fix.
  const auto alone =
      problems.Create({"Coupon cache never expires", std::nullopt}, sofia).value().number;
  EXPECT_TRUE(changes_.MayLink({kProblem, alone, store::LinkRelation::kFixes}, sofia));
  EXPECT_EQ(changes_.MayLink({kProblem, alone, store::LinkRelation::kFixes}, dev_).error().code,
            Errc::kForbidden);
}

TEST_F(ChangeServiceTest, ProblemLinksAreCheckedThroughTheHook) {
  changes_.problem_exists = [](std::int64_t problem) -> Result<bool> { return problem == 2; };
  DevManages();
  ChangeInput in = Emergency(NewIncident());
  in.links = {{store::LinkTarget::kProblem, 3, store::LinkRelation::kFixes}};
  EXPECT_EQ(changes_.Create(in, dev_).error().user_message, "PRB-3 doesn't exist");
  in.links = {{store::LinkTarget::kProblem, 2, store::LinkRelation::kFixes}};
  ASSERT_TRUE(changes_.Create(in, dev_));
  EXPECT_EQ(Refusal(changes_.Link(
                1, {store::LinkTarget::kProblem, 5, store::LinkRelation::kCausedBy}, dev_)),
            "PRB-5 doesn't exist");
  EXPECT_TRUE(
      changes_.Link(1, {store::LinkTarget::kIncident, 1, store::LinkRelation::kCausedBy}, dev_));
  EXPECT_EQ(changes_.Details(1)->links.size(), 2u);
}

TEST_F(ChangeServiceTest, LinkingAgainTheOtherWayIsRefusedAndTheFixStands) {
  const auto incident = NewIncident();
  const auto change = changes_.Create(Emergency(incident), dev_).value().number;
  EXPECT_EQ(
      Refusal(changes_.Link(
          change, {store::LinkTarget::kIncident, incident, store::LinkRelation::kCausedBy}, dev_)),
      "CHG-1 already fixes INC-1; unlink it first (`/change unlink CHG-1 INC-1`), then link "
      "it again.");
  EXPECT_EQ(
      Refusal(changes_.Link(
          change, {store::LinkTarget::kIncident, incident, store::LinkRelation::kFixes}, dev_)),
      "CHG-1 already fixes INC-1; nothing changed.");
  ASSERT_EQ(changes_.Details(change)->links.size(), 1u);
  EXPECT_EQ(changes_.Details(change)->links.at(0).relation, store::LinkRelation::kFixes);
  ASSERT_TRUE(changes_.Unlink(change, store::LinkTarget::kIncident, incident, dev_));
  EXPECT_TRUE(changes_.Link(
      change, {store::LinkTarget::kIncident, incident, store::LinkRelation::kCausedBy}, dev_));
  EXPECT_EQ(changes_.Details(change)->links.at(0).relation, store::LinkRelation::kCausedBy);
  // Check12 #7: the incident's timeline shows the unlink too, by whoever did it.
  const auto recent = incidents_.StatusOf(incident, 2).value().recent;
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].text, "CHG-1 no longer fixes INC-1: Fix FEAST25 validation");
  EXPECT_EQ(recent[0].actor, "UDEV");
  EXPECT_EQ(recent[1].text, "CHG-1 now caused by INC-1: Fix FEAST25 validation");
  EXPECT_EQ(recent[1].actor, "UDEV");
}

TEST_F(ChangeServiceTest, TheSameFormSubmittedTwiceOpensOneChange) {
  ChangeInput in = Emergency(NewIncident());
  in.create_view = "V123";
  ASSERT_TRUE(changes_.Create(in, dev_));
  EXPECT_EQ(changes_.Create(in, dev_).error().user_message,
            "This form was submitted already: it opened CHG-1.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes"), 1);
}

TEST_F(ChangeServiceTest, AStepIsVerifiedBySomeoneOtherThanItsDoerAndCountsOnce) {
  const auto incident = NewIncident();
  Swarming(incident, {ines_, kofi_});
  const auto change = changes_.Create(Emergency(incident), dev_).value().number;
  const int step = changes_.AddStep(change, "Fix validation", dev_).value();
  EXPECT_EQ(Refusal(changes_.Verify(change, step, ines_)), "Step 1 of CHG-1 isn't done yet.");
  ASSERT_TRUE(changes_.MarkDone(change, step, dev_));
  EXPECT_EQ(Refusal(changes_.MarkDone(change, step, ines_)),
            "Step 1 of CHG-1 was done already by UDEV.");
  EXPECT_EQ(Refusal(changes_.Verify(change, step, dev_)),
            "Step 1 of CHG-1 must be verified by someone other than whoever did it.");
  ASSERT_TRUE(changes_.Verify(change, step, ines_));
  EXPECT_EQ(Refusal(changes_.Verify(change, step, kofi_)),
            "Step 1 of CHG-1 was verified already by UINES.");
  EXPECT_EQ(Refusal(changes_.MarkDone(change, 7, dev_)), "CHG-1 has no step 7.");
  const auto steps = changes_.Details(change)->steps;
  EXPECT_EQ(steps.at(0).done_by, dev_);
  EXPECT_EQ(steps.at(0).verified_by, ines_);
}

TEST_F(ChangeServiceTest, OnlyTheRequesterAndManagersEditThePlan) {
  const auto change = changes_.Create(Emergency(NewIncident()), dev_).value().number;
  EXPECT_EQ(changes_.AddStep(change, "Deploy", kofi_).error().user_message,
            "Only the requester of CHG-1 and incident managers can change its plan. Ask <@UDEV> "
            "or an incident manager.");
  changes_.is_manager = [this](const UserId& user) { return user == mara_; };
  EXPECT_TRUE(changes_.AddStep(change, "Deploy", mara_));
  const auto by_kofi = changes_.Submit(change, kofi_);
  ASSERT_FALSE(by_kofi);
  EXPECT_EQ(by_kofi.error().user_message,
            "Only the requester of CHG-1 and incident managers can submit it. Ask <@UDEV> or an "
            "incident manager.");
  EXPECT_EQ(changes_.AddStep(change, std::string(501, 's'), dev_).error().code,
            Errc::kInvalidInput);
}

TEST_F(ChangeServiceTest, OnlyTheSwarmWorksOnStepsOnceTheIncidentSwarms) {
  const auto incident = NewIncident();
  const auto change = changes_.Create(Emergency(incident), dev_).value().number;
  ASSERT_TRUE(changes_.AddStep(change, "Deploy", dev_));
  EXPECT_EQ(Refusal(changes_.MarkDone(change, 1, kofi_)),
            "Only the requester of CHG-1, incident managers and the members of its incident's "
            "swarm on the people list can mark step 1 "
            "done (or whoever it is assigned to).");
  ASSERT_TRUE(changes_.AssignStep(change, 1, kofi_, dev_));
  EXPECT_TRUE(changes_.MarkDone(change, 1, kofi_));
}

TEST_F(ChangeServiceTest, OnlyTheAssigneeMarksAnAssignedStepDone) {
  const auto change = changes_.Create(Emergency(NewIncident()), dev_).value().number;
  ASSERT_TRUE(changes_.AddStep(change, "Deploy", dev_));
  ASSERT_TRUE(changes_.AssignStep(change, 1, ines_, dev_));
  const std::string only_ines =
      "Only <@UINES>, whom step 1 of CHG-1 is assigned to, can mark it done; the requester can "
      "reassign it.";
  EXPECT_EQ(Refusal(changes_.MarkDone(change, 1, kofi_)), only_ines);  // no part in it
  EXPECT_EQ(Refusal(changes_.MarkDone(change, 1, dev_)), only_ines);   // even the requester
  EXPECT_FALSE(changes_.Details(change)->steps.at(0).Done());
  EXPECT_TRUE(changes_.MarkDone(change, 1, ines_));
}

TEST_F(ChangeServiceTest, WithoutASwarmOnlyTheRequesterMarksAndManagersVerify) {
  changes_.is_manager = [this](const UserId& user) { return user == mara_; };
  const auto change = changes_.Create(Emergency(NewIncident()), dev_).value().number;
  ASSERT_TRUE(changes_.AddStep(change, "Deploy", dev_));
  EXPECT_EQ(Refusal(changes_.MarkDone(change, 1, kofi_)),
            "Only the requester of CHG-1, incident managers and the members of its incident's "
            "swarm on the people list can mark step 1 "
            "done (or whoever it is assigned to).");
  ASSERT_TRUE(changes_.MarkDone(change, 1, dev_));
  EXPECT_EQ(Refusal(changes_.Verify(change, 1, kofi_)),
            "Only the requester of CHG-1, incident managers and the members of a swarm on its "
            "incidents who are on the people list can verify its steps.");
  EXPECT_FALSE(changes_.Details(change)->steps.at(0).Verified());
  EXPECT_TRUE(changes_.Verify(change, 1, mara_));
  ASSERT_TRUE(changes_.AddStep(change, "Check", dev_));
  EXPECT_TRUE(changes_.MarkDone(change, 2, mara_)) << "a manager may mark an unassigned step done";
}

TEST_F(ChangeServiceTest, SwarmMembersVerifyButNeverTheirOwnStep) {
  const auto incident = NewIncident();
  Swarming(incident, {ines_, kofi_});
  const auto change = changes_.Create(Emergency(incident), dev_).value().number;
  ASSERT_TRUE(changes_.AddStep(change, "Deploy", dev_));
  ASSERT_TRUE(changes_.MarkDone(change, 1, kofi_));  // unassigned: any swarm member
  EXPECT_EQ(Refusal(changes_.Verify(change, 1, kofi_)),
            "Step 1 of CHG-1 must be verified by someone other than whoever did it.");
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM1"), ines_));
  EXPECT_EQ(Refusal(changes_.Verify(change, 1, ines_)),
            "Only the requester of CHG-1, incident managers and the members of a swarm on its "
            "incidents who are on the people list can verify its steps.");
  // In the channel but not on the people list: anyone may join a public one.
  const UserId eve("UEVE");
  Swarming(incident, {eve}, /*listed=*/false);
  EXPECT_FALSE(changes_.Verify(change, 1, eve));
  EXPECT_TRUE(changes_.Verify(change, 1, dev_));  // the requester
}

TEST_F(ChangeServiceTest, SubmittingIsRefusedUntilEveryStepIsDoneAndVerified) {
  const auto incident = NewIncident();
  Swarming(incident, {ines_});
  const auto change = changes_.Create(Emergency(incident), dev_).value().number;
  EXPECT_EQ(changes_.Submit(change, dev_).error().user_message,
            "CHG-1 can't be submitted yet: the plan has no steps yet.");
  for (const char* text : {"Fix validation", "Deploy", "Verify checkout"}) {
    ASSERT_TRUE(changes_.AddStep(change, text, dev_));
  }
  ASSERT_TRUE(changes_.MarkDone(change, 1, dev_));
  ASSERT_TRUE(changes_.MarkDone(change, 2, dev_));
  ASSERT_TRUE(changes_.Verify(change, 1, ines_));
  EXPECT_EQ(changes_.Submit(change, dev_).error().user_message,
            "CHG-1 can't be submitted yet: step 3 isn't done; step 2 isn't verified yet.");
  EXPECT_EQ(Find(change).state, ChangeState::kDraft);
}

TEST_F(ChangeServiceTest, SubmittingAwaitsTheCabThroughTheHookInTheSameTransaction) {
  const auto change = VerifiedChange();
  SubmittedChange seen;
  changes_.on_submitted = [&](const SubmittedChange& submitted) -> Status {
    seen = submitted;
    return MakeError(Errc::kInternal, "cab down", "The approval request couldn't be opened.");
  };
  EXPECT_EQ(changes_.Submit(change, dev_).error().user_message,
            "The approval request couldn't be opened.");
  EXPECT_EQ(Find(change).state, ChangeState::kDraft);  // rolled back with the hook
  EXPECT_EQ(seen.type, "emergency");
  EXPECT_EQ(seen.risk, "high");
  ASSERT_EQ(seen.plan.size(), 3u);
  EXPECT_EQ(seen.plan[2].text, "Verify checkout");
  EXPECT_EQ(seen.plan[2].verified_by, ines_);

  changes_.on_submitted = [](const SubmittedChange&) -> Status { return {}; };
  const auto submitted = changes_.Submit(change, dev_);
  ASSERT_TRUE(submitted);
  EXPECT_EQ(Find(change).state, ChangeState::kAwaitingApproval);
  EXPECT_EQ(changes_.Submit(change, dev_).error().user_message,
            "CHG-1 is awaiting approval already.");
}

TEST_F(ChangeServiceTest, AStandardChangeFromTheCatalogueIsApprovedOnSubmission) {
  ChangeInput in;
  in.type = store::ChangeType::kStandard;
  in.template_name = "restart-pricing";
  const auto change = changes_.Create(in, dev_);
  ASSERT_TRUE(change) << change.error().user_message;
  EXPECT_EQ(change->title, "Restart the pricing service");
  changes_.is_manager = [this](const UserId& user) { return user == mara_; };
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE(changes_.MarkDone(change->number, step, dev_));
    ASSERT_TRUE(changes_.Verify(change->number, step, mara_));
  }
  bool asked_cab = false;
  changes_.on_submitted = [&](const SubmittedChange&) -> Status {
    asked_cab = true;
    return {};
  };
  ASSERT_TRUE(changes_.Submit(change->number, dev_));
  EXPECT_FALSE(asked_cab);
  EXPECT_EQ(Find(change->number).state, ChangeState::kApproved);
  EXPECT_TRUE(changes_.Close(change->number, dev_, ""));
}

TEST_F(ChangeServiceTest, AStandardChangeWithAnEditedPlanGoesToTheCabAsANormalOne) {
  const auto change = EditedRestartPricing(/*edit_step_two=*/true);
  std::optional<SubmittedChange> asked;
  changes_.on_submitted = [&](const SubmittedChange& submitted) -> Status {
    asked = submitted;
    return {};
  };
  const auto submitted = changes_.Submit(change, dev_);
  ASSERT_TRUE(submitted) << submitted.error().user_message;
  const std::string why =
      "its plan differs from the catalogue's \"restart-pricing\" (step 2 was edited, step 4 was "
      "added), so it needs the CAB's approval as a normal change";
  EXPECT_EQ(submitted->not_preapproved, why);
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->type, "normal");
  EXPECT_EQ(Find(change).state, ChangeState::kAwaitingApproval);
  bool said_why = false;
  const ChangeDetails details = changes_.Details(change).value();
  for (const store::ChangeEvent& event : details.events) {
    said_why = said_why || event.text == "Not pre-approved: " + why;
  }
  EXPECT_TRUE(said_why) << "the change's history doesn't say why it went to the CAB";
}

TEST_F(ChangeServiceTest, AnEditedStandardChangeWithoutAPolicyForNormalOnesIsRefusedWithTheReason) {
  const auto change = EditedRestartPricing(/*edit_step_two=*/false);
  changes_.on_submitted = [](const SubmittedChange&) -> Status {
    return MakeError(Errc::kConflict, "no policy",
                     "No approval policy covers normal changes; an admin must add "
                     "[cab.policies.normal] to the config.");
  };
  EXPECT_EQ(changes_.Submit(change, dev_).error().user_message,
            "CHG-1 isn't pre-approved: its plan differs from the catalogue's \"restart-pricing\" "
            "(step 4 was added), so it needs the CAB's approval as a normal change. No approval "
            "policy covers normal changes; an admin must add [cab.policies.normal] to the config. "
            "Nothing was submitted.");
  EXPECT_EQ(Find(change).state, ChangeState::kDraft);
  EXPECT_FALSE(Find(change).approved_version.has_value());
}

TEST_F(ChangeServiceTest, ADecisionAboutAnEarlierPlanIsRefused) {
  const auto change = VerifiedChange();
  const int version = changes_.Submit(change, dev_).value().plan_version;
  EXPECT_EQ(Refusal(changes_.RecordDecision(change, true, version - 1, "")),
            "That decision was about an earlier plan of CHG-1; the plan has changed since.");
  EXPECT_EQ(Refusal(changes_.RecordDecision(99, true, version, "")), "CHG-99 doesn't exist");
  // Inside the caller's transaction, as the CAB side calls it.
  const Status decided = InTransaction(*db_, "vote", [&]() -> Status {
    return changes_.RecordDecision(change, true, version, "Kofi and Ana approved");
  });
  ASSERT_TRUE(decided) << decided.error().detail;
  EXPECT_EQ(Find(change).state, ChangeState::kApproved);
  EXPECT_EQ(Refusal(changes_.RecordDecision(change, true, version, "")),
            "CHG-1 isn't awaiting approval; it is approved.");
}

TEST_F(ChangeServiceTest, AStepAddedAfterApprovalSendsTheChangeBackAndSaysWhy) {
  const auto change = ApprovedChange();
  std::string withdrawn;
  changes_.on_plan_changed = [&](std::int64_t number, std::string_view reason) -> Status {
    withdrawn = store::ChangeNumberText(number) + ": " + std::string(reason);
    return {};
  };
  ASSERT_TRUE(changes_.AddStep(change, "Purge the CDN", dev_));
  const auto after = Find(change);
  EXPECT_EQ(after.state, ChangeState::kDraft);
  EXPECT_EQ(after.state_reason, "step 4 added after approval; the plan needs approval again");
  EXPECT_EQ(withdrawn, "CHG-1: step 4 added after approval; the plan needs approval again");
  EXPECT_FALSE(after.approved_version.has_value());
  EXPECT_EQ(changes_.Details(change)->events.back().kind, "sent_back");
  EXPECT_EQ(changes_.Close(change, dev_, "").error().user_message,
            "CHG-1 is a draft; only an approved change can be closed.");
}

TEST_F(ChangeServiceTest, EditingAStepOfARejectedChangeMakesItADraftAgain) {
  const auto change = VerifiedChange();
  const int version = changes_.Submit(change, dev_).value().plan_version;
  ASSERT_TRUE(changes_.RecordDecision(change, false, version, "Rejected by Kofi: no rollback"));
  EXPECT_EQ(Find(change).state, ChangeState::kRejected);
  // The very plan the CAB turned down isn't put to it again.
  const auto again = changes_.Submit(change, dev_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().user_message,
            "CHG-1's plan was rejected by Kofi: no rollback. Change the plan to answer that "
            "(`/change step edit` or `/change step add`), then submit it again.");
  EXPECT_EQ(Find(change).state, ChangeState::kRejected);
  ASSERT_TRUE(changes_.EditStep(change, 2, "Deploy behind a flag", dev_));
  EXPECT_EQ(Find(change).state, ChangeState::kDraft);
  EXPECT_FALSE(changes_.Details(change)->steps.at(1).Done());
}

TEST_F(ChangeServiceTest, ClosingTheChangeClosesTheIncidentItFixesAndItsCases) {
  const auto change = ApprovedChange();
  const auto closed = changes_.Close(change, dev_, "Validation fixed and deployed");
  ASSERT_TRUE(closed) << closed.error().user_message;
  EXPECT_EQ(closed->change.state, ChangeState::kClosed);
  EXPECT_EQ(closed->report.closed_incidents, std::vector<std::int64_t>{incident_});
  EXPECT_EQ(closed->report.closed_cases, 2);
  EXPECT_FALSE(incidents_.FindIncident(incident_)->Open());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'closed' AND resolution = "
                  "'Validation fixed and deployed'"),
            2);
  EXPECT_EQ(changes_.Close(change, dev_, "").error().user_message,
            "CHG-1 is closed; closing it again is no longer possible.");
}

TEST_F(ChangeServiceTest, ClosingHandsTheFixedProblemsToTheCascadeAndReportsWhatStaysOpen) {
  changes_.problem_exists = [](std::int64_t) -> Result<bool> { return true; };
  std::vector<std::int64_t> asked;
  std::string resolution;
  changes_.close_fixed = [&](const std::vector<std::int64_t>& problems, const UserId&,
                             std::string_view note) -> Result<CascadeReport> {
    asked = problems;
    resolution = note;
    CascadeReport report;
    report.closed_problems = {2};
    report.kept_open = {"PRB-5 stays open: INC-9 is still open."};
    return report;
  };
  const auto change = VerifiedChange();
  DevManages();
  ASSERT_TRUE(
      changes_.Link(change, {store::LinkTarget::kProblem, 2, store::LinkRelation::kFixes}, dev_));
  ASSERT_TRUE(changes_.Link(
      change, {store::LinkTarget::kProblem, 4, store::LinkRelation::kCausedBy}, dev_));
  const int version = changes_.Submit(change, dev_).value().plan_version;
  ASSERT_TRUE(changes_.RecordDecision(change, true, version, ""));
  const auto closed = changes_.Close(change, dev_, "");
  ASSERT_TRUE(closed) << closed.error().user_message;
  EXPECT_EQ(asked, std::vector<std::int64_t>{2});
  EXPECT_EQ(closed->report.closed_problems, std::vector<std::int64_t>{2});
  EXPECT_EQ(closed->report.kept_open.at(0), "PRB-5 stays open: INC-9 is still open.");
  // Closed without a note: what it closes says why; its own news doesn't
  // read "CHG-1 is closed: Fixed by CHG-1".
  EXPECT_EQ(resolution, "Fixed by CHG-1");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timeline WHERE text = 'CHG-1 is closed.'"), 1);
}

TEST_F(ChangeServiceTest, AFailingCascadeLeavesNothingHalfClosed) {
  changes_.problem_exists = [](std::int64_t) -> Result<bool> { return true; };
  changes_.close_fixed = [](const std::vector<std::int64_t>&, const UserId&,
                            std::string_view) -> Result<CascadeReport> {
    return MakeError(Errc::kConflict, "problem guard", "PRB-2 can't close now.");
  };
  const auto change = VerifiedChange();
  DevManages();
  ASSERT_TRUE(
      changes_.Link(change, {store::LinkTarget::kProblem, 2, store::LinkRelation::kFixes}, dev_));
  const int version = changes_.Submit(change, dev_).value().plan_version;
  ASSERT_TRUE(changes_.RecordDecision(change, true, version, ""));
  EXPECT_EQ(changes_.Close(change, dev_, "").error().user_message, "PRB-2 can't close now.");
  EXPECT_EQ(Find(change).state, ChangeState::kApproved);
  EXPECT_TRUE(incidents_.FindIncident(incident_)->Open());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'closed'"), 0);
}

TEST_F(ChangeServiceTest, AStoreFailureWhileClosingACaseRollsEverythingBack) {
  const auto change = ApprovedChange();
  const auto pending_before = store::Outbox(*db_).PendingCount();
  db_->Sql().exec(
      "CREATE TRIGGER refuse_case_close BEFORE UPDATE OF status ON cases "
      "WHEN NEW.status = 'closed' BEGIN SELECT RAISE(ABORT, 'case store refused'); END");
  const auto closed = changes_.Close(change, dev_, "Fixed");
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().user_message,
            "Something went wrong while saving that; nothing was changed.");
  EXPECT_EQ(Find(change).state, ChangeState::kApproved);
  EXPECT_TRUE(incidents_.FindIncident(incident_)->Open());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases WHERE status = 'closed'"), 0);
  EXPECT_EQ(store::Outbox(*db_).PendingCount(), pending_before);
}

TEST_F(ChangeServiceTest, TheChangeImpliedByAnIncidentIsItsOnlyOne) {
  const auto incident = NewIncident();
  EXPECT_EQ(changes_.ImpliedByIncident(incident).error().user_message,
            "No change is linked to INC-1 or its problems; name the change.");
  ASSERT_TRUE(changes_.Create(Emergency(incident), dev_));
  EXPECT_EQ(changes_.ImpliedByIncident(incident).value(), 1);
  ASSERT_TRUE(changes_.Create(Emergency(incident), dev_));
  EXPECT_EQ(changes_.ImpliedByIncident(incident).error().user_message,
            "Several changes are open for INC-1 (CHG-1, CHG-2); name the one you mean.");
}

// Check 15: the scenario's change fixes the problem, not the incident, and
// "one change" in the swarm channel didn't find it.
TEST_F(ChangeServiceTest, TheImpliedChangeMayFixOneOfTheIncidentsProblems) {
  ProblemService problems(*db_, clock_, incidents_);
  changes_.problem_exists = [&](std::int64_t number) { return problems.Exists(number); };
  const auto incident = NewIncident();
  const auto problem =
      problems.Create({"FEAST25 rule rejects valid baskets", incident}, dev_).value().number;
  ChangeInput fix = Emergency(incident);
  fix.links = {{store::LinkTarget::kProblem, problem, store::LinkRelation::kFixes}};
  const auto change = changes_.Create(fix, dev_).value().number;
  EXPECT_EQ(changes_.ImpliedByIncident(incident).value(), change);

  // A change the incident caused is no fix of it.
  ChangeInput caused = Emergency(incident);
  caused.links = {{store::LinkTarget::kIncident, incident, store::LinkRelation::kCausedBy}};
  ASSERT_TRUE(changes_.Create(caused, dev_));
  EXPECT_EQ(changes_.ImpliedByIncident(incident).value(), change);

  // A closed change elsewhere doesn't make the open one ambiguous.
  const auto done = changes_.Create(Emergency(incident), dev_).value().number;
  db_->Sql().exec("UPDATE changes SET state = 'closed' WHERE number = " + std::to_string(done));
  EXPECT_EQ(changes_.ImpliedByIncident(incident).value(), change);
}

}  // namespace
}  // namespace swarmbot::lifecycle
