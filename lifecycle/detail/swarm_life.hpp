#pragma once

#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

// The swarm channel's life across incident operations, shared by
// IncidentService (close, reopen) and SwarmService (start, close). Each runs
// inside the caller's transaction.
namespace swarmbot::lifecycle::detail {

// Starting or active: there is (or will be) a channel to keep current.
bool SwarmIsLive(const std::optional<store::Swarm>& swarm);

// Whether `user` is in the channel of `incident`'s live swarm now; false
// when it has none.
bool InLiveSwarm(store::Database& db, std::int64_t incident, const UserId& user);

// The incident changed in a way its messages show: refresh its
// announcement and, while the swarm is live, the channel's pinned summary.
void EnqueueIncidentRefresh(store::Database& db, std::int64_t incident, Clock::TimePoint now);

// Enqueues what a new swarm channel needs, in order: create it (`starter`
// hears if its name changes or Slack refuses it), topic, purpose, summary
// posted and pinned, the announcement bookmarked, `users` and the members of
// `usergroups` invited, the announcement refreshed.
void EnqueueSwarmStart(store::Database& db, std::int64_t incident, const std::string& starter,
                       const std::vector<UserId>& users, const std::vector<UserGroupId>& usergroups,
                       Clock::TimePoint now);

// The swarm's one way out: summary refreshed, closing summary posted and the
// channel archived. The swarm is `closing` until the archive is recorded, or
// `active` again when it fails for good (SwarmService::ArchiveFailed).
void CloseSwarm(store::Database& db, const store::Swarm& swarm, const UserId& actor,
                Clock::TimePoint now);

// What RestartSwarm did.
struct RestartedSwarm {
  // It went the unarchive way: the effect then refreshes the topic and
  // summary itself, once the channel is back.
  bool unarchiving = false;
  std::vector<UserId> invited;  // the people it invites, `actor` first
  // Former members left out: Slack said their accounts are deactivated.
  std::vector<UserId> deactivated;
};

// An ended swarm (closing or archived) of an open incident starts again. One
// whose channel Slack refused (store::Swarm::ChannelRefused) tries to create
// it again under the same name.
// `actor` is invited, with whoever was in the channel when it closed (not
// those who had left it on their own), experts who accepted but never got
// in, `also` and the members of `usergroups`, leaving out (and naming on the
// timeline) anyone whose Slack account is deactivated. Where it gathers:
// - `unarchive` (a user token is configured) and the channel is archived:
//   the same channel, through effect::kUnarchive; the swarm is `starting`
//   until the effect records the outcome (SwarmService::RecordUnarchived or
//   UnarchiveFailed, which falls back to a new channel).
// - otherwise a new channel ("…-reopened", NextReopenedChannelName), since
//   a bot can't unarchive; the old channel is linked from the new one.
// `reopening`: the incident was reopened (the notes say so), else a
// `/swarm start` restarts it.
RestartedSwarm RestartSwarm(store::Database& db, const store::Swarm& swarm,
                            const store::Incident& incident, const UserId& actor,
                            Clock::TimePoint now, const std::vector<UserId>& also = {},
                            const std::vector<UserGroupId>& usergroups = {}, bool unarchive = false,
                            bool reopening = true);

// The former members RestartSwarm would leave out now for their
// deactivated Slack accounts.
std::vector<UserId> DeactivatedFormerMembers(store::Database& db, const store::Swarm& swarm);

// The swarm moves to a new channel named for the reopening (a name none of
// its channels had); `users` and the members of `usergroups` are invited
// there, and only they stay members. `why` goes on the timeline.
void MoveSwarmToNewChannel(store::Database& db, const store::Swarm& swarm,
                           const store::Incident& incident, const std::string& actor,
                           const std::vector<UserId>& users,
                           const std::vector<UserGroupId>& usergroups, Clock::TimePoint now,
                           const std::string& why, bool reopening = true);

// effect::kArgOccasion's value for `reopening`.
std::string OccasionArg(bool reopening);

// Queues `mrkdwn` for the swarm channel (effect::kPostNote) when the swarm
// is live; nothing otherwise.
void EnqueueSwarmNote(store::Database& db, std::int64_t incident, const std::string& mrkdwn,
                      Clock::TimePoint now);

// "U1,U2" for an effect's argument, and back.
std::string JoinUserIds(const std::vector<UserId>& users);
std::string JoinGroupIds(const std::vector<UserGroupId>& groups);

}  // namespace swarmbot::lifecycle::detail
