#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/case_repository.hpp"
#include "store/database.hpp"
#include "store/knowledge_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

struct DeclareInput {
  std::string subject;      // required, <= 250
  std::string description;  // <= 10,000
  store::Level impact = store::Level::kMedium;
  store::Level urgency = store::Level::kMedium;
};

struct LinkResult {
  std::vector<std::int64_t> linked;          // newly linked, ascending
  std::vector<std::int64_t> already_linked;  // were linked to this incident before
};

// An incident with what its status page shows.
struct IncidentStatus {
  store::Incident incident;
  std::optional<store::Swarm> swarm;
  std::vector<store::SwarmMember> members;  // empty without a swarm
  std::int64_t linked_cases = 0;
  store::LabelCounts by_channel;
  store::LabelCounts by_territory;
  std::vector<store::TimelineEntry> recent;  // oldest of them first
  // Knowledge articles attached as workarounds, in the order attached.
  std::vector<store::AttachedArticle> workarounds;
};

// Incidents: declare, link cases, close, and the queries around them. Every
// change is one transaction that also appends to the timeline and enqueues the
// Slack effects it needs (lifecycle/effects.hpp). Refusals come back as Error
// with a user_message fit to show; nothing has changed then.
class IncidentService {
 public:
  IncidentService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // A new incident in state `declared`, priority from impact × urgency.
  // Effect: the announcement in the incident managers' channel.
  Result<store::Incident> Declare(const DeclareInput& input, const UserId& actor);

  // All or nothing: an unknown case (kNotFound), a case held by another open
  // incident or a closed case (kConflict) refuses the whole request, naming
  // the case. Linking a case twice is a no-op. Linked cases become `held`.
  // Effect: the swarm's pinned summary is refreshed, if there is a swarm.
  Result<LinkResult> LinkCases(std::int64_t incident, const std::vector<std::int64_t>& cases,
                               const UserId& actor);

  // From any open state to `closed`; linked cases close with `note` as their
  // resolution. Closing twice is refused (kConflict). Effects: refreshed
  // summary, a closing summary in the swarm channel, the channel archived.
  Result<store::Incident> Close(std::int64_t incident, const UserId& actor, std::string_view note);

  Result<store::Incident> FindIncident(std::int64_t incident);
  Result<IncidentStatus> StatusOf(std::int64_t incident, int timeline_entries = 5);

  // Whether Declare also queues the incident for routing (config
  // routing.assign_on_declare); off unless set.
  void SetAssignOnDeclare(bool on) { assign_on_declare_ = on; }

  // Results of effects, recorded by handlers::EffectRunner.
  Status RecordAnnouncement(std::int64_t incident, const ChannelId& channel, const MessageTs& ts);
  // A timeline entry by swarmbot, e.g. an effect that Slack refused for good.
  Status NoteProblem(std::int64_t incident, std::string_view text);

 private:
  store::Database& db_;
  const Clock& clock_;
  bool assign_on_declare_ = false;
};

// kNotFound with "INC-n doesn't exist".
Error IncidentNotFound(std::int64_t incident);

}  // namespace swarmbot::lifecycle
