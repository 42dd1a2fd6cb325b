#include "lifecycle/approval_policy.hpp"

#include <algorithm>
#include <array>

#include "common/count_text.hpp"

namespace swarmbot::lifecycle {
namespace {

constexpr std::array<std::string_view, 4> kRuleNames{"any", "n_of_m", "all", "each_group"};

bool Contains(const std::vector<UserId>& users, const UserId& user) {
  return std::find(users.begin(), users.end(), user) != users.end();
}

bool SelfExcluded(const Electorate& e, const UserId& user) {
  return !e.allow_self_approval && user == e.requester;
}

std::string Handle(const store::ApprovalGroup& group) {
  return "@" + (group.handle.empty() ? group.id.str() : group.handle);
}

std::string Handles(const Electorate& e) {
  std::vector<std::string> handles;
  for (const store::ApprovalGroup& group : e.groups) {
    handles.push_back(Handle(group));
  }
  return JoinWithAnd(handles);
}

std::string Plural(int n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Approvals from eligible voters, each voter once, in vote order.
std::vector<UserId> CountedApprovals(const Electorate& e,
                                     const std::vector<store::ApprovalVote>& votes) {
  std::vector<UserId> approvers;
  for (const store::ApprovalVote& vote : votes) {
    if (vote.approve && CheckVoter(e, vote.user) == Eligibility::kEligible &&
        !Contains(approvers, vote.user)) {
      approvers.push_back(vote.user);
    }
  }
  return approvers;
}

}  // namespace

std::string_view Name(ApprovalRule rule) noexcept {
  return kRuleNames[static_cast<std::size_t>(rule)];
}

std::optional<ApprovalRule> ParseApprovalRule(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kRuleNames.size(); ++i) {
    if (kRuleNames[i] == text) {
      return static_cast<ApprovalRule>(i);
    }
  }
  return std::nullopt;
}

Electorate Electorate::Of(const store::ApprovalRequest& request) {
  Electorate e;
  e.rule = ParseApprovalRule(request.rule).value_or(ApprovalRule::kAll);
  e.n = request.quorum;
  e.mandatory = request.mandatory;
  e.allow_self_approval = request.allow_self_approval;
  e.requester = request.requester;
  e.groups = request.groups;
  return e;
}

Eligibility CheckVoter(const Electorate& e, const UserId& user) {
  bool member = Contains(e.mandatory, user);
  for (const store::ApprovalGroup& group : e.groups) {
    member = member || Contains(group.members, user);
  }
  if (!member) {
    return Eligibility::kOutsider;
  }
  return SelfExcluded(e, user) ? Eligibility::kRequester : Eligibility::kEligible;
}

std::vector<UserId> EligibleVoters(const Electorate& e) {
  std::vector<UserId> voters;
  auto add = [&](const UserId& user) {
    if (!user.empty() && !SelfExcluded(e, user) && !Contains(voters, user)) {
      voters.push_back(user);
    }
  };
  for (const store::ApprovalGroup& group : e.groups) {
    std::for_each(group.members.begin(), group.members.end(), add);
  }
  std::for_each(e.mandatory.begin(), e.mandatory.end(), add);
  return voters;
}

Tally Count(const Electorate& e, const std::vector<store::ApprovalVote>& votes) {
  Tally tally;
  for (const store::ApprovalVote& vote : votes) {
    if (!vote.approve && CheckVoter(e, vote.user) == Eligibility::kEligible) {
      tally.rejection = vote;
      tally.outcome = Outcome::kRejected;
      break;
    }
  }
  tally.approvers = CountedApprovals(e, votes);
  tally.have = static_cast<int>(tally.approvers.size());
  switch (e.rule) {
    case ApprovalRule::kAny:
      tally.needed = 1;
      break;
    case ApprovalRule::kNOfM:
      tally.needed = e.n;
      break;
    case ApprovalRule::kAll:
      tally.needed = static_cast<int>(EligibleVoters(e).size());
      break;
    case ApprovalRule::kEachGroup:
      tally.needed = static_cast<int>(e.groups.size());
      tally.have = 0;
      for (const store::ApprovalGroup& group : e.groups) {
        const bool covered =
            std::any_of(tally.approvers.begin(), tally.approvers.end(),
                        [&](const UserId& user) { return Contains(group.members, user); });
        if (covered) {
          ++tally.have;
        } else {
          tally.groups_missing.push_back(Handle(group));
        }
      }
      break;
  }
  for (const UserId& user : e.mandatory) {
    if (!Contains(tally.approvers, user)) {
      tally.missing_mandatory.push_back(user);
    }
  }
  const bool met =
      tally.needed > 0 && tally.have >= tally.needed && tally.missing_mandatory.empty();
  if (tally.outcome == Outcome::kPending && met) {
    tally.outcome = Outcome::kApproved;
  }
  return tally;
}

std::string WhyUnreachable(const Electorate& e) {
  const std::vector<UserId> voters = EligibleVoters(e);
  for (const UserId& user : e.mandatory) {
    if (SelfExcluded(e, user)) {
      return "the mandatory approver <@" + user.str() + ">" +
             " asked for it and may not approve their own change";
    }
  }
  if (voters.empty()) {
    return Handles(e).empty() ? "nobody may vote on it"
                              : Handles(e) + " has nobody who may vote on it";
  }
  if (e.rule == ApprovalRule::kNOfM && e.n > static_cast<int>(voters.size())) {
    return Plural(e.n, "approval is", "approvals are") + " needed but " + Handles(e) + " has " +
           Plural(static_cast<int>(voters.size()), "member who", "members who") + " may vote";
  }
  if (e.rule == ApprovalRule::kEachGroup) {
    for (const store::ApprovalGroup& group : e.groups) {
      const bool someone = std::any_of(group.members.begin(), group.members.end(),
                                       [&](const UserId& user) { return !SelfExcluded(e, user); });
      if (!someone) {
        return Handle(group) + " has nobody who may vote on it";
      }
    }
  }
  return {};
}

std::string RuleInWords(const Electorate& e, std::string (*name)(const UserId&)) {
  const std::string groups = Handles(e);
  std::string words;
  switch (e.rule) {
    case ApprovalRule::kAny:
      words = "any one of " + groups;
      break;
    case ApprovalRule::kNOfM:
      words = std::to_string(e.n) + " of " + groups;
      break;
    case ApprovalRule::kAll:
      words = "all of " + groups;
      break;
    case ApprovalRule::kEachGroup:
      words = "one from each of " + groups;
      break;
  }
  if (groups.empty()) {
    words = "the mandatory approvers";
  }
  if (!e.mandatory.empty()) {
    std::vector<std::string> names;
    for (const UserId& user : e.mandatory) {
      names.push_back(name != nullptr ? name(user) : user.str());
    }
    words +=
        ", and " + JoinWithAnd(names) + (names.size() == 1 ? " must" : " must all") + " approve";
  }
  return words;
}

}  // namespace swarmbot::lifecycle
