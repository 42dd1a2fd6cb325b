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

// Enqueues what a new swarm channel needs, in order: create it, topic,
// purpose, summary posted and pinned, the announcement bookmarked, `users`
// and the members of `usergroups` invited, the announcement refreshed.
void EnqueueSwarmStart(store::Database& db, std::int64_t incident, const std::vector<UserId>& users,
                       const std::vector<UserGroupId>& usergroups, Clock::TimePoint now);

// The swarm's one way out: summary refreshed, closing summary posted and the
// channel archived. The swarm is `closing` until the archive is recorded.
void CloseSwarm(store::Database& db, const store::Swarm& swarm, const UserId& actor,
                Clock::TimePoint now);

// An ended swarm (closing or archived) of an open incident starts again in a
// new channel ("…-reopened"), since a bot can't unarchive; the old channel
// is linked from the new one and everyone who was in the swarm, plus
// `actor`, is invited again, with `also` and the members of `usergroups`.
// TODO(#4): with a user token configured, conversations.unarchive the old
// channel instead of opening a new one.
void RestartSwarm(store::Database& db, const store::Swarm& swarm, const store::Incident& incident,
                  const UserId& actor, Clock::TimePoint now, const std::vector<UserId>& also = {},
                  const std::vector<UserGroupId>& usergroups = {});

}  // namespace swarmbot::lifecycle::detail
