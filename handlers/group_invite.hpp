#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// The buttons of the question a large group invitation asks; their value is
// the request (EncodeGroupInvite).
inline constexpr std::string_view kGroupInviteConfirmActionId = "swarm.groups.confirm";
inline constexpr std::string_view kGroupInviteCancelActionId = "swarm.groups.cancel";

inline bool IsGroupInviteAction(std::string_view action_id) {
  return action_id == kGroupInviteConfirmActionId || action_id == kGroupInviteCancelActionId;
}

// A `/swarm start` or `/swarm invite` that names user groups, held while
// their members are counted and, when they are more than [swarm]
// confirm_group_invites_over, until whoever asked confirms. It lives in the
// counting outbox item and in the question's buttons, never in memory, so a
// restart between the question and the click loses nothing.
struct GroupInviteRequest {
  enum class Kind { kStart, kInvite };
  Kind kind = Kind::kInvite;
  std::int64_t incident = 0;
  UserId asker;
  ChannelId channel;  // where the command was typed
  std::vector<UserId> users;
  std::vector<UserGroupId> groups;
  // kInvite: the swarm's channel when asked; a confirmation for another
  // (the swarm was closed and maybe restarted since) invites nobody.
  ChannelId swarm_channel;
  std::int64_t asked_at_ms = 0;  // also tells two identical requests apart
};

// One line of ids and numbers (Slack ids are [A-Z0-9]), well within a
// button value's 2,000 characters for kMaxInvitees people and kMaxUsergroups
// groups. Decode returns nullopt for anything it didn't write.
std::string EncodeGroupInvite(const GroupInviteRequest& request);
std::optional<GroupInviteRequest> DecodeGroupInvite(std::string_view value);

// The command that does what `request` asks, e.g. /swarm with
// "invite INC-3 <@U1> <!subteam^S1>", typed by its asker where it was asked.
SlashCommand GroupInviteCommand(const GroupInviteRequest& request);

// Whether a command naming `groups` waits for their count: the check is on
// and the command names at least one group.
bool CountsGroupsFirst(const detail::Services& services, const std::vector<UserGroupId>& groups);

// Queues the count (effect::kCountGroups) and returns the ephemeral reply
// saying so; a refusal's reply when it can't be queued.
std::string QueueGroupCount(detail::Services& services, const GroupInviteRequest& request,
                            const SlashCommand& command);

// Runs `request` as its command would, without counting again; returns the
// command's ephemeral reply JSON, ending in `group_note` when it succeeds.
std::string PerformGroupInvite(detail::Services& services, const GroupInviteRequest& request,
                               std::string_view group_note = {});

// The Confirm and Cancel clicks (action `index` of the block_actions
// payload), answered through the response_url. Only the asker may click; a
// confirmation runs the request once (a repeat says it was done), reading
// the groups' members again, and none runs for a closed incident or a swarm
// channel archived since the question.
void HandleGroupInviteClick(detail::Services& services, const detail::FlatJson& payload,
                            std::size_t index);

// effect::kCountGroups: reads the groups' members (usergroups.users.list)
// and either runs the request or asks its asker, through the command's
// response_url. Only the members it would add count: not those in the swarm
// channel now or with a deactivated Slack account (both said in the answer),
// nor swarmbot, the asker or the people named. An invite that would add
// nobody says so instead of running. Retryable Slack errors come back for
// the outbox to retry; a group that can't be read counts as empty here and
// the invite names it.
class GroupInviteEffects {
 public:
  explicit GroupInviteEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) { return kind == lifecycle::effect::kCountGroups; }

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  detail::Services& services_;
};

}  // namespace swarmbot::handlers
