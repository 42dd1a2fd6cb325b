#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"

namespace swarmbot::handlers {

// Clicks on an approval request's Approve / Reject buttons and the reject
// form's submission. Every answer to a click is an ephemeral message through
// the payload's response_url: a counted vote, a repeat ("you approved at
// 10:42"), an outsider or the requester refused, a request already decided or
// superseded, a forged or stale id. Reject opens the form only for someone
// who may vote.
class ApprovalButtons {
 public:
  explicit ApprovalButtons(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view action_id) noexcept;

  // block_actions: the action at `index` is one of ours.
  void HandleClick(const detail::FlatJson& payload, std::size_t index);

  // The view_submission of the reject form (kCabRejectCallbackId), flattened
  // deep enough for view.state.values: "" closes the form (vote recorded),
  // else {"response_action":"errors",…} under the reason.
  std::string HandleRejectSubmission(const detail::FlatJson& payload);

 private:
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
