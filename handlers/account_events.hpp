#pragma once

#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "handlers/detail/services.hpp"

namespace swarmbot::handlers {

// `user_change`: Slack sends the whole user object whenever a member's data
// changes; its `deleted` says whether the account is deactivated, which
// routing keeps (RoutingService::RecordSlackAccount). Other changes (name,
// status, profile) change nothing here.
//
// Returns nothing when `event_type` is another event, so the router may go
// on; else how recording it went (a malformed event is OK and logged, a
// store failure is the error).
std::optional<Status> HandleAccountEvent(detail::Services& services, std::string_view event_type,
                                         std::string_view payload_json);

}  // namespace swarmbot::handlers
