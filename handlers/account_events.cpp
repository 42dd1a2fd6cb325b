#include "handlers/account_events.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "handlers/detail/flat_json.hpp"

namespace swarmbot::handlers {
namespace {

// When Slack says the account changed: the user object's `updated`, else the
// event's time; nothing when neither is a usable number of seconds.
std::optional<Clock::TimePoint> SaidAt(const detail::FlatJson& payload) {
  for (const char* path : {"event.user.updated", "event_time"}) {
    const auto found = payload.scalars.find(path);
    std::int64_t seconds = 0;
    if (found != payload.scalars.end() &&
        std::from_chars(found->second.data(), found->second.data() + found->second.size(), seconds)
                .ec == std::errc{} &&
        seconds > 0) {
      return Clock::TimePoint(std::chrono::seconds(seconds));
    }
  }
  return std::nullopt;
}

}  // namespace

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
  auto recorded =
      services.routing.RecordSlackAccount(UserId(user), deleted, "user_change", SaidAt(*payload));
  if (!recorded) {
    spdlog::error("event=event.failed type=user_change detail=\"{}\"", recorded.error().detail);
    return recorded.error();
  }
  if (deleted && *recorded) {
    // A deactivated account can't answer an invitation; nobody should wait
    // for the timeout to find out.
    if (auto passed = services.experts.PassOverDeactivated(UserId(user)); !passed) {
      spdlog::error("event=event.failed type=user_change detail=\"{}\"", passed.error().detail);
      return passed;
    }
  }
  return Status{};
}

}  // namespace swarmbot::handlers
