#include "handlers/detail/services.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/block_kit.hpp"
#include "handlers/command_text.hpp"
#include "handlers/mrkdwn.hpp"
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
  return managers.empty() || std::find(managers.begin(), managers.end(), user) != managers.end();
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

void AnswerClick(Services& services, const FlatJson& payload, const std::string& mrkdwn,
                 std::string_view what) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event={}.answer.no_response_url user={}", what, payload.StringOr("user.id"));
    return;
  }
  const boost::json::object body{{"response_type", "ephemeral"},
                                 {"replace_original", false},
                                 {"text", Truncate(mrkdwn, kMaxFallbackText, true)}};
  if (auto queued = services.knowledge.QueueResponse(response_url, boost::json::serialize(body));
      !queued) {
    spdlog::error("event={}.answer.failed detail=\"{}\"", what, queued.error().detail);
  }
}

}  // namespace swarmbot::handlers::detail
