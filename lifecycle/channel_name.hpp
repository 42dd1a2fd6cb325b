#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swarmbot::lifecycle {

// Slack's limit on channel names.
inline constexpr std::size_t kMaxChannelName = 80;

// The swarm channel's name for an incident: "inc-<n>-<slug of subject>", in
// Slack's alphabet (lowercase a-z, 0-9, '-'), at most 80 characters, with no
// leading, trailing or doubled '-'. Latin letters with accents fold to their
// base letters (ü → u, ß → ss, ø → o, æ → ae); letters of other scripts and
// other characters separate words, so a subject with no letters or digits
// left gives just "inc-<n>".
std::string SwarmChannelName(std::int64_t incident, std::string_view subject);

// The channel for the `n`th reopening of an incident's swarm:
// SwarmChannelName with "-reopened" (and "-<n>" from the second) appended,
// the subject's part cut, never the suffix, to keep within 80 characters.
std::string ReopenedChannelName(std::int64_t incident, std::string_view subject, int n = 1);

// The name for the swarm's next new channel after `current`, its channel
// now: the first reopening's, or, when `current` is one reopening's name,
// the next one's, since archived channels keep their names and a second
// reopening would ask for a taken one.
std::string NextReopenedChannelName(std::int64_t incident, std::string_view subject,
                                    std::string_view current);

// `name` with "-<n>" appended for n >= 2, cut so the result stays within 80
// characters; n <= 1 returns `name` unchanged. Used when a name is taken.
std::string WithSuffix(std::string_view name, int n);

}  // namespace swarmbot::lifecycle
