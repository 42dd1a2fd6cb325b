#include "handlers/swarm_events.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "handlers/detail/flat_json.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

// event.item.message.text is four levels down.
constexpr std::size_t kEventDepth = 4;

// The marked message as the event names it; nothing for events that don't
// concern a message on the timeline.
std::optional<lifecycle::MarkedMessage> ReadMark(const detail::FlatJson& payload,
                                                 const Settings& settings, bool pinned) {
  lifecycle::MarkedMessage mark;
  mark.by = UserId(payload.StringOr("event.user"));
  if (mark.by.empty() || mark.by == settings.bot_user_id) {
    return std::nullopt;
  }
  if (payload.StringOr("event.item.type", "message") != "message") {
    return std::nullopt;
  }
  if (pinned) {
    mark.how = lifecycle::MarkedMessage::How::kPinned;
    mark.channel = ChannelId(payload.StringOr("event.channel_id"));
    if (mark.channel.empty()) {
      mark.channel = ChannelId(payload.StringOr("event.item.channel"));
    }
    mark.ts = MessageTs(payload.StringOr("event.item.message.ts"));
    mark.text = UnescapeSlackText(payload.StringOr("event.item.message.text"));
  } else {
    if (payload.StringOr("event.reaction") != settings.timeline_reaction) {
      return std::nullopt;
    }
    mark.how = lifecycle::MarkedMessage::How::kReacted;
    mark.channel = ChannelId(payload.StringOr("event.item.channel"));
    mark.ts = MessageTs(payload.StringOr("event.item.ts"));
  }
  if (mark.channel.empty() || mark.ts.empty() || mark.ts.str().size() > 40 ||
      mark.channel.str().size() > 40) {
    return std::nullopt;
  }
  return mark;
}

// A person's message in a swarm channel is counted for the closing summary;
// its text isn't kept. Edits, joins, topic changes and bots' posts have a
// subtype or a bot_id and don't count.
Status CountMessage(detail::Services& services, std::string_view payload_json) {
  auto payload = detail::FlattenJson(payload_json, 2);
  if (!payload) {
    spdlog::warn("event=event.malformed type=message detail=\"{}\"", payload.error().detail);
    return {};
  }
  const std::string subtype = payload->StringOr("event.subtype");
  const UserId user(payload->StringOr("event.user"));
  const ChannelId channel(payload->StringOr("event.channel"));
  const bool counts = subtype.empty() || subtype == "thread_broadcast" || subtype == "file_share";
  if (!counts || user.empty() || channel.empty() || user == services.settings.bot_user_id ||
      !payload->StringOr("event.bot_id").empty()) {
    return {};
  }
  auto counted = services.swarms.CountMessage(channel, user);
  if (!counted) {
    spdlog::error("event=event.failed type=message detail=\"{}\"", counted.error().detail);
    return counted.error();
  }
  return {};
}

// Someone archived a channel in Slack; a swarm's is recorded as archived.
Status ChannelArchived(detail::Services& services, std::string_view event_type,
                       std::string_view payload_json) {
  auto payload = detail::FlattenJson(payload_json, 2);
  if (!payload) {
    spdlog::warn("event=event.malformed type={} detail=\"{}\"", event_type, payload.error().detail);
    return {};
  }
  // The person who archived it is credited; our own archive is swarmbot's.
  UserId by(payload->StringOr("event.user"));
  if (by == services.settings.bot_user_id) {
    by = UserId();
  }
  auto archived =
      services.swarms.ChannelArchived(ChannelId(payload->StringOr("event.channel")),
                                      EventTime(payload->StringOr("event.event_ts")), by);
  if (!archived) {
    spdlog::error("event=event.failed type={} detail=\"{}\"", event_type, archived.error().detail);
    return archived.error();
  }
  if (*archived) {
    spdlog::info("event=swarm.archived_in_slack incident={} user={}",
                 store::IncidentNumberText(**archived), payload->StringOr("event.user"));
  }
  return {};
}

}  // namespace

std::optional<Clock::TimePoint> EventTime(std::string_view event_ts) {
  const auto dot = event_ts.find('.');
  const std::string_view whole = event_ts.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : event_ts.substr(dot + 1);
  // Seconds up to the year 2286, and digits only after the dot.
  std::int64_t seconds = 0;
  if (whole.empty() || whole.size() > 10 || fraction.size() > 9 ||
      std::from_chars(whole.data(), whole.data() + whole.size(), seconds).ptr !=
          whole.data() + whole.size()) {
    return std::nullopt;
  }
  std::int64_t millis = 0;
  for (std::size_t i = 0; i < fraction.size(); ++i) {
    if (fraction[i] < '0' || fraction[i] > '9') {
      return std::nullopt;
    }
    if (i < 3) {
      millis = millis * 10 + (fraction[i] - '0');
    }
  }
  for (std::size_t i = fraction.size(); i < 3; ++i) {
    millis *= 10;
  }
  return Clock::TimePoint(std::chrono::milliseconds(seconds * 1000 + millis));
}

std::optional<Status> HandleSwarmTimelineEvent(detail::Services& services,
                                               std::string_view event_type,
                                               std::string_view payload_json) {
  if (event_type == "message") {
    return CountMessage(services, payload_json);
  }
  if (event_type == "channel_archive" || event_type == "group_archive") {
    return ChannelArchived(services, event_type, payload_json);
  }
  const bool pinned = event_type == "pin_added";
  if (!pinned && event_type != "reaction_added") {
    return std::nullopt;
  }
  auto payload = detail::FlattenJson(payload_json, kEventDepth);
  if (!payload) {
    spdlog::warn("event=event.malformed type={} detail=\"{}\"", event_type, payload.error().detail);
    return Status{};
  }
  auto mark = ReadMark(*payload, services.settings, pinned);
  if (!mark) {
    spdlog::debug("event=event.ignored type={}", event_type);
    return Status{};
  }
  auto added = services.swarms.AddMarkedMessage(*mark);
  if (!added) {
    spdlog::error("event=event.failed type={} detail=\"{}\"", event_type, added.error().detail);
    return Status(added.error());
  }
  if (*added) {
    spdlog::info("event=swarm.{} incident={} user={}", pinned ? "message_pinned" : "message_marked",
                 store::IncidentNumberText(**added), mark->by.str());
  }
  return Status{};
}

}  // namespace swarmbot::handlers
