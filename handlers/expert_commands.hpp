#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// `/swarm experts [INC-n]` and `/swarm invite [INC-n] @person|@group …`, and
// the clicks on their buttons: Invite (in the swarm channel), Accept and
// Decline (in the invited expert's direct message). Commands return the
// ephemeral reply at once; the ranking and every post happen in the outbox
// (handlers/expert_effects.hpp). Clicks are answered through response_url.
class ExpertCommands {
 public:
  explicit ExpertCommands(detail::Services& services) : services_(services) {}

  static bool HandlesAction(std::string_view action_id);

  std::string Experts(const SlashCommand& command);
  // `groups_counted` and `group_note`: as for SwarmCommands::Start, whose
  // group check this shares.
  std::string Invite(const SlashCommand& command, bool groups_counted = false,
                     std::string_view group_note = {});
  // The block_actions payload and the index of the clicked action.
  void HandleClick(const detail::FlatJson& payload, std::size_t index);

 private:
  void InviteClick(const detail::FlatJson& payload, const std::string& value);
  void AnswerClick(const detail::FlatJson& payload, const std::string& value, bool accept);
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
