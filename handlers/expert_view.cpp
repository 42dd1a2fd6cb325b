#include "handlers/expert_view.hpp"

#include <charconv>

#include "common/count_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "lifecycle/incident_states.hpp"

namespace swarmbot::handlers {
namespace {

std::string Title(const store::Incident& incident) {
  return store::IncidentNumberText(incident.number) + " " +
         Truncate(EscapeMrkdwn(incident.subject), 200, true);
}

std::string JoinWith(const std::vector<std::string>& items, std::string_view separator) {
  std::string joined;
  for (const std::string& item : items) {
    joined += (joined.empty() ? "" : std::string(separator)) + item;
  }
  return joined;
}

std::string Mentions(const std::vector<UserId>& users) {
  std::vector<std::string> mentions;
  for (const UserId& user : users) {
    mentions.push_back(UserMention(user));
  }
  return JoinWithAnd(mentions);
}

}  // namespace

std::string InviteButtonValue(std::int64_t incident, const UserId& user) {
  return store::IncidentNumberText(incident) + " " + user.str();
}

std::optional<InviteTarget> ParseInviteButtonValue(std::string_view value) {
  const auto space = value.find(' ');
  if (space == std::string_view::npos) {
    return std::nullopt;
  }
  auto incident = store::ParseIncidentNumber(value.substr(0, space));
  const std::string_view user = value.substr(space + 1);
  if (!incident || !IsSlackId(user)) {
    return std::nullopt;
  }
  return InviteTarget{*incident, UserId(std::string(user))};
}

BlockMessage ExpertListMessage(const store::Incident& incident, const lifecycle::ExpertList& list) {
  const std::string number = store::IncidentNumberText(incident.number);
  BlockMessage message("Experts for " + number);
  message.Header("Experts for " + number);
  if (list.experts.empty()) {
    // People asked already are left out of the ranking, not out of the
    // workspace: the sentence mustn't deny what the context below shows.
    message.Section(
        std::string(list.waiting.empty() && list.declined.empty()
                        ? "Nobody outside this channel has a matching skill or past work like "
                          "this on record."
                        : "Nobody outside this channel but the people asked already (below) has "
                          "a matching skill or past work like this on record.") +
        " `/swarm invite @person` invites someone directly.");
  }
  int position = 0;
  for (const lifecycle::ShownExpert& expert : list.experts) {
    ++position;
    const std::string reasons =
        expert.reasons.empty() ? "no history or skills on record" : JoinWith(expert.reasons, "; ");
    const std::string marks =
        expert.marks.empty() ? "" : " · _" + EscapeMrkdwn(JoinWith(expert.marks, ", ")) + "_";
    message.SectionWithButton("*" + std::to_string(position) + ".* " + UserMention(expert.user) +
                                  marks + "\n" + EscapeMrkdwn(reasons),
                              "Invite",
                              std::string(kExpertInviteActionPrefix) + std::to_string(position),
                              InviteButtonValue(incident.number, expert.user));
  }
  std::vector<std::string> context;
  if (!list.waiting.empty()) {
    context.push_back("Invited, waiting for an answer: " + Mentions(list.waiting));
  }
  if (!list.declined.empty()) {
    context.push_back("Declined for this incident, so not proposed again: " +
                      Mentions(list.declined));
  }
  if (!list.needed_skills.empty()) {
    context.push_back("Needs: " + EscapeMrkdwn(JoinWith(list.needed_skills, ", ")));
  }
  if (!list.uncovered_skills.empty()) {
    // With nobody listed there is no "above" to point at.
    context.push_back(std::string(list.experts.empty()
                                      ? "Nobody outside this channel has the skill: *"
                                      : "Nobody above has the skill: *") +
                      EscapeMrkdwn(JoinWith(list.uncovered_skills, ", ")) + "*");
  }
  context.push_back("Ranked on skills, " + std::to_string(list.history_records) +
                    " past records, presence, local time and load; people already in this "
                    "channel, and whoever declared or owns the incident, are left out.");
  message.Context(context);
  return message;
}

BlockMessage InvitationMessage(const store::Incident& incident, const store::Invitation& invitation,
                               const ChannelId& channel, std::chrono::minutes timeout) {
  BlockMessage message("Can you help with " + store::IncidentNumberText(incident.number) + "?");
  message.Header("Can you help with " + store::IncidentNumberText(incident.number) + "?");
  const std::string asker = IsSlackId(invitation.asked_by)
                                ? UserMention(UserId(invitation.asked_by))
                                : std::string("The swarm");
  message.Section(asker + " asks you to join " + ChannelMention(channel) + " for *" +
                  Title(incident) + "* (P" + std::to_string(incident.priority) + ", " +
                  lifecycle::StateLabel(incident.state) + ").");
  if (!invitation.reasons.empty()) {
    message.Section("*Why you:* " + EscapeMrkdwn(invitation.reasons));
  }
  const std::string id = std::to_string(invitation.id);
  message.SectionWithButton("Join the swarm channel now.", "Accept", kExpertAcceptActionId, id);
  message.SectionWithButton("Can't help right now? Say so, and the swarm can look further.",
                            "Decline", kExpertDeclineActionId, id);
  message.Context({"No answer within " + Counted(timeout.count(), "minute", "minutes") +
                   " counts as a decline."});
  return message;
}

std::string UnreachableText(const store::Invitation& invitation) {
  // Delivered, then unreachable: Slack said since that the account is
  // deactivated (PassOverDeactivated).
  if (!invitation.dm_ts.empty()) {
    return "This invitation ended when Slack reported your account as deactivated, so the swarm "
           "asked someone else. If you can still help, ask in the swarm channel or have someone "
           "run `/swarm invite @you`.";
  }
  return "This invitation couldn't be delivered, so it has ended.";
}

std::string WithdrawalText(const store::Invitation& invitation) {
  const std::string number = store::IncidentNumberText(invitation.incident);
  switch (invitation.withdrawal) {
    case store::Withdrawal::kIncidentClosed:
      return number + " is closed, so no answer is needed. Thank you all the same.";
    case store::Withdrawal::kSwarmClosed:
      return "The swarm of " + number +
             " has closed, so no answer is needed. Thank you all the same.";
    case store::Withdrawal::kSwarmArchived:
      return "The swarm channel of " + number +
             " was archived, so this invitation has ended and nobody is added to it.";
    case store::Withdrawal::kLeftPeopleList:
      return "You are no longer on swarmbot's people list, so this invitation has ended without "
             "adding you. Ask the incident's owner if you should still help.";
    case store::Withdrawal::kJoinedAnyway:
      return "You're in the swarm channel of " + number +
             " already, so no answer is needed. Thank you for helping!";
    case store::Withdrawal::kNone:
      break;
  }
  return "This invitation was withdrawn; no answer is needed.";
}

BlockMessage AnsweredInvitationMessage(const store::Incident& incident,
                                       const store::Invitation& invitation,
                                       const ChannelId& channel, bool channel_gone) {
  // Only the invitee reads this: who the swarm asks next is the channel's
  // business (AnswerNotice).
  std::string outcome;
  switch (invitation.state) {
    case store::InvitationState::kAccepted:
      // A restart invites the promised people (detail::RestartSwarm).
      outcome = channel_gone
                    ? "You accepted, but " +
                          (channel.empty() ? "the swarm channel" : ChannelMention(channel)) +
                          " was archived before you could be added. If the swarm comes "
                          "back, you'll be invited to it."
                    : "You accepted; you are being added to " + ChannelMention(channel) + ".";
      break;
    case store::InvitationState::kDeclined:
      outcome = "You declined; thanks for saying so.";
      break;
    case store::InvitationState::kExpired:
      outcome = incident.state == store::IncidentState::kClosed
                    ? store::IncidentNumberText(incident.number) +
                          " is closed, so no answer is needed. Thank you all the same."
                    : "This invitation expired without an answer.";
      break;
    case store::InvitationState::kUnreachable:
      outcome = UnreachableText(invitation);
      break;
    case store::InvitationState::kWithdrawn:
      outcome = WithdrawalText(invitation);
      break;
    case store::InvitationState::kOpen:
      outcome = "Waiting for your answer.";
      break;
  }
  BlockMessage message(store::IncidentNumberText(incident.number) + ": " + outcome);
  message.Section("*" + Title(incident) + "*\n" + outcome);
  return message;
}

std::string AnswerNotice(const store::Invitation& invitation, const lifecycle::MovedOn& moved,
                         std::chrono::minutes timeout) {
  const std::string who = UserMention(invitation.invitee);
  std::string text;
  switch (invitation.state) {
    case store::InvitationState::kAccepted:
      return who + " accepted the invitation and is joining.";
    case store::InvitationState::kDeclined:
      text = who + " declined the invitation.";
      break;
    case store::InvitationState::kExpired:
      // Records from before kUnreachable: never delivered, yet expired.
      text = invitation.dm_ts.empty() ? who + " couldn't be reached by direct message."
                                      : who + " didn't answer within " +
                                            Counted(timeout.count(), "minute", "minutes") + ".";
      break;
    case store::InvitationState::kUnreachable:
      // Delivered, then unreachable: Slack deactivated the account since.
      if (!invitation.dm_ts.empty()) {
        text = who + "'s Slack account was deactivated, so the invitation has ended.";
      } else if (invitation.deactivated) {
        text = who + " couldn't be asked: Slack says their account is deactivated.";
      } else {
        text = who + " couldn't be reached by direct message.";
      }
      break;
    case store::InvitationState::kWithdrawn:
      if (invitation.withdrawal == store::Withdrawal::kJoinedAnyway) {
        return who + " is in the swarm channel already, so the invitation has ended.";
      }
      if (invitation.withdrawal != store::Withdrawal::kLeftPeopleList) {
        return "The invitation to " + who + " was withdrawn.";
      }
      text = who +
             " accepted, but is no longer on swarmbot's people list, so the invitation was "
             "withdrawn.";
      break;
    case store::InvitationState::kOpen:
      return who + " hasn't answered yet.";
  }
  // Said "either" after an invitee who couldn't be asked either.
  const bool also = invitation.state == store::InvitationState::kUnreachable;
  if (!moved.deactivated.empty()) {
    std::vector<std::string> skipped;
    for (const UserId& user : moved.deactivated) {
      skipped.push_back(UserMention(user));
    }
    text +=
        " " + JoinWithAnd(skipped) + " couldn't be asked" + (also ? " either" : "") +
        ": Slack says " +
        (skipped.size() == 1 ? "their account is deactivated." : "their accounts are deactivated.");
  }
  if (!moved.unreachable.empty()) {
    std::vector<std::string> skipped;
    for (const UserId& user : moved.unreachable) {
      skipped.push_back(UserMention(user));
    }
    text += " " + JoinWithAnd(skipped) + " couldn't be reached by direct message" +
            (also ? " either." : ".");
  }
  if (!moved.passed_over.empty()) {
    std::vector<std::string> passed;
    for (const lifecycle::PassedOver& person : moved.passed_over) {
      passed.push_back(UserMention(person.user) + " (" + EscapeMrkdwn(person.why) + ")");
    }
    text += " Not asked: " + JoinWithAnd(passed) + ".";
  }
  if (moved.asked) {
    return text + " Asking " + UserMention(*moved.asked) + " next.";
  }
  if (!moved.passed_over.empty() || moved.named_before) {
    return text + " Nobody else on the list can be asked; `/swarm experts` looks again.";
  }
  return text + " Nobody else is left on the list; `/swarm experts` looks again.";
}

}  // namespace swarmbot::handlers
