#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/clock.hpp"
#include "emulator/emulator.hpp"

namespace swarmbot::emulator::detail {

namespace json = boost::json;

struct User {
  std::string id;
  std::string name;
  std::string real_name;
  std::string email;
  std::string tz;
  bool is_bot = false;
  bool deleted = false;
  bool active = true;
  std::int64_t updated = 0;
};

struct UserGroup {
  std::string id;
  std::string handle;
  std::string name;
  std::vector<std::string> users;
  std::int64_t created = 0;
};

struct Message {
  std::string ts;
  std::string user;
  std::string bot_id;
  std::string subtype;
  std::string text;
  json::value blocks;       // null when the message has none
  json::value attachments;  // null when none
  json::value metadata;     // null when none
  std::string thread_ts;
  std::string edited_ts;
  std::string edited_user;
  std::vector<std::pair<std::string, std::string>> reactions;  // (name, user)
};

struct Bookmark {
  std::string id;
  std::string title;
  std::string link;
  std::string emoji;
  std::string type;
  std::int64_t created = 0;
};

struct Channel {
  std::string id;
  std::string name;
  std::string creator;
  std::int64_t created = 0;
  bool is_private = false;
  bool is_im = false;
  bool is_mpim = false;
  bool is_archived = false;
  bool is_general = false;
  std::string dm_user;
  std::string topic;
  std::string topic_creator;
  std::int64_t topic_last_set = 0;
  std::string purpose;
  std::string purpose_creator;
  std::int64_t purpose_last_set = 0;
  std::vector<std::string> members;
  std::vector<Message> messages;  // oldest first
  std::vector<std::string> pins;
  std::vector<Bookmark> bookmarks;
  std::int64_t last_ts_micros = 0;

  bool HasMember(std::string_view user) const;
  Message* FindMessage(std::string_view ts);
  const Message* FindMessage(std::string_view ts) const;
  bool IsPinned(std::string_view ts) const;
};

struct Ephemeral {
  std::string ts;
  std::string channel;
  std::string user;
  std::string source;
  std::string text;
  json::value blocks;
  bool deleted = false;
};

struct View {
  std::string id;
  std::string user;
  std::string type;
  json::object definition;  // what the app sent (blocks, title, callback_id…)
  std::string hash;
  std::string root_view_id;
  std::string previous_view_id;
  std::string external_id;
  json::object state_values;
  json::value errors;  // the last response_action:errors map, or null
  bool open = false;
};

struct Trigger {
  Clock::TimePoint issued;
  std::string user;
  std::string view_id;  // the view it came from, for views.push
  bool used = false;
};

// A response_url: where an interaction's answer may go later.
struct ResponseUrl {
  std::string user;
  std::string channel;
  Clock::TimePoint created;
  int uses = 0;
  bool from_command = false;
  // The message replace_original/delete_original act on: the clicked message,
  // or for a command the last reply shown through this URL or the ack.
  std::string original_ts;
  bool original_is_ephemeral = false;
};

// Something a user did that Slack shows only to them (typing a command,
// clicking a button); kept for the transcript.
struct Activity {
  std::string ts;
  std::string channel;
  std::string user;
  std::string text;
};

// One event the app should receive, already filtered by subscription and
// channel membership; the caller wraps it in an event_callback.
struct PendingEvent {
  json::object event;
};

// The workspace's state. Not thread-safe: Core guards it with its mutex, and
// every function here expects that lock to be held.
class Workspace {
 public:
  Workspace(const Options& options, const Clock& clock);

  const Options& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  std::int64_t Now() const { return clock_.UnixSeconds(); }
  // Now as an event_ts outside any channel: "<seconds>.<6 digits>".
  std::string NowTs() const;

  // Ids: prefix + "0EMU" + a sequence, e.g. C0EMU00003.
  std::string NewId(std::string_view prefix);
  std::string NewTriggerId(const std::string& user, const std::string& view_id);
  std::string NewResponseUrlId(ResponseUrl url);
  std::string NewTicket();
  // Consumes a Socket Mode ticket; false when unknown or already used.
  bool UseTicket(std::string_view ticket);

  User* FindUser(std::string_view id);
  const User* FindUser(std::string_view id) const;
  User* FindUserByEmail(std::string_view email);
  UserGroup* FindGroup(std::string_view id);
  Channel* FindChannel(std::string_view id);
  const Channel* FindChannel(std::string_view id) const;
  Channel* FindChannelByName(std::string_view name);
  // The bot's DM with `user`, created on first use.
  Channel& DmWith(const std::string& user);
  View* FindView(std::string_view id);
  Trigger* FindTrigger(std::string_view id);
  ResponseUrl* FindResponseUrl(std::string_view id);

  User& AddUser(User user);
  UserGroup& AddGroup(UserGroup group);
  Channel& AddChannel(Channel channel);

  // The next ts of `channel`: "<seconds>.<6 digits>" from the clock, strictly
  // increasing within the channel.
  std::string NextTs(Channel& channel);
  Message& Post(Channel& channel, Message message);
  // Adds `user` (no-op when present) and records a channel_join message.
  void AddMember(Channel& channel, const std::string& user, const std::string& inviter);
  void RemoveMember(Channel& channel, const std::string& user);
  Ephemeral& AddEphemeral(Ephemeral ephemeral);
  Ephemeral* FindEphemeral(std::string_view ts);
  void AddActivity(const std::string& channel, const std::string& user, std::string text);

  // Queues `event` for the app if it subscribes to `subscription` and, when
  // `channel` is set, the bot is a member of it.
  void Emit(json::object event, std::string_view subscription, const Channel* channel);
  // The message events Slack sends for a new message in `channel`.
  void EmitMessage(const Channel& channel, const Message& message);
  // A message_changed event (hidden, with the message before and after).
  void EmitChange(const Channel& channel, const json::object& message,
                  const json::object& previous);
  std::vector<PendingEvent> TakeEvents();

  void SetSubscriptions(std::set<std::string> events) { subscriptions_ = std::move(events); }

  std::vector<std::string> user_order;
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, UserGroup, std::less<>> groups;
  std::vector<std::string> group_order;
  std::vector<std::string> channel_order;  // channels and DMs, in creation order
  std::map<std::string, Channel, std::less<>> channels;
  std::map<std::string, std::string, std::less<>> dm_by_user;
  std::vector<Ephemeral> ephemerals;
  std::vector<Activity> activity;
  std::map<std::string, View, std::less<>> views;
  std::map<std::string, std::vector<std::string>, std::less<>> modal_stacks;  // per user
  std::map<std::string, std::string, std::less<>> home_views;                 // per user
  std::map<std::string, Trigger, std::less<>> triggers;
  std::map<std::string, ResponseUrl, std::less<>> response_urls;
  std::map<std::string, bool, std::less<>> tickets;  // ticket → used
  std::map<std::string, int, std::less<>> call_counts;
  std::map<std::string, int, std::less<>> delivery_counts;
  // Rate-limit windows (key → window start, calls in it); see RunWebApi.
  std::map<std::string, std::pair<std::int64_t, int>, std::less<>> rate_windows;
  // Emulator::RevokeUserToken: the user token answers token_revoked.
  bool user_token_revoked = false;
  std::uint16_t port = 0;  // the server's, for URLs handed out

 private:
  const Options& options_;
  const Clock& clock_;
  std::set<std::string> subscriptions_;
  std::map<std::string, int, std::less<>> sequences_;
  std::vector<PendingEvent> events_;
};

// "1700000000.000001" from microseconds since the epoch.
std::string FormatTs(std::int64_t micros);
// Microseconds from a ts string; nullopt when it isn't shaped like one.
std::optional<std::int64_t> ParseTs(std::string_view ts);

}  // namespace swarmbot::emulator::detail
