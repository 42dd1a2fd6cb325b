#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "emulator/detail/workspace.hpp"

namespace swarmbot::emulator::detail {

// Slack's object shapes, as the Web API and payloads return them.

// A conversation object; `viewer` decides is_member.
json::object ConversationJson(const Workspace& ws, const Channel& channel,
                              bool include_num_members = false);
json::object UserJson(const Workspace& ws, const User& user);
json::object UserGroupJson(const Workspace& ws, const UserGroup& group);
// A message as conversations.history and chat.postMessage return it.
json::object MessageJson(const Workspace& ws, const Message& message, bool include_metadata);
json::object ViewJson(const Workspace& ws, const View& view);
json::object BookmarkJson(const Workspace& ws, const Channel& channel, const Bookmark& bookmark);

}  // namespace swarmbot::emulator::detail
