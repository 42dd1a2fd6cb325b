#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// open: waiting for votes (its approving groups' members are known once
// `members_resolved`); approved / rejected: decided; superseded: withdrawn
// because the plan changed or the subject was submitted again.
enum class ApprovalState { kOpen, kApproved, kRejected, kSuperseded };
std::string_view Name(ApprovalState state) noexcept;
std::optional<ApprovalState> ParseApprovalState(std::string_view text) noexcept;

// One step of the plan as the approvers saw it.
struct ApprovalStep {
  std::string text;
  UserId done_by;
  UserId verified_by;
};

// An approving user group and its members when the request was posted.
struct ApprovalGroup {
  UserGroupId id;
  std::string handle;  // "cab", without the @; the id when Slack didn't say
  std::vector<UserId> members;
};

// A vote, kept for audit with the plan it was cast on.
struct ApprovalVote {
  UserId user;
  bool approve = false;
  std::string reason;  // a rejection's reason
  int plan_version = 0;
  std::string plan_digest;
  Clock::TimePoint at;
};

// A request for the CAB's approval of one subject ("CHG-3") at one plan
// version, with the rule it is decided by, copied from the policy when opened.
struct ApprovalRequest {
  std::int64_t id = 0;
  std::string subject;
  std::string change_type;
  UserId requester;
  std::string title;
  std::string risk;
  int plan_version = 0;
  std::string plan_digest;
  std::string rule;  // lifecycle::ApprovalRule's name
  int quorum = 1;    // n for n_of_m
  std::vector<UserId> mandatory;
  bool allow_self_approval = false;
  ApprovalState state = ApprovalState::kOpen;
  bool members_resolved = false;
  std::string outcome;  // why it was decided or superseded, fit to show
  ChannelId channel;
  MessageTs message_ts;
  std::optional<Clock::TimePoint> deadline_at;
  std::optional<Clock::TimePoint> escalated_at;
  Clock::TimePoint created_at;
  std::optional<Clock::TimePoint> decided_at;

  std::vector<ApprovalStep> plan;
  std::vector<ApprovalGroup> groups;  // in the policy's order
  std::vector<ApprovalVote> votes;    // oldest first
};

// The approval tables and the cached members of role user groups. Calls run
// inside the caller's transaction; SQL failures throw SQLite::Exception.
class ApprovalRepository {
 public:
  explicit ApprovalRepository(Database& db) : db_(db) {}

  // Stores the request with its plan and groups (members not yet known);
  // returns its id.
  std::int64_t Insert(const ApprovalRequest& request);
  std::optional<ApprovalRequest> Find(std::int64_t id);
  // Every request for `subject`, oldest first.
  std::vector<ApprovalRequest> ForSubject(std::string_view subject);
  // The subject's request that is open or approved (the live one), if any.
  std::optional<std::int64_t> Live(std::string_view subject);

  void SetMembers(std::int64_t id, const std::vector<ApprovalGroup>& groups);
  void AddVote(std::int64_t id, const ApprovalVote& vote);
  void SetState(std::int64_t id, ApprovalState state, std::string_view outcome,
                Clock::TimePoint at);
  void SetMessage(std::int64_t id, const ChannelId& channel, const MessageTs& ts);
  void SetEscalated(std::int64_t id, Clock::TimePoint at);

  // Role groups (roles.incident_manager_groups): the cached member list.
  void ReplaceGroupMembers(const UserGroupId& group, const std::vector<UserId>& members);
  bool InAnyGroup(const std::vector<UserGroupId>& groups, const UserId& user);

 private:
  void Load(ApprovalRequest& request);

  Database& db_;
};

}  // namespace swarmbot::store
