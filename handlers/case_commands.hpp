#pragma once

#include <string>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// /case list|show|help. Returns the ephemeral reply JSON.
class CaseCommands {
 public:
  static constexpr int kListLimit = 20;

  explicit CaseCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string List(const SlashCommand& command);
  std::string Show(const SlashCommand& command);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
