#pragma once

#include <string>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// /swarm start|note|close|help. Returns the ephemeral reply JSON.
class SwarmCommands {
 public:
  explicit SwarmCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string Start(const SlashCommand& command);
  std::string Note(const SlashCommand& command);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
