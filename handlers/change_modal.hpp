#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/change_service.hpp"

namespace swarmbot::handlers {

// The modal `/change new` opens; a view_submission with this callback_id
// comes to ChangeModal::HandleSubmission.
inline constexpr std::string_view kChangeCallbackId = "change.new";

// Its input blocks, also the keys of inline errors.
inline constexpr std::string_view kChangeTitleBlock = "change_title";
inline constexpr std::string_view kChangeTypeBlock = "change_type";
inline constexpr std::string_view kChangeTemplateBlock = "change_template";
inline constexpr std::string_view kChangeRiskBlock = "change_risk";
inline constexpr std::string_view kChangeJustificationBlock = "change_justification";
inline constexpr std::string_view kChangeStartBlock = "change_start";
inline constexpr std::string_view kChangeEndBlock = "change_end";

// The modal as views.open's `view` JSON. `link` ("PRB-2", "INC-1" or "")
// is what the new change fixes, and `channel` where it was asked for; both
// travel in private_metadata.
std::string ChangeModalView(const std::vector<lifecycle::StandardTemplate>& catalogue,
                            std::string_view link, const ChannelId& channel);

// "2026-03-01 14:00" (UTC) → a time point; nullopt for anything else.
std::optional<Clock::TimePoint> ParseWindowTime(std::string_view text);

class ChangeModal {
 public:
  explicit ChangeModal(detail::Services& services) : services_(services) {}

  Status Open(std::string_view trigger_id, const UserId& user, const ChannelId& channel,
              std::string_view link);

  // "" (the modal closes) once the change exists, else
  // {"response_action":"errors",…} naming the inputs to fix; a second
  // submission of the same view is refused under the title.
  std::string HandleSubmission(const detail::FlatJson& payload);

 private:
  detail::Services& services_;
};

}  // namespace swarmbot::handlers
