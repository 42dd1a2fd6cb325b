#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "emulator/detail/workspace.hpp"

namespace swarmbot::emulator::detail {

// A Web API call's arguments, from the query, a form body or a JSON body.
// Form values are strings; JSON values keep their types.
class Args {
 public:
  explicit Args(json::object values) : values_(std::move(values)) {}

  bool Has(std::string_view key) const;
  // The value as text ("" and missing are both nullopt); numbers and
  // booleans from JSON bodies are converted.
  std::optional<std::string> Str(std::string_view key) const;
  std::string StrOr(std::string_view key, std::string fallback = {}) const;
  bool Bool(std::string_view key) const;
  // A structured argument (blocks, view, metadata): a JSON value, or a form
  // string holding JSON. nullopt when missing; `*bad` when unparseable.
  std::optional<json::value> Json(std::string_view key, bool* bad) const;
  const json::object& values() const { return values_; }

 private:
  json::object values_;
};

// One method invocation: the workspace (locked by the caller), the
// arguments, and the warnings to report with a success.
struct Call {
  Workspace& ws;
  Args args;
  std::vector<std::string> warnings;
  // Set when the call came with the user token: it acts as that user.
  std::string acting_user{};

  const Options& options() const { return ws.options(); }
  // Who the call acts as: the bot, or the user token's user. Membership,
  // visibility and "self" checks are about this user, as in Slack.
  const std::string& bot_user() const {
    return acting_user.empty() ? ws.options().bot_user_id : acting_user;
  }
};

json::object Ok(Call& call, json::object body = {});
json::object Fail(std::string_view error);
// invalid_arguments / invalid_blocks with response_metadata.messages.
json::object FailWithMessages(std::string_view error, const std::vector<std::string>& messages);

// The channel named by `id`, or nullptr when it doesn't exist or the bot can't
// see it (a private conversation it isn't in): Slack answers channel_not_found
// for both, so private channels don't leak.
Channel* VisibleChannel(Call& call, std::string_view id);

// Pagination with opaque cursors (base64 of an offset, as Slack's look).
std::string EncodeCursor(std::size_t offset);
std::optional<std::size_t> DecodeCursor(std::string_view cursor);
// Reads cursor/limit; on a bad one returns the error body in `*error`.
struct Page {
  std::size_t offset = 0;
  std::size_t limit = 0;
};
std::optional<Page> ReadPage(const Call& call, std::size_t default_limit, std::size_t max_limit,
                             json::object* error);
json::object NextCursor(std::size_t next_offset, std::size_t total);

namespace api {

json::object AuthTest(Call& call);
json::object AppsConnectionsOpen(Call& call);

json::object ChatPostMessage(Call& call);
json::object ChatPostEphemeral(Call& call);
json::object ChatUpdate(Call& call);
json::object ChatDelete(Call& call);
json::object ChatGetPermalink(Call& call);

json::object ConversationsCreate(Call& call);
json::object ConversationsInvite(Call& call);
json::object ConversationsArchive(Call& call);
json::object ConversationsUnarchive(Call& call);
json::object ConversationsRename(Call& call);
json::object ConversationsSetTopic(Call& call);
json::object ConversationsSetPurpose(Call& call);
json::object ConversationsJoin(Call& call);
json::object ConversationsKick(Call& call);
json::object ConversationsLeave(Call& call);
json::object ConversationsInfo(Call& call);
json::object ConversationsMembers(Call& call);
json::object ConversationsList(Call& call);
json::object ConversationsHistory(Call& call);
json::object ConversationsOpen(Call& call);

json::object PinsAdd(Call& call);
json::object PinsRemove(Call& call);
json::object ReactionsAdd(Call& call);
json::object BookmarksAdd(Call& call);
json::object BookmarksList(Call& call);

json::object UsersInfo(Call& call);
json::object UsersList(Call& call);
json::object UsersLookupByEmail(Call& call);
json::object UsersGetPresence(Call& call);
json::object UsergroupsList(Call& call);
json::object UsergroupsUsersList(Call& call);

json::object ViewsOpen(Call& call);
json::object ViewsPush(Call& call);
json::object ViewsUpdate(Call& call);
json::object ViewsPublish(Call& call);

}  // namespace api

// Pins `message` in `channel` for `user` (the bot or a person) and emits
// pin_added; "" when done, else Slack's error code.
std::string PinMessage(Workspace& ws, Channel& channel, const Message& message,
                       const std::string& user);

// The modal stack of one user (reference §4.2, stack depth 3).
// Pushes a modal on `user`'s stack (a new root when the stack is empty).
View& PushModal(Workspace& ws, const std::string& user, json::object definition);
// Closes one view (and any pushed above it), or the whole stack.
void CloseModal(Workspace& ws, const std::string& user, const std::string& view_id);
void CloseModalStack(Workspace& ws, const std::string& user);
constexpr std::size_t kMaxModalStack = 3;

// Checks a channel name by Slack's rules (reference §8.1); returns the error
// code, or "" when the name is fine and free.
std::string CheckChannelName(Workspace& ws, std::string_view name);

}  // namespace swarmbot::emulator::detail
