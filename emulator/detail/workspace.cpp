#include "emulator/detail/workspace.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/crypto.hpp"

namespace swarmbot::emulator::detail {
namespace {

std::int64_t NowMicros(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.Now().time_since_epoch())
      .count();
}

std::string ChannelTypeName(const Channel& channel) {
  if (channel.is_im) {
    return "im";
  }
  if (channel.is_mpim) {
    return "mpim";
  }
  return channel.is_private ? "group" : "channel";
}

std::string MessageSubscription(const Channel& channel) {
  if (channel.is_im) {
    return "message.im";
  }
  if (channel.is_mpim) {
    return "message.mpim";
  }
  return channel.is_private ? "message.groups" : "message.channels";
}

}  // namespace

std::string FormatTs(std::int64_t micros) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%06lld", static_cast<long long>(micros / 1'000'000),
                static_cast<long long>(micros % 1'000'000));
  return buffer;
}

std::optional<std::int64_t> ParseTs(std::string_view ts) {
  const auto dot = ts.find('.');
  if (dot == std::string_view::npos || dot == 0 || ts.size() - dot - 1 != 6) {
    return std::nullopt;
  }
  std::int64_t seconds = 0;
  std::int64_t micros = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (i == dot) {
      continue;
    }
    if (ts[i] < '0' || ts[i] > '9') {
      return std::nullopt;
    }
    std::int64_t& target = i < dot ? seconds : micros;
    target = target * 10 + (ts[i] - '0');
  }
  if (dot > 12) {
    return std::nullopt;
  }
  return seconds * 1'000'000 + micros;
}

bool Channel::HasMember(std::string_view user) const {
  return std::find(members.begin(), members.end(), user) != members.end();
}

Message* Channel::FindMessage(std::string_view ts) {
  for (auto& m : messages) {
    if (m.ts == ts) {
      return &m;
    }
  }
  return nullptr;
}

const Message* Channel::FindMessage(std::string_view ts) const {
  return const_cast<Channel*>(this)->FindMessage(ts);
}

bool Channel::IsPinned(std::string_view ts) const {
  return std::find(pins.begin(), pins.end(), ts) != pins.end();
}

Workspace::Workspace(const Options& options, const Clock& clock)
    : options_(options), clock_(clock), subscriptions_(options.event_subscriptions) {}

std::string Workspace::NewId(std::string_view prefix) {
  const int n = ++sequences_[std::string(prefix)];
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05d", n);
  return std::string(prefix) + "0EMU" + digits;
}

std::string Workspace::NewTriggerId(const std::string& user, const std::string& view_id) {
  // Shaped like Slack's: digits.digits.hex.
  const int n = ++sequences_["trigger"];
  std::string id =
      std::to_string(1000000000 + n) + "." + std::to_string(4700000000LL + n) + "." + RandomHex(16);
  triggers[id] = Trigger{clock_.Now(), user, view_id, false};
  return id;
}

std::string Workspace::NewResponseUrlId(ResponseUrl url) {
  std::string id = RandomHex(12);
  url.created = clock_.Now();
  response_urls[id] = std::move(url);
  return id;
}

std::string Workspace::NewTicket() {
  std::string ticket = RandomHex(16);
  tickets[ticket] = false;
  return ticket;
}

bool Workspace::UseTicket(std::string_view ticket) {
  auto it = tickets.find(ticket);
  if (it == tickets.end() || it->second) {
    return false;
  }
  it->second = true;
  return true;
}

User* Workspace::FindUser(std::string_view id) {
  auto it = users.find(id);
  return it == users.end() ? nullptr : &it->second;
}

const User* Workspace::FindUser(std::string_view id) const {
  auto it = users.find(id);
  return it == users.end() ? nullptr : &it->second;
}

User* Workspace::FindUserByEmail(std::string_view email) {
  for (auto& [id, user] : users) {
    if (!user.email.empty() && user.email == email) {
      return &user;
    }
  }
  return nullptr;
}

UserGroup* Workspace::FindGroup(std::string_view id) {
  auto it = groups.find(id);
  return it == groups.end() ? nullptr : &it->second;
}

Channel* Workspace::FindChannel(std::string_view id) {
  auto it = channels.find(id);
  return it == channels.end() ? nullptr : &it->second;
}

const Channel* Workspace::FindChannel(std::string_view id) const {
  auto it = channels.find(id);
  return it == channels.end() ? nullptr : &it->second;
}

Channel* Workspace::FindChannelByName(std::string_view name) {
  for (auto& [id, channel] : channels) {
    if (!channel.is_im && !channel.is_mpim && channel.name == name) {
      return &channel;
    }
  }
  return nullptr;
}

Channel& Workspace::DmWith(const std::string& user) {
  if (auto it = dm_by_user.find(user); it != dm_by_user.end()) {
    return channels.at(it->second);
  }
  Channel dm;
  dm.id = NewId("D");
  dm.is_im = true;
  dm.is_private = true;
  dm.dm_user = user;
  dm.created = Now();
  dm.members = {options_.bot_user_id, user};
  dm_by_user[user] = dm.id;
  return AddChannel(std::move(dm));
}

View* Workspace::FindView(std::string_view id) {
  auto it = views.find(id);
  return it == views.end() ? nullptr : &it->second;
}

Trigger* Workspace::FindTrigger(std::string_view id) {
  auto it = triggers.find(id);
  return it == triggers.end() ? nullptr : &it->second;
}

ResponseUrl* Workspace::FindResponseUrl(std::string_view id) {
  auto it = response_urls.find(id);
  return it == response_urls.end() ? nullptr : &it->second;
}

User& Workspace::AddUser(User user) {
  user.updated = Now();
  user_order.push_back(user.id);
  const std::string id = user.id;
  return users[id] = std::move(user);
}

UserGroup& Workspace::AddGroup(UserGroup group) {
  group.created = Now();
  group_order.push_back(group.id);
  const std::string id = group.id;
  return groups[id] = std::move(group);
}

Channel& Workspace::AddChannel(Channel channel) {
  channel_order.push_back(channel.id);
  const std::string id = channel.id;
  return channels[id] = std::move(channel);
}

std::string Workspace::NextTs(Channel& channel) {
  channel.last_ts_micros = std::max(NowMicros(clock_), channel.last_ts_micros + 1);
  return FormatTs(channel.last_ts_micros);
}

Message& Workspace::Post(Channel& channel, Message message) {
  message.ts = NextTs(channel);
  channel.messages.push_back(std::move(message));
  return channel.messages.back();
}

void Workspace::AddMember(Channel& channel, const std::string& user, const std::string& inviter) {
  if (channel.HasMember(user)) {
    return;
  }
  channel.members.push_back(user);
  Message join;
  join.user = user;
  join.subtype = "channel_join";
  join.text = "<@" + user + "> has joined the channel";
  const Message& posted = Post(channel, std::move(join));

  json::object event{
      {"type", "member_joined_channel"}, {"user", user},
      {"channel", channel.id},           {"channel_type", channel.is_private ? "G" : "C"},
      {"team", options_.team_id},        {"event_ts", posted.ts}};
  if (!inviter.empty()) {
    event["inviter"] = inviter;
  }
  Emit(std::move(event), "member_joined_channel", &channel);
  EmitMessage(channel, posted);
}

void Workspace::RemoveMember(Channel& channel, const std::string& user) {
  auto it = std::find(channel.members.begin(), channel.members.end(), user);
  if (it == channel.members.end()) {
    return;
  }
  Message leave;
  leave.user = user;
  leave.subtype = "channel_leave";
  leave.text = "<@" + user + "> has left the channel";
  const Message& posted = Post(channel, std::move(leave));
  // Sent while the leaver is still listed, so the bot hears about its own exit.
  Emit(json::object{{"type", "member_left_channel"},
                    {"user", user},
                    {"channel", channel.id},
                    {"channel_type", channel.is_private ? "G" : "C"},
                    {"team", options_.team_id},
                    {"event_ts", posted.ts}},
       "member_left_channel", &channel);
  EmitMessage(channel, posted);
  channel.members.erase(std::find(channel.members.begin(), channel.members.end(), user));
}

std::string Workspace::NowTs() const {
  return FormatTs(NowMicros(clock_));
}

Ephemeral& Workspace::AddEphemeral(Ephemeral ephemeral) {
  if (Channel* channel = FindChannel(ephemeral.channel); channel != nullptr) {
    ephemeral.ts = NextTs(*channel);
  } else {
    ephemeral.ts = FormatTs(NowMicros(clock_));
  }
  ephemerals.push_back(std::move(ephemeral));
  return ephemerals.back();
}

Ephemeral* Workspace::FindEphemeral(std::string_view ts) {
  for (auto& e : ephemerals) {
    if (e.ts == ts) {
      return &e;
    }
  }
  return nullptr;
}

void Workspace::AddActivity(const std::string& channel, const std::string& user, std::string text) {
  Channel* c = FindChannel(channel);
  const std::string ts = c != nullptr ? NextTs(*c) : FormatTs(NowMicros(clock_));
  activity.push_back(Activity{ts, channel, user, std::move(text)});
}

void Workspace::Emit(json::object event, std::string_view subscription, const Channel* channel) {
  if (subscriptions_.count(std::string(subscription)) == 0) {
    return;
  }
  if (channel != nullptr && !channel->HasMember(options_.bot_user_id)) {
    return;
  }
  events_.push_back(PendingEvent{std::move(event)});
}

void Workspace::EmitMessage(const Channel& channel, const Message& message) {
  json::object event{{"type", "message"},        {"channel", channel.id},
                     {"user", message.user},     {"text", message.text},
                     {"ts", message.ts},         {"event_ts", message.ts},
                     {"team", options_.team_id}, {"channel_type", ChannelTypeName(channel)}};
  if (!message.subtype.empty()) {
    event["subtype"] = message.subtype;
  }
  if (!message.bot_id.empty()) {
    event["bot_id"] = message.bot_id;
    event["app_id"] = options_.app_id;
  } else if (message.subtype.empty()) {
    event["client_msg_id"] = RandomHex(16);
  }
  if (!message.blocks.is_null()) {
    event["blocks"] = message.blocks;
  }
  if (!message.thread_ts.empty()) {
    event["thread_ts"] = message.thread_ts;
  }
  Emit(event, MessageSubscription(channel), &channel);

  // A mention reaches the app twice when it also reads the channel (reference §2.5).
  const bool mentions_bot = message.text.find("<@" + options_.bot_user_id) != std::string::npos;
  if (mentions_bot && message.bot_id.empty() && message.subtype.empty() && !channel.is_im) {
    event["type"] = "app_mention";
    event.erase("channel_type");
    Emit(std::move(event), "app_mention", &channel);
  }
}

void Workspace::EmitChange(const Channel& channel, const json::object& message,
                           const json::object& previous) {
  const std::string ts = FormatTs(channel.last_ts_micros);
  Emit(json::object{{"type", "message"},
                    {"subtype", "message_changed"},
                    {"hidden", true},
                    {"channel", channel.id},
                    {"channel_type", ChannelTypeName(channel)},
                    {"ts", ts},
                    {"event_ts", ts},
                    {"message", message},
                    {"previous_message", previous}},
       MessageSubscription(channel), &channel);
}

std::vector<PendingEvent> Workspace::TakeEvents() {
  std::vector<PendingEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace swarmbot::emulator::detail
