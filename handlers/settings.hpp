#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "lifecycle/approval_policy.hpp"
#include "lifecycle/banner_service.hpp"
#include "lifecycle/broadcast_service.hpp"
#include "lifecycle/priority.hpp"
#include "lifecycle/routing.hpp"
#include "lifecycle/work_plan.hpp"

namespace swarmbot::handlers {

// What the handlers need to know about the workspace, from config and from
// auth.test at start-up.
struct Settings {
  // Where new incidents are announced; empty: no announcements.
  ChannelId managers_channel;
  // Who may declare and close incidents: these users and the members of
  // incident_manager_groups (below); both empty: everyone.
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
  // [broadcast] and whether [smtp] is set: the e-mail `/notify customers` sends.
  lifecycle::BroadcastSettings broadcast{};
  // [problems] reopen_days: reopening an incident within this many days of
  // its closing reopens its closed problems too.
  int problem_reopen_days = 7;
  // [[changes.standard]]: the catalogue of pre-approved standard changes.
  std::vector<lifecycle::StandardTemplate> standard_changes{};
  // [banner]: site banners.
  lifecycle::BannerSettings banner{};
  // [swarm] invitation_timeout_minutes: an expert who hasn't answered an
  // invitation by then counts as a decline, and the next one is asked.
  std::chrono::minutes invitation_timeout{15};
  // [roles] incident_manager_groups: user groups whose members are incident
  // managers too.
  std::vector<UserGroupId> incident_manager_groups{};
  // Whether a user is a member of incident_manager_groups, as last read from
  // Slack (usergroups.users.list) and cached in the store; set by
  // detail::Services when there are such groups.
  std::function<bool(const UserId&)> in_manager_group{};
  // [cab]: approval policies and channels.
  lifecycle::CabSettings cab{};
  // [swarm] private and private_from_priority: see SwarmChannelIsPrivate.
  bool swarm_private = false;
  int swarm_private_from_priority = 0;
  // A user token is configured (SWARMBOT_USER_TOKEN): reopened swarms
  // unarchive their channel instead of opening a new one.
  bool unarchive_swarms = false;
  // [swarm] confirm_group_invites_over: a `/swarm start` or `/swarm invite`
  // whose user groups would add more people than this asks its asker first
  // (handlers/group_invite.hpp); 0 never asks. The config's default is 25;
  // this one is 0, so that tests not about it run commands at once.
  int confirm_group_invites_over = 0;
};

// Whether a swarm channel for an incident of `priority` is private: always
// with [swarm] private, else for P1 to private_from_priority.
inline bool SwarmChannelIsPrivate(const Settings& settings, int priority) {
  return settings.swarm_private || (settings.swarm_private_from_priority > 0 &&
                                    priority <= settings.swarm_private_from_priority);
}

}  // namespace swarmbot::handlers
