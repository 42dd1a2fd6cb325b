#pragma once

#include <string>
#include <vector>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/incident_states.hpp"

namespace swarmbot::handlers {

// /incident declare|link|unlink|status|triage|start|resolve|reopen|close|help. Each returns the
// ephemeral reply JSON; refusals explain themselves and change nothing.
class IncidentCommands {
 public:
  explicit IncidentCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string Declare(const SlashCommand& command);
  std::string Link(const SlashCommand& command);
  std::string Unlink(const SlashCommand& command);
  std::string ShowStatus(const SlashCommand& command);
  std::string Move(const SlashCommand& command, lifecycle::Transition transition);
  std::string Close(const SlashCommand& command);
  // Incident managers and the incident's owner may change its state.

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
