#include "handlers/detail/slack_words.hpp"

#include <array>
#include <utility>

namespace swarmbot::handlers::detail {
namespace {

using Phrase = std::pair<std::string_view, std::string_view>;

// conversations.invite's per-user errors (api.slack.com/methods/conversations.invite).
constexpr std::array kInviteRefusals{
    Phrase{"user_is_deactivated", "their account is deactivated"},
    Phrase{"user_not_found", "Slack doesn't know this person"},
    Phrase{"user_is_restricted", "they are a guest and can't be added to this channel"},
    Phrase{"user_is_ultra_restricted", "they are a single-channel guest"},
    Phrase{"ura_max_channels", "they are a single-channel guest already in another channel"},
    Phrase{"cant_invite", "Slack doesn't allow adding them"},
    Phrase{"not_allowed_token_type", "swarmbot isn't allowed to add people"},
    Phrase{"missing_scope", "swarmbot isn't allowed to add people"},
    Phrase{"restricted_action", "the workspace's settings don't allow it"},
};

// usergroups.users.list's errors (api.slack.com/methods/usergroups.users.list).
constexpr std::array kGroupReadFailures{
    Phrase{"no_such_subteam", "that user group doesn't exist"},
    Phrase{"subteam_not_found", "that user group doesn't exist"},
    Phrase{"missing_scope", "swarmbot isn't allowed to read user groups"},
    Phrase{"not_allowed_token_type", "swarmbot isn't allowed to read user groups"},
    Phrase{"plan_upgrade_required", "this workspace's plan has no user groups"},
};

// conversations.archive's errors (api.slack.com/methods/conversations.archive).
constexpr std::array kArchiveRefusals{
    Phrase{"restricted_action", "the workspace's settings don't let swarmbot archive channels"},
    Phrase{"not_in_channel", "swarmbot isn't in the channel any more"},
    Phrase{"channel_not_found", "swarmbot can't see the channel any more"},
    Phrase{"cant_archive_general", "it is the workspace's general channel"},
    Phrase{"cant_archive_required", "it is a channel everyone has to be in"},
    Phrase{"missing_scope", "swarmbot isn't allowed to archive channels"},
    Phrase{"not_allowed_token_type", "swarmbot isn't allowed to archive channels"},
};

template <std::size_t N>
std::string Lookup(const std::array<Phrase, N>& phrases, std::string_view code,
                   std::string_view otherwise) {
  for (const auto& [known, words] : phrases) {
    if (known == code) {
      return std::string(words);
    }
  }
  return std::string(otherwise);
}

}  // namespace

std::string InviteRefusalInWords(std::string_view code) {
  return Lookup(kInviteRefusals, code, "Slack refused; the reason is on the incident's timeline");
}

std::string GroupReadFailureInWords(std::string_view code) {
  return Lookup(kGroupReadFailures, code,
                "Slack wouldn't list its members; the reason is on the incident's timeline");
}

std::string ArchiveRefusalInWords(std::string_view code) {
  return Lookup(kArchiveRefusals, code, "Slack refused; the reason is on the incident's timeline");
}

}  // namespace swarmbot::handlers::detail
