#include "handlers/expert_commands.hpp"

#include <charconv>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "handlers/command_text.hpp"
#include "handlers/expert_view.hpp"
#include "handlers/group_invite.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kExpertsUsage =
    "Usage: `/swarm experts` in a swarm channel, or `/swarm experts INC-n` anywhere";
constexpr std::string_view kInviteUsage = "Usage: `/swarm invite [INC-n] @person|@group …`";

std::optional<std::int64_t> ParseId(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

std::string InvitationStateText(const lifecycle::InvitationAnswer& answer) {
  // Closing the incident withdrew the invitations nobody had answered.
  if (answer.incident_closed && answer.invitation.state == store::InvitationState::kExpired) {
    return store::IncidentNumberText(answer.invitation.incident) +
           " is closed, so no answer is needed. Thank you all the same.";
  }
  switch (answer.invitation.state) {
    case store::InvitationState::kAccepted:
      return "You already accepted this invitation.";
    case store::InvitationState::kDeclined:
      return "You already declined this invitation.";
    case store::InvitationState::kExpired:
      return "This invitation expired. If you can still help, ask in the swarm channel or have "
             "someone run `/swarm invite @you`.";
    case store::InvitationState::kUnreachable:
      return UnreachableText(answer.invitation);
    case store::InvitationState::kWithdrawn:
      return WithdrawalText(answer.invitation);
    case store::InvitationState::kOpen:
      break;
  }
  return "This invitation is still open.";
}

// The ephemeral reply to `/swarm invite`: who is being added, and who was
// left out because they are there already (the bot among them, and, in
// `group_note`, the groups' members the count found there).
std::string InviteReply(std::int64_t incident, const lifecycle::DirectInvitation& invitation,
                        std::size_t groups, bool named_bot, std::string_view group_note) {
  const std::string channel = "#" + EscapeMrkdwn(invitation.channel_name);
  std::string already;
  if (!invitation.already_in.empty()) {
    std::vector<std::string> here;
    for (const UserId& user : invitation.already_in) {
      here.push_back(UserMention(user));
    }
    already += " " + JoinWithAnd(here) + (here.size() == 1 ? " is" : " are") + " already in " +
               channel + ".";
  }
  if (named_bot) {
    already += " I'm in " + channel + " already.";
  }
  already += group_note;
  std::vector<std::string> whom;
  if (!invitation.users.empty()) {
    std::vector<std::string> names;
    for (const UserId& user : invitation.users) {
      names.push_back(UserMention(user));
    }
    whom.push_back(JoinWithAnd(names));
  }
  if (groups > 0) {
    whom.push_back("the members of " +
                   Counted(static_cast<std::int64_t>(groups), "group", "groups"));
  }
  if (whom.empty()) {
    return "Nobody to invite:" + already + " Nothing was changed.";
  }
  return "Inviting " + JoinWithAnd(whom) + " to the swarm of " +
         store::IncidentNumberText(incident) + "." + already;
}

}  // namespace

bool ExpertCommands::HandlesAction(std::string_view action_id) {
  return action_id.starts_with(kExpertInviteActionPrefix) || action_id == kExpertAcceptActionId ||
         action_id == kExpertDeclineActionId;
}

std::string ExpertCommands::Experts(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/swarm experts";
  std::vector<std::string> words;
  auto incident = detail::IncidentAndWords(services_, command, "/swarm experts INC-3", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kExpertsUsage);
  }
  if (!words.empty()) {
    return EphemeralText(std::string(kExpertsUsage) + ".");
  }
  if (auto requested = services_.experts.RequestExperts(*incident, command.user); !requested) {
    return RefusalReply(kWhat, requested.error());
  }
  return EphemeralText("Looking for experts for " + store::IncidentNumberText(*incident) +
                       "; the list appears in the swarm channel in a moment.");
}

std::string ExpertCommands::Invite(const SlashCommand& command, bool groups_counted,
                                   std::string_view group_note) {
  constexpr std::string_view kWhat = "/swarm invite";
  std::vector<std::string> words;
  auto incident = detail::IncidentAndWords(services_, command, "/swarm invite INC-3 @sofia", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kInviteUsage);
  }
  if (words.empty()) {
    return EphemeralText(std::string(kInviteUsage) + "; name at least one person or group.");
  }
  if (words.size() > lifecycle::SwarmService::kMaxInvitees) {
    return EphemeralText("Invite at most " + std::to_string(lifecycle::SwarmService::kMaxInvitees) +
                         " people and groups at once; nothing was changed.");
  }
  std::vector<UserId> users;
  std::vector<UserGroupId> groups;
  bool named_bot = false;  // it is in every swarm channel it runs
  for (const std::string& word : words) {
    const auto mention = ParseMention(word);
    if (!mention || mention->kind == Mention::Kind::kChannel) {
      return EphemeralText("`" + EscapeMrkdwn(Truncate(word, 40)) +
                           "` isn't a person or a user group; pick them with @ so that Slack "
                           "turns them into mentions. Nothing was changed.");
    }
    if (mention->kind == Mention::Kind::kUsergroup) {
      groups.emplace_back(mention->id);
    } else if (UserId(mention->id) == services_.settings.bot_user_id) {
      named_bot = true;
    } else {
      users.emplace_back(mention->id);
    }
  }
  if (auto allowed = detail::MayBringIntoSwarm(services_, *incident, command.user, false);
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  if (!groups_counted && CountsGroupsFirst(services_, groups)) {
    auto swarm = services_.swarms.FindByIncident(*incident);
    const bool live = swarm && *swarm &&
                      ((*swarm)->state == store::SwarmState::kStarting ||
                       (*swarm)->state == store::SwarmState::kActive);
    if (live) {
      GroupInviteRequest request{
          .kind = GroupInviteRequest::Kind::kInvite,
          .incident = *incident,
          .asker = command.user,
          .channel = command.channel,
          .users = users,
          .groups = groups,
          .swarm_channel = (*swarm)->channel_id,
          .asked_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             services_.clock.Now().time_since_epoch())
                             .count()};
      return QueueGroupCount(services_, request, command);
    }
    // Without a live swarm InviteDirect refuses, as it always has.
  }
  auto invited = services_.experts.InviteDirect(*incident, users, groups, command.user);
  if (!invited) {
    return RefusalReply(kWhat, invited.error(), kInviteUsage);
  }
  return EphemeralText(InviteReply(*incident, *invited, groups.size(), named_bot, group_note));
}

void ExpertCommands::HandleClick(const detail::FlatJson& payload, std::size_t index) {
  const std::string base = "actions." + std::to_string(index);
  const std::string action = payload.StringOr(base + ".action_id");
  const std::string value = payload.StringOr(base + ".value");
  if (action.starts_with(kExpertInviteActionPrefix)) {
    InviteClick(payload, value);
  } else {
    AnswerClick(payload, value, action == kExpertAcceptActionId);
  }
}

void ExpertCommands::InviteClick(const detail::FlatJson& payload, const std::string& value) {
  const UserId user(payload.StringOr("user.id"));
  const auto target = ParseInviteButtonValue(value);
  if (!target || user.empty()) {
    spdlog::warn("event=experts.invite_click.malformed user={}", user.str());
    Answer(payload, "That button is out of date; run `/swarm experts` again.");
    return;
  }
  auto invited = services_.experts.Invite(target->incident, target->user, user);
  if (!invited) {
    spdlog::info("event=experts.invite_click.refused incident={} invitee={} code={}",
                 store::IncidentNumberText(target->incident), target->user.str(),
                 ErrcName(invited.error().code));
    Answer(payload, RefusalText(invited.error()));
    return;
  }
  const auto timeout = services_.experts.settings().invitation_timeout.count();
  Answer(payload, "Asked " + UserMention(target->user) + " by direct message; they have " +
                      Counted(timeout, "minute", "minutes") + " to answer.");
}

void ExpertCommands::AnswerClick(const detail::FlatJson& payload, const std::string& value,
                                 bool accept) {
  const UserId user(payload.StringOr("user.id"));
  const auto id = ParseId(value);
  if (!id || user.empty()) {
    spdlog::warn("event=experts.answer_click.malformed user={}", user.str());
    Answer(payload, "That button is out of date.");
    return;
  }
  auto answered = services_.experts.Answer(*id, user, accept);
  if (!answered) {
    spdlog::info("event=experts.answer_click.refused invitation={} user={} code={}", *id,
                 user.str(), ErrcName(answered.error().code));
    Answer(payload, RefusalText(answered.error()));
    return;
  }
  if (answered->already_answered ||
      answered->invitation.state == store::InvitationState::kWithdrawn) {
    Answer(payload, InvitationStateText(*answered));
    return;
  }
  // A fresh answer is said once: in the invitation itself, which is updated
  // to "You accepted; …" or "You declined; …" (AnsweredInvitationMessage).
  spdlog::info("event=experts.answered invitation={} accepted={}", *id, accept);
}

void ExpertCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event=experts.answer.no_response_url user={}", payload.StringOr("user.id"));
    return;
  }
  const boost::json::object body{{"response_type", "ephemeral"},
                                 {"replace_original", false},
                                 {"text", Truncate(mrkdwn, kMaxFallbackText, true)}};
  if (auto queued = services_.experts.QueueResponse(response_url, boost::json::serialize(body));
      !queued) {
    spdlog::error("event=experts.answer.failed detail=\"{}\"", queued.error().detail);
  }
}

}  // namespace swarmbot::handlers
