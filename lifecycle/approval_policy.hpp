#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"
#include "store/approval_repository.hpp"

namespace swarmbot::lifecycle {

// How many of the eligible approvers must approve. Mandatory approvers must
// approve on top of any rule, and one rejection decides at once.
enum class ApprovalRule {
  kAny,        // any one eligible member
  kNOfM,       // n of them
  kAll,        // every eligible member
  kEachGroup,  // at least one member of each approving group
};
std::string_view Name(ApprovalRule rule) noexcept;  // "any", "n_of_m", "all", "each_group"
std::optional<ApprovalRule> ParseApprovalRule(std::string_view text) noexcept;

// [cab.policies.<type>]: who approves changes of one type, and how.
struct ApprovalPolicy {
  std::vector<UserGroupId> groups;
  ApprovalRule rule = ApprovalRule::kAny;
  int n = 1;  // for kNOfM
  std::vector<UserId> mandatory;
  bool allow_self_approval = false;
  // After this long without a decision the request is escalated; zero: never.
  std::chrono::hours deadline{24};
};

// [cab]: where requests go, and a policy per change type.
struct CabSettings {
  ChannelId channel;                               // where approval requests are posted
  ChannelId escalation_channel;                    // where overdue ones are escalated
  std::map<std::string, ApprovalPolicy> policies;  // by change type
};

// Who asked and who may vote on one request: its rule and its groups'
// members as resolved when it was posted. Built from a stored request.
struct Electorate {
  ApprovalRule rule = ApprovalRule::kAny;
  int n = 1;
  std::vector<UserId> mandatory;
  bool allow_self_approval = false;
  UserId requester;
  std::vector<store::ApprovalGroup> groups;

  static Electorate Of(const store::ApprovalRequest& request);
};

enum class Eligibility {
  kEligible,
  kOutsider,   // in none of the groups and not a mandatory approver
  kRequester,  // asked for it, and the policy forbids approving one's own change
};
Eligibility CheckVoter(const Electorate& electorate, const UserId& user);

// Everyone whose vote counts, in a stable order (groups' members, then
// mandatory approvers), without duplicates.
std::vector<UserId> EligibleVoters(const Electorate& electorate);

enum class Outcome { kPending, kApproved, kRejected };

// Where the votes stand under the rule.
struct Tally {
  Outcome outcome = Outcome::kPending;
  std::vector<UserId> approvers;  // counted approvals, in vote order
  int have = 0;                   // approvals (kEachGroup: groups covered) so far
  int needed = 1;                 // approvals (kEachGroup: groups) the rule needs
  std::vector<UserId> missing_mandatory;
  std::vector<std::string> groups_missing;  // kEachGroup: handles without an approval yet
  std::optional<store::ApprovalVote> rejection;
};

// Counts the votes of eligible voters; others are ignored.
Tally Count(const Electorate& electorate, const std::vector<store::ApprovalVote>& votes);

// Why the rule can never be met with these members ("2 approvals are needed
// but @ecab has 1 member who may vote"), or "" when it can.
std::string WhyUnreachable(const Electorate& electorate);

// The rule in words: "any one of @cab", "2 of @ecab", "all of @cab", "one
// from each of @cab and @sec"; mandatory approvers are named by id with
// `name` (e.g. a mention) as ", and U1 must approve".
std::string RuleInWords(const Electorate& electorate, std::string (*name)(const UserId&) = nullptr);

}  // namespace swarmbot::lifecycle
