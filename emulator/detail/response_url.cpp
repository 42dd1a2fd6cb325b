// response_url: later answers to a command or a click (reference §3, §4.1).
#include <chrono>

#include <boost/json/parse.hpp>

#include "common/form.hpp"
#include "emulator/detail/blocks.hpp"
#include "emulator/detail/core.hpp"
#include "emulator/detail/json_views.hpp"
#include "emulator/detail/web_api.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr int kMaxUses = 5;
constexpr auto kLifetime = std::chrono::minutes(30);

HttpAnswer Text(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.content_type = "text/plain; charset=utf-8";
  answer.body = std::move(body);
  return answer;
}

// The JSON body of a response_url post (or a form with `payload=`, which
// Slack also takes).
std::optional<json::object> ReadBody(const HttpCall& call) {
  std::string text = call.body;
  if (call.content_type.find("x-www-form-urlencoded") != std::string::npos) {
    auto fields = ParseForm(call.body);
    auto payload = fields ? FormValue(*fields, "payload") : std::nullopt;
    if (!payload) {
      return std::nullopt;
    }
    text = *payload;
  }
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) {
    return std::nullopt;
  }
  return value.as_object();
}

bool Flag(const json::object& body, const char* key) {
  const json::value* v = body.if_contains(key);
  return v != nullptr &&
         ((v->is_bool() && v->as_bool()) || (v->is_string() && v->as_string() == "true"));
}

std::string TextOf(const json::object& body) {
  const json::value* v = body.if_contains("text");
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

json::value BlocksOf(const json::object& body) {
  const json::value* v = body.if_contains("blocks");
  return v != nullptr && v->is_array() && !v->as_array().empty() ? *v : json::value();
}

void DeleteOriginal(Workspace& ws, ResponseUrl& url) {
  if (url.original_is_ephemeral) {
    if (Ephemeral* e = ws.FindEphemeral(url.original_ts); e != nullptr) {
      e->deleted = true;
    }
    return;
  }
  if (Channel* channel = ws.FindChannel(url.channel); channel != nullptr) {
    std::erase_if(channel->messages, [&](const Message& m) { return m.ts == url.original_ts; });
    std::erase(channel->pins, url.original_ts);
  }
}

// Replaces the original message; false when there is none to replace.
bool ReplaceOriginal(Workspace& ws, ResponseUrl& url, const json::object& body) {
  if (url.original_ts.empty()) {
    return false;
  }
  if (url.original_is_ephemeral) {
    Ephemeral* e = ws.FindEphemeral(url.original_ts);
    if (e == nullptr || e->deleted) {
      return false;
    }
    e->text = TextOf(body);
    e->blocks = BlocksOf(body);
    return true;
  }
  Channel* channel = ws.FindChannel(url.channel);
  Message* message = channel != nullptr ? channel->FindMessage(url.original_ts) : nullptr;
  if (message == nullptr) {
    return false;
  }
  const json::object previous = MessageJson(ws, *message, false);
  message->text = TextOf(body);
  message->blocks = BlocksOf(body);
  message->edited_user = ws.options().bot_user_id;
  message->edited_ts = ws.NextTs(*channel);
  ws.EmitChange(*channel, MessageJson(ws, *message, false), previous);
  return true;
}

// Posts a new reply, in the channel or to the user alone.
void PostReply(Workspace& ws, ResponseUrl& url, const json::object& body, const char* source) {
  const json::value* type = body.if_contains("response_type");
  const bool in_channel = type != nullptr && type->is_string() && type->as_string() == "in_channel";
  Channel* channel = ws.FindChannel(url.channel);
  if (in_channel && channel != nullptr) {
    Message message;
    message.user = ws.options().bot_user_id;
    message.bot_id = ws.options().bot_id;
    message.text = TextOf(body);
    message.blocks = BlocksOf(body);
    NormalizeBlocks(message.blocks);
    const Message& posted = ws.Post(*channel, std::move(message));
    ws.EmitMessage(*channel, posted);
    if (url.from_command) {
      url.original_ts = posted.ts;
      url.original_is_ephemeral = false;
    }
    return;
  }
  Ephemeral e;
  e.channel = url.channel;
  e.user = url.user;
  e.source = source;
  e.text = TextOf(body);
  e.blocks = BlocksOf(body);
  const Ephemeral& added = ws.AddEphemeral(std::move(e));
  if (url.from_command) {
    url.original_ts = added.ts;
    url.original_is_ephemeral = true;
  }
}

}  // namespace

HttpAnswer RunResponseUrl(Workspace& ws, std::string_view id, const HttpCall& call) {
  if (call.verb != "POST") {
    return Text(405, "method_not_allowed");
  }
  ResponseUrl* url = ws.FindResponseUrl(id);
  if (url == nullptr) {
    return Text(404, "no_service");
  }
  // The exact body Slack sends for these two isn't documented (reference §13).
  if (ws.clock().Now() - url->created > kLifetime) {
    return Text(404, "expired_url");
  }
  if (url->uses >= kMaxUses) {
    return Text(404, "used_url");
  }
  auto body = ReadBody(call);
  if (!body) {
    return Text(400, "invalid_payload");
  }
  if (const json::value* blocks = body->if_contains("blocks"); blocks != nullptr) {
    if (!CheckBlocks(*blocks, Surface::kMessage).empty()) {
      return Text(400, "invalid_blocks");
    }
  }
  const bool has_content = !TextOf(*body).empty() || !BlocksOf(*body).is_null();
  if (!Flag(*body, "delete_original") && !has_content) {
    return Text(400, "no_text");
  }
  ++url->uses;
  if (Flag(*body, "delete_original")) {
    DeleteOriginal(ws, *url);
  } else if (!Flag(*body, "replace_original") || !ReplaceOriginal(ws, *url, *body)) {
    PostReply(ws, *url, *body, "response_url");
  }
  return Text(200, "ok");
}

void RecordCommandReply(Workspace& ws, const std::string& user, const std::string& channel,
                        const std::string& response_url_id, const std::string& body) {
  if (body.empty()) {
    return;
  }
  ResponseUrl* url = ws.FindResponseUrl(response_url_id);
  ResponseUrl scratch{user, channel, ws.clock().Now(), 0, true, {}, false};
  if (url == nullptr) {
    url = &scratch;
  }
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    // A plain-text HTTP answer is shown to the user as is.
    PostReply(ws, *url, json::object{{"text", body}}, "ack");
    return;
  }
  PostReply(ws, *url, value.as_object(), "ack");
}

}  // namespace swarmbot::emulator::detail
