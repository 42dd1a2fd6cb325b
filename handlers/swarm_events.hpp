#pragma once

#include <optional>
#include <string_view>

#include "common/clock.hpp"
#include "handlers/detail/services.hpp"

namespace swarmbot::handlers {

// Events that put a swarm channel's messages on the incident's timeline as
// they arrive: `reaction_added` with the configured reaction
// (Settings::timeline_reaction) and `pin_added`. The channel's history is
// never read, so a reaction records where the message is and a pin also
// quotes the text its event carries. The bot's own pins (the summary),
// other reactions and other channels are ignored.
//
// Also the channel's life: a person's `message` there is counted per member
// (not stored) for the closing summary, and `channel_archive` or
// `group_archive` of a swarm channel records the swarm as archived.
//
// Returns nothing when `event_type` is none of these, so the router may go
// on; else how recording it went (a malformed or ignored event is OK, a
// store failure is the error, logged here). (Joins and leaves are the
// router's; they are ordered by EventTime.)
std::optional<Status> HandleSwarmTimelineEvent(detail::Services& services,
                                               std::string_view event_type,
                                               std::string_view payload_json);

// The time a Slack ts or event_ts ("1733370000.000200") stands for, to the
// millisecond; nothing for an empty or malformed one.
std::optional<Clock::TimePoint> EventTime(std::string_view event_ts);

}  // namespace swarmbot::handlers
