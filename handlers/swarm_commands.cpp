#include "handlers/swarm_commands.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "handlers/command_text.hpp"
#include "handlers/expert_commands.hpp"
#include "handlers/group_invite.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kStartUsage = "Usage: `/swarm start INC-n [@person …] [@group …]`";
constexpr std::string_view kCloseUsage =
    "Usage: `/swarm close` in a swarm channel, or `/swarm close INC-n` anywhere";
constexpr std::string_view kNoteUsage =
    "Usage: `/swarm note text` in a swarm channel, or `/swarm note INC-n text` anywhere";

Result<lifecycle::StartSwarmInput> ParseInvitees(const std::vector<std::string>& words) {
  lifecycle::StartSwarmInput input;
  for (const std::string& word : words) {
    auto mention = ParseMention(word);
    if (!mention || mention->kind == Mention::Kind::kChannel) {
      return MakeError(Errc::kInvalidInput, "not a person or group",
                       "`" + EscapeMrkdwn(Truncate(word, 40)) +
                           "` isn't a person or a user group; pick them with @ so that Slack "
                           "turns them into mentions");
    }
    if (mention->kind == Mention::Kind::kUser) {
      input.invitees.emplace_back(mention->id);
    } else {
      input.usergroups.emplace_back(mention->id);
    }
  }
  return input;
}

// Whoever typed the command and swarmbot itself are in the channel anyway:
// naming them invites nobody more, so they are dropped, as are repeats.
void DropSelfAndRepeats(lifecycle::StartSwarmInput& input, const UserId& actor, const UserId& bot) {
  std::vector<UserId> kept;
  for (const UserId& user : input.invitees) {
    if (user != actor && user != bot && std::find(kept.begin(), kept.end(), user) == kept.end()) {
      kept.push_back(user);
    }
  }
  input.invitees = std::move(kept);
}

// "inviting you, the owner @mara, 2 people and 1 group"; without "you" when
// `you` is false, and without the owner when `owner` is empty.
std::string InviteSummary(std::ptrdiff_t people, std::ptrdiff_t groups, bool you = true,
                          const UserId& owner = UserId()) {
  std::vector<std::string> whom;
  if (you) {
    whom.push_back("you");
  }
  if (!owner.empty()) {
    whom.push_back("the owner " + UserMention(owner));
  }
  if (people > 0) {
    whom.push_back(Counted(people, "person", "people"));
  }
  if (groups > 0) {
    whom.push_back(Counted(groups, "group", "groups"));
  }
  return "inviting " + JoinWithAnd(whom);
}

std::string InviteSummary(const lifecycle::StartSwarmInput& input, bool you = true) {
  return InviteSummary(std::ssize(input.invitees), std::ssize(input.usergroups), you);
}

// A start refused because the incident swarms already: whoever asked wants
// in, so they (and anyone they named) are invited to the existing channel.
// The reply says where; nullopt for any other refusal.
std::optional<std::string> JoinExisting(detail::Services& services,
                                        const lifecycle::StartSwarmInput& input, const UserId& user,
                                        const Error& error) {
  if (error.detail != "swarm exists") {
    return std::nullopt;
  }
  if (auto allowed = detail::MayBringIntoSwarm(services, input.incident, user, true); !allowed) {
    spdlog::info("event=swarm.join_refused incident={} user={} code={}",
                 store::IncidentNumberText(input.incident), user.str(),
                 ErrcName(allowed.error().code));
    return RefusalText(allowed.error());
  }
  auto swarm = services.swarms.InviteToLive(input, user);
  if (!swarm) {
    return std::nullopt;
  }
  const store::Swarm& live = swarm->swarm;
  const std::string where = live.channel_id.empty()
                                ? "#" + EscapeMrkdwn(live.channel_name) + " (on its way)"
                                : ChannelMention(live.channel_id);
  if (!swarm->actor_present) {
    return store::IncidentNumberText(input.incident) + " already swarms in " + where + "; " +
           InviteSummary(input) + " to it.";
  }
  const bool others = !input.invitees.empty() || !input.usergroups.empty();
  return "You're in " + where + " already" +
         (others ? "; " + InviteSummary(input, false) + " to it." : ".");
}

// " INC-3 stays new: …" when the starter may not move it; "" otherwise.
std::string StateKept(const lifecycle::StartedSwarm& started, std::int64_t incident) {
  if (!started.state_kept) {
    return "";
  }
  const std::string number = store::IncidentNumberText(incident);
  return " " + number + " stays " + std::string(store::Name(*started.state_kept)) +
         ": only incident managers and its owner put it in progress (`/incident start " + number +
         "`).";
}

std::string StartedText(const lifecycle::StartedSwarm& started,
                        const lifecycle::StartSwarmInput& input, const UserId& actor) {
  const UserId& owner = started.owner;
  // Whoever else it invites: the people named and, on a restart, those of
  // the earlier channel.
  const auto others =
      std::count_if(started.invited.begin(), started.invited.end(),
                    [&](const UserId& user) { return user != actor && user != owner; });
  // If the name is taken, the channel gets a suffix and the starter a direct
  // message with its link (EffectRunner::TellRenamedChannel).
  return "Starting the swarm for " + store::IncidentNumberText(input.incident) +
         (started.restarted ? " again" : "") + ": #" + EscapeMrkdwn(started.swarm.channel_name) +
         " is on its way; " + InviteSummary(others, std::ssize(input.usergroups), true, owner) +
         "." + DeactivatedLeftOut(started.deactivated) + StateKept(started, input.incident);
}

}  // namespace

// "Not inviting @a and @b: their Slack accounts are deactivated."; "" for nobody.
std::string DeactivatedLeftOut(const std::vector<UserId>& deactivated) {
  if (deactivated.empty()) {
    return "";
  }
  std::vector<std::string> mentions;
  for (const UserId& user : deactivated) {
    mentions.push_back(UserMention(user));
  }
  return " Not inviting " + JoinWithAnd(mentions) +
         (deactivated.size() == 1 ? ": their Slack account is deactivated."
                                  : ": their Slack accounts are deactivated.");
}

std::string SwarmCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "start") {
    return Start(command);
  }
  if (sub == "note") {
    return Note(command);
  }
  if (sub == "experts" || sub == "invite") {
    return sub == "experts" ? ExpertCommands(services_).Experts(command)
                            : ExpertCommands(services_).Invite(command);
  }
  if (sub == "close") {
    return Close(command);
  }
  if (sub == "help") {
    return EphemeralText(SwarmHelpText(services_.settings.timeline_reaction));
  }
  return UnknownSubcommand("/swarm", words.front(), command.user);
}

std::string SwarmCommands::Start(const SlashCommand& command, bool groups_counted,
                                 std::string_view group_note) {
  constexpr std::string_view kWhat = "/swarm start";
  std::vector<std::string> words;
  auto incident =
      detail::IncidentAndWords(services_, command, "/swarm start INC-3 @sofia @devops", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kStartUsage);
  }
  auto input = ParseInvitees(words);
  if (!input) {
    return RefusalReply(kWhat, input.error(), kStartUsage);
  }
  input->incident = *incident;
  input->may_start_work = detail::IsIncidentManager(services_.settings, command.user);
  DropSelfAndRepeats(*input, command.user, services_.settings.bot_user_id);
  if (!groups_counted && CountsGroupsFirst(services_, input->usergroups)) {
    if (auto found = services_.incidents.FindIncident(*incident); !found || !found->Open()) {
      return RefusalReply(kWhat, found ? MakeError(Errc::kConflict, "incident is closed",
                                                   store::IncidentNumberText(*incident) +
                                                       " is closed; nothing was changed")
                                       : found.error());
    }
    GroupInviteRequest request{.kind = GroupInviteRequest::Kind::kStart,
                               .incident = *incident,
                               .asker = command.user,
                               .channel = command.channel,
                               .users = input->invitees,
                               .groups = input->usergroups,
                               .swarm_channel = {},
                               .asked_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  services_.clock.Now().time_since_epoch())
                                                  .count()};
    return QueueGroupCount(services_, request, command);
  }
  auto swarm = services_.swarms.Start(*input, command.user);
  if (!swarm) {
    if (auto joined = JoinExisting(services_, *input, command.user, swarm.error())) {
      return EphemeralText(*joined + std::string(group_note));
    }
    return RefusalReply(kWhat, swarm.error(), kStartUsage);
  }
  return EphemeralText(StartedText(*swarm, *input, command.user) + std::string(group_note));
}

void SwarmCommands::HandleStartClick(const detail::FlatJson& payload, std::size_t index) {
  const UserId user(payload.StringOr("user.id"));
  const auto incident =
      store::ParseIncidentNumber(payload.StringOr("actions." + std::to_string(index) + ".value"));
  if (!incident || user.empty()) {
    spdlog::warn("event=swarm.start_click.malformed user={}", user.str());
    Answer(payload, "That button is out of date; nothing was changed.");
    return;
  }
  // The same as `/swarm start INC-n` typed by the person who clicked.
  lifecycle::StartSwarmInput input;
  input.incident = *incident;
  input.may_start_work = detail::IsIncidentManager(services_.settings, user);
  auto swarm = services_.swarms.Start(input, user);
  if (!swarm) {
    const auto joined = JoinExisting(services_, input, user, swarm.error());
    Answer(payload, joined ? *joined : RefusalText(swarm.error()));
    return;
  }
  spdlog::info("event=swarm.start_click incident={} user={}", store::IncidentNumberText(*incident),
               user.str());
  Answer(payload, StartedText(*swarm, input, user));
}

void SwarmCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  detail::AnswerClick(services_, payload, mrkdwn, "swarm");
}

std::string SwarmCommands::Close(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/swarm close";
  std::vector<std::string> words;
  auto incident = detail::IncidentAndWords(services_, command, "/swarm close INC-3", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kCloseUsage);
  }
  if (!words.empty()) {
    return EphemeralText(std::string(kCloseUsage) + "; it takes nothing after the incident.");
  }
  if (auto allowed =
          detail::MayChangeIncident(services_, *incident, command.user, "close its swarm");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  if (auto closed = services_.swarms.Close(*incident, command.user); !closed) {
    return RefusalReply(kWhat, closed.error(), kCloseUsage);
  }
  // A closed incident's swarm is live here only because its archive failed.
  auto found = services_.incidents.FindIncident(*incident);
  const std::string stays =
      found && found->state == store::IncidentState::kClosed ? "closed" : "resolved";
  return EphemeralText("Closing the swarm of " + store::IncidentNumberText(*incident) +
                       ": the closing summary goes into the channel, then it is archived. " +
                       store::IncidentNumberText(*incident) + " itself stays " + stays + ".");
}

std::string SwarmCommands::Note(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/swarm note";
  const std::string rest = TextAfterWords(command.text, 1);
  auto words = Tokenize(rest);
  if (words.empty()) {
    return EphemeralText(std::string(kNoteUsage) + ".");
  }
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, words, command.channel, consumed,
                                          "/swarm note INC-3 rolled back the release");
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kNoteUsage);
  }
  const std::string note = UnescapeSlackText(TextAfterWords(rest, consumed));
  if (note.empty()) {
    return EphemeralText(std::string(kNoteUsage) + "; the note itself is missing.");
  }
  if (auto added = services_.swarms.AddNote(*incident, command.user, note); !added) {
    return RefusalReply(kWhat, added.error(), kNoteUsage);
  }
  return EphemeralText("Noted on the timeline of " + store::IncidentNumberText(*incident) + ".");
}

}  // namespace swarmbot::handlers
