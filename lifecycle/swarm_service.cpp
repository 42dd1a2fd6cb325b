#include "lifecycle/swarm_service.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "lifecycle/channel_name.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/detail/invitations.hpp"
#include "lifecycle/detail/swarm_life.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/incident_states.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/people_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// How far ahead of our clock an event's own time may be (clocks differ).
constexpr auto kEventClockSkew = std::chrono::minutes(1);

// The actor first, then the invitees, each once.
std::vector<UserId> InviteList(const UserId& actor, const std::vector<UserId>& invitees) {
  std::vector<UserId> users{actor};
  for (const UserId& user : invitees) {
    if (std::find(users.begin(), users.end(), user) == users.end()) {
      users.push_back(user);
    }
  }
  return users;
}

// The owner works the incident, so a swarm someone else starts invites them
// too.
StartSwarmInput WithOwner(StartSwarmInput input, const store::Incident& incident) {
  const UserId& owner = incident.owner;
  if (!owner.empty() &&
      std::find(input.invitees.begin(), input.invitees.end(), owner) == input.invitees.end()) {
    input.invitees.push_back(owner);
  }
  return input;
}

// The owner WithOwner added to `asked` for `actor`, unless left out as
// deactivated; empty when it added nobody new.
UserId OwnerAdded(const StartSwarmInput& asked, const store::Incident& incident,
                  const UserId& actor, const std::vector<UserId>& deactivated) {
  const UserId& owner = incident.owner;
  const auto named = [&](const std::vector<UserId>& users) {
    return std::find(users.begin(), users.end(), owner) != users.end();
  };
  if (owner.empty() || owner == actor || named(asked.invitees) || named(deactivated)) {
    return UserId();
  }
  return owner;
}

// Takes out of `input` the people Slack said are deactivated (they can't be
// added to a channel) and returns them.
std::vector<UserId> TakeOutDeactivated(store::Database& db, StartSwarmInput& input) {
  store::PeopleRepository people(db);
  std::vector<UserId> deactivated;
  std::erase_if(input.invitees, [&](const UserId& user) {
    const bool gone = people.SlackDeactivated(user);
    if (gone) {
      deactivated.push_back(user);
    }
    return gone;
  });
  return deactivated;
}

Status CheckStart(store::Database& db, const StartSwarmInput& input) {
  if (input.invitees.size() > SwarmService::kMaxInvitees ||
      input.usergroups.size() > SwarmService::kMaxUsergroups) {
    return MakeError(Errc::kInvalidInput, "too many invitees",
                     "invite at most " + std::to_string(SwarmService::kMaxInvitees) +
                         " people and " + std::to_string(SwarmService::kMaxUsergroups) +
                         " groups at once");
  }
  auto incident = store::IncidentRepository(db).Find(input.incident);
  if (!incident) {
    return IncidentNotFound(input.incident);
  }
  const std::string name = store::IncidentNumberText(input.incident);
  if (!incident->Open()) {
    return MakeError(Errc::kConflict, "incident is closed",
                     name +
                         " is closed; a closed incident can't start a swarm. `/incident reopen " +
                         name + "` brings its swarm back.");
  }
  auto swarm = store::SwarmRepository(db).FindByIncident(input.incident);
  if (detail::SwarmIsLive(swarm)) {
    return MakeError(Errc::kConflict, "swarm exists",
                     name + " already has a swarm channel: #" + swarm->channel_name);
  }
  if (swarm && !swarm->ChannelRefused() && incident->state == store::IncidentState::kResolved) {
    // Working on a resolved incident again means its fix didn't hold, which
    // is what reopening records; a swarm alone would leave it showing resolved.
    return MakeError(Errc::kConflict, "resolved swarm ended",
                     name + " is resolved and its swarm in #" + swarm->channel_name +
                         " has closed. If the fix didn't hold, `/incident reopen " + name +
                         "` reopens it and brings the swarm back.");
  }
  return {};
}

// `user`'s row among `members`, or null.
const store::SwarmMember* FindMember(const std::vector<store::SwarmMember>& members,
                                     const UserId& user) {
  const auto found = std::find_if(members.begin(), members.end(),
                                  [&](const store::SwarmMember& m) { return m.user == user; });
  return found == members.end() ? nullptr : &*found;
}

// Records a join or leave of `user` at `when`, with its timeline line.
void RecordMove(store::Database& db, const store::Swarm& swarm, const UserId& user, bool joined,
                Clock::TimePoint when) {
  store::SwarmRepository swarms(db);
  if (joined) {
    swarms.MarkJoined(swarm.id, user, when);
  } else {
    swarms.MarkLeft(swarm.id, user, when);
  }
  store::TimelineRepository(db).Append(
      swarm.incident, when, user.str(), joined ? "member_joined" : "member_left",
      joined ? "Joined the swarm channel" : "Left the swarm channel");
}

// Whether a join (`joined`) or leave of `user` at `when` is older than what
// is recorded for them, or repeats it: a late retry or redelivery, which
// must neither undo a later event nor add its line to the timeline again.
// Only a first join arriving after its leave still tells something new.
bool IsStale(const std::vector<store::SwarmMember>& members, const UserId& user, bool joined,
             Clock::TimePoint when) {
  const store::SwarmMember* member = FindMember(members, user);
  if (member == nullptr) {
    return false;
  }
  std::optional<Clock::TimePoint> latest = member->joined_at;
  if (member->left_at && (!latest || *member->left_at > *latest)) {
    latest = member->left_at;
  }
  if (!latest) {
    return false;
  }
  if (joined && !member->joined_at) {
    return false;
  }
  return when < *latest || (when == *latest && joined == member->Present());
}

}  // namespace

Result<StartedSwarm> SwarmService::Start(const StartSwarmInput& asked, const UserId& actor) {
  return InTransaction(db_, "start_swarm", [&]() -> Result<StartedSwarm> {
    if (auto checked = CheckStart(db_, asked); !checked) {
      return checked.error();
    }
    const auto now = clock_.Now();
    store::IncidentRepository incidents(db_);
    const store::Incident incident = incidents.Find(asked.incident).value();
    StartSwarmInput input = WithOwner(asked, incident);
    std::vector<UserId> deactivated = TakeOutDeactivated(db_, input);
    store::SwarmRepository swarms(db_);
    if (auto ended = swarms.FindByIncident(input.incident)) {
      // Its channel was closed (by /swarm close) or archived in Slack while
      // the incident stayed open: swarm again in a new channel.
      const detail::RestartedSwarm restarted =
          detail::RestartSwarm(db_, *ended, incident, actor, now, input.invitees, input.usergroups,
                               unarchive_, /*reopening=*/false);
      for (const UserId& user : restarted.deactivated) {
        if (std::find(deactivated.begin(), deactivated.end(), user) == deactivated.end()) {
          deactivated.push_back(user);  // a former member not named this time
        }
      }
      return StartedSwarm{
          swarms.FindByIncident(input.incident).value(),   restarted.invited, true, deactivated,
          OwnerAdded(asked, incident, actor, deactivated), std::nullopt};
    }
    store::Swarm swarm;
    swarm.incident = input.incident;
    swarm.channel_name = SwarmChannelName(input.incident, incident.subject);
    swarm.state = store::SwarmState::kStarting;
    swarm.created_by = actor;
    swarm.created_at = now;
    swarms.Insert(swarm);
    // Swarming is working on it: a new or triaged incident is now in progress,
    // and the timeline says so as `/incident start` would; but only for those
    // who may start it so (anyone may start a swarm).
    std::optional<store::IncidentState> state_kept;
    const bool may_move =
        input.may_start_work || (!incident.owner.empty() && incident.owner == actor);
    if (Allows(Transition::kStart, incident.state) && !may_move) {
      state_kept = incident.state;
    } else if (Allows(Transition::kStart, incident.state)) {
      incidents.SetState(input.incident, Target(Transition::kStart), now);
      store::TimelineRepository(db_).Append(input.incident, now, actor.str(), "started",
                                            "Work started with the swarm");
    }

    const std::vector<UserId> users = InviteList(actor, input.invitees);
    store::TimelineRepository(db_).Append(
        input.incident, now, actor.str(), "swarm_started",
        "Swarm started in #" + swarm.channel_name + ", inviting " + std::to_string(users.size()) +
            (users.size() == 1 ? " person" : " people") +
            (input.usergroups.empty()
                 ? std::string()
                 : " and " + std::to_string(input.usergroups.size()) + " user group(s)"));
    detail::EnqueueSwarmStart(db_, input.incident, actor.str(), users, input.usergroups, now);
    spdlog::info("event=swarm.started incident={} invitees={} usergroups={} actor={}",
                 store::IncidentNumberText(input.incident), users.size(), input.usergroups.size(),
                 actor.str());
    return StartedSwarm{
        swarms.FindByIncident(input.incident).value(),   users,     false, deactivated,
        OwnerAdded(asked, incident, actor, deactivated), state_kept};
  });
}

Result<std::optional<store::Swarm>> SwarmService::FindByChannel(const ChannelId& channel) {
  return InReadTransaction(db_, "find_swarm", [&]() -> Result<std::optional<store::Swarm>> {
    return store::SwarmRepository(db_).FindByChannel(channel);
  });
}

Result<std::optional<store::Swarm>> SwarmService::FindByIncident(std::int64_t incident) {
  return InReadTransaction(db_, "find_swarm", [&]() -> Result<std::optional<store::Swarm>> {
    return store::SwarmRepository(db_).FindByIncident(incident);
  });
}

Result<bool> SwarmService::InLiveSwarm(std::int64_t incident, const UserId& user) {
  return InReadTransaction(db_, "in_live_swarm", [&]() -> Result<bool> {
    return detail::InLiveSwarm(db_, incident, user);
  });
}

Result<InviteHeadcount> SwarmService::SortInvitees(std::int64_t incident,
                                                   const std::vector<UserId>& people) {
  return InReadTransaction(db_, "sort_invitees", [&]() -> Result<InviteHeadcount> {
    store::SwarmRepository swarms(db_);
    std::set<UserId> present;
    if (const auto swarm = swarms.FindByIncident(incident); detail::SwarmIsLive(swarm)) {
      // Invited and not yet seen joining counts as in, as `/swarm invite`
      // counts them (ExpertService::InviteDirect).
      for (const store::SwarmMember& member : swarms.Members(swarm->id)) {
        if (!member.left_at && (member.joined_at || member.invited_at)) {
          present.insert(member.user);
        }
      }
    }
    store::PeopleRepository accounts(db_);
    InviteHeadcount headcount;
    for (const UserId& user : people) {
      if (present.contains(user)) {
        headcount.present.push_back(user);
      } else if (accounts.SlackDeactivated(user)) {
        headcount.deactivated.push_back(user);
      } else {
        headcount.added.push_back(user);
      }
    }
    return headcount;
  });
}

Result<std::vector<UserId>> SwarmService::DeactivatedFormerMembers(std::int64_t incident) {
  return InReadTransaction(db_, "deactivated_members", [&]() -> Result<std::vector<UserId>> {
    const auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
    if (!swarm || detail::SwarmIsLive(swarm)) {
      return std::vector<UserId>{};
    }
    return detail::DeactivatedFormerMembers(db_, *swarm);
  });
}

Result<std::optional<std::int64_t>> SwarmService::MemberJoined(const ChannelId& channel,
                                                               const UserId& user,
                                                               std::optional<Clock::TimePoint> at) {
  return RecordPresence(channel, user, true, at);
}

Result<std::optional<std::int64_t>> SwarmService::MemberLeft(const ChannelId& channel,
                                                             const UserId& user,
                                                             std::optional<Clock::TimePoint> at) {
  return RecordPresence(channel, user, false, at);
}

Result<std::optional<std::int64_t>> SwarmService::RecordPresence(
    const ChannelId& channel, const UserId& user, bool joined, std::optional<Clock::TimePoint> at) {
  return InTransaction(db_, "member_event", [&]() -> Result<std::optional<std::int64_t>> {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByChannel(channel);
    if (!swarm) {
      return std::optional<std::int64_t>{};
    }
    // A time ahead of ours can't be right, and would outrank every later event.
    const auto now = clock_.Now();
    const auto when = at && *at <= now + kEventClockSkew ? *at : now;
    if (IsStale(swarms.Members(swarm->id), user, joined, when)) {
      spdlog::info("event=swarm.stale_member_event incident={} user={} joined={}",
                   store::IncidentNumberText(swarm->incident), user.str(), joined);
      return std::optional<std::int64_t>{};
    }
    RecordMove(db_, *swarm, user, joined, when);
    return std::optional<std::int64_t>{swarm->incident};
  });
}

Status SwarmService::RecordChannel(std::int64_t incident, const ChannelId& channel,
                                   std::string_view name) {
  return InTransaction(db_, "record_channel", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    swarms.SetChannel(swarm->id, channel, name);
    if (swarm->state == store::SwarmState::kStarting) {
      swarms.SetState(swarm->id, store::SwarmState::kActive, clock_.Now());
    }
    store::TimelineRepository(db_).Append(incident, clock_.Now(), detail::kBotActor,
                                          "channel_created",
                                          "Created the swarm channel #" + std::string(name));
    return {};
  });
}

Status SwarmService::RecordSummary(std::int64_t incident, const MessageTs& ts) {
  return InTransaction(db_, "record_summary", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    swarms.SetSummaryTs(swarm->id, ts);
    return {};
  });
}

Status SwarmService::RecordInvited(std::int64_t incident, const std::vector<UserId>& users) {
  return InTransaction(db_, "record_invited", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    for (const UserId& user : users) {
      swarms.MarkInvited(swarm->id, user, clock_.Now());
    }
    return {};
  });
}

Status SwarmService::RecordAlreadyIn(std::int64_t incident, const std::vector<UserId>& users) {
  if (users.empty()) {
    return {};
  }
  return InTransaction(db_, "record_already_in", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    const auto members = swarms.Members(swarm->id);
    const auto now = clock_.Now();
    for (const UserId& user : users) {
      const store::SwarmMember* member = FindMember(members, user);
      if (member == nullptr || !member->Present()) {
        RecordMove(db_, *swarm, user, /*joined=*/true, now);
      }
    }
    return {};
  });
}

Status SwarmService::RecordArchived(std::int64_t incident, const ChannelId& channel,
                                    std::string_view by) {
  return InTransaction(db_, "record_archived", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    const auto now = clock_.Now();
    if (channel != swarm->channel_id) {
      // The channel of an earlier swarm, archived after the incident was
      // reopened into a new one; the new swarm goes on.
      return {};
    }
    if (swarm->state != store::SwarmState::kArchived) {
      swarms.SetState(swarm->id, store::SwarmState::kArchived, now);
      swarms.MarkAllLeft(swarm->id, now);
      store::TimelineRepository(db_).Append(incident, now, by.empty() ? detail::kBotActor : by,
                                            "channel_archived", "Archived #" + swarm->channel_name);
      detail::TellAcceptedTheChannelIsGone(db_, *swarm, now);
    }
    return {};
  });
}

Result<std::optional<std::int64_t>> SwarmService::ChannelArchived(
    const ChannelId& channel, std::optional<Clock::TimePoint> at, const UserId& by) {
  auto swarm = FindByChannel(channel);
  if (!swarm) {
    return swarm.error();
  }
  const bool seen = *swarm && at && (*swarm)->archived_at && *at <= *(*swarm)->archived_at;
  if (!*swarm || seen) {
    return std::optional<std::int64_t>{};
  }
  if (auto recorded = RecordArchived((*swarm)->incident, channel, by.str()); !recorded) {
    return recorded.error();
  }
  return std::optional<std::int64_t>{(*swarm)->incident};
}

Result<std::optional<std::int64_t>> SwarmService::CountMessage(const ChannelId& channel,
                                                               const UserId& user) {
  return InTransaction(db_, "count_message", [&]() -> Result<std::optional<std::int64_t>> {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByChannel(channel);
    if (!swarm || !detail::SwarmIsLive(swarm)) {
      return std::optional<std::int64_t>{};
    }
    swarms.CountMessage(swarm->id, user);
    return std::optional<std::int64_t>{swarm->incident};
  });
}

Status SwarmService::Close(std::int64_t incident, const UserId& actor) {
  return InTransaction(db_, "close_swarm", [&]() -> Status {
    auto found = store::IncidentRepository(db_).Find(incident);
    if (!found) {
      return IncidentNotFound(incident);
    }
    const std::string name = store::IncidentNumberText(incident);
    auto swarm = store::SwarmRepository(db_).FindByIncident(incident);
    if (swarm && swarm->ChannelRefused()) {
      return MakeError(
          Errc::kConflict, "no live swarm",
          name + " has no swarm channel to close: Slack refused to create #" + swarm->channel_name);
    }
    if (!detail::SwarmIsLive(swarm)) {
      return MakeError(
          Errc::kConflict, "no live swarm",
          swarm ? name + "'s swarm channel #" + swarm->channel_name + " is closed already"
                : name + " has no swarm channel to close");
    }
    // A closed incident's swarm is live only when its archive failed: close it again.
    if (found->state != store::IncidentState::kResolved &&
        found->state != store::IncidentState::kClosed) {
      // Closing the channel of an incident still being worked on would
      // scatter the team; closing the incident closes its swarm as well.
      return MakeError(Errc::kConflict, "incident not resolved",
                       name + " is " + StateLabel(found->state) +
                           "; resolve it first (`/incident resolve " + name +
                           "`), or close it (`/incident close " + name +
                           "`), which closes the swarm too");
    }
    detail::WithdrawOpenInvitations(db_, incident, store::Withdrawal::kSwarmClosed, clock_.Now());
    detail::CloseSwarm(db_, *swarm, actor, clock_.Now());
    return {};
  });
}

Result<JoinedSwarm> SwarmService::InviteToLive(const StartSwarmInput& input, const UserId& actor) {
  return InTransaction(db_, "invite_to_swarm", [&]() -> Result<JoinedSwarm> {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(input.incident);
    if (!detail::SwarmIsLive(swarm)) {
      return MakeError(Errc::kConflict, "no live swarm",
                       store::IncidentNumberText(input.incident) + " has no swarm to join");
    }
    JoinedSwarm joined{*swarm, false};
    for (const store::SwarmMember& member : swarms.Members(swarm->id)) {
      joined.actor_present = joined.actor_present || (member.user == actor && member.Present());
    }
    std::vector<UserId> users = InviteList(actor, input.invitees);
    if (joined.actor_present) {
      users.erase(users.begin());  // InviteList puts the actor first
    }
    if (!users.empty() || !input.usergroups.empty()) {
      detail::EnqueueEffect(
          db_, input.incident, effect::kInvite, clock_.Now(),
          {{std::string(effect::kArgUsers), detail::JoinUserIds(users)},
           {std::string(effect::kArgUsergroups), detail::JoinGroupIds(input.usergroups)}});
    }
    spdlog::info("event=swarm.join_asked incident={} invitees={} actor_present={} actor={}",
                 store::IncidentNumberText(input.incident), users.size(), joined.actor_present,
                 actor.str());
    return joined;
  });
}

Status SwarmService::ChannelRefused(std::int64_t incident, std::string_view reason,
                                    const UserId& starter) {
  return InTransaction(db_, "channel_refused", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    if (swarm->state != store::SwarmState::kStarting || !swarm->channel_id.empty()) {
      return {};  // a channel was recorded meanwhile, or the swarm ended already
    }
    const auto now = clock_.Now();
    const std::string number = store::IncidentNumberText(incident);
    swarms.SetState(swarm->id, store::SwarmState::kArchived, now);
    store::TimelineRepository(db_).Append(
        incident, now, detail::kBotActor, "channel_refused",
        "Couldn't create the swarm channel #" + swarm->channel_name + ": Slack said " +
            std::string(reason) + ". The swarm ended; `/swarm start " + number + "` tries again.");
    if (!starter.empty()) {
      // Whom the start was to invite: nobody was, so the starter can name
      // them again.
      std::string users;
      std::string usergroups;
      for (const store::OutboxItem& pending : store::Outbox(db_).Pending()) {
        if (pending.stream == number && pending.kind == effect::kInvite) {
          users = FormValue(pending.args, effect::kArgUsers).value_or("");
          usergroups = FormValue(pending.args, effect::kArgUsergroups).value_or("");
        }
      }
      detail::EnqueueEffect(db_, incident, effect::kTellChannelRefused, now,
                            {{std::string(effect::kArgUser), starter.str()},
                             {std::string(effect::kArgReason), std::string(reason)},
                             {std::string(effect::kArgUsers), users},
                             {std::string(effect::kArgUsergroups), usergroups}});
    }
    detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
    spdlog::warn("event=swarm.channel_refused incident={} error={}", number, reason);
    return {};
  });
}

Status SwarmService::ArchiveFailed(std::int64_t incident, const ChannelId& channel,
                                   std::string_view reason, const UserId& closer) {
  return InTransaction(db_, "archive_failed", [&]() -> Status {
    store::SwarmRepository swarms(db_);
    auto swarm = swarms.FindByIncident(incident);
    if (!swarm) {
      return MakeError(Errc::kNotFound, "incident has no swarm");
    }
    const auto now = clock_.Now();
    const bool current =
        swarm->channel_id == channel && swarm->state == store::SwarmState::kClosing;
    if (current) {
      // The channel is still open, so the swarm is: a later /swarm close tries again.
      swarms.SetState(swarm->id, store::SwarmState::kActive, now);
    }
    // Not current: the incident was reopened meanwhile and swarms in a new
    // channel, so nothing tracks this one any more.
    store::TimelineRepository(db_).Append(
        incident, now, detail::kBotActor, "archive_failed",
        "Couldn't archive <#" + channel.str() + ">: Slack said " + std::string(reason) +
            ". The channel stays open" +
            (current ? "; `/swarm close " + store::IncidentNumberText(incident) + "` tries again."
                     : "; the swarm has moved on, so it needs archiving by hand."));
    FormFields args{{std::string(effect::kArgChannel), channel.str()},
                    {std::string(effect::kArgUser), closer.str()},
                    {std::string(effect::kArgReason), std::string(reason)}};
    if (!current) {
      args.emplace_back(std::string(effect::kArgMovedOn), "1");
    }
    detail::EnqueueEffect(db_, incident, effect::kTellArchiveFailed, now, args);
    spdlog::warn("event=swarm.archive_failed incident={} error={}",
                 store::IncidentNumberText(incident), reason);
    return {};
  });
}

}  // namespace swarmbot::lifecycle
