#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "lifecycle/priority.hpp"
#include "lifecycle/routing.hpp"

namespace swarmbot::handlers {

// What the handlers need to know about the workspace, from config and from
// auth.test at start-up.
struct Settings {
  // Where new incidents are announced; empty: no announcements.
  ChannelId managers_channel;
  // Who may declare and close incidents; empty: everyone.
  // TODO(#5): roles from Slack user groups as well as from config, with the
  // group membership the CAB's approval rules need.
  std::vector<UserId> incident_managers;
  // How the bot names itself in messages.
  std::string app_name = "swarmbot";
  // The bot's own user and bot ids (auth.test's user_id and bot_id), so that
  // its own messages and channel joins are ignored. EffectRunner asks
  // auth.test itself when bot_user_id is empty.
  UserId bot_user_id;
  std::string bot_id;
  // The service territories the declare modal offers (config's
  // incidents.territories).
  std::vector<std::string> territories{"North", "East", "South", "West"};
  // Impact × urgency → priority (config's incidents.priority).
  lifecycle::PriorityMatrix priority_matrix{};
  // Skills rules, capacity default and whether declaring routes at once.
  lifecycle::RoutingRules routing{};
  // [spike] window: spikes a case joined within it count as active.
  std::chrono::minutes spike_window{60};
  // [swarm] timeline_reaction: this reaction on a message in a swarm channel
  // puts the message on the incident's timeline.
  std::string timeline_reaction = "pushpin";
  // [swarm] private and private_from_priority: see SwarmChannelIsPrivate.
  bool swarm_private = false;
  int swarm_private_from_priority = 0;
};

// Whether a swarm channel for an incident of `priority` is private: always
// with [swarm] private, else for P1 to private_from_priority.
inline bool SwarmChannelIsPrivate(const Settings& settings, int priority) {
  return settings.swarm_private || (settings.swarm_private_from_priority > 0 &&
                                    priority <= settings.swarm_private_from_priority);
}

}  // namespace swarmbot::handlers
