#pragma once

#include <string_view>

// The Slack side effects of CAB approvals (lifecycle/approval_service.hpp),
// performed by handlers::ApprovalEffects. Each request has its own stream
// "CAB-<request id>" (post, then updates in order) and its own timer stream
// for the deadline, so a far deadline never holds back anything else.
namespace swarmbot::lifecycle::effect {

inline constexpr std::string_view kCabEffectPrefix = "cab.";
// Resolves the approving groups' members (usergroups.users.list), keeps them
// with the request, then posts the request with its buttons to [cab] channel.
inline constexpr std::string_view kCabPostRequest = "cab.post_request";
// Re-renders the request message in place (tally, outcome, superseded).
inline constexpr std::string_view kCabUpdateRequest = "cab.update_request";
// The deadline passed: escalate once, unless decided or superseded meanwhile.
inline constexpr std::string_view kCabDeadline = "cab.deadline";
// Re-reads the members of the user groups that grant roles.
inline constexpr std::string_view kCabRefreshRoles = "cab.refresh_roles";
inline constexpr std::string_view kCabRolesStream = "roles";

inline constexpr std::string_view kArgRequest = "request";  // the request id, "7"

}  // namespace swarmbot::lifecycle::effect
