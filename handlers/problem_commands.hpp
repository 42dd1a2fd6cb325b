#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/problem_states.hpp"

namespace swarmbot::handlers {

// /problem new|link|unlink|cause|asset|known-error|investigate|resolve|close|
// reopen|show|list|help. Each returns the ephemeral reply JSON; refusals
// explain themselves and change nothing. In a swarm channel `PRB-n` may be
// left out when the channel's incident has exactly one problem.
class ProblemCommands {
 public:
  explicit ProblemCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string New(const SlashCommand& command);
  std::string Link(const SlashCommand& command, bool link);
  std::string Cause(const SlashCommand& command);
  std::string Asset(const SlashCommand& command);
  std::string KnownError(const SlashCommand& command);
  std::string Move(const SlashCommand& command, lifecycle::ProblemMove move);
  std::string Show(const SlashCommand& command);
  std::string List(const SlashCommand& command);

  // The problem named first in the text after the subcommand, or implied by
  // the swarm channel; `rest` gets the text after its name.
  Result<std::int64_t> ProblemAndRest(const SlashCommand& command, std::string_view example,
                                      std::string& rest);
  lifecycle::ProblemActor Actor(const SlashCommand& command) const;

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
