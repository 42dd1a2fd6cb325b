#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

struct StartSwarmInput {
  std::int64_t incident = 0;
  std::vector<UserId> invitees;
  std::vector<UserGroupId> usergroups;  // their members are invited too
  // Whether the starter may move the incident as `/incident start` does (an
  // incident manager; its owner always may). If not, a new or triaged
  // incident keeps its state and the swarm starts all the same.
  bool may_start_work = true;
};

// A message in a swarm channel that someone put on the timeline from Slack.
struct MarkedMessage {
  enum class How { kReacted, kPinned };
  How how = How::kReacted;
  ChannelId channel;
  MessageTs ts;
  UserId by;
  std::string text;  // the message's text when the event carried it, else ""
};

// What SwarmService::Start did, for its reply.
struct StartedSwarm {
  store::Swarm swarm;
  // Everyone invited by name, the starter first (the user groups' members
  // aren't known yet); on a restart, the earlier channel's people too.
  std::vector<UserId> invited;
  bool restarted = false;  // the incident's ended swarm started again
  // Named (or the owner, or on a restart a former member) but left out:
  // Slack said their account is deactivated.
  std::vector<UserId> deactivated;
  // The incident's owner, invited besides whoever was named; empty when
  // there is none, or they started it, were named or are deactivated.
  UserId owner;
  // A new or triaged incident the starter may not move: the state it kept.
  std::optional<store::IncidentState> state_kept;
};

// What `/swarm start` on an incident that swarms already did.
struct JoinedSwarm {
  store::Swarm swarm;
  bool actor_present = false;  // in the channel already, so not invited
};

// Whom an invitation to a swarm would actually add, of the people asked
// about (SwarmService::SortInvitees).
struct InviteHeadcount {
  std::vector<UserId> added;        // neither of the below
  std::vector<UserId> present;      // in the live swarm's channel now
  std::vector<UserId> deactivated;  // Slack said their account is deactivated
};

// A swarm: the incident's Slack channel and the people in it.
class SwarmService {
 public:
  static constexpr std::size_t kMaxInvitees = 100;
  static constexpr std::size_t kMaxUsergroups = 10;

  SwarmService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // A user token is configured: a swarm whose channel was archived comes
  // back in that channel (effect::kUnarchive) instead of a new one.
  void SetUnarchiveSwarms(bool on) { unarchive_ = on; }

  // One swarm per open incident; a second start is refused (kConflict,
  // detail "swarm exists") with the channel's name. A swarm whose channel was
  // closed or archived while the incident stayed unresolved starts again in a
  // new channel (detail::RestartSwarm), inviting the people who were in it
  // when it closed; a resolved incident's is refused
  // (kConflict), pointing at `/incident reopen`. Moves a new or triaged incident to in_progress.
  // Effects, in order: create the channel (named by SwarmChannelName), set topic and purpose, post
  // and pin the summary, bookmark the announcement, invite the actor, the invitees, the
  // incident's owner (when there is one) and the user groups' members.
  Result<StartedSwarm> Start(const StartSwarmInput& input, const UserId& actor);

  Result<std::optional<store::Swarm>> FindByChannel(const ChannelId& channel);
  Result<std::optional<store::Swarm>> FindByIncident(std::int64_t incident);
  // Whether `user` is in the channel of `incident`'s live swarm now; false
  // when it has none.
  Result<bool> InLiveSwarm(std::int64_t incident, const UserId& user);
  // Sorts `people` by what inviting them to `incident`'s swarm would do:
  // those in its channel now (nobody while it has no live swarm), those
  // whose Slack account is deactivated, and the rest, who would be added.
  Result<InviteHeadcount> SortInvitees(std::int64_t incident, const std::vector<UserId>& people);
  // Whom a restart of `incident`'s ended swarm (a reopening) would leave out
  // for their deactivated Slack accounts; nobody while the swarm is live.
  Result<std::vector<UserId>> DeactivatedFormerMembers(std::int64_t incident);

  // Someone joined or left `channel` at `at` (the event's event_ts; now when
  // it has none, or claims a time ahead of the clock). Returns the incident
  // when `channel` is a swarm channel (and records it), nothing when it isn't
  // one. Events arriving out of order are sorted by `at`: one older than what
  // is recorded for that member, or repeating it, changes nothing and
  // returns nothing.
  Result<std::optional<std::int64_t>> MemberJoined(
      const ChannelId& channel, const UserId& user,
      std::optional<Clock::TimePoint> at = std::nullopt);
  Result<std::optional<std::int64_t>> MemberLeft(const ChannelId& channel, const UserId& user,
                                                 std::optional<Clock::TimePoint> at = std::nullopt);

  // ---- The swarm's own timeline entries (swarm_timeline.cpp) ----

  // Longest note, in characters.
  static constexpr std::size_t kMaxNote = 2000;
  // Longest quote of a marked or pinned message kept on the timeline.
  static constexpr std::size_t kMaxQuote = 300;

  // `/swarm note`: puts `text` on the incident's timeline by `actor`.
  // kInvalidInput for an empty, oversized or malformed text, kNotFound for an
  // unknown incident, kConflict for a closed one.
  Status AddNote(std::int64_t incident, const UserId& actor, std::string_view text);

  // Someone reacted to (kReacted) or pinned (kPinned) the message `ts` in
  // `channel`. Returns the incident when `channel` is a swarm channel and the
  // entry is new, nothing when it isn't a swarm channel or the same person
  // already put the same message there the same way.
  Result<std::optional<std::int64_t>> AddMarkedMessage(const MarkedMessage& mark);
  // Queues effect::kCountGroups for `incident` with the encoded `request`
  // and the command's `response_url`.
  Status QueueGroupCount(std::int64_t incident, std::string_view request,
                         std::string_view response_url);
  // `actor` confirmed the large group invitation `what` (its timeline
  // text, which names the request): true when this is the first time, and
  // the timeline says so; false when it was confirmed before (a double click).
  Result<bool> ClaimGroupConfirmation(std::int64_t incident, const UserId& actor,
                                      std::string_view what);

  // Results of effects, recorded by handlers::EffectRunner. kNotFound when the
  // incident has no swarm.
  Status RecordChannel(std::int64_t incident, const ChannelId& channel, std::string_view name);
  Status RecordSummary(std::int64_t incident, const MessageTs& ts);
  Status RecordInvited(std::int64_t incident, const std::vector<UserId>& users);
  // Slack said these people are in the swarm channel already: whoever isn't
  // recorded as present joins now, as a join event would record them.
  Status RecordAlreadyIn(std::int64_t incident, const std::vector<UserId>& users);
  // `channel` was archived, by `by` (a user id; swarmbot when empty). Only
  // the swarm's current channel moves it to archived (and everyone still in
  // it leaves); an earlier one is ignored.
  Status RecordArchived(std::int64_t incident, const ChannelId& channel, std::string_view by = {});
  // Slack refused for good (`reason`, its code) to create the channel of a
  // starting swarm: the swarm ends without one (store::Swarm::ChannelRefused)
  // and says so on the timeline; `starter` is told (effect::kTellChannelRefused)
  // and the announcement refreshed. `/swarm start` or a reopening tries again.
  // Nothing changes when a channel was recorded meanwhile.
  Status ChannelRefused(std::int64_t incident, std::string_view reason, const UserId& starter);

  // ---- The channel's life (swarm_service.cpp, lifecycle/swarm_life.cpp) ----

  // `/swarm close`: the swarm of a resolved incident posts its closing
  // summary and is archived; the incident stays resolved. Open expert
  // invitations are withdrawn. A closed incident's swarm closes with it
  // (IncidentService::Close), the same way, and `/swarm close` tries again
  // when that archive failed. kConflict for an incident that isn't resolved
  // yet or has no live swarm.
  Status Close(std::int64_t incident, const UserId& actor);

  // The archive of `channel` failed for good (`reason`, Slack's code): a
  // closing swarm there is active again, since its channel is still open.
  // Queues effect::kTellArchiveFailed for the channel and `closer`.
  Status ArchiveFailed(std::int64_t incident, const ChannelId& channel, std::string_view reason,
                       const UserId& closer);

  // `/swarm start` on an incident that swarms already: the actor (unless in
  // the channel already), the invitees and the user groups' members are
  // invited to its channel; nothing is queued when nobody is left to invite.
  // kConflict when the swarm isn't live.
  Result<JoinedSwarm> InviteToLive(const StartSwarmInput& input, const UserId& actor);

  // ---- Unarchiving (swarm_unarchive.cpp) ----

  // effect::kUnarchive brought `channel` back with the bot in it: the swarm
  // is active there again. Queues the topic, the summary's refresh, the
  // "reopened" note, the invitation of `users` and `usergroups` and the
  // announcement's refresh. Does nothing when the swarm moved on meanwhile.
  // `reopening` as for detail::RestartSwarm, which chose to unarchive.
  Status RecordUnarchived(std::int64_t incident, const ChannelId& channel,
                          const std::vector<UserId>& users,
                          const std::vector<UserGroupId>& usergroups, bool reopening = true);
  // Slack refused (`reason`, e.g. "not_authed"): the swarm moves to a new
  // channel as it would without a user token, inviting the same people.
  Status UnarchiveFailed(std::int64_t incident, const ChannelId& channel, std::string_view reason,
                         const std::vector<UserId>& users,
                         const std::vector<UserGroupId>& usergroups, bool reopening = true);
  // A swarm-channel effect (`item`, on the incident's stream) found no
  // channel. Effects queued while an unarchive was pending run before the
  // fallback's new channel is created, which is queued after them: such an
  // item is queued again behind that creation and true returned. False when
  // no creation is pending (the channel was never created and won't be).
  Result<bool> RequeueBehindNewChannel(std::int64_t incident, const store::OutboxItem& item);

  // `by` archived `channel` in Slack at `at` (the event's event_ts).
  // Returns the incident when it is a swarm channel (recorded as
  // RecordArchived does, crediting `by`). An event no newer than the archive already
  // recorded is that same archive arriving late, e.g. after the channel was
  // unarchived for a reopening: nothing is recorded and nothing returned.
  Result<std::optional<std::int64_t>> ChannelArchived(
      const ChannelId& channel, std::optional<Clock::TimePoint> at = std::nullopt,
      const UserId& by = UserId());

  // `user` wrote a message in `channel`: counted for the closing summary
  // (the text isn't kept). Returns the incident when it is a live swarm's.
  Result<std::optional<std::int64_t>> CountMessage(const ChannelId& channel, const UserId& user);

 private:
  Result<std::optional<std::int64_t>> RecordPresence(const ChannelId& channel, const UserId& user,
                                                     bool joined,
                                                     std::optional<Clock::TimePoint> at);

  store::Database& db_;
  const Clock& clock_;
  bool unarchive_ = false;
};

}  // namespace swarmbot::lifecycle
