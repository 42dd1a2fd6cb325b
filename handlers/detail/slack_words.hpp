#pragma once

#include <string>
#include <string_view>

namespace swarmbot::handlers::detail {

// Why Slack wouldn't add someone to a channel (conversations.invite's error
// code for them), said for the people in it: "their account is deactivated".
// The code itself belongs in the log and on the timeline, not in the channel.
std::string InviteRefusalInWords(std::string_view code);

// Why a user group's members couldn't be read (usergroups.users.list's
// error code), in words: "that user group doesn't exist".
std::string GroupReadFailureInWords(std::string_view code);

// Why a channel couldn't be archived (conversations.archive's error code),
// in words: "the workspace's settings don't let swarmbot archive channels".
std::string ArchiveRefusalInWords(std::string_view code);

}  // namespace swarmbot::handlers::detail
