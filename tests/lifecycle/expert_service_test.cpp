// The Expert Finder as the swarm uses it: who is proposed, invitations,
// answers, and moving on to the next person after a decline or a timeout.
#include "lifecycle/expert_service.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "lifecycle/problem_service.hpp"
#include "store/expert_repository.hpp"
#include "store/outbox.hpp"
#include "store/people_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

using namespace std::chrono_literals;

class ExpertServiceTest : public testing::LifecycleTest {
 protected:
  void SetUp() override {
    AddPerson("UPRIYA", "Priya", {{"promotions", 5}, {"checkout", 3}});
    AddPerson("UOMAR", "Omar", {{"promotions", 4}, {"loyalty", 3}});
    AddPerson("USOFIA", "Sofia", {{"promotions", 5}, {"pricing", 4}});
    AddPerson("UCHEN", "Chen", {{"payments", 5}});
    Import({{"old-1", "SPRING10 discount code rejected at checkout", "Sofia"},
            {"old-2", "Promo code applies twice to the basket", "Sofia"},
            {"old-3", "Loyalty points missing after order", "Omar"},
            {"old-4", "Card payment declined for every customer", "Chen"}});
    incident_ = NewIncident("FEAST25 discount code fails at checkout");
    ASSERT_TRUE(swarms_.Start({incident_, {}, {}}, priya_));
    ASSERT_TRUE(swarms_.RecordChannel(incident_, ChannelId("CSWARM"), "inc-1-feast25"));
    ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), priya_));
    DrainOutbox();
  }

  void AddPerson(const std::string& user, const std::string& name,
                 std::map<std::string, int> skills) {
    store::Person person;
    person.user = UserId(user);
    person.display_name = name;
    person.capacity = 3;
    person.skills = std::move(skills);
    store::PeopleRepository(*db_).Upsert(person, clock_.Now());
  }

  struct Past {
    std::string id, title, expert;
  };
  void Import(const std::vector<Past>& past) {
    std::vector<store::HistoryRow> rows;
    for (const Past& p : past) {
      rows.push_back({p.id, clock_.Now() - 24h * 30, p.title, p.title, {}, p.expert});
    }
    ASSERT_TRUE(experts_.ImportHistory(rows));
  }

  // Runs both passes with everyone shown as active.
  ExpertList Propose() {
    auto shortlist = experts_.Shortlist(incident_, 15);
    EXPECT_TRUE(shortlist) << shortlist.error().detail;
    std::map<std::string, SlackProfile> profiles;
    for (const auto& person : shortlist->people) {
      profiles[person.id].active = true;
    }
    auto list = experts_.Finish(std::move(*shortlist), profiles);
    EXPECT_TRUE(list);
    return *list;
  }

  std::vector<std::string> Shown(const ExpertList& list) {
    std::vector<std::string> users;
    for (const auto& expert : list.experts) {
      users.push_back(expert.user.str());
    }
    return users;
  }

  std::string StateOf(std::int64_t invitation) {
    return std::string(store::Name(experts_.FindInvitation(invitation).value()->state));
  }

  ExpertService experts_{
      *db_,
      clock_,
      {RoutingRules{false, 3, {{"promotions", {"discount", "code"}}, {"checkout", {"checkout"}}}},
       15min, 5}};
  std::int64_t incident_ = 0;
  UserId sofia_{"USOFIA"};
  UserId omar_{"UOMAR"};
};

TEST_F(ExpertServiceTest, SofiaComesFirstAndPeopleInTheSwarmAreNotProposed) {
  const ExpertList list = Propose();
  ASSERT_FALSE(list.experts.empty());
  EXPECT_EQ(list.experts.front().user, sofia_);
  const auto shown = Shown(list);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "UPRIYA"), 0);
  EXPECT_EQ(list.needed_skills, (std::vector<std::string>{"promotions", "checkout"}));
  // Priya, in the channel, has checkout; nobody shown does.
  EXPECT_EQ(list.uncovered_skills, (std::vector<std::string>{"checkout"}));
  EXPECT_FALSE(list.experts.front().reasons.empty());
}

TEST_F(ExpertServiceTest, SomeoneAddedToTheChannelIsNotProposedBeforeTheirJoinEventArrives) {
  ASSERT_TRUE(swarms_.RecordInvited(incident_, {sofia_}));
  const auto shown = Shown(Propose());
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "USOFIA"), 0);
}

TEST_F(ExpertServiceTest, SomeoneWhoLeftTheChannelMayBeProposedAgain) {
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), priya_));
  const auto shown = Shown(Propose());
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "UPRIYA"), 1);
}

// check 8: Sofia declared an incident and was proposed first for it.
TEST_F(ExpertServiceTest, WhoeverDeclaredTheIncidentIsNotProposedForIt) {
  DeclareInput in;
  in.subject = "SAVE20 discount code rejected";
  in.impact = store::Level::kHigh;
  in.urgency = store::Level::kMedium;
  const std::int64_t hers = incidents_.Declare(in, sofia_).value().number;
  ASSERT_TRUE(swarms_.Start({hers, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(hers, ChannelId("CSAVE"), "inc-2-save20"));
  auto shortlist = experts_.Shortlist(hers, 15);
  ASSERT_TRUE(shortlist) << shortlist.error().detail;
  ASSERT_FALSE(shortlist->people.empty());
  for (const auto& person : shortlist->people) {
    EXPECT_NE(person.id, sofia_.str());
  }
  // For Mara's incident on the same topic, Sofia comes first.
  EXPECT_EQ(Propose().experts.front().user, sofia_);
}

TEST_F(ExpertServiceTest, ADeactivatedPersonIsLeftOut) {
  auto shortlist = experts_.Shortlist(incident_, 15).value();
  std::map<std::string, SlackProfile> profiles;
  profiles["USOFIA"].deactivated = true;
  const auto shown = Shown(experts_.Finish(shortlist, profiles).value());
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "USOFIA"), 0);
}

TEST_F(ExpertServiceTest, OnlyPeopleWithAMatchingSkillOrMatchingHistoryAreProposed) {
  // Dev has capacity and is free, but neither a needed skill nor past work
  // like this incident; Chen's only record is about card payments.
  AddPerson("UDEV", "Dev", {{"networking", 3}});
  const ExpertList list = Propose();
  const auto shown = Shown(list);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "UDEV"), 0);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), "UCHEN"), 0);
  EXPECT_LT(shown.size(), 5u) << "fewer than five have evidence, so fewer are shown";
  for (const auto& proposed : store::ExpertRepository(*db_).Proposal(incident_)) {
    EXPECT_NE(proposed.user.str(), "UDEV")
        << "a decline never moves on to someone without evidence";
  }
}

TEST_F(ExpertServiceTest, NobodyIsProposedWhenNobodyHasEvidence) {
  const std::int64_t printer = NewIncident("Printer on the third floor jams");
  ASSERT_TRUE(swarms_.Start({printer, {}, {}}, priya_));
  ASSERT_TRUE(swarms_.RecordChannel(printer, ChannelId("CPRINT"), "inc-2-printer"));
  auto shortlist = experts_.Shortlist(printer, 15);
  ASSERT_TRUE(shortlist);
  const ExpertList list = experts_.Finish(std::move(*shortlist), {}).value();
  EXPECT_TRUE(list.experts.empty());
  EXPECT_TRUE(store::ExpertRepository(*db_).Proposal(printer).empty());
}

TEST_F(ExpertServiceTest, TheIndexIsRebuiltWhenHistoryChanges) {
  const std::size_t before = Propose().history_records;
  Import({{"old-5", "FEAST20 discount code expired early", "Sofia"}});
  EXPECT_EQ(Propose().history_records, before + 1);
}

TEST_F(ExpertServiceTest, AResolvedIncidentBecomesHistoryOfItsOwner) {
  const auto rows = GatherHistory(*db_);
  EXPECT_EQ(rows.size(), 4u);
  db_->Sql().exec(
      "UPDATE incidents SET state = 'resolved', owner = 'UOMAR', resolved_at = 1 WHERE number = " +
      std::to_string(incident_));
  const auto after = GatherHistory(*db_);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after.back().id, "INC-1");
  EXPECT_EQ(after.back().resolver, "UOMAR");
}

// A problem Chen worked on: its cause and asset, resolved by `resolver`.
std::int64_t ResolvedProblem(ProblemService& problems, const UserId& resolver) {
  const ProblemActor chen{UserId("UCHEN"), false};
  const auto number =
      problems.Create({"Basket totals rounded wrongly at checkout", {}}, chen.user).value().number;
  EXPECT_TRUE(problems.AddCause(number, "checkout-service rounds discounted totals", chen));
  EXPECT_TRUE(problems.AddAssets(number, {"checkout-service"}, chen));
  EXPECT_TRUE(problems.Move(number, ProblemMove::kResolve, {resolver, true}, ""));
  return number;
}

TEST_F(ExpertServiceTest, AResolvedProblemBecomesHistoryOfWhoeverResolvedIt) {
  ProblemService problems(*db_, clock_, incidents_);
  ASSERT_TRUE(problems.ImportAssets({{"checkout-service", "payments", "Checkout"}}));
  ASSERT_TRUE(problems.Create({"Still open", {}}, UserId("UCHEN")));
  EXPECT_EQ(GatherHistory(*db_).size(), 4u) << "an open problem is no evidence yet";
  ResolvedProblem(problems, UserId("UOMAR"));
  const auto rows = GatherHistory(*db_);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows.back().id, "PRB-2");
  EXPECT_EQ(rows.back().resolver, "UOMAR");
  EXPECT_EQ(rows.back().title, "Basket totals rounded wrongly at checkout");
  EXPECT_EQ(rows.back().text, "checkout-service rounds discounted totals");
  EXPECT_EQ(rows.back().components, std::vector<std::string>{"checkout-service"});
}

TEST_F(ExpertServiceTest, AProblemClosedWithoutAResolveCountsForItsOwner) {
  ProblemService problems(*db_, clock_, incidents_);
  ASSERT_TRUE(problems.Create({"Coupon cache stale", {}}, UserId("UCHEN")));
  db_->Sql().exec("UPDATE problems SET state = 'closed', closed_at = 1 WHERE number = 1");
  const auto rows = GatherHistory(*db_);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows.back().resolver, "UCHEN");
}

TEST_F(ExpertServiceTest, TheIncidentsProblemAssetsJoinTheQueryAndReasonsNameTheProblem) {
  ProblemService problems(*db_, clock_, incidents_);
  ASSERT_TRUE(problems.ImportAssets({{"checkout-service", "payments", "Checkout"}}));
  const auto earlier = ResolvedProblem(problems, UserId("UCHEN"));
  // Today's problem, linked to the incident, impacts the same asset.
  const auto today = problems.Create({"FEAST25 rejected", incident_}, priya_).value().number;
  ASSERT_TRUE(problems.AddAssets(today, {"checkout-service"}, {priya_, true}));
  auto shortlist = experts_.Shortlist(incident_, 15);
  ASSERT_TRUE(shortlist);
  ASSERT_FALSE(shortlist->query.components.empty());
  EXPECT_EQ(shortlist->query.components.back(), "checkout-service");
  const ExpertList list = Propose();
  bool named = false;
  for (const auto& expert : list.experts) {
    for (const auto& reason : expert.reasons) {
      named = named ||
              (expert.user == UserId("UCHEN") &&
               reason.find("resolved " + store::ProblemNumberText(earlier)) != std::string::npos);
    }
  }
  EXPECT_TRUE(named) << "Chen's reasons name the problem he resolved";
}

TEST_F(ExpertServiceTest, AskingNeedsAnIncidentASwarmAndPeople) {
  EXPECT_EQ(experts_.RequestExperts(99, priya_).error().code, Errc::kNotFound);
  const auto bare = NewIncident("Checkout slow");
  DrainOutbox();
  const auto no_swarm = experts_.RequestExperts(bare, priya_);
  ASSERT_FALSE(no_swarm);
  EXPECT_NE(no_swarm.error().user_message.find("/swarm start INC-2"), std::string::npos);
  EXPECT_TRUE(PendingKinds().empty());

  ASSERT_TRUE(experts_.RequestExperts(incident_, priya_));
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{"experts.propose"}));

  db_->Sql().exec("UPDATE people SET active = 0");
  const auto nobody = experts_.RequestExperts(incident_, priya_);
  ASSERT_FALSE(nobody);
  EXPECT_NE(nobody.error().user_message.find("swarmbot import people"), std::string::npos);
}

TEST_F(ExpertServiceTest, AnArchivedSwarmTakesNoRequestsOrInvitations) {
  ASSERT_TRUE(swarms_.RecordArchived(incident_, ChannelId("CSWARM")));
  EXPECT_EQ(experts_.RequestExperts(incident_, priya_).error().code, Errc::kConflict);
  const auto invited = experts_.Invite(incident_, sofia_, priya_);
  ASSERT_FALSE(invited);
  EXPECT_NE(invited.error().user_message.find("archived"), std::string::npos);
}

TEST_F(ExpertServiceTest, AnInvitationSendsADirectMessageAndStartsItsOwnTimer) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  EXPECT_EQ(StateOf(invitation.id), "open");
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].kind, "experts.ask");
  EXPECT_EQ(pending[0].stream, "INC-1");
  EXPECT_EQ(pending[1].kind, "experts.invitation_timeout");
  EXPECT_EQ(pending[1].stream, "invitation-" + std::to_string(invitation.id));
  // The timer isn't due before the timeout.
  store::Outbox outbox(*db_);
  outbox.MarkDone(pending[0].id, clock_.Now());
  clock_.Advance(14min);
  EXPECT_FALSE(outbox.ClaimNext(clock_.Now()));
  clock_.Advance(1min);
  auto due = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(due);
  EXPECT_EQ(due->kind, "experts.invitation_timeout");
}

TEST_F(ExpertServiceTest, TheSamePersonIsNotAskedTwiceWhileWaitingNorWhenAlreadyIn) {
  ASSERT_TRUE(experts_.Invite(incident_, sofia_, priya_));
  const auto again = experts_.Invite(incident_, sofia_, priya_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  const auto member = experts_.Invite(incident_, priya_, priya_);
  ASSERT_FALSE(member);
  EXPECT_NE(member.error().user_message.find("already in"), std::string::npos);
}

// Check 7, B4: an Invite click on an old list DM'd someone the people
// import had deactivated.
TEST_F(ExpertServiceTest, SomeoneNoLongerOnThePeopleListIsNotInvited) {
  const auto pending_before = store::Outbox(*db_).PendingCount();
  store::PeopleRepository(*db_).DeactivateAllExcept({sofia_, priya_, UserId("UCHEN")},
                                                    clock_.Now());
  const auto refused = experts_.Invite(incident_, omar_, priya_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kConflict);
  EXPECT_NE(refused.error().user_message.find("Omar is no longer on swarmbot's people list"),
            std::string::npos)
      << refused.error().user_message;
  EXPECT_EQ(store::Outbox(*db_).PendingCount(), pending_before) << "nothing is sent";
  EXPECT_TRUE(store::ExpertRepository(*db_).InvitationsFor(incident_).empty());
}

TEST_F(ExpertServiceTest, ADeclineSkipsSomeoneDeactivatedSinceTheList) {
  const ExpertList list = Propose();
  ASSERT_GE(list.experts.size(), 2u);
  const UserId first = list.experts[0].user;
  const UserId second = list.experts[1].user;
  std::vector<UserId> keep;
  for (const char* user : {"UPRIYA", "UOMAR", "USOFIA", "UCHEN"}) {
    if (UserId(user) != second) {
      keep.emplace_back(user);
    }
  }
  store::PeopleRepository(*db_).DeactivateAllExcept(keep, clock_.Now());
  const auto invitation = experts_.Invite(incident_, first, priya_).value();
  auto declined = experts_.Answer(invitation.id, first, false).value();
  EXPECT_NE(declined.next.value_or(UserId()), second);
  for (const auto& asked : store::ExpertRepository(*db_).InvitationsFor(incident_)) {
    EXPECT_NE(asked.invitee, second);
  }
}

TEST_F(ExpertServiceTest, OnlyTheInviteeMayAnswerAndASecondClickIsNotCounted) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  DrainOutbox();
  EXPECT_EQ(experts_.Answer(invitation.id, omar_, true).error().code, Errc::kForbidden);
  EXPECT_EQ(StateOf(invitation.id), "open");
  EXPECT_EQ(experts_.Answer(invitation.id + 100, sofia_, true).error().code, Errc::kNotFound);

  auto accepted = experts_.Answer(invitation.id, sofia_, true).value();
  EXPECT_FALSE(accepted.already_answered);
  EXPECT_EQ(StateOf(invitation.id), "accepted");
  // Check 7: the channel showed her join before "accepted the invitation".
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].kind, "experts.update_ask");
  EXPECT_EQ(pending[1].kind, "experts.tell_answer");
  EXPECT_EQ(pending[2].kind, "swarm.invite");
  EXPECT_EQ(FormValue(pending[2].args, "users").value_or(""), "USOFIA");

  const auto kinds_before = PendingKinds();
  auto again = experts_.Answer(invitation.id, sofia_, false).value();
  EXPECT_TRUE(again.already_answered);
  EXPECT_EQ(StateOf(invitation.id), "accepted");
  EXPECT_EQ(PendingKinds(), kinds_before);
}

TEST_F(ExpertServiceTest, ADeclineAsksTheNextPersonOnTheListNotYetAsked) {
  const ExpertList list = Propose();
  ASSERT_GE(list.experts.size(), 2u);
  const auto first = experts_.Invite(incident_, list.experts[0].user, priya_).value();
  EXPECT_FALSE(first.reasons.empty());
  auto declined = experts_.Answer(first.id, list.experts[0].user, false).value();
  EXPECT_EQ(StateOf(first.id), "declined");
  ASSERT_TRUE(declined.next);
  EXPECT_EQ(*declined.next, list.experts[1].user);
  const auto all = store::ExpertRepository(*db_).InvitationsFor(incident_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].asked_by, "swarmbot");
  EXPECT_EQ(all[1].state, store::InvitationState::kOpen);
  EXPECT_EQ(Count("SELECT count(*) FROM timeline WHERE kind = 'expert_declined'"), 1);
}

TEST_F(ExpertServiceTest, WhenTheListRunsOutNobodyIsAskedAndTheChannelIsTold) {
  const ExpertList list = Propose();
  std::optional<UserId> next = list.experts.front().user;
  auto invitation = experts_.Invite(incident_, *next, priya_).value();
  for (int guard = 0; guard < 10 && next; ++guard) {
    auto answer = experts_.Answer(invitation.id, *next, false).value();
    next = answer.next;
    if (next) {
      invitation = store::ExpertRepository(*db_).InvitationsFor(incident_).back();
    }
  }
  EXPECT_FALSE(next);
  const auto kinds = PendingKinds();
  EXPECT_EQ(kinds.back(), "experts.tell_answer");
  EXPECT_EQ(FormValue(store::Outbox(*db_).Pending().back().args, "next").value_or("?"), "");
}

TEST_F(ExpertServiceTest, SilenceUntilTheTimeoutMovesOnButAnAnswerFirstStopsTheTimer) {
  Propose();
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  clock_.Advance(15min);
  EXPECT_TRUE(experts_.Expire(invitation.id).value());
  EXPECT_EQ(StateOf(invitation.id), "expired");
  EXPECT_EQ(Count("SELECT count(*) FROM expert_invitations WHERE state = 'open'"), 1);
  // A late click is answered, not counted.
  auto late = experts_.Answer(invitation.id, sofia_, true).value();
  EXPECT_TRUE(late.already_answered);

  const auto next = store::ExpertRepository(*db_).InvitationsFor(incident_).back();
  ASSERT_TRUE(experts_.Answer(next.id, next.invitee, true));
  EXPECT_FALSE(experts_.Expire(next.id).value());
  EXPECT_EQ(StateOf(next.id), "accepted");
}

// check 14: added to the channel another way (`/swarm invite`, made owner)
// while the invitation waited, and its timer then said she never answered
// and asked the next person.
TEST_F(ExpertServiceTest, SomeoneInTheChannelBeforeTheTimeoutIsNotCountedAsSilent) {
  Propose();
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), sofia_));
  DrainOutbox();
  clock_.Advance(15min);
  EXPECT_TRUE(experts_.Expire(invitation.id).value());
  EXPECT_EQ(StateOf(invitation.id), "withdrawn");
  EXPECT_EQ(store::ExpertRepository(*db_).FindInvitation(invitation.id)->withdrawal,
            store::Withdrawal::kJoinedAnyway);
  EXPECT_EQ(Count("SELECT count(*) FROM expert_invitations WHERE state = 'open'"), 0)
      << "nobody else is asked";
  EXPECT_EQ(FormValue(store::Outbox(*db_).Pending().back().args, "next").value_or("?"), "");
}

// check 14: she accepted, the channel was archived in Slack before her
// invite ran, and the next swarm left her out.
TEST_F(ExpertServiceTest, SomeoneWhoAcceptedButNeverGotInIsInvitedToTheNextChannel) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  ASSERT_TRUE(experts_.Answer(invitation.id, sofia_, true));
  ASSERT_TRUE(swarms_.RecordArchived(incident_, ChannelId("CSWARM")));
  DrainOutbox();
  ASSERT_TRUE(swarms_.Start({incident_, {}, {}}, priya_));
  std::string invited;
  for (const auto& item : store::Outbox(*db_).Pending()) {
    if (item.kind == "swarm.invite") {
      invited = FormValue(item.args, "users").value_or("");
    }
  }
  EXPECT_NE(invited.find("USOFIA"), std::string::npos) << invited;
}

// check 13: the refused Accept left the invitation open, and its timer later
// said she never answered.
TEST_F(ExpertServiceTest, AcceptingAfterTheSwarmWasArchivedWithdrawsTheInvitation) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  ASSERT_TRUE(swarms_.RecordArchived(incident_, ChannelId("CSWARM")));
  DrainOutbox();
  const auto accepted = experts_.Answer(invitation.id, sofia_, true).value();
  EXPECT_EQ(accepted.invitation.state, store::InvitationState::kWithdrawn);
  EXPECT_EQ(accepted.invitation.withdrawal, store::Withdrawal::kSwarmArchived);
  EXPECT_EQ(StateOf(invitation.id), "withdrawn");
  EXPECT_FALSE(experts_.Expire(invitation.id).value()) << "the timer has nothing left to do";
  const auto kinds = PendingKinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "swarm.invite"), 0) << "nobody is added";
}

// check 8: invited, then dropped from the people list, and the Accept still
// added them to the channel.
// check 13: the invitation stayed open and later "expired" as unanswered.
TEST_F(ExpertServiceTest, AcceptingAfterLeavingThePeopleListWithdrawsTheInvitation) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  DrainOutbox();
  store::PeopleRepository(*db_).DeactivateAllExcept({priya_, omar_, UserId("UCHEN")}, clock_.Now());
  const auto accepted = experts_.Answer(invitation.id, sofia_, true).value();
  EXPECT_FALSE(accepted.already_answered);
  EXPECT_EQ(accepted.invitation.withdrawal, store::Withdrawal::kLeftPeopleList);
  EXPECT_EQ(StateOf(invitation.id), "withdrawn");
  EXPECT_FALSE(experts_.Expire(invitation.id).value());
  const auto kinds = PendingKinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "swarm.invite"), 0)
      << "nobody is added to the channel";
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "experts.update_ask"), 1);
}

TEST_F(ExpertServiceTest, InvitingDirectlyQueuesTheSwarmInviteWithGroups) {
  ASSERT_TRUE(experts_.InviteDirect(incident_, {sofia_}, {UserGroupId("SDEVOPS")}, priya_));
  const auto pending = store::Outbox(*db_).Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, "swarm.invite");
  EXPECT_EQ(FormValue(pending[0].args, "users").value_or(""), "USOFIA");
  EXPECT_EQ(FormValue(pending[0].args, "usergroups").value_or(""), "SDEVOPS");
}

// Issue #12 of check9: the list proposed someone who had just declined and
// someone still waiting to answer, and gave no sign of who had left.
TEST_F(ExpertServiceTest, TheListLeavesOutWhoIsWaitingOrDeclinedAndMarksWhoLeft) {
  const ExpertList before = Propose();
  ASSERT_GE(before.experts.size(), 2u);
  const UserId first = before.experts[0].user;
  const auto invitation = experts_.Invite(incident_, first, priya_).value();
  ASSERT_TRUE(experts_.Answer(invitation.id, first, false));
  // The decline moved on to the second, who hasn't answered yet.
  const UserId second = store::ExpertRepository(*db_).InvitationsFor(incident_).back().invitee;
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), priya_));

  const ExpertList after = Propose();
  const auto shown = Shown(after);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), first.str()), 0);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), second.str()), 0);
  EXPECT_EQ(after.declined, std::vector<UserId>{first});
  EXPECT_EQ(after.waiting, std::vector<UserId>{second});
  bool priya_marked = false;
  for (const ShownExpert& expert : after.experts) {
    if (expert.user == priya_) {
      priya_marked = expert.marks == std::vector<std::string>{"left the swarm"};
    } else {
      EXPECT_TRUE(expert.marks.empty()) << expert.user.str();
    }
  }
  EXPECT_TRUE(priya_marked) << "Priya left, and may be asked again, with a mark";
}

// Issue #12 of check9: "10:23 local time" in a later candidate's invitation
// was the time the list was made.
TEST_F(ExpertServiceTest, AnInvitationKeepsOnlyTheReasonsThatStillHold) {
  auto shortlist = experts_.Shortlist(incident_, 15).value();
  std::map<std::string, SlackProfile> profiles;
  for (const auto& person : shortlist.people) {
    profiles[person.id].active = true;
    profiles[person.id].utc_offset = 60min;
  }
  const ExpertList list = experts_.Finish(std::move(shortlist), profiles).value();
  const auto& reasons = list.experts.front().reasons;
  ASSERT_TRUE(std::any_of(reasons.begin(), reasons.end(),
                          [](const std::string& r) { return r.ends_with(" local time"); }));
  const auto invitation = experts_.Invite(incident_, list.experts.front().user, priya_).value();
  EXPECT_FALSE(invitation.reasons.empty());
  EXPECT_EQ(invitation.reasons.find("local time"), std::string::npos) << invitation.reasons;
  EXPECT_EQ(invitation.reasons.find("available"), std::string::npos) << invitation.reasons;
}

// Issue #15 of check9: after a decline the channel heard "Asking @omar next."
// though Omar couldn't be reached, and his record was stored 'expired'.
TEST_F(ExpertServiceTest, AnUnreachableNextPersonIsSkippedAndRecordedAsSuch) {
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), priya_));  // a third person to propose
  const ExpertList list = Propose();
  ASSERT_GE(list.experts.size(), 3u);
  const auto first = experts_.Invite(incident_, list.experts[0].user, priya_).value();
  ASSERT_TRUE(experts_.Answer(first.id, list.experts[0].user, false));
  const auto second = store::ExpertRepository(*db_).InvitationsFor(incident_).back();
  ASSERT_EQ(second.invitee, list.experts[1].user);
  auto moved = experts_.MovedOnFrom(first.id).value();
  EXPECT_TRUE(moved.pending) << "the second's direct message isn't sent yet";

  const auto kinds_before = PendingKinds().size();
  ASSERT_TRUE(experts_.MarkUnreachable(second.id));
  EXPECT_EQ(StateOf(second.id), "unreachable");
  const auto third = store::ExpertRepository(*db_).InvitationsFor(incident_).back();
  EXPECT_EQ(third.invitee, list.experts[2].user);
  EXPECT_EQ(third.state, store::InvitationState::kOpen);
  // Moved on to by swarmbot: the notice about the decline tells the channel.
  const auto kinds = PendingKinds();
  EXPECT_EQ(std::count(kinds.begin() + static_cast<std::ptrdiff_t>(kinds_before), kinds.end(),
                       "experts.tell_answer"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM timeline WHERE kind = 'expert_unreachable'"), 1);

  ASSERT_TRUE(experts_.RecordInvitationMessage(third.id, ChannelId("D3"), MessageTs("3.0")));
  moved = experts_.MovedOnFrom(first.id).value();
  EXPECT_FALSE(moved.pending);
  EXPECT_EQ(moved.unreachable, std::vector<UserId>{second.invitee});
  EXPECT_EQ(moved.asked, std::optional<UserId>(third.invitee));
  // Its timer finds it settled.
  EXPECT_FALSE(experts_.Expire(second.id).value());
}

TEST_F(ExpertServiceTest, SomeoneAPersonInvitedWhoIsUnreachableIsToldInTheChannel) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  DrainOutbox();
  ASSERT_TRUE(experts_.MarkUnreachable(invitation.id));
  EXPECT_EQ(StateOf(invitation.id), "unreachable");
  const auto kinds = PendingKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "experts.tell_answer"), kinds.end());
}

// Issue #14 of check9: someone already in the channel was counted as invited.
TEST_F(ExpertServiceTest, InvitingDirectlyLeavesOutWhoIsAlreadyIn) {
  const auto invited = experts_.InviteDirect(incident_, {priya_, sofia_, sofia_}, {}, priya_);
  ASSERT_TRUE(invited);
  EXPECT_EQ(invited->users, std::vector<UserId>{sofia_});
  EXPECT_EQ(invited->already_in, std::vector<UserId>{priya_});
  const auto only_in = experts_.InviteDirect(incident_, {priya_}, {}, priya_);
  ASSERT_TRUE(only_in);
  EXPECT_TRUE(only_in->users.empty());
  EXPECT_EQ(store::Outbox(*db_).PendingCount(), 1) << "nothing queued for nobody";
}

// Check 20 #2: the chain went past someone who had left the swarm, and the
// channel was told neither that nor why.
TEST_F(ExpertServiceTest, MovingOnNamesWhoLeftTheSwarmAndWasPassedOver) {
  const ExpertList list = Propose();
  ASSERT_EQ(list.experts.size(), 2u);
  const UserId first = list.experts[0].user;
  const UserId second = list.experts[1].user;
  // The second helped, then left the channel.
  const auto helped = experts_.Invite(incident_, second, priya_).value();
  ASSERT_TRUE(experts_.Answer(helped.id, second, true));
  ASSERT_TRUE(swarms_.MemberJoined(ChannelId("CSWARM"), second));
  clock_.Advance(1min);
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), second));
  const auto asked = experts_.Invite(incident_, first, priya_).value();
  ASSERT_TRUE(experts_.Answer(asked.id, first, false));
  const MovedOn moved = experts_.MovedOnFrom(asked.id).value();
  EXPECT_FALSE(moved.asked);
  ASSERT_EQ(moved.passed_over.size(), 1u);
  EXPECT_EQ(moved.passed_over[0].user, second);
  EXPECT_EQ(moved.passed_over[0].why, "left the swarm");
}

// Check 20: each later notice of the chain named the person passed over
// again.
TEST_F(ExpertServiceTest, SomeonePassedOverIsNamedOnlyByTheMoveThatWentPastThem) {
  ASSERT_TRUE(swarms_.MemberLeft(ChannelId("CSWARM"), priya_));  // a third person to propose
  const ExpertList list = Propose();
  ASSERT_GE(list.experts.size(), 3u);
  const UserId first = list.experts[0].user;
  const UserId second = list.experts[1].user;
  const UserId third = list.experts[2].user;
  std::vector<UserId> keep;
  for (const UserId& user : {priya_, omar_, sofia_, UserId("UCHEN")}) {
    if (user != second) {
      keep.push_back(user);
    }
  }
  store::PeopleRepository(*db_).DeactivateAllExcept(keep, clock_.Now());
  const auto asked = experts_.Invite(incident_, first, priya_).value();
  ASSERT_TRUE(experts_.Answer(asked.id, first, false));
  const MovedOn moved = experts_.MovedOnFrom(asked.id).value();
  EXPECT_EQ(moved.asked, std::optional<UserId>(third));
  ASSERT_EQ(moved.passed_over.size(), 1u);
  EXPECT_EQ(moved.passed_over[0].user, second);
  EXPECT_EQ(moved.passed_over[0].why, "is no longer on the people list");

  const auto next = store::ExpertRepository(*db_).InvitationsFor(incident_).back();
  ASSERT_EQ(next.invitee, third);
  ASSERT_TRUE(experts_.Answer(next.id, third, false));
  const MovedOn after = experts_.MovedOnFrom(next.id).value();
  EXPECT_FALSE(after.asked);
  EXPECT_TRUE(after.passed_over.empty()) << "named in the notice before";
  EXPECT_TRUE(after.named_before) << "still on the list, and not asked";
  // Asked again later, the earlier notice still names them.
  EXPECT_EQ(experts_.MovedOnFrom(asked.id).value().passed_over.size(), 1u);
}

// Check 20: a never-delivered invitation of a deactivated person said they
// "couldn't be reached by direct message".
TEST_F(ExpertServiceTest, AnInvitationRefusedForADeactivatedAccountKeepsWhy) {
  const auto invitation = experts_.Invite(incident_, sofia_, priya_).value();
  ASSERT_TRUE(experts_.PassOverDeactivated(sofia_));
  const auto ended = experts_.FindInvitation(invitation.id).value();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->state, store::InvitationState::kUnreachable);
  EXPECT_TRUE(ended->deactivated);
  const auto other = experts_.Invite(incident_, omar_, priya_).value();
  ASSERT_TRUE(experts_.MarkUnreachable(other.id));
  EXPECT_FALSE(experts_.FindInvitation(other.id).value()->deactivated);
}

// Check 20 #4: "Nobody outside this channel has the skill: promotions" with
// Sofia and Omar (promotions 5 and 4) invited and listed below it.
TEST_F(ExpertServiceTest, ASkillSomeoneInvitedHasIsNotCalledUncovered) {
  ASSERT_TRUE(experts_.Invite(incident_, sofia_, priya_));
  ASSERT_TRUE(experts_.Invite(incident_, omar_, priya_));
  const ExpertList list = Propose();
  EXPECT_EQ(list.waiting.size(), 2u);
  EXPECT_EQ(list.uncovered_skills, (std::vector<std::string>{"checkout"}));
}

}  // namespace
}  // namespace swarmbot::lifecycle
