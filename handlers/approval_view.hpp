#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "handlers/block_kit.hpp"
#include "lifecycle/approval_service.hpp"

namespace swarmbot::handlers {

// The request's buttons; their value is the request id ("7").
inline constexpr std::string_view kCabApproveActionId = "cab.approve";
inline constexpr std::string_view kCabRejectActionId = "cab.reject";
// The reject form: its callback_id, and the block (and action) of its reason.
inline constexpr std::string_view kCabRejectCallbackId = "cab.reject_reason";
inline constexpr std::string_view kCabReasonBlock = "reason";
inline constexpr std::string_view kCabReasonAction = "value";

// The approval request in the CAB channel: subject, title, type, risk,
// requester, the plan with each step's doer and verifier, the rule in words,
// the tally as it grows, and Approve / Reject while it is open. Once decided
// or superseded the outcome replaces the buttons.
BlockMessage ApprovalRequestMessage(const lifecycle::ApprovalRecord& record);
// The same, ready for chat.postMessage / chat.update ({"text","blocks"}).
boost::json::object ApprovalRequestObject(const lifecycle::ApprovalRecord& record);

// The post in the escalation channel when the deadline passed undecided;
// `link` is the request's permalink ("" when unknown).
BlockMessage EscalationMessage(const lifecycle::ApprovalRecord& record, std::string_view link);

// "Approved by <@U1> · 1 of 2 needed", "No approvals yet · 0 of 2 needed".
std::string TallyText(const lifecycle::ApprovalRecord& record);

// The reject form as views.open's view JSON; private_metadata holds the id.
std::string RejectReasonView(std::int64_t request, std::string_view subject);

// The lines of the "Approval" part of `/change show CHG-n` (without its
// heading): every request for the subject with its rule, outcome and each
// vote (who, when, what, the plan version and digest it saw, the reason).
// "" when there is none.
std::string ApprovalHistoryText(const std::vector<lifecycle::ApprovalRecord>& records);

}  // namespace swarmbot::handlers
