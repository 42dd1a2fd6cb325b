// The swarm channel's life: start, close and restart after a reopening
// (lifecycle/detail/swarm_life.hpp).
#include "lifecycle/detail/swarm_life.hpp"

#include <algorithm>
#include <string>

#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "lifecycle/channel_name.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/invitations.hpp"
#include "store/people_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle::detail {
namespace {

template <class Id>
std::string JoinIds(const std::vector<Id>& ids) {
  std::string joined;
  for (const Id& id : ids) {
    joined += (joined.empty() ? "" : ",") + id.str();
  }
  return joined;
}

// Whether `member` was in `swarm`'s channel when it ended: still there (a
// closing swarm's archive hasn't happened yet), or there until the archive,
// which records everyone left at its own time.
bool InWhenClosed(const store::Swarm& swarm, const store::SwarmMember& member) {
  if (!member.joined_at && !member.invited_at) {
    return false;
  }
  if (!member.left_at) {
    return true;
  }
  return swarm.state == store::SwarmState::kArchived && swarm.archived_at &&
         *member.left_at >= *swarm.archived_at;
}

// Who goes into the restarted swarm, each once: the restarter first, then
// whoever was in the channel when it closed (people who left it on their own
// chose to), experts who accepted but never got in, and `also`. A channel
// Slack refused had nobody in it: its members are the people the refused
// start was to invite. Those whose Slack account is deactivated go to
// `deactivated` instead, since Slack refuses to add them.
std::vector<UserId> FormerMembers(store::Database& db, const store::Swarm& swarm,
                                  const UserId& actor, const std::vector<UserId>& also,
                                  std::vector<UserId>& deactivated) {
  std::vector<UserId> users{actor};
  store::PeopleRepository people(db);
  auto add = [&](const UserId& user) {
    std::vector<UserId>& into = people.SlackDeactivated(user) ? deactivated : users;
    if (std::find(into.begin(), into.end(), user) == into.end()) {
      into.push_back(user);
    }
  };
  for (const store::SwarmMember& member : store::SwarmRepository(db).Members(swarm.id)) {
    if (swarm.ChannelRefused() || InWhenClosed(swarm, member)) {
      add(member.user);
    }
  }
  for (const store::Invitation& invitation : AcceptedButNotIn(db, swarm)) {
    add(invitation.invitee);
  }
  for (const UserId& user : also) {
    add(user);
  }
  return users;
}

// Slack refused the swarm's channel earlier: ask for it again, under the
// same name, as a first start would. A reopening's new channel still links
// the earlier one.
void RetryRefusedChannel(store::Database& db, const store::Swarm& swarm, const UserId& actor,
                         const std::vector<UserId>& users,
                         const std::vector<UserGroupId>& usergroups, Clock::TimePoint now,
                         bool reopening) {
  store::SwarmRepository(db).StartAgain(swarm.id, now);
  EnqueueSwarmStart(db, swarm.incident, actor.str(), users, usergroups, now);
  if (!swarm.previous_channel_id.empty()) {
    EnqueueEffect(db, swarm.incident, effect::kPostReopened, now,
                  {{std::string(effect::kArgOccasion), OccasionArg(reopening)}});
  }
  store::TimelineRepository(db).Append(
      swarm.incident, now, actor.str(), "swarm_started",
      "Swarm started again in #" + swarm.channel_name + ", inviting " +
          Counted(static_cast<std::int64_t>(users.size()), "person", "people"));
  spdlog::info("event=swarm.retried incident={} invitees={} actor={}",
               store::IncidentNumberText(swarm.incident), users.size(), actor.str());
}

}  // namespace

bool SwarmIsLive(const std::optional<store::Swarm>& swarm) {
  return swarm && (swarm->state == store::SwarmState::kStarting ||
                   swarm->state == store::SwarmState::kActive);
}

bool InLiveSwarm(store::Database& db, std::int64_t incident, const UserId& user) {
  store::SwarmRepository swarms(db);
  const auto swarm = swarms.FindByIncident(incident);
  if (!SwarmIsLive(swarm)) {
    return false;
  }
  const auto members = swarms.Members(swarm->id);
  return std::any_of(members.begin(), members.end(), [&](const store::SwarmMember& member) {
    return member.user == user && member.Present();
  });
}

void EnqueueIncidentRefresh(store::Database& db, std::int64_t incident, Clock::TimePoint now) {
  if (SwarmIsLive(store::SwarmRepository(db).FindByIncident(incident))) {
    EnqueueEffect(db, incident, effect::kUpdateSummary, now);
  }
  EnqueueEffect(db, incident, effect::kUpdateAnnouncement, now);
}

void EnqueueSwarmStart(store::Database& db, std::int64_t incident, const std::string& starter,
                       const std::vector<UserId>& users, const std::vector<UserGroupId>& usergroups,
                       Clock::TimePoint now) {
  using namespace effect;
  // swarmbot itself (a fallback after a refused unarchive) has no one to tell.
  const std::string told = starter == kBotActor ? std::string() : starter;
  EnqueueEffect(db, incident, kCreateChannel, now, {{std::string(kArgUser), told}});
  for (std::string_view kind : {kSetTopic, kSetPurpose, kPostSummary, kPinSummary, kAddBookmark}) {
    EnqueueEffect(db, incident, kind, now);
  }
  EnqueueEffect(db, incident, kInvite, now,
                {{std::string(kArgUsers), JoinIds(users)},
                 {std::string(kArgUsergroups), JoinIds(usergroups)}});
  EnqueueEffect(db, incident, kUpdateAnnouncement, now);
}

void CloseSwarm(store::Database& db, const store::Swarm& swarm, const UserId& actor,
                Clock::TimePoint now) {
  store::SwarmRepository(db).SetState(swarm.id, store::SwarmState::kClosing, now);
  const FormFields channel{{std::string(effect::kArgChannel), swarm.channel_id.str()}};
  // The topic shows the final state before the channel is archived with it.
  EnqueueEffect(db, swarm.incident, effect::kSetTopic, now);
  EnqueueEffect(db, swarm.incident, effect::kUpdateSummary, now);
  EnqueueEffect(db, swarm.incident, effect::kPostClosing, now, channel);
  EnqueueEffect(db, swarm.incident, effect::kArchive, now,
                {{std::string(effect::kArgChannel), swarm.channel_id.str()},
                 {std::string(effect::kArgUser), actor.str()}});
  store::TimelineRepository(db).Append(swarm.incident, now, actor.str(), "swarm_closed",
                                       "Closed the swarm in #" + swarm.channel_name);
  spdlog::info("event=swarm.closed incident={} actor={}", store::IncidentNumberText(swarm.incident),
               actor.str());
}

void EnqueueSwarmNote(store::Database& db, std::int64_t incident, const std::string& mrkdwn,
                      Clock::TimePoint now) {
  if (SwarmIsLive(store::SwarmRepository(db).FindByIncident(incident))) {
    EnqueueEffect(db, incident, effect::kPostNote, now, {{std::string(effect::kArgText), mrkdwn}});
  }
}

std::string OccasionArg(bool reopening) {
  return std::string(reopening ? effect::kOccasionReopened : effect::kOccasionRestarted);
}

std::string JoinUserIds(const std::vector<UserId>& users) {
  return JoinIds(users);
}

std::string JoinGroupIds(const std::vector<UserGroupId>& groups) {
  return JoinIds(groups);
}

void MoveSwarmToNewChannel(store::Database& db, const store::Swarm& swarm,
                           const store::Incident& incident, const std::string& actor,
                           const std::vector<UserId>& users,
                           const std::vector<UserGroupId>& usergroups, Clock::TimePoint now,
                           const std::string& why, bool reopening) {
  const std::string name =
      NextReopenedChannelName(incident.number, incident.subject, swarm.channel_name);
  store::SwarmRepository swarms(db);
  swarms.Restart(swarm.id, name, now, users);
  EnqueueSwarmStart(db, incident.number, actor, users, usergroups, now);
  if (!swarm.channel_id.empty()) {
    EnqueueEffect(db, incident.number, effect::kPostReopened, now,
                  {{std::string(effect::kArgOccasion), OccasionArg(reopening)}});
  }
  store::TimelineRepository(db).Append(
      incident.number, now, actor, "swarm_restarted",
      why + "Swarm restarted in #" + name + " (the earlier #" + swarm.channel_name +
          (swarm.state == store::SwarmState::kClosing ? " is being archived" : " stays archived") +
          "), inviting " + Counted(static_cast<std::int64_t>(users.size()), "person", "people"));
  spdlog::info("event=swarm.restarted incident={} invitees={} actor={}",
               store::IncidentNumberText(incident.number), users.size(), actor);
}

RestartedSwarm RestartSwarm(store::Database& db, const store::Swarm& swarm,
                            const store::Incident& incident, const UserId& actor,
                            Clock::TimePoint now, const std::vector<UserId>& also,
                            const std::vector<UserGroupId>& usergroups, bool unarchive,
                            bool reopening) {
  std::vector<UserId> deactivated;
  const std::vector<UserId> users = FormerMembers(db, swarm, actor, also, deactivated);
  for (const UserId& user : deactivated) {
    store::TimelineRepository(db).Append(
        incident.number, now, kBotActor, "member_left_out",
        "<@" + user.str() + "> isn't invited again: their Slack account is deactivated");
  }
  if (swarm.ChannelRefused()) {
    RetryRefusedChannel(db, swarm, actor, users, usergroups, now, reopening);
    return {false, users, deactivated};
  }
  // Only an archive Slack has confirmed: a closing swarm's archive may still
  // be queued, and unarchiving before it would be undone by it. Should that
  // archive then fail, the new channel's note asks Slack and says the old
  // one is still open.
  if (!unarchive || swarm.state != store::SwarmState::kArchived || swarm.channel_id.empty()) {
    MoveSwarmToNewChannel(db, swarm, incident, actor.str(), users, usergroups, now, "", reopening);
    return {false, users, deactivated};
  }
  store::SwarmRepository swarms(db);
  swarms.MarkAllLeft(swarm.id, now);
  swarms.SetState(swarm.id, store::SwarmState::kStarting, now);
  EnqueueEffect(db, incident.number, effect::kUnarchive, now,
                {{std::string(effect::kArgChannel), swarm.channel_id.str()},
                 {std::string(effect::kArgUsers), JoinIds(users)},
                 {std::string(effect::kArgUsergroups), JoinIds(usergroups)},
                 {std::string(effect::kArgOccasion), OccasionArg(reopening)}});
  store::TimelineRepository(db).Append(
      incident.number, now, actor.str(), "swarm_unarchiving",
      "Unarchiving #" + swarm.channel_name + " to swarm there again, inviting " +
          Counted(static_cast<std::int64_t>(users.size()), "person", "people"));
  spdlog::info("event=swarm.unarchiving incident={} invitees={} actor={}",
               store::IncidentNumberText(incident.number), users.size(), actor.str());
  return {true, users, deactivated};
}

std::vector<UserId> DeactivatedFormerMembers(store::Database& db, const store::Swarm& swarm) {
  std::vector<UserId> deactivated;
  FormerMembers(db, swarm, UserId(std::string(kBotActor)), {}, deactivated);
  return deactivated;
}

}  // namespace swarmbot::lifecycle::detail
