// conversations.* methods.
#include <algorithm>

#include <boost/json/array.hpp>

#include "emulator/detail/api.hpp"
#include "emulator/detail/json_views.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr std::size_t kMaxNameLength = 80;
constexpr std::size_t kMaxTopicLength = 250;
constexpr std::size_t kMaxInvitees = 100;
constexpr std::size_t kMaxMpimUsers = 8;

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      out.push_back(item);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// Characters, not bytes: UTF-8 continuation bytes don't count.
std::size_t CharCount(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

json::object ChannelBody(Call& call, const Channel& channel) {
  return {{"channel", ConversationJson(call.ws, channel)}};
}

// A channel that must exist, be visible, be a channel (not a DM) and not be
// archived; the error body otherwise.
std::optional<json::object> CheckWritable(Call& call, Channel* channel) {
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (channel->is_im) {
    return Fail("method_not_supported_for_channel_type");
  }
  if (channel->is_archived) {
    return Fail("is_archived");
  }
  if (!channel->HasMember(call.bot_user())) {
    return Fail("not_in_channel");
  }
  return std::nullopt;
}

json::object SetTopicOrPurpose(Call& call, bool topic) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (auto error = CheckWritable(call, channel); error) {
    return *error;
  }
  const std::string value = call.args.StrOr(topic ? "topic" : "purpose");
  if (CharCount(value) > kMaxTopicLength) {
    return Fail("too_long");
  }
  (topic ? channel->topic : channel->purpose) = value;
  (topic ? channel->topic_creator : channel->purpose_creator) = call.bot_user();
  (topic ? channel->topic_last_set : channel->purpose_last_set) = call.ws.Now();

  Message notice;
  notice.user = call.bot_user();
  notice.subtype = topic ? "channel_topic" : "channel_purpose";
  notice.text =
      std::string(topic ? "set the channel topic: " : "set the channel purpose: ") + value;
  const Message& posted = call.ws.Post(*channel, std::move(notice));
  call.ws.EmitMessage(*channel, posted);
  json::object body = ChannelBody(call, *channel);
  body[topic ? "topic" : "purpose"] = value;
  return Ok(call, std::move(body));
}

bool ListsType(const std::vector<std::string>& types, const Channel& channel,
               const std::string& bot) {
  auto wants = [&](const char* t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  if (channel.is_im) {
    return wants("im");
  }
  if (channel.is_mpim) {
    return wants("mpim") && channel.HasMember(bot);
  }
  if (channel.is_private) {
    return wants("private_channel") && channel.HasMember(bot);
  }
  return wants("public_channel");
}

}  // namespace

std::string CheckChannelName(Workspace& ws, std::string_view name) {
  if (name.empty()) {
    return "invalid_name_required";
  }
  if (name.size() > kMaxNameLength) {
    return "invalid_name_maxlength";
  }
  const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
  if (!allowed) {
    return "invalid_name_specials";
  }
  if (std::all_of(name.begin(), name.end(), [](char c) { return c == '-' || c == '_'; })) {
    return "invalid_name_punctuation";
  }
  // Archived channels keep their names (reference §8.1).
  if (ws.FindChannelByName(name) != nullptr) {
    return "name_taken";
  }
  return {};
}

namespace api {

json::object ConversationsCreate(Call& call) {
  const std::string name = call.args.StrOr("name");
  if (auto error = CheckChannelName(call.ws, name); !error.empty()) {
    return Fail(error);
  }
  Channel channel;
  channel.id = call.ws.NewId("C");
  channel.name = name;
  channel.creator = call.bot_user();
  channel.created = call.ws.Now();
  channel.is_private = call.args.Bool("is_private");
  Channel& added = call.ws.AddChannel(std::move(channel));
  call.ws.AddMember(added, call.bot_user(), "");
  return Ok(call, ChannelBody(call, added));
}

json::object ConversationsInvite(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (auto error = CheckWritable(call, channel); error) {
    return *error;
  }
  const auto users = SplitList(call.args.StrOr("users"));
  if (users.empty()) {
    return Fail("no_user");
  }
  if (users.size() > kMaxInvitees) {
    return Fail("too_many_users");
  }
  json::array errors;
  std::vector<std::string> valid;
  for (const auto& id : users) {
    const User* user = call.ws.FindUser(id);
    std::string error;
    if (user == nullptr || user->deleted) {
      error = "user_not_found";
    } else if (id == call.bot_user()) {
      error = "cant_invite_self";
    } else if (channel->HasMember(id)) {
      error = "already_in_channel";
    }
    if (error.empty()) {
      valid.push_back(id);
    } else {
      errors.push_back(json::object{{"user", id}, {"ok", false}, {"error", error}});
    }
  }
  // One bad id fails the whole call unless `force` is set.
  const bool force = call.args.Bool("force");
  if (!errors.empty() && (!force || valid.empty())) {
    json::object out = Fail(errors.front().at("error").as_string());
    out["errors"] = std::move(errors);
    return out;
  }
  for (const auto& id : valid) {
    call.ws.AddMember(*channel, id, call.bot_user());
  }
  json::object body = ChannelBody(call, *channel);
  if (!errors.empty()) {
    body["errors"] = std::move(errors);
  }
  return Ok(call, std::move(body));
}

json::object ConversationsArchive(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (channel->is_im) {
    return Fail("method_not_supported_for_channel_type");
  }
  if (channel->is_general) {
    return Fail("cant_archive_general");
  }
  if (channel->is_archived) {
    return Fail("already_archived");
  }
  if (!channel->HasMember(call.bot_user())) {
    return Fail("not_in_channel");
  }
  Message notice;
  notice.user = call.bot_user();
  notice.subtype = "channel_archive";
  notice.text = "archived the channel";
  const Message& posted = call.ws.Post(*channel, std::move(notice));
  call.ws.Emit(json::object{{"type", channel->is_private ? "group_archive" : "channel_archive"},
                            {"channel", channel->id},
                            {"user", call.bot_user()},
                            {"is_moved", 0},
                            {"event_ts", posted.ts}},
               "channel_archive", channel);
  channel->is_archived = true;
  // Archiving takes the bot out of the channel (reference §11.7).
  std::erase(channel->members, call.bot_user());
  return Ok(call);
}

json::object ConversationsUnarchive(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (!channel->is_archived) {
    return Fail("not_archived");
  }
  if (call.acting_user.empty()) {
    // A bot token can't: the bot left the channel when it was archived.
    return Fail("not_in_channel");
  }
  // A person unarchives it and is in it afterwards; the bot is not, until
  // someone invites it back.
  channel->is_archived = false;
  Message notice;
  notice.user = call.acting_user;
  notice.subtype = "channel_unarchive";
  notice.text = "un-archived the channel";
  const Message& posted = call.ws.Post(*channel, std::move(notice));
  call.ws.Emit(json::object{{"type", channel->is_private ? "group_unarchive" : "channel_unarchive"},
                            {"channel", channel->id},
                            {"user", call.acting_user},
                            {"event_ts", posted.ts}},
               channel->is_private ? "group_unarchive" : "channel_unarchive", channel);
  call.ws.AddMember(*channel, call.acting_user, "");
  return Ok(call);
}

json::object ConversationsRename(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (auto error = CheckWritable(call, channel); error) {
    return *error;
  }
  const std::string name = call.args.StrOr("name");
  if (name != channel->name) {
    if (auto error = CheckChannelName(call.ws, name); !error.empty()) {
      return Fail(error);
    }
  }
  channel->name = name;
  return Ok(call, ChannelBody(call, *channel));
}

json::object ConversationsSetTopic(Call& call) {
  return SetTopicOrPurpose(call, true);
}

json::object ConversationsSetPurpose(Call& call) {
  return SetTopicOrPurpose(call, false);
}

json::object ConversationsJoin(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (channel->is_private || channel->is_im || channel->is_mpim) {
    return Fail("method_not_supported_for_channel_type");
  }
  if (channel->is_archived) {
    return Fail("is_archived");
  }
  if (channel->HasMember(call.bot_user())) {
    call.warnings.push_back("already_in_channel");
  } else {
    call.ws.AddMember(*channel, call.bot_user(), "");
  }
  return Ok(call, ChannelBody(call, *channel));
}

json::object ConversationsKick(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (channel->is_im) {
    return Fail("method_not_supported_for_channel_type");
  }
  const std::string user = call.args.StrOr("user");
  if (user == call.bot_user()) {
    return Fail("cant_kick_self");
  }
  if (call.ws.FindUser(user) == nullptr) {
    return Fail("user_not_found");
  }
  if (channel->is_general) {
    return Fail("cant_kick_from_general");
  }
  if (!channel->HasMember(call.bot_user()) || !channel->HasMember(user)) {
    return Fail("not_in_channel");
  }
  call.ws.RemoveMember(*channel, user);
  return Ok(call, {{"errors", json::object{}}});
}

json::object ConversationsLeave(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (channel->is_im) {
    return Fail("method_not_supported_for_channel_type");
  }
  if (channel->is_general) {
    return Fail("cant_leave_general");
  }
  if (!channel->HasMember(call.bot_user())) {
    return Ok(call, {{"not_in_channel", true}});
  }
  call.ws.RemoveMember(*channel, call.bot_user());
  return Ok(call);
}

json::object ConversationsInfo(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  return Ok(call, {{"channel",
                    ConversationJson(call.ws, *channel, call.args.Bool("include_num_members"))}});
}

json::object ConversationsMembers(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  json::object error;
  auto page = ReadPage(call, 100, 1000, &error);
  if (!page) {
    return error;
  }
  json::array members;
  const std::size_t end = std::min(channel->members.size(), page->offset + page->limit);
  for (std::size_t i = page->offset; i < end; ++i) {
    members.emplace_back(channel->members[i]);
  }
  return Ok(call, {{"members", std::move(members)},
                   {"response_metadata", NextCursor(end, channel->members.size())}});
}

json::object ConversationsList(Call& call) {
  json::object error;
  auto page = ReadPage(call, 100, 1000, &error);
  if (!page) {
    return error;
  }
  auto types = SplitList(call.args.StrOr("types", "public_channel"));
  const bool exclude_archived = call.args.Bool("exclude_archived");
  std::vector<const Channel*> matching;
  for (const auto& id : call.ws.channel_order) {
    const Channel* channel = call.ws.FindChannel(id);
    if (ListsType(types, *channel, call.bot_user()) &&
        !(exclude_archived && channel->is_archived)) {
      matching.push_back(channel);
    }
  }
  json::array channels;
  const std::size_t end = std::min(matching.size(), page->offset + page->limit);
  for (std::size_t i = page->offset; i < end; ++i) {
    channels.push_back(ConversationJson(call.ws, *matching[i], true));
  }
  return Ok(call, {{"channels", std::move(channels)},
                   {"response_metadata", NextCursor(end, matching.size())}});
}

json::object ConversationsHistory(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (!channel->HasMember(call.bot_user())) {
    return Fail("not_in_channel");
  }
  std::int64_t oldest = 0;
  std::int64_t latest = INT64_MAX;
  if (auto v = call.args.Str("latest"); v) {
    auto parsed = ParseTs(*v);
    if (!parsed) {
      return Fail("invalid_ts_latest");
    }
    latest = *parsed;
  }
  if (auto v = call.args.Str("oldest"); v && *v != "0") {
    auto parsed = ParseTs(*v);
    if (!parsed) {
      return Fail("invalid_ts_oldest");
    }
    oldest = *parsed;
  }
  const bool inclusive = call.args.Bool("inclusive");
  json::object error;
  auto page = ReadPage(call, 100, 999, &error);
  if (!page) {
    return error;
  }
  std::vector<const Message*> selected;  // newest first, top-level messages only
  for (auto it = channel->messages.rbegin(); it != channel->messages.rend(); ++it) {
    const std::int64_t ts = ParseTs(it->ts).value_or(0);
    const bool in_range = inclusive ? (ts >= oldest && ts <= latest) : (ts > oldest && ts < latest);
    if (in_range && (it->thread_ts.empty() || it->thread_ts == it->ts)) {
      selected.push_back(&*it);
    }
  }
  const bool metadata = call.args.Bool("include_all_metadata");
  json::array messages;
  const std::size_t end = std::min(selected.size(), page->offset + page->limit);
  for (std::size_t i = page->offset; i < end; ++i) {
    messages.push_back(MessageJson(call.ws, *selected[i], metadata));
  }
  json::object body{{"messages", std::move(messages)},
                    {"has_more", end < selected.size()},
                    {"pin_count", channel->pins.size()},
                    {"response_metadata", NextCursor(end, selected.size())}};
  if (auto v = call.args.Str("latest"); v) {
    body["latest"] = *v;
  }
  return Ok(call, std::move(body));
}

json::object ConversationsOpen(Call& call) {
  if (auto id = call.args.Str("channel"); id) {
    Channel* channel = VisibleChannel(call, *id);
    if (channel == nullptr) {
      return Fail("channel_not_found");
    }
    return Ok(call, {{"channel", json::object{{"id", channel->id}}}});
  }
  auto users = SplitList(call.args.StrOr("users"));
  std::erase(users, call.bot_user());
  if (users.empty()) {
    return Fail("users_list_not_supplied");
  }
  if (users.size() > kMaxMpimUsers) {
    return Fail("too_many_users");
  }
  for (const auto& id : users) {
    const User* user = call.ws.FindUser(id);
    if (user == nullptr) {
      return Fail("user_not_found");
    }
    if (user->deleted) {
      return Fail("user_disabled");
    }
  }
  if (users.size() > 1) {
    // Group DMs (mpim) aren't emulated: swarmbot opens only 1:1 DMs.
    return Fail("invalid_user_combination");
  }
  const bool existed = call.ws.dm_by_user.count(users.front()) > 0;
  Channel& dm = call.ws.DmWith(users.front());
  if (existed) {
    call.warnings.push_back("already_open");
  }
  if (!call.args.Bool("return_im")) {
    return Ok(call, {{"channel", json::object{{"id", dm.id}}}});
  }
  return Ok(
      call,
      {{"no_op", existed}, {"already_open", existed}, {"channel", ConversationJson(call.ws, dm)}});
}

}  // namespace api
}  // namespace swarmbot::emulator::detail
