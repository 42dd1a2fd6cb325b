#include "handlers/account_events.hpp"

#include <spdlog/spdlog.h>

#include "handlers/detail/flat_json.hpp"

namespace swarmbot::handlers {

std::optional<Status> HandleAccountEvent(detail::Services& services, std::string_view event_type,
                                         std::string_view payload_json) {
  if (event_type != "user_change") {
    return std::nullopt;
  }
  // event.user.deleted is three levels down; the profile below it isn't needed.
  auto payload = detail::FlattenJson(payload_json, 3);
  const std::string user = payload ? payload->StringOr("event.user.id") : std::string();
  if (user.empty()) {
    spdlog::warn("event=event.malformed type=user_change detail=\"no user id\"");
    return Status{};
  }
  const bool deleted = payload->True("event.user.deleted");
  auto recorded = services.routing.RecordSlackAccount(UserId(user), deleted, "user_change");
  if (!recorded) {
    spdlog::error("event=event.failed type=user_change detail=\"{}\"", recorded.error().detail);
    return recorded.error();
  }
  return Status{};
}

}  // namespace swarmbot::handlers
