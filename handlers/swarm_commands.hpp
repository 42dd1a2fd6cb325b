#pragma once

#include <string>
#include <vector>

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// " Not inviting @a and @b: their Slack accounts are deactivated."; "" for
// nobody.
std::string DeactivatedLeftOut(const std::vector<UserId>& deactivated);

// /swarm start|note|close|help, and the "Start swarm" button. Commands return
// the ephemeral reply JSON.
class SwarmCommands {
 public:
  explicit SwarmCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

  // A click on the summary's "Start swarm" button (kSwarmStartActionId),
  // `index` in the payload's actions: starts the swarm as `/swarm start INC-n`
  // does for the clicker, answering through the response_url.
  void HandleStartClick(const detail::FlatJson& payload, std::size_t index);

  // `/swarm start`. A command naming user groups, while [swarm]
  // confirm_group_invites_over is on, first has their members counted
  // (handlers/group_invite.hpp) and does nothing yet; `groups_counted` runs
  // it, after that count or its confirmation; `group_note` (a sentence
  // from that count, with a leading space) then ends a successful reply.
  std::string Start(const SlashCommand& command, bool groups_counted = false,
                    std::string_view group_note = {});

 private:
  std::string Note(const SlashCommand& command);
  std::string Close(const SlashCommand& command);
  // An ephemeral answer to a click, through its response_url (the outbox).
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
