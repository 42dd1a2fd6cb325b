// A reopened incident's swarm back in its archived channel (issue #4), or in
// a new one when Slack won't unarchive it.
#include <string>

#include <spdlog/spdlog.h>

#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/outbox.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// The swarm still waiting for `channel` to come back, if it is.
std::optional<store::Swarm> AwaitingUnarchive(store::Database& db, std::int64_t incident,
                                              const ChannelId& channel) {
  auto swarm = store::SwarmRepository(db).FindByIncident(incident);
  if (!swarm || swarm->state != store::SwarmState::kStarting || swarm->channel_id != channel) {
    return std::nullopt;
  }
  return swarm;
}

}  // namespace

Status SwarmService::RecordUnarchived(std::int64_t incident, const ChannelId& channel,
                                      const std::vector<UserId>& users,
                                      const std::vector<UserGroupId>& usergroups, bool reopening) {
  return InTransaction(db_, "record_unarchived", [&]() -> Status {
    auto swarm = AwaitingUnarchive(db_, incident, channel);
    if (!swarm) {
      return {};
    }
    const auto now = clock_.Now();
    store::SwarmRepository(db_).SetState(swarm->id, store::SwarmState::kActive, now);
    store::TimelineRepository(db_).Append(
        incident, now, detail::kBotActor, "channel_unarchived",
        "Unarchived #" + swarm->channel_name + "; the swarm gathers there again");
    using namespace effect;
    detail::EnqueueEffect(db_, incident, kSetTopic, now);
    detail::EnqueueEffect(db_, incident, kUpdateSummary, now);
    detail::EnqueueEffect(db_, incident, kPostUnarchived, now,
                          {{std::string(kArgOccasion), detail::OccasionArg(reopening)}});
    detail::EnqueueEffect(db_, incident, kInvite, now,
                          {{std::string(kArgUsers), detail::JoinUserIds(users)},
                           {std::string(kArgUsergroups), detail::JoinGroupIds(usergroups)}});
    detail::EnqueueEffect(db_, incident, kUpdateAnnouncement, now);
    spdlog::info("event=swarm.unarchived incident={} invitees={}",
                 store::IncidentNumberText(incident), users.size());
    return {};
  });
}

Status SwarmService::UnarchiveFailed(std::int64_t incident, const ChannelId& channel,
                                     std::string_view reason, const std::vector<UserId>& users,
                                     const std::vector<UserGroupId>& usergroups, bool reopening) {
  return InTransaction(db_, "unarchive_failed", [&]() -> Status {
    auto swarm = AwaitingUnarchive(db_, incident, channel);
    if (!swarm) {
      return {};
    }
    auto record = store::IncidentRepository(db_).Find(incident);
    if (!record) {
      return IncidentNotFound(incident);
    }
    spdlog::warn("event=swarm.unarchive_refused incident={} error={}",
                 store::IncidentNumberText(incident), reason);
    detail::MoveSwarmToNewChannel(
        db_, *swarm, *record, std::string(detail::kBotActor), users, usergroups, clock_.Now(),
        "Slack refused to unarchive #" + swarm->channel_name + " (" + std::string(reason) + "). ",
        reopening);
    return {};
  });
}

Result<bool> SwarmService::RequeueBehindNewChannel(std::int64_t incident,
                                                   const store::OutboxItem& item) {
  return InTransaction(db_, "requeue_behind_channel", [&]() -> Result<bool> {
    auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
    if (!swarm || swarm->state != store::SwarmState::kStarting || !swarm->channel_id.empty()) {
      return false;
    }
    store::Outbox outbox(db_);
    // `item` heads its stream, so a pending creation there comes after it.
    bool creating = false;
    for (const store::OutboxItem& pending : outbox.Pending()) {
      creating = creating || (pending.stream == item.stream && pending.id != item.id &&
                              pending.kind == effect::kCreateChannel);
    }
    if (!creating) {
      return false;
    }
    outbox.Enqueue(item.stream, item.kind, item.args, clock_.Now());
    spdlog::info("event=swarm.effect_requeued incident={} kind={} id={}",
                 store::IncidentNumberText(incident), item.kind, item.id);
    return true;
  });
}

}  // namespace swarmbot::lifecycle
