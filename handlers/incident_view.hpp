#pragma once

#include <string>

#include "common/clock.hpp"
#include "handlers/block_kit.hpp"
#include "lifecycle/incident_service.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {

// How an incident looks in Slack. Every function renders from the state it is
// given, escapes user text for mrkdwn and stays within Block Kit's limits.

// The summary pinned in the swarm channel and posted to the incident
// managers' channel: header "INC-n · subject", then state, priority, owner,
// declarer, linked cases by channel and territory, and the swarm channel.
BlockMessage IncidentSummary(const lifecycle::IncidentStatus& status);

// The direct message to the person who declared it from the modal: the
// number, the priority and what to do next.
BlockMessage DeclaredNote(const store::Incident& incident);

// Posted in the swarm channel when the incident closes: time to resolve,
// swarm duration, the people, the linked cases, the closing note.
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
