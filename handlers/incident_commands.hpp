#pragma once

#include <string>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// /incident declare|link|status|close|help. Each returns the ephemeral reply
// JSON; refusals explain themselves and change nothing.
class IncidentCommands {
 public:
  explicit IncidentCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string Declare(const SlashCommand& command);
  std::string Link(const SlashCommand& command);
  std::string ShowStatus(const SlashCommand& command);
  std::string Close(const SlashCommand& command);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
