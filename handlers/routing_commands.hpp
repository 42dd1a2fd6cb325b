#pragma once

#include <string>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// Routing's commands: `/incident assign [INC-n] [@user]`, `/incident
// take-cases [INC-n]` and `/swarmbot away|back|help`. Each returns the
// ephemeral reply JSON; refusals explain themselves and change nothing.
class RoutingCommands {
 public:
  explicit RoutingCommands(detail::Services& services) : services_(services) {}

  // The /incident subcommands this class serves.
  static bool Serves(std::string_view subcommand);
  std::string HandleIncident(const SlashCommand& command);
  std::string HandleSwarmbot(const SlashCommand& command);

 private:
  std::string Assign(const SlashCommand& command);
  std::string TakeCases(const SlashCommand& command);
  std::string SetPresence(const SlashCommand& command, bool away);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
