#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/block_kit.hpp"
#include "lifecycle/expert_service.hpp"
#include "store/expert_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {

// Button action ids. The Invite buttons are numbered ("experts.invite.1"…)
// because Slack wants action ids unique within a message; their value is
// "INC-n U123". Accept and Decline carry the invitation's id.
inline constexpr std::string_view kExpertInviteActionPrefix = "experts.invite.";
inline constexpr std::string_view kExpertAcceptActionId = "experts.accept";
inline constexpr std::string_view kExpertDeclineActionId = "experts.decline";

// The candidates `/swarm experts` posts in the swarm channel: one section per
// person with the reasons and an Invite button, then the needed skills
// nobody shown has.
BlockMessage ExpertListMessage(const store::Incident& incident, const lifecycle::ExpertList& list);

// The direct message that asks an expert to join, with Accept and Decline.
BlockMessage InvitationMessage(const store::Incident& incident, const store::Invitation& invitation,
                               const ChannelId& channel, std::chrono::minutes timeout);

// What the invitee is told of an invitation swarmbot withdrew (mrkdwn), in
// their direct message and in the reply to their click.
std::string WithdrawalText(const store::Invitation& invitation);

// What the invitee is told of an invitation that ended unreachable (mrkdwn):
// never delivered, or delivered before Slack said their account is
// deactivated.
std::string UnreachableText(const store::Invitation& invitation);

// The same message once answered: the outcome for the invitee, no buttons.
// `channel_gone`: an accepted invitee's channel was archived before they
// could be added.
BlockMessage AnsweredInvitationMessage(const store::Incident& incident,
                                       const store::Invitation& invitation,
                                       const ChannelId& channel, bool channel_gone = false);

// What the swarm channel is told about an answer (mrkdwn); `moved` says who
// was asked next after a decline, silence or an unreachable person, and who
// was skipped on the way because Slack refused their direct message.
std::string AnswerNotice(const store::Invitation& invitation, const lifecycle::MovedOn& moved,
                         std::chrono::minutes timeout);

// "INC-3 U123" for an Invite button, and back.
std::string InviteButtonValue(std::int64_t incident, const UserId& user);
struct InviteTarget {
  std::int64_t incident = 0;
  UserId user;
};
std::optional<InviteTarget> ParseInviteButtonValue(std::string_view value);

}  // namespace swarmbot::handlers
