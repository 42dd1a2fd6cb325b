#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"

namespace swarmbot::store {

// Every time column holds Unix milliseconds (UTC): seconds would let a
// Retry-After of one second come due early after rounding.
std::int64_t ToMillis(Clock::TimePoint t) noexcept;
Clock::TimePoint FromMillis(std::int64_t ms) noexcept;

// Where a customer case came from.
enum class CaseChannel { kEmail, kChat, kMessaging, kPhone, kWeb };
// new: just arrived; open: a rep works on it; held: linked to an incident and out
// of the reps' queues; closed: resolved.
enum class CaseStatus { kNew, kOpen, kHeld, kClosed };
// new → triaged → in_progress → resolved → closed, and back to in_progress on
// a reopen; lifecycle/incident_states.hpp holds the rules.
enum class IncidentState { kNew, kTriaged, kInProgress, kResolved, kClosed };
// starting: channel not created yet; active: channel exists; closing: archive
// requested; archived: channel archived.
enum class SwarmState { kStarting, kActive, kClosing, kArchived };
// Impact and urgency, which together give the priority.
enum class Level { kHigh, kMedium, kLow };

// The names stored in the database and shown to people ("email", "held", …).
std::string_view Name(CaseChannel v) noexcept;
std::string_view Name(CaseStatus v) noexcept;
std::string_view Name(IncidentState v) noexcept;
std::string_view Name(SwarmState v) noexcept;
std::string_view Name(Level v) noexcept;

// Parse the names above; case-sensitive, as stored.
std::optional<CaseChannel> ParseCaseChannel(std::string_view text) noexcept;
std::optional<CaseStatus> ParseCaseStatus(std::string_view text) noexcept;
std::optional<IncidentState> ParseIncidentState(std::string_view text) noexcept;
std::optional<SwarmState> ParseSwarmState(std::string_view text) noexcept;
std::optional<Level> ParseLevel(std::string_view text) noexcept;

// Human numbers: "CASE-1042", "INC-42". Parsing ignores the prefix's case and
// refuses anything else (spaces, signs, zero, more than 12 digits).
std::string CaseNumberText(std::int64_t number);
std::string IncidentNumberText(std::int64_t number);
std::optional<std::int64_t> ParseCaseNumber(std::string_view text) noexcept;
std::optional<std::int64_t> ParseIncidentNumber(std::string_view text) noexcept;
// Spikes of similar new cases: "SPIKE-7".
std::string SpikeNumberText(std::int64_t number);
std::optional<std::int64_t> ParseSpikeNumber(std::string_view text) noexcept;
// Problems: "PRB-7".
std::string ProblemNumberText(std::int64_t number);
std::optional<std::int64_t> ParseProblemNumber(std::string_view text) noexcept;

struct Case {
  std::int64_t number = 0;
  std::string contact_name;
  std::string contact_email;
  CaseChannel channel = CaseChannel::kWeb;
  std::string territory;
  std::string subject;
  std::string description;
  UserId owner;  // empty: nobody owns it yet
  CaseStatus status = CaseStatus::kNew;
  std::optional<std::int64_t> incident;  // the incident holding it
  std::string resolution;
  Clock::TimePoint created_at;
  Clock::TimePoint updated_at;
};

struct Incident {
  std::int64_t number = 0;
  std::string subject;
  std::string description;
  Level impact = Level::kMedium;
  Level urgency = Level::kMedium;
  int priority = 3;                      // 1 (most urgent) … 4
  int matrix_priority = 3;               // what impact × urgency gave; differs when overridden
  std::string priority_reason;           // why the priority was overridden; "" when it wasn't
  std::vector<std::string> territories;  // impacted service territories, as configured
  IncidentState state = IncidentState::kNew;
  UserId owner;  // empty until someone is assigned
  UserId declared_by;
  // The latest resolution's note: set by resolving or closing with a note,
  // cleared by reopening.
  std::string close_note;
  ChannelId announce_channel;  // where the announcement was posted, once it was
  MessageTs announce_ts;
  Clock::TimePoint created_at;
  std::optional<Clock::TimePoint> resolved_at;
  std::optional<Clock::TimePoint> closed_at;
  std::string declare_view;  // the Slack view it was declared from; "" if none

  bool Open() const noexcept { return state != IncidentState::kClosed; }
};

struct CaseLink {
  std::int64_t incident = 0;
  std::int64_t case_number = 0;
  Clock::TimePoint linked_at;
  UserId linked_by;
  std::optional<Clock::TimePoint> unlinked_at;
};

struct Swarm {
  std::int64_t id = 0;
  std::int64_t incident = 0;
  ChannelId channel_id;  // empty until the channel exists
  std::string channel_name;
  SwarmState state = SwarmState::kStarting;
  MessageTs summary_ts;  // the pinned summary, once posted
  UserId created_by;
  Clock::TimePoint created_at;
  std::optional<Clock::TimePoint> archived_at;
  // The archived channel of the swarm before the incident was reopened; empty
  // for a first swarm.
  ChannelId previous_channel_id;
  std::string previous_channel_name;

  // Slack refused for good to create its channel: it ended (archived)
  // without one. `/swarm start` or a reopening tries again under the same name.
  bool ChannelRefused() const noexcept {
    return state == SwarmState::kArchived && channel_id.empty();
  }
};

struct SwarmMember {
  std::int64_t swarm = 0;
  UserId user;
  std::optional<Clock::TimePoint> invited_at;
  std::optional<Clock::TimePoint> joined_at;
  std::optional<Clock::TimePoint> left_at;
  std::int64_t messages = 0;  // messages written in the swarm channel

  bool Present() const noexcept { return joined_at.has_value() && !left_at.has_value(); }
};

struct TimelineEntry {
  std::int64_t id = 0;
  std::int64_t incident = 0;
  Clock::TimePoint at;
  std::string actor;  // a user id, or "swarmbot" for the bot's own steps
  std::string kind;   // e.g. "declared", "cases_linked", "member_joined"
  std::string text;   // plain text, not mrkdwn
};

}  // namespace swarmbot::store
