#include "lifecycle/approval_policy.hpp"

#include <gtest/gtest.h>

namespace swarmbot::lifecycle {
namespace {

const UserId kKofi{"UKOFI"};
const UserId kLena{"ULENA"};
const UserId kOmar{"UOMAR"};
const UserId kSara{"USARA"};
const UserId kDev{"UDEV"};  // the requester

store::ApprovalGroup Group(std::string id, std::string handle, std::vector<UserId> members) {
  return {UserGroupId(std::move(id)), std::move(handle), std::move(members)};
}

Electorate Board(ApprovalRule rule, int n = 1) {
  Electorate e;
  e.rule = rule;
  e.n = n;
  e.requester = kDev;
  e.groups = {Group("S0CAB", "cab", {kKofi, kLena, kOmar, kDev})};
  return e;
}

store::ApprovalVote Yes(const UserId& user) {
  store::ApprovalVote vote;
  vote.user = user;
  vote.approve = true;
  return vote;
}

store::ApprovalVote No(const UserId& user, std::string reason = "too risky on a Friday") {
  store::ApprovalVote vote;
  vote.user = user;
  vote.reason = std::move(reason);
  return vote;
}

TEST(ApprovalPolicy, AnyRuleIsMetByOneMember) {
  const Electorate e = Board(ApprovalRule::kAny);
  EXPECT_EQ(Count(e, {}).outcome, Outcome::kPending);
  const Tally tally = Count(e, {Yes(kKofi)});
  EXPECT_EQ(tally.outcome, Outcome::kApproved);
  EXPECT_EQ(tally.have, 1);
  EXPECT_EQ(tally.needed, 1);
}

TEST(ApprovalPolicy, NOfMRuleWaitsForTheNthApproval) {
  const Electorate e = Board(ApprovalRule::kNOfM, 2);
  const Tally one = Count(e, {Yes(kKofi)});
  EXPECT_EQ(one.outcome, Outcome::kPending);
  EXPECT_EQ(one.have, 1);
  EXPECT_EQ(one.needed, 2);
  EXPECT_EQ(Count(e, {Yes(kKofi), Yes(kLena)}).outcome, Outcome::kApproved);
}

TEST(ApprovalPolicy, ARepeatedVoteCountsOnce) {
  const Electorate e = Board(ApprovalRule::kNOfM, 2);
  const Tally tally = Count(e, {Yes(kKofi), Yes(kKofi)});
  EXPECT_EQ(tally.outcome, Outcome::kPending);
  EXPECT_EQ(tally.have, 1);
}

TEST(ApprovalPolicy, AllRuleNeedsEveryEligibleMemberButNotTheRequester) {
  const Electorate e = Board(ApprovalRule::kAll);
  EXPECT_EQ(Count(e, {Yes(kKofi), Yes(kLena)}).outcome, Outcome::kPending);
  const Tally tally = Count(e, {Yes(kKofi), Yes(kLena), Yes(kOmar)});
  EXPECT_EQ(tally.outcome, Outcome::kApproved);
  EXPECT_EQ(tally.needed, 3);
}

TEST(ApprovalPolicy, EachGroupRuleNeedsOneApprovalFromEveryGroup) {
  Electorate e = Board(ApprovalRule::kEachGroup);
  e.groups = {Group("S0CAB", "cab", {kKofi, kLena}), Group("S0SEC", "sec", {kOmar})};
  const Tally two_from_cab = Count(e, {Yes(kKofi), Yes(kLena)});
  EXPECT_EQ(two_from_cab.outcome, Outcome::kPending);
  EXPECT_EQ(two_from_cab.have, 1);
  EXPECT_EQ(two_from_cab.needed, 2);
  EXPECT_EQ(two_from_cab.groups_missing, std::vector<std::string>{"@sec"});
  EXPECT_EQ(Count(e, {Yes(kKofi), Yes(kOmar)}).outcome, Outcome::kApproved);
}

TEST(ApprovalPolicy, MandatoryApproverIsNeededWhateverTheRuleSays) {
  Electorate e = Board(ApprovalRule::kAny);
  e.mandatory = {kSara};
  const Tally without = Count(e, {Yes(kKofi), Yes(kLena)});
  EXPECT_EQ(without.outcome, Outcome::kPending);
  EXPECT_EQ(without.missing_mandatory, std::vector<UserId>{kSara});
  EXPECT_EQ(CheckVoter(e, kSara), Eligibility::kEligible);
  EXPECT_EQ(Count(e, {Yes(kKofi), Yes(kSara)}).outcome, Outcome::kApproved);
}

TEST(ApprovalPolicy, OneRejectionDecidesAtOnce) {
  const Electorate e = Board(ApprovalRule::kNOfM, 2);
  const Tally tally = Count(e, {Yes(kKofi), No(kLena), Yes(kOmar)});
  EXPECT_EQ(tally.outcome, Outcome::kRejected);
  ASSERT_TRUE(tally.rejection);
  EXPECT_EQ(tally.rejection->user, kLena);
}

TEST(ApprovalPolicy, RequesterMayNotVoteUnlessThePolicyAllows) {
  Electorate e = Board(ApprovalRule::kAny);
  EXPECT_EQ(CheckVoter(e, kDev), Eligibility::kRequester);
  EXPECT_EQ(Count(e, {Yes(kDev)}).outcome, Outcome::kPending);
  e.allow_self_approval = true;
  EXPECT_EQ(CheckVoter(e, kDev), Eligibility::kEligible);
  EXPECT_EQ(Count(e, {Yes(kDev)}).outcome, Outcome::kApproved);
}

TEST(ApprovalPolicy, OutsidersAreNotEligibleAndTheirVotesAreIgnored) {
  const Electorate e = Board(ApprovalRule::kAny);
  EXPECT_EQ(CheckVoter(e, kSara), Eligibility::kOutsider);
  EXPECT_EQ(Count(e, {Yes(kSara), No(kSara)}).outcome, Outcome::kPending);
}

TEST(ApprovalPolicy, SaysWhenARuleCanNeverBeMet) {
  EXPECT_EQ(WhyUnreachable(Board(ApprovalRule::kNOfM, 3)), "");
  EXPECT_EQ(WhyUnreachable(Board(ApprovalRule::kNOfM, 4)),
            "4 approvals are needed but @cab has 3 members who may vote");
  Electorate mandatory_requester = Board(ApprovalRule::kAny);
  mandatory_requester.mandatory = {kDev};
  EXPECT_NE(WhyUnreachable(mandatory_requester), "");
  Electorate only_requester = Board(ApprovalRule::kEachGroup);
  only_requester.groups.push_back(Group("S0SEC", "sec", {kDev}));
  EXPECT_EQ(WhyUnreachable(only_requester), "@sec has nobody who may vote on it");
}

TEST(ApprovalPolicy, StatesTheRuleInWords) {
  EXPECT_EQ(RuleInWords(Board(ApprovalRule::kAny)), "any one of @cab");
  EXPECT_EQ(RuleInWords(Board(ApprovalRule::kNOfM, 2)), "2 of @cab");
  EXPECT_EQ(RuleInWords(Board(ApprovalRule::kAll)), "all of @cab");
  Electorate each = Board(ApprovalRule::kEachGroup);
  each.groups.push_back(Group("S0SEC", "", {kOmar}));
  each.mandatory = {kSara};
  EXPECT_EQ(RuleInWords(each), "one from each of @cab and @S0SEC, and USARA must approve");
}

TEST(ApprovalPolicy, RuleNamesRoundTrip) {
  for (ApprovalRule rule :
       {ApprovalRule::kAny, ApprovalRule::kNOfM, ApprovalRule::kAll, ApprovalRule::kEachGroup}) {
    EXPECT_EQ(ParseApprovalRule(Name(rule)), rule);
  }
  EXPECT_FALSE(ParseApprovalRule("majority"));
}

}  // namespace
}  // namespace swarmbot::lifecycle
