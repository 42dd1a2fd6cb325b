#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "handlers/block_kit.hpp"
#include "handlers/case_list_query.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// /case list|mine|queue|show|help. Returns the ephemeral reply JSON.
class CaseCommands {
 public:
  static constexpr int kListLimit = 20;

  explicit CaseCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

 private:
  std::string List(const SlashCommand& command);
  std::string Show(const SlashCommand& command);
  // `/case mine` (the caller's) or `/case queue @rep`: open and new cases they own.
  std::string Queue(const SlashCommand& command, const std::string& sub);
  // One page of the cases `query` selects; `again` is the subcommand that
  // repeats it (for the next-page hint).
  std::string Listing(CaseListQuery query, const std::string& again, const std::string& title);
  // The reply naming the known territories when the filter's matches none.
  std::optional<std::string> CheckTerritory(const store::CaseFilter& filter);
  std::string IncidentLabel(const store::Case& c);
  void AddComments(const store::Case& c, BlockMessage& message);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
