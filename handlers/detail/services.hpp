#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/settings.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/knowledge_service.hpp"
#include "lifecycle/spike_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers::detail {

// The lifecycle services and settings that command handlers share.
struct Services {
  Services(store::Database& db, const Clock& clock, Settings s)
      : cases(db, clock),
        incidents(db, clock),
        swarms(db, clock),
        knowledge(db, clock),
        spikes(db, clock),
        settings(std::move(s)) {}

  lifecycle::CaseService cases;
  lifecycle::IncidentService incidents;
  lifecycle::SwarmService swarms;
  lifecycle::KnowledgeService knowledge;
  lifecycle::SpikeService spikes;
  Settings settings;
};

// The incident a command is about: `words[0]` when it is "INC-n" (then
// `consumed` is 1), else the incident whose swarm channel the command was
// typed in. kInvalidInput with a hint when neither gives one.
Result<std::int64_t> ResolveIncident(Services& services, const std::vector<std::string>& words,
                                     const ChannelId& channel, std::size_t& consumed,
                                     std::string_view example);

// Whether `user` may declare and close incidents.
bool IsIncidentManager(const Settings& settings, const UserId& user);

}  // namespace swarmbot::handlers::detail
