// chat.* methods.
#include <boost/json/array.hpp>

#include "emulator/detail/api.hpp"
#include "emulator/detail/blocks.hpp"
#include "emulator/detail/json_views.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr std::size_t kMaxTextLength = 40'000;  // longer text is truncated (§8.2)
constexpr std::size_t kMaxUpdateTextLength = 4'000;

// Where a message goes: an id, a user id (the bot's DM with that user), or a
// channel name with or without '#', as chat.postMessage accepts.
Channel* ResolveTarget(Call& call, const std::string& target) {
  if (!target.empty() && (target[0] == 'U' || target[0] == 'W')) {
    if (User* user = call.ws.FindUser(target); user != nullptr && !user->deleted) {
      return &call.ws.DmWith(user->id);
    }
  }
  if (Channel* channel = VisibleChannel(call, target); channel != nullptr) {
    return channel;
  }
  const std::string name = !target.empty() && target[0] == '#' ? target.substr(1) : target;
  if (Channel* channel = call.ws.FindChannelByName(name); channel != nullptr) {
    return VisibleChannel(call, channel->id);
  }
  return nullptr;
}

// The content of a post or update: text, blocks, attachments. Returns an error
// body when an argument is malformed or breaks Block Kit's limits.
struct Content {
  std::optional<std::string> text;
  std::optional<json::value> blocks;
  std::optional<json::value> attachments;
};

std::optional<json::object> ReadContent(Call& call, Content& content) {
  content.text = call.args.Str("text");
  bool bad = false;
  content.blocks = call.args.Json("blocks", &bad);
  if (bad || (content.blocks && !content.blocks->is_array())) {
    return Fail("invalid_blocks_format");
  }
  if (content.blocks) {
    if (auto messages = CheckBlocks(*content.blocks, Surface::kMessage); !messages.empty()) {
      return FailWithMessages("invalid_blocks", messages);
    }
    NormalizeBlocks(*content.blocks);
  }
  content.attachments = call.args.Json("attachments", &bad);
  if (bad || (content.attachments && !content.attachments->is_array())) {
    return Fail("invalid_attachments");
  }
  if (content.attachments && content.attachments->as_array().size() > 100) {
    return Fail("too_many_attachments");
  }
  return std::nullopt;
}

bool HasContent(const Content& content) {
  return content.text || (content.blocks && !content.blocks->as_array().empty()) ||
         (content.attachments && !content.attachments->as_array().empty());
}

// Slack's message metadata: {event_type, event_payload}.
std::optional<json::object> ReadMetadata(Call& call, json::value& metadata) {
  bool bad = false;
  auto value = call.args.Json("metadata", &bad);
  if (bad) {
    return Fail("invalid_metadata_format");
  }
  if (!value) {
    return std::nullopt;
  }
  const json::object* obj = value->if_object();
  if (obj == nullptr || !obj->contains("event_type") || !obj->at("event_type").is_string() ||
      !obj->contains("event_payload") || !obj->at("event_payload").is_object()) {
    return Fail("invalid_metadata_format");
  }
  metadata = *value;
  return std::nullopt;
}

// Who may post: archived channels refuse; private conversations need
// membership (VisibleChannel already hid the others); public ones are open
// through chat:write.public.
std::optional<json::object> CheckCanPost(Call& call, const Channel& channel) {
  if (channel.is_archived) {
    return Fail("is_archived");
  }
  if (!channel.HasMember(call.bot_user()) && channel.is_private) {
    return Fail("not_in_channel");
  }
  return std::nullopt;
}

}  // namespace

namespace api {

json::object ChatPostMessage(Call& call) {
  auto target = call.args.Str("channel");
  Channel* channel = target ? ResolveTarget(call, *target) : nullptr;
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (auto error = CheckCanPost(call, *channel); error) {
    return *error;
  }
  Content content;
  if (auto error = ReadContent(call, content); error) {
    return *error;
  }
  if (!HasContent(content)) {
    return Fail("no_text");
  }
  Message message;
  if (auto error = ReadMetadata(call, message.metadata); error) {
    return *error;
  }
  if (auto thread = call.args.Str("thread_ts"); thread) {
    if (channel->FindMessage(*thread) == nullptr) {
      return Fail("cannot_reply_to_message");
    }
    message.thread_ts = *thread;
  }
  message.user = call.bot_user();
  message.bot_id = call.options().bot_id;
  message.text = content.text.value_or("").substr(0, kMaxTextLength);
  if (content.blocks && !content.blocks->as_array().empty()) {
    message.blocks = *content.blocks;
  }
  if (content.attachments && !content.attachments->as_array().empty()) {
    message.attachments = *content.attachments;
  }
  const Message& posted = call.ws.Post(*channel, std::move(message));
  call.ws.EmitMessage(*channel, posted);
  return Ok(call, {{"channel", channel->id},
                   {"ts", posted.ts},
                   {"message", MessageJson(call.ws, posted, true)}});
}

json::object ChatPostEphemeral(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  if (auto error = CheckCanPost(call, *channel); error) {
    return *error;
  }
  const std::string user = call.args.StrOr("user");
  if (!channel->HasMember(user)) {
    return Fail("user_not_in_channel");
  }
  Content content;
  if (auto error = ReadContent(call, content); error) {
    return *error;
  }
  if (!HasContent(content)) {
    return Fail("no_text");
  }
  Ephemeral ephemeral;
  ephemeral.channel = channel->id;
  ephemeral.user = user;
  ephemeral.source = "chat.postEphemeral";
  ephemeral.text = content.text.value_or("");
  if (content.blocks) {
    ephemeral.blocks = *content.blocks;
  }
  const Ephemeral& added = call.ws.AddEphemeral(std::move(ephemeral));
  return Ok(call, {{"message_ts", added.ts}});
}

json::object ChatUpdate(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  Message* message = channel->FindMessage(call.args.StrOr("ts"));
  if (message == nullptr) {
    return Fail("message_not_found");
  }
  if (message->bot_id != call.options().bot_id) {
    return Fail("cant_update_message");
  }
  if (channel->is_archived) {
    return Fail("is_inactive");
  }
  Content content;
  if (auto error = ReadContent(call, content); error) {
    return *error;
  }
  if (!content.text && !content.blocks && !content.attachments) {
    return Fail("no_text");
  }
  if (content.text && content.text->size() > kMaxUpdateTextLength) {
    return Fail("msg_too_long");
  }
  if (auto error = ReadMetadata(call, message->metadata); error) {
    return *error;
  }
  // Omitted blocks/attachments stay; an empty list clears them.
  if (content.text) {
    message->text = *content.text;
  }
  if (content.blocks) {
    message->blocks = content.blocks->as_array().empty() ? json::value() : *content.blocks;
  }
  if (content.attachments) {
    message->attachments =
        content.attachments->as_array().empty() ? json::value() : *content.attachments;
  }
  const json::object previous = MessageJson(call.ws, *message, false);
  message->edited_user = call.bot_user();
  message->edited_ts = call.ws.NextTs(*channel);
  json::object shown = MessageJson(call.ws, *message, false);
  call.ws.EmitChange(*channel, shown, previous);
  return Ok(call, {{"channel", channel->id},
                   {"ts", message->ts},
                   {"text", message->text},
                   {"message", std::move(shown)}});
}

json::object ChatDelete(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  const std::string ts = call.args.StrOr("ts");
  Message* message = channel->FindMessage(ts);
  if (message == nullptr) {
    return Fail("message_not_found");
  }
  if (message->bot_id != call.options().bot_id) {
    return Fail("cant_delete_message");
  }
  std::erase_if(channel->messages, [&](const Message& m) { return m.ts == ts; });
  std::erase(channel->pins, ts);
  return Ok(call, {{"channel", channel->id}, {"ts", ts}});
}

json::object ChatGetPermalink(Call& call) {
  Channel* channel = VisibleChannel(call, call.args.StrOr("channel"));
  if (channel == nullptr) {
    return Fail("channel_not_found");
  }
  const std::string ts = call.args.StrOr("message_ts");
  if (channel->FindMessage(ts) == nullptr) {
    return Fail("message_not_found");
  }
  std::string digits;
  for (char c : ts) {
    if (c != '.') {
      digits.push_back(c);
    }
  }
  return Ok(call, {{"channel", channel->id},
                   {"permalink", "https://" + call.options().team_domain + ".slack.com/archives/" +
                                     channel->id + "/p" + digits}});
}

}  // namespace api
}  // namespace swarmbot::emulator::detail
