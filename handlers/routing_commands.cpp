#include "handlers/routing_commands.hpp"

#include <spdlog/spdlog.h>

#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kAssignUsage = "Usage: `/incident assign [INC-n] [@person]`";
constexpr std::string_view kTakeUsage = "Usage: `/incident take-cases [INC-n]`";
constexpr std::size_t kGroupsShown = 10;

std::string Owner(const UserId& user) {
  return user.empty() ? "nobody" : UserMention(user);
}

std::string MovedText(const lifecycle::TakeCasesResult& result, const std::string& number) {
  const std::size_t count = result.Count();
  std::string text = "Moved " + std::to_string(count) + (count == 1 ? " case" : " cases") + " of " +
                     number + " to " + UserMention(result.owner) + ":";
  for (std::size_t i = 0; i < result.moved.size() && i < kGroupsShown; ++i) {
    const auto& group = result.moved[i];
    text += (i == 0 ? " " : ", ") + std::to_string(group.cases.size()) + " from " +
            Owner(group.previous_owner);
  }
  if (result.moved.size() > kGroupsShown) {
    text += " and " + std::to_string(result.moved.size() - kGroupsShown) + " more owners";
  }
  return text + ". Each previous owner gets one direct message listing their cases.";
}

}  // namespace

bool RoutingCommands::Serves(std::string_view subcommand) {
  return subcommand == "assign" || subcommand == "take-cases";
}

std::string RoutingCommands::HandleIncident(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  if (!words.empty() && Lowercase(words.front()) == "assign") {
    return Assign(command);
  }
  return TakeCases(command);
}

std::string RoutingCommands::HandleSwarmbot(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "away" || sub == "back") {
    if (words.size() > 1) {
      return EphemeralText("`/swarmbot " + sub +
                           "` takes nothing more; it sets your own presence.");
    }
    return SetPresence(command, sub == "away");
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/swarmbot"));
  }
  return UnknownSubcommand("/swarmbot", words.front(), command.user);
}

std::string RoutingCommands::Assign(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident assign";
  std::vector<std::string> words;
  auto incident = detail::IncidentAndWords(services_, command, "/incident assign INC-3", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kAssignUsage);
  }
  const std::string number = store::IncidentNumberText(*incident);
  if (words.empty()) {
    if (auto allowed =
            detail::MayChangeIncident(services_, *incident, command.user, "route it again");
        !allowed) {
      return RefusalReply(kWhat, allowed.error());
    }
    if (auto queued = services_.routing.RequestOwner(*incident, command.user); !queued) {
      return RefusalReply(kWhat, queued.error());
    }
    return EphemeralText("Finding an owner for " + number +
                         " by skills, capacity and presence; the owner gets a direct message, "
                         "and the incident managers are told if nobody is free.");
  }
  const auto mention = ParseMention(words.front());
  if (words.size() > 1 || !mention || mention->kind != Mention::Kind::kUser) {
    return RefusalReply(kWhat,
                        MakeError(Errc::kInvalidInput, "bad assignee",
                                  "Name one person as a mention, e.g. `/incident assign " + number +
                                      " @priya`, or nobody to route by skills."),
                        kAssignUsage);
  }
  if (!detail::IsIncidentManager(services_.settings, command.user)) {
    return RefusalReply(kWhat, MakeError(Errc::kForbidden, "not an incident manager",
                                         "Only incident managers can pick the owner; "
                                         "`/incident assign " +
                                             number + "` routes by skills." +
                                             detail::WhomToAsk(services_.settings)));
  }
  const UserId user(mention->id);
  auto person = services_.routing.AssignTo(*incident, user, command.user);
  if (!person && person.error().detail == "already the owner") {
    return EphemeralText(UserMention(user) + " owns " + number + " already.");
  }
  if (!person) {
    return RefusalReply(kWhat, person.error());
  }
  return EphemeralText(number + " is now owned by " + UserMention(user) +
                       "; they get a direct message with the summary.");
}

std::string RoutingCommands::TakeCases(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident take-cases";
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, words, command.channel, consumed,
                                          "/incident take-cases INC-3");
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kTakeUsage);
  }
  if (words.size() > consumed) {
    return RefusalReply(kWhat,
                        MakeError(Errc::kInvalidInput, "extra words",
                                  "`/incident take-cases` moves every linked case; it takes "
                                  "nothing but the incident."),
                        kTakeUsage);
  }
  auto taken = services_.routing.TakeCases(
      *incident, command.user, detail::IsIncidentManager(services_.settings, command.user));
  if (!taken) {
    return RefusalReply(kWhat, taken.error());
  }
  const std::string number = store::IncidentNumberText(*incident);
  if (taken->moved.empty()) {
    if (taken->already_owned == 0) {
      return EphemeralText("Nothing to move: " + number +
                           " has no open linked cases. Link some with `/incident link " + number +
                           " CASE-…`.");
    }
    return EphemeralText("Nothing to move: all " + std::to_string(taken->already_owned) +
                         " open linked cases of " + number + " already belong to " +
                         UserMention(taken->owner) + ".");
  }
  return EphemeralText(MovedText(*taken, number));
}

std::string RoutingCommands::SetPresence(const SlashCommand& command, bool away) {
  auto person = services_.routing.SetPresence(
      command.user, away ? store::PresenceOverride::kAway : store::PresenceOverride::kBack);
  if (!person) {
    return RefusalReply(away ? "/swarmbot away" : "/swarmbot back", person.error());
  }
  if (away) {
    return EphemeralText(
        "You're marked away: swarmbot routes no new incidents to you until `/swarmbot back`. "
        "Incidents you own stay yours.");
  }
  return EphemeralText("Welcome back: incidents may be routed to you again, up to " +
                       std::to_string(person->capacity) + " open at once.");
}

}  // namespace swarmbot::handlers
