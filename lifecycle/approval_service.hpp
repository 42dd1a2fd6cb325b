#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/approval_policy.hpp"
#include "store/approval_repository.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle {

// What is submitted for approval: mirrors the changes side's SubmittedChange
// (the app converts one into the other).
struct ApprovalSubject {
  std::string subject;  // "CHG-3"
  std::string type;     // "standard", "normal" or "emergency"
  UserId requester;
  std::string title;
  std::string risk;
  int plan_version = 0;
  std::vector<store::ApprovalStep> plan;
};

// A stored request with its votes counted under its rule.
struct ApprovalRecord {
  store::ApprovalRequest request;
  Electorate electorate;
  Tally tally;
  std::string unreachable;  // WhyUnreachable, once the members are known
  // Mandatory approvers yet to vote whose Slack account Slack said is
  // deactivated: nobody approves in their place, so the request can't pass.
  std::vector<UserId> deactivated_mandatory;
};

// What a click did, for the clicker's ephemeral answer.
struct VoteReceipt {
  std::string subject;
  bool counted = false;  // false: a repeat, answered but not counted
  bool decided = false;  // this vote decided the request
  std::string reply;     // mrkdwn-free sentence fit to show
};

// The Change Advisory Board's approval requests: opened inside the submitter's
// transaction, voted on by message buttons, decided by the rule of the
// change type's policy, escalated once when the deadline passes. Every vote is
// kept with the plan version and digest it was cast on.
class ApprovalService {
 public:
  static constexpr std::size_t kMaxReason = 1000;
  static constexpr std::size_t kMaxPlanSteps = 40;
  static constexpr std::size_t kMaxText = 3000;

  ApprovalService(store::Database& db, const Clock& clock, CabSettings settings);

  // Called inside the vote's transaction when the rule is met or a rejection
  // decides (the app wires it to ChangeService::RecordDecision). An Error
  // rolls the vote back and is shown to the voter. May be empty.
  std::function<Status(std::string_view subject, bool approved, int plan_version,
                       std::string_view summary)>
      on_decided;

  // Inside the caller's open transaction (opens none): stores the request and
  // queues the effect that resolves the groups' members and posts the request
  // with Approve / Reject buttons, and the deadline timer. A live request for
  // the same subject is superseded first. A standard change without a policy
  // of its own is pre-approved at once (on_decided is called, nothing is
  // posted). kConflict when no policy covers the type, or no [cab]
  // channel is configured; kInvalidInput for a malformed subject.
  Status OpenInTransaction(const ApprovalSubject& subject);

  // Inside the caller's transaction: the plan changed, so the subject's live
  // request (open or approved) is marked superseded with `reason`, and its
  // message loses its buttons and says why. Nothing live: nothing to do.
  Status WithdrawInTransaction(std::string_view subject, std::string_view reason);

  // Whether `user` may vote on `request` now; the refusal (kNotFound,
  // kConflict for a decided, superseded or not yet posted request,
  // kForbidden for an outsider or the requester) says why in its
  // user_message. Checked before the reject form opens.
  Status CheckVoter(std::int64_t request, const UserId& user);

  // A click on Approve (`approve`) or a submitted rejection with `reason`
  // (required, at most kMaxReason characters). A member's second vote is
  // answered, not counted. Refusals as CheckVoter.
  Result<VoteReceipt> Vote(std::int64_t request, const UserId& user, bool approve,
                           std::string_view reason);

  Result<ApprovalRecord> Find(std::int64_t request);
  // Every request for `subject`, oldest first, with its votes: the audit
  // behind `/change show`.
  Result<std::vector<ApprovalRecord>> History(std::string_view subject);

  // ---- Results of effects (handlers::ApprovalEffects) ----

  // The groups' members as Slack listed them when the request was posted.
  Status RecordMembers(std::int64_t request, const std::vector<store::ApprovalGroup>& groups);
  Status RecordPosted(std::int64_t request, const ChannelId& channel, const MessageTs& ts);
  // Whether the request still waits for a decision and wasn't escalated.
  Result<bool> DueForEscalation(std::int64_t request);
  // Marks it escalated and queues a refresh of its message.
  Status RecordEscalated(std::int64_t request);

  // ---- Roles from user groups ----

  // Queues a re-read of the role groups' members (at start, and when Slack
  // says a group changed).
  Status QueueRoleRefresh(const std::vector<UserGroupId>& groups);
  Status RecordGroupMembers(const UserGroupId& group, const std::vector<UserId>& members);
  // Whether `user` is a cached member of one of `groups`; false on a store error.
  bool InAnyGroup(const std::vector<UserGroupId>& groups, const UserId& user);

  const CabSettings& Settings() const noexcept { return settings_; }

 private:
  Result<ApprovalRecord> Load(std::int64_t request);
  Status Decide(const ApprovalRecord& record, std::string& summary);
  void QueueUpdate(std::int64_t request);

  store::Database& db_;
  const Clock& clock_;
  CabSettings settings_;
};

// "CHG-3"-like subject names: letters, a dash, digits; at most 40 characters.
bool IsSubjectName(std::string_view subject) noexcept;

// A digest of the plan the approvers saw (version and every step), as hex.
std::string PlanDigest(int plan_version, const std::vector<store::ApprovalStep>& plan);

}  // namespace swarmbot::lifecycle
