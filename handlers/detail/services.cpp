#include "handlers/detail/services.hpp"

#include <algorithm>

#include "handlers/command_text.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers::detail {

Result<std::int64_t> ResolveIncident(Services& services, const std::vector<std::string>& words,
                                     const ChannelId& channel, std::size_t& consumed,
                                     std::string_view example) {
  consumed = 0;
  if (!words.empty()) {
    if (auto number = store::ParseIncidentNumber(words.front())) {
      consumed = 1;
      return *number;
    }
  }
  auto swarm = services.swarms.FindByChannel(channel);
  if (!swarm) {
    return swarm.error();
  }
  if (*swarm) {
    return (*swarm)->incident;
  }
  return MakeError(Errc::kInvalidInput, "no incident named",
                   "Which incident? Name it, e.g. `" + std::string(example) +
                       "`, or run the command in the incident's swarm channel.");
}

Result<std::int64_t> IncidentAndWords(Services& services, const SlashCommand& command,
                                      std::string_view example, std::vector<std::string>& rest) {
  rest = Tokenize(TextAfterWords(command.text, 1));
  std::size_t consumed = 0;
  auto incident = ResolveIncident(services, rest, command.channel, consumed, example);
  if (incident) {
    rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(consumed));
  }
  return incident;
}

bool IsIncidentManager(const Settings& settings, const UserId& user) {
  const auto& managers = settings.incident_managers;
  if (managers.empty() && settings.incident_manager_groups.empty()) {
    return true;
  }
  return std::find(managers.begin(), managers.end(), user) != managers.end() ||
         (settings.in_manager_group && settings.in_manager_group(user));
}

Status MayChangeIncident(Services& services, std::int64_t incident, const UserId& user,
                         std::string_view what) {
  if (IsIncidentManager(services.settings, user)) {
    return {};
  }
  auto found = services.incidents.FindIncident(incident);
  if (!found) {
    return found.error();
  }
  if (!found->owner.empty() && found->owner == user) {
    return {};
  }
  return MakeError(
      Errc::kForbidden, "neither manager nor owner",
      "Only incident managers and the incident's owner can " + std::string(what) + ".");
}

}  // namespace swarmbot::handlers::detail
