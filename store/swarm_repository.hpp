#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// The `swarms` and `swarm_members` tables. An incident has at most one swarm.
class SwarmRepository {
 public:
  explicit SwarmRepository(Database& db) : db_(db) {}

  // Stores a swarm for swarm.incident (state, name, creator, created_at);
  // returns its id.
  std::int64_t Insert(const Swarm& swarm);
  std::optional<Swarm> FindByIncident(std::int64_t incident);
  std::optional<Swarm> FindByChannel(const ChannelId& channel);

  void SetChannel(std::int64_t swarm, const ChannelId& channel, std::string_view name);
  void SetSummaryTs(std::int64_t swarm, const MessageTs& ts);
  // Entering kArchived stamps archived_at.
  void SetState(std::int64_t swarm, SwarmState state, Clock::TimePoint now);

  void MarkInvited(std::int64_t swarm, const UserId& user, Clock::TimePoint now);
  // A member_joined_channel / member_left_channel event of time `at` (the
  // event's own event_ts). Events may arrive in any order: whether someone
  // is in the channel follows the latest of them by `at`, not by arrival.
  void MarkJoined(std::int64_t swarm, const UserId& user, Clock::TimePoint at);
  void MarkLeft(std::int64_t swarm, const UserId& user, Clock::TimePoint at);
  // One more message by `user` in the swarm's channel.
  void CountMessage(std::int64_t swarm, const UserId& user);
  // Everyone still in the channel leaves now (it was archived).
  void MarkAllLeft(std::int64_t swarm, Clock::TimePoint now);
  // The swarm starts over in a channel still to be created, named `name`; the
  // current channel becomes the previous one. The people in `invited` are
  // kept as members (a row is made for those without one), so that a start
  // Slack refuses knows whom to invite again; everyone else's row goes. What
  // they did in the earlier channel (invited, joined, left, messages) is
  // cleared: the new channel's record starts empty.
  void Restart(std::int64_t swarm, std::string_view name, Clock::TimePoint now,
               const std::vector<UserId>& invited);
  // A swarm whose channel Slack refused asks for it again: starting from
  // `now`, so its duration counts from the channel it gets.
  void StartAgain(std::int64_t swarm, Clock::TimePoint now);
  // Everyone invited or seen in the swarm's channels, in the order they first
  // appeared; after a Restart, those not yet back have nothing recorded.
  std::vector<SwarmMember> Members(std::int64_t swarm);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
