// auth.*, apps.*, pins.*, reactions.*, bookmarks.*, users.* and usergroups.*.
#include <algorithm>

#include <boost/json/array.hpp>

#include "emulator/detail/api.hpp"
#include "emulator/detail/json_views.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr std::size_t kMaxPins = 100;
constexpr std::size_t kMaxBookmarks = 100;

// The message an item method (pins, reactions) points at, or the error body.
std::optional<json::object> FindItem(Call& call, Channel*& channel, Message*& message) {
  channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  const auto ts = call.args.Str("timestamp");
  if (!ts) {
    return Fail("no_item_specified");
  }
  if (!ParseTs(*ts)) {
    return Fail("bad_timestamp");
  }
  message = channel->FindMessage(*ts);
  if (message == nullptr) {
    return Fail("message_not_found");
  }
  return std::nullopt;
}

}  // namespace

std::string PinMessage(Workspace& ws, Channel& channel, const Message& message,
                       const std::string& user) {
  if (channel.IsPinned(message.ts)) {
    return "already_pinned";
  }
  if (channel.pins.size() >= kMaxPins) {
    return "too_many_pins";
  }
  channel.pins.push_back(message.ts);
  ws.Emit(json::object{{"type", "pin_added"},
                       {"user", user},
                       {"channel_id", channel.id},
                       {"item", json::object{{"type", "message"},
                                             {"channel", channel.id},
                                             {"message", MessageJson(ws, message, false)}}},
                       {"event_ts", ws.NextTs(channel)}},
          "pin_added", &channel);
  return {};
}

namespace api {

json::object AuthTest(Call& call) {
  const auto& o = call.options();
  return Ok(call, {{"url", "https://" + o.team_domain + ".slack.com/"},
                   {"team", o.team_name},
                   {"user", o.bot_name},
                   {"team_id", o.team_id},
                   {"user_id", o.bot_user_id},
                   {"bot_id", o.bot_id},
                   {"is_enterprise_install", false}});
}

json::object AppsConnectionsOpen(Call& call) {
  const std::string ticket = call.ws.NewTicket();
  return Ok(call, {{"url", "wss://127.0.0.1:" + std::to_string(call.ws.port) +
                               "/link/?ticket=" + ticket + "&app_id=" + call.options().app_id}});
}

json::object PinsAdd(Call& call) {
  Channel* channel = nullptr;
  Message* message = nullptr;
  if (auto error = FindItem(call, channel, message); error) {
    return *error;
  }
  if (!channel->HasMember(call.bot_user())) {
    return Fail("not_in_channel");
  }
  if (channel->is_archived) {
    return Fail("restricted_action");
  }
  if (auto error = PinMessage(call.ws, *channel, *message, call.bot_user()); !error.empty()) {
    return Fail(error);
  }
  return Ok(call);
}

json::object PinsRemove(Call& call) {
  Channel* channel = nullptr;
  Message* message = nullptr;
  if (auto error = FindItem(call, channel, message); error) {
    return *error;
  }
  if (!channel->IsPinned(message->ts)) {
    return Fail("no_pin");
  }
  std::erase(channel->pins, message->ts);
  return Ok(call);
}

json::object ReactionsAdd(Call& call) {
  Channel* channel = nullptr;
  Message* message = nullptr;
  if (auto error = FindItem(call, channel, message); error) {
    return *error;
  }
  if (channel->is_archived) {
    return Fail("is_archived");
  }
  const std::string name = call.args.StrOr("name");
  if (name.empty() || name.find(':') != std::string::npos || name.find(' ') != std::string::npos) {
    return Fail("invalid_name");
  }
  const auto mine = std::make_pair(name, call.bot_user());
  if (std::find(message->reactions.begin(), message->reactions.end(), mine) !=
      message->reactions.end()) {
    return Fail("already_reacted");
  }
  message->reactions.push_back(mine);
  return Ok(call);
}

json::object BookmarksAdd(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel_id"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (call.args.StrOr("type") != "link") {
    return Fail("invalid_bookmark_type");
  }
  const std::string link = call.args.StrOr("link");
  if (link.rfind("http://", 0) != 0 && link.rfind("https://", 0) != 0) {
    return Fail("invalid_link");
  }
  const std::string title = call.args.StrOr("title");
  if (title.empty()) {
    return FailWithMessages("invalid_arguments", {"[ERROR] missing required field: title"});
  }
  if (channel->bookmarks.size() >= kMaxBookmarks) {
    return Fail("too_many_bookmarks");
  }
  const std::string emoji = call.args.StrOr("emoji");
  if (!emoji.empty() && (emoji.size() < 3 || emoji.front() != ':' || emoji.back() != ':')) {
    return Fail("invalid_emoji");
  }
  Bookmark bookmark{call.ws.NewId("Bk"), title, link, emoji, "link", call.ws.Now()};
  channel->bookmarks.push_back(bookmark);
  return Ok(call, {{"bookmark", BookmarkJson(call.ws, *channel, bookmark)}});
}

json::object BookmarksList(Call& call) {
  const Channel* channel = VisibleChannel(call, call.args.StrOr("channel_id"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  json::array bookmarks;
  for (const Bookmark& bookmark : channel->bookmarks) {
    bookmarks.push_back(BookmarkJson(call.ws, *channel, bookmark));
  }
  return Ok(call, {{"bookmarks", std::move(bookmarks)}});
}

json::object UsersInfo(Call& call) {
  const User* user = call.ws.FindUser(call.args.StrOr("user"));
  if (user == nullptr) {
    return Fail("user_not_found");
  }
  return Ok(call, {{"user", UserJson(call.ws, *user)}});
}

json::object UsersList(Call& call) {
  json::object error;
  auto page = ReadPage(call, 0, 1000, &error);
  if (!page) {
    return error;
  }
  const auto& order = call.ws.user_order;
  // Without a limit Slack returns everyone (and asks big teams to paginate).
  const std::size_t limit = page->limit == 0 ? order.size() : page->limit;
  const std::size_t end = std::min(order.size(), page->offset + limit);
  json::array members;
  for (std::size_t i = page->offset; i < end; ++i) {
    members.push_back(UserJson(call.ws, *call.ws.FindUser(order[i])));
  }
  return Ok(call, {{"members", std::move(members)},
                   {"cache_ts", call.ws.Now()},
                   {"response_metadata", NextCursor(end, order.size())}});
}

json::object UsersLookupByEmail(Call& call) {
  const User* user = call.ws.FindUserByEmail(call.args.StrOr("email"));
  if (user == nullptr || user->deleted) {
    return Fail("users_not_found");
  }
  return Ok(call, {{"user", UserJson(call.ws, *user)}});
}

json::object UsersGetPresence(Call& call) {
  const std::string id = call.args.StrOr("user", call.bot_user());
  const User* user = call.ws.FindUser(id);
  if (user == nullptr) {
    return Fail("user_not_found");
  }
  const bool active = user->active && !user->deleted;
  json::object body{{"presence", active ? "active" : "away"}};
  // The detail fields are only for the token's own user (reference §7).
  if (id == call.bot_user()) {
    body["online"] = active;
    body["auto_away"] = false;
    body["manual_away"] = !active;
    body["connection_count"] = 1;
    body["last_activity"] = call.ws.Now();
  }
  return Ok(call, std::move(body));
}

json::object UsergroupsList(Call& call) {
  json::array groups;
  for (const auto& id : call.ws.group_order) {
    groups.push_back(UserGroupJson(call.ws, *call.ws.FindGroup(id)));
  }
  return Ok(call, {{"usergroups", std::move(groups)}});
}

json::object UsergroupsUsersList(Call& call) {
  const UserGroup* group = call.ws.FindGroup(call.args.StrOr("usergroup"));
  if (group == nullptr) {
    return Fail("no_such_subteam");
  }
  json::array users;
  const bool include_disabled = call.args.Bool("include_disabled");
  for (const auto& id : group->users) {
    const User* user = call.ws.FindUser(id);
    if (user != nullptr && (include_disabled || !user->deleted)) {
      users.emplace_back(id);
    }
  }
  return Ok(call, {{"users", std::move(users)}});
}

}  // namespace api
}  // namespace swarmbot::emulator::detail
