#pragma once

#include <string>

#include "common/clock.hpp"
#include "handlers/block_kit.hpp"
#include "lifecycle/incident_service.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {

// How an incident looks in Slack. Every function renders from the state it is
// given, escapes user text for mrkdwn and stays within Block Kit's limits.

// The action_id of the summary's "Start swarm" button; its value is "INC-n".
inline constexpr std::string_view kSwarmStartActionId = "swarm.start";

// The summary pinned in the swarm channel and posted to the incident
// managers' channel: header "INC-n · subject", then state, priority, owner,
// declarer, linked cases by channel and territory, and the swarm channel.
// An open incident without a swarm gets a "Start swarm" button. This is the
// one place the summary is rendered: every refresh (chat.update of the
// announcement and of the pinned summary) comes through here.
BlockMessage IncidentSummary(const lifecycle::IncidentStatus& status);

// The direct message to the person who declared it from the modal: the
// number, the priority and what to do next (cases declared from a spike
// are linked already).
BlockMessage DeclaredNote(const lifecycle::IncidentStatus& status);

// Posted in the swarm channel when the swarm closes (with the incident or by
// /swarm close): time to resolve, swarm duration, each member with when they
// joined and left and how many messages they wrote, the records (incident,
// linked cases, attached articles), the closing note, and a thank-you.
BlockMessage ClosingSummary(const lifecycle::IncidentStatus& status, Clock::TimePoint now);

// The /incident status reply: the summary plus the latest timeline entries.
BlockMessage StatusView(const lifecycle::IncidentStatus& status);

// Topic and purpose of the swarm channel; plain text (Slack doesn't format
// them), at most 250 characters.
std::string SwarmTopic(const store::Incident& incident);
std::string SwarmPurpose(const store::Incident& incident);

// "email 12, chat 10"; "none" when empty.
std::string CountsText(const store::LabelCounts& counts);

}  // namespace swarmbot::handlers
