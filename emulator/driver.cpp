// The driver: acting as a user in the emulated workspace. Each action builds
// the payload Slack would send, delivers it over the active transport, and
// shows the answer as Slack would.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "emulator/detail/api.hpp"
#include "emulator/detail/blocks.hpp"
#include "emulator/detail/core.hpp"
#include "emulator/detail/json_views.hpp"
#include "emulator/detail/payloads.hpp"
#include "emulator/emulator.hpp"

namespace swarmbot::emulator {

using detail::Core;
namespace json = boost::json;

namespace {

Error NotFound(const std::string& what) {
  return MakeError(Errc::kNotFound, what);
}

std::string ButtonLabel(const json::object& element) {
  const auto* text = element.if_contains("text");
  if (text != nullptr && text->is_object() && text->as_object().contains("text")) {
    return std::string(text->at("text").as_string());
  }
  return std::string(element.contains("action_id") ? element.at("action_id").as_string() : "");
}

// Shows how a failed delivery looks to the user: Slackbot's ephemeral note.
void RecordFailure(detail::Workspace& ws, const std::string& user, const std::string& channel,
                   const std::string& what, const Error& error) {
  detail::Ephemeral e;
  e.channel = channel;
  e.user = user;
  e.source = "slack";
  e.text = what + " failed with the error \"" + error.detail + "\"";
  ws.AddEphemeral(std::move(e));
}

// Applies a view_submission ack's response_action to the user's modal stack.
void ApplyResponseAction(detail::Workspace& ws, const std::string& user, const std::string& view_id,
                         const std::string& body) {
  json::object ack;
  if (!body.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (!ec && parsed.is_object()) {
      ack = parsed.as_object();
    }
  }
  const auto* action = ack.if_contains("response_action");
  const std::string name =
      action != nullptr && action->is_string() ? std::string(action->as_string()) : "";
  detail::View* view = ws.FindView(view_id);
  const auto* new_view = ack.if_contains("view");
  const bool valid_view = new_view != nullptr && detail::CheckView(*new_view).empty();
  if (name == "errors" && view != nullptr) {
    view->errors = ack.contains("errors") ? ack.at("errors") : json::value(json::object{});
  } else if (name == "update" && view != nullptr && valid_view) {
    view->definition = new_view->as_object();
    view->hash = std::to_string(ws.Now()) + ".u" + std::to_string(ws.views.size());
    view->errors = nullptr;
  } else if (name == "push" && valid_view &&
             ws.modal_stacks[user].size() < detail::kMaxModalStack) {
    detail::PushModal(ws, user, new_view->as_object());
  } else if (name == "clear") {
    detail::CloseModalStack(ws, user);
  } else {
    detail::CloseModal(ws, user, view_id);
  }
}

}  // namespace

Result<std::string> Emulator::SlashCommand(const UserId& user, const ChannelId& channel,
                                           std::string command, std::string text) {
  detail::Delivery delivery;
  std::string url_id;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(user.str());
    detail::Channel* c = ws.FindChannel(channel.str());
    if (u == nullptr || c == nullptr) {
      return NotFound("unknown user or channel");
    }
    if (command.empty() || command.front() != '/') {
      return MakeError(Errc::kInvalidInput, "a command starts with '/'");
    }
    detail::ResponseUrl url;
    url.user = u->id;
    url.channel = c->id;
    url.from_command = true;
    url_id = ws.NewResponseUrlId(url);
    const std::string trigger = ws.NewTriggerId(u->id, "");
    delivery.command_fields = detail::SlashCommandFields(
        ws, *u, *c, command, text, detail::ResponseUrlFor(ws, url_id), trigger);
    ws.AddActivity(c->id, u->id, "typed " + command + (text.empty() ? "" : " " + text));
    core_->NotifyLocked();
  }
  delivery.kind = detail::DeliveryKind::kCommand;
  delivery.payload = detail::FieldsToJson(delivery.command_fields);
  delivery.accepts_response_payload = true;
  auto ack = core_->DeliverAndWait(std::move(delivery));

  std::unique_lock lock(core_->mu);
  if (!ack) {
    RecordFailure(core_->ws, user.str(), channel.str(), command, ack.error());
  } else {
    detail::RecordCommandReply(core_->ws, user.str(), channel.str(), url_id, *ack);
  }
  core_->FlushEvents(lock);
  return ack;
}

Result<std::string> Emulator::ClickButton(const UserId& user, const ChannelId& channel,
                                          const MessageTs& message_ts, std::string action_id) {
  detail::Delivery delivery;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(user.str());
    detail::Channel* c = ws.FindChannel(channel.str());
    const detail::Message* m = c != nullptr ? c->FindMessage(message_ts.str()) : nullptr;
    if (u == nullptr || m == nullptr) {
      return NotFound("unknown user, channel or message");
    }
    std::string block_id;
    const json::object* element = detail::FindElement(m->blocks, action_id, &block_id);
    if (element == nullptr) {
      return NotFound("the message has no element " + action_id);
    }
    detail::ResponseUrl url;
    url.user = u->id;
    url.channel = c->id;
    url.original_ts = m->ts;
    const std::string url_id = ws.NewResponseUrlId(url);
    const std::string trigger = ws.NewTriggerId(u->id, "");
    delivery.payload = detail::MessageBlockActions(ws, *u, *c, *m, *element, block_id,
                                                   detail::ResponseUrlFor(ws, url_id), trigger);
    ws.AddActivity(c->id, u->id, "clicked [" + ButtonLabel(*element) + "]");
    core_->NotifyLocked();
  }
  delivery.kind = detail::DeliveryKind::kInteractive;
  delivery.accepts_response_payload = false;
  auto ack = core_->DeliverAndWait(std::move(delivery));
  if (!ack) {
    std::lock_guard lock(core_->mu);
    RecordFailure(core_->ws, user.str(), channel.str(), "The button", ack.error());
    core_->NotifyLocked();
  }
  return ack;
}

Result<std::string> Emulator::ClickEphemeralButton(const UserId& user,
                                                   const MessageTs& ephemeral_ts,
                                                   std::string action_id) {
  {
    std::lock_guard lock(core_->mu);
    const detail::User* u = core_->ws.FindUser(user.str());
    const detail::Ephemeral* e = core_->ws.FindEphemeral(ephemeral_ts.str());
    if (u == nullptr || e == nullptr || e->user != u->id) {
      return NotFound("no ephemeral message " + ephemeral_ts.str() + " for this user");
    }
  }
  return ClickEphemeralButtonAs(user, ephemeral_ts, std::move(action_id));
}

Result<std::string> Emulator::ClickEphemeralButtonAs(const UserId& clicker,
                                                     const MessageTs& ephemeral_ts,
                                                     std::string action_id, int times) {
  std::vector<detail::Delivery> deliveries;
  std::string channel_id;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(clicker.str());
    const detail::Ephemeral* e = ws.FindEphemeral(ephemeral_ts.str());
    if (u == nullptr || e == nullptr || e->deleted) {
      return NotFound("no ephemeral message " + ephemeral_ts.str());
    }
    const detail::Channel* c = ws.FindChannel(e->channel);
    if (c == nullptr) {
      return NotFound("the ephemeral message's channel is gone");
    }
    std::string block_id;
    const json::object* element = detail::FindElement(e->blocks, action_id, &block_id);
    if (element == nullptr) {
      return NotFound("the ephemeral message has no element " + action_id);
    }
    for (int i = 0; i < times; ++i) {
      detail::ResponseUrl url;
      url.user = u->id;
      url.channel = c->id;
      url.original_ts = e->ts;
      url.original_is_ephemeral = true;
      const std::string url_id = ws.NewResponseUrlId(url);
      const std::string trigger = ws.NewTriggerId(u->id, "");
      detail::Delivery delivery;
      delivery.payload = detail::EphemeralBlockActions(ws, *u, *c, *e, *element, block_id,
                                                       detail::ResponseUrlFor(ws, url_id), trigger);
      delivery.kind = detail::DeliveryKind::kInteractive;
      delivery.accepts_response_payload = false;
      deliveries.push_back(std::move(delivery));
      ws.AddActivity(c->id, u->id, "clicked [" + ButtonLabel(*element) + "]");
    }
    channel_id = c->id;
    core_->NotifyLocked();
  }
  Result<std::string> ack = NotFound("no click delivered");
  for (detail::Delivery& delivery : deliveries) {
    ack = core_->DeliverAndWait(std::move(delivery));
    if (!ack) {
      std::lock_guard lock(core_->mu);
      RecordFailure(core_->ws, clicker.str(), channel_id, "The button", ack.error());
      core_->NotifyLocked();
      return ack;
    }
  }
  return ack;
}

Result<std::string> Emulator::ClickViewButton(const UserId& user, std::string view_id,
                                              std::string action_id) {
  detail::Delivery delivery;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(user.str());
    const detail::View* v = ws.FindView(view_id);
    if (u == nullptr || v == nullptr || !v->open || v->user != u->id) {
      return NotFound("no open view " + view_id + " for this user");
    }
    std::string block_id;
    const json::value blocks =
        v->definition.contains("blocks") ? v->definition.at("blocks") : json::value(json::array{});
    const json::object* element = detail::FindElement(blocks, action_id, &block_id);
    if (element == nullptr) {
      return NotFound("the view has no element " + action_id);
    }
    const std::string trigger = ws.NewTriggerId(u->id, v->id);
    delivery.payload = detail::ViewBlockActions(ws, *u, *v, *element, block_id, trigger);
    core_->NotifyLocked();
  }
  delivery.kind = detail::DeliveryKind::kInteractive;
  delivery.accepts_response_payload = false;
  return core_->DeliverAndWait(std::move(delivery));
}

Result<std::string> Emulator::SubmitView(const UserId& user, std::string view_id,
                                         std::string state_values_json) {
  detail::Delivery delivery;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(user.str());
    detail::View* v = ws.FindView(view_id);
    if (u == nullptr || v == nullptr || !v->open || v->user != u->id || v->type != "modal") {
      return NotFound("no open modal " + view_id + " for this user");
    }
    boost::system::error_code ec;
    json::value state = json::parse(state_values_json.empty() ? "{}" : state_values_json, ec);
    if (ec || !state.is_object()) {
      return MakeError(Errc::kInvalidInput, "state values must be a JSON object");
    }
    v->state_values = state.as_object();
    const std::string trigger = ws.NewTriggerId(u->id, v->id);
    delivery.payload = detail::ViewSubmission(ws, *u, *v, trigger);
    core_->NotifyLocked();
  }
  delivery.kind = detail::DeliveryKind::kInteractive;
  delivery.accepts_response_payload = true;
  auto ack = core_->DeliverAndWait(std::move(delivery));
  if (ack) {
    std::lock_guard lock(core_->mu);
    ApplyResponseAction(core_->ws, user.str(), view_id, *ack);
    core_->NotifyLocked();
  }
  return ack;
}

Result<MessageTs> Emulator::PostMessageAs(const UserId& user, const ChannelId& channel,
                                          std::string text) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  const detail::User* u = ws.FindUser(user.str());
  detail::Channel* c = ws.FindChannel(channel.str());
  if (u == nullptr || c == nullptr) {
    return NotFound("unknown user or channel");
  }
  if (c->is_archived) {
    return MakeError(Errc::kConflict, "is_archived");
  }
  if (!c->HasMember(u->id)) {
    return MakeError(Errc::kForbidden, "not_in_channel");
  }
  detail::Message message;
  message.user = u->id;
  message.text = std::move(text);
  const detail::Message& posted = ws.Post(*c, std::move(message));
  ws.EmitMessage(*c, posted);
  MessageTs ts(posted.ts);
  core_->FlushEvents(lock);
  return ts;
}

Status Emulator::AddReaction(const UserId& user, const ChannelId& channel, const MessageTs& ts,
                             std::string name) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  detail::Channel* c = ws.FindChannel(channel.str());
  detail::Message* m = c != nullptr ? c->FindMessage(ts.str()) : nullptr;
  if (ws.FindUser(user.str()) == nullptr || m == nullptr) {
    return NotFound("unknown user, channel or message");
  }
  const auto reaction = std::make_pair(name, user.str());
  if (std::find(m->reactions.begin(), m->reactions.end(), reaction) != m->reactions.end()) {
    return MakeError(Errc::kConflict, "already_reacted");
  }
  m->reactions.push_back(reaction);
  json::object event{{"type", "reaction_added"},
                     {"user", user.str()},
                     {"reaction", name},
                     {"item", json::object{{"type", "message"}, {"channel", c->id}, {"ts", m->ts}}},
                     {"event_ts", ws.NextTs(*c)}};
  if (!m->user.empty()) {
    event["item_user"] = m->user;
  }
  ws.Emit(std::move(event), "reaction_added", c);
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::PinMessage(const UserId& user, const ChannelId& channel, const MessageTs& ts) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  detail::Channel* c = ws.FindChannel(channel.str());
  const detail::Message* m = c != nullptr ? c->FindMessage(ts.str()) : nullptr;
  if (ws.FindUser(user.str()) == nullptr || m == nullptr) {
    return NotFound("unknown user, channel or message");
  }
  if (!c->HasMember(user.str()) || c->is_archived) {
    return MakeError(Errc::kForbidden, "not_in_channel or archived");
  }
  if (auto error = detail::PinMessage(ws, *c, *m, user.str()); !error.empty()) {
    return MakeError(Errc::kConflict, error);
  }
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::JoinChannel(const UserId& user, const ChannelId& channel) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  detail::Channel* c = ws.FindChannel(channel.str());
  if (ws.FindUser(user.str()) == nullptr || c == nullptr || c->is_im) {
    return NotFound("unknown user or channel");
  }
  if (c->is_private) {
    return MakeError(Errc::kForbidden, "a private channel needs an invitation");
  }
  if (c->is_archived) {
    return MakeError(Errc::kConflict, "is_archived");
  }
  ws.AddMember(*c, user.str(), "");
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::LeaveChannel(const UserId& user, const ChannelId& channel) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  detail::Channel* c = ws.FindChannel(channel.str());
  if (c == nullptr || !c->HasMember(user.str())) {
    return NotFound("not a member of that channel");
  }
  ws.RemoveMember(*c, user.str());
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::ArchiveChannelAs(const UserId& user, const ChannelId& channel) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  detail::Channel* c = ws.FindChannel(channel.str());
  if (c == nullptr || c->is_im || !c->HasMember(user.str())) {
    return NotFound("not a member of that channel");
  }
  if (c->is_archived) {
    return MakeError(Errc::kConflict, "already_archived");
  }
  detail::Message notice;
  notice.user = user.str();
  notice.subtype = "channel_archive";
  notice.text = "archived the channel";
  const std::string ts = ws.Post(*c, std::move(notice)).ts;
  // The event reaches the bot while it is still a member, as in Slack.
  ws.Emit(json::object{{"type", c->is_private ? "group_archive" : "channel_archive"},
                       {"channel", c->id},
                       {"user", user.str()},
                       {"is_moved", 0},
                       {"event_ts", ts}},
          c->is_private ? "group_archive" : "channel_archive", c);
  c->is_archived = true;
  std::erase(c->members, ws.options().bot_user_id);
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::DeliverEvent(const std::string& event_json, std::string_view subscription) {
  boost::system::error_code ec;
  json::value event = json::parse(event_json, ec);
  if (ec || !event.is_object()) {
    return MakeError(Errc::kInvalidInput, "the event isn't a JSON object");
  }
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  const json::value* named = event.as_object().if_contains("channel");
  const json::string* channel_id = named != nullptr ? named->if_string() : nullptr;
  const detail::Channel* channel =
      channel_id != nullptr ? ws.FindChannel(std::string(*channel_id)) : nullptr;
  ws.Emit(std::move(event.as_object()), subscription, channel);
  core_->FlushEvents(lock);
  return {};
}

Status Emulator::OpenAppHome(const UserId& user) {
  std::unique_lock lock(core_->mu);
  auto& ws = core_->ws;
  if (ws.FindUser(user.str()) == nullptr) {
    return NotFound("unknown user");
  }
  detail::Channel& dm = ws.DmWith(user.str());
  json::object event{{"type", "app_home_opened"},
                     {"user", user.str()},
                     {"channel", dm.id},
                     {"tab", "home"},
                     {"event_ts", ws.NextTs(dm)}};
  if (auto it = ws.home_views.find(user.str()); it != ws.home_views.end()) {
    event["view"] = detail::ViewJson(ws, *ws.FindView(it->second));
  }
  ws.Emit(std::move(event), "app_home_opened", nullptr);
  core_->FlushEvents(lock);
  return {};
}

}  // namespace swarmbot::emulator
