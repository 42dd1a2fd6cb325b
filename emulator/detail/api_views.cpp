// views.* methods: modals on a per-user stack and the Home tab.
#include <algorithm>
#include <chrono>

#include <boost/json/serialize.hpp>

#include "common/crypto.hpp"
#include "emulator/detail/api.hpp"
#include "emulator/detail/blocks.hpp"
#include "emulator/detail/json_views.hpp"

namespace swarmbot::emulator::detail {
namespace {

constexpr auto kTriggerLifetime = std::chrono::seconds(3);
constexpr std::size_t kMaxViewBytes = 250 * 1024;

std::string NewHash(Workspace& ws) {
  return std::to_string(ws.Now()) + "." + RandomHex(4);
}

// Validates a trigger_id: it exists, wasn't used, and is under 3 s old by the
// emulator's clock (reference §4.5). Marks it used on success.
std::optional<json::object> UseTrigger(Call& call, Trigger*& trigger) {
  const auto id = call.args.Str("trigger_id");
  if (!id) {
    return FailWithMessages("invalid_arguments", {"[ERROR] missing required field: trigger_id"});
  }
  trigger = call.ws.FindTrigger(*id);
  if (trigger == nullptr) {
    return Fail("invalid_trigger_id");
  }
  if (trigger->used) {
    return Fail("exchanged_trigger_id");
  }
  if (call.ws.clock().Now() - trigger->issued > kTriggerLifetime) {
    return Fail("expired_trigger_id");
  }
  return std::nullopt;
}

// Reads and checks the `view` argument; `type` is the one the method needs.
std::optional<json::object> ReadView(Call& call, const char* type, json::object& view) {
  bool bad = false;
  auto value = call.args.Json("view", &bad);
  if (bad || !value || !value->is_object()) {
    return FailWithMessages("invalid_arguments", {"[ERROR] missing required field: view"});
  }
  if (json::serialize(*value).size() > kMaxViewBytes) {
    return Fail("view_too_large");
  }
  if (auto messages = CheckView(*value); !messages.empty()) {
    return FailWithMessages("invalid_arguments", messages);
  }
  const auto& t = value->at("type");
  if (t != type) {
    return FailWithMessages("invalid_arguments", {"[ERROR] must be " + std::string(type) +
                                                  " [json-pointer:/view/type]"});
  }
  view = value->as_object();
  NormalizeBlocks(view["blocks"]);
  return std::nullopt;
}

std::optional<json::object> CheckExternalId(Call& call, const json::object& view,
                                            const std::string& except_view) {
  const auto* external = view.if_contains("external_id");
  if (external == nullptr || !external->is_string() || external->as_string().empty()) {
    return std::nullopt;
  }
  for (const auto& [id, existing] : call.ws.views) {
    if (id != except_view && existing.external_id == external->as_string()) {
      return Fail("duplicate_external_id");
    }
  }
  return std::nullopt;
}

View& CreateView(Workspace& ws, const std::string& user, json::object definition) {
  View view;
  view.id = ws.NewId("V");
  view.user = user;
  view.type = std::string(definition.at("type").as_string());
  if (const auto* external = definition.if_contains("external_id");
      external && external->is_string()) {
    view.external_id = std::string(external->as_string());
  }
  view.definition = std::move(definition);
  view.hash = NewHash(ws);
  view.root_view_id = view.id;
  view.open = true;
  const std::string id = view.id;
  return ws.views[id] = std::move(view);
}

}  // namespace

View& PushModal(Workspace& ws, const std::string& user, json::object definition) {
  auto& stack = ws.modal_stacks[user];
  View& view = CreateView(ws, user, std::move(definition));
  if (!stack.empty()) {
    view.root_view_id = ws.FindView(stack.front())->root_view_id;
    view.previous_view_id = stack.back();
  }
  stack.push_back(view.id);
  return view;
}

void CloseModal(Workspace& ws, const std::string& user, const std::string& view_id) {
  auto& stack = ws.modal_stacks[user];
  auto it = std::find(stack.begin(), stack.end(), view_id);
  for (auto closing = it; closing != stack.end(); ++closing) {
    if (View* view = ws.FindView(*closing); view != nullptr) {
      view->open = false;
    }
  }
  stack.erase(it, stack.end());
}

void CloseModalStack(Workspace& ws, const std::string& user) {
  for (const auto& id : ws.modal_stacks[user]) {
    if (View* view = ws.FindView(id); view != nullptr) {
      view->open = false;
    }
  }
  ws.modal_stacks[user].clear();
}

namespace api {

json::object ViewsOpen(Call& call) {
  Trigger* trigger = nullptr;
  if (auto error = UseTrigger(call, trigger); error) {
    return *error;
  }
  json::object definition;
  if (auto error = ReadView(call, "modal", definition); error) {
    return *error;
  }
  if (auto error = CheckExternalId(call, definition, ""); error) {
    return *error;
  }
  trigger->used = true;
  CloseModalStack(call.ws, trigger->user);
  View& view = PushModal(call.ws, trigger->user, std::move(definition));
  return Ok(call, {{"view", ViewJson(call.ws, view)}});
}

json::object ViewsPush(Call& call) {
  Trigger* trigger = nullptr;
  if (auto error = UseTrigger(call, trigger); error) {
    return *error;
  }
  json::object definition;
  if (auto error = ReadView(call, "modal", definition); error) {
    return *error;
  }
  auto& stack = call.ws.modal_stacks[trigger->user];
  if (stack.empty()) {
    return Fail("not_found");
  }
  if (stack.size() >= kMaxModalStack) {
    return Fail("push_limit_reached");
  }
  if (auto error = CheckExternalId(call, definition, ""); error) {
    return *error;
  }
  trigger->used = true;
  View& view = PushModal(call.ws, trigger->user, std::move(definition));
  return Ok(call, {{"view", ViewJson(call.ws, view)}});
}

json::object ViewsUpdate(Call& call) {
  View* view = nullptr;
  if (auto id = call.args.Str("view_id"); id) {
    view = call.ws.FindView(*id);
  } else if (auto external = call.args.Str("external_id"); external) {
    for (auto& [vid, v] : call.ws.views) {
      if (v.external_id == *external) {
        view = &v;
      }
    }
  } else {
    return FailWithMessages("invalid_arguments", {"[ERROR] must provide view_id or external_id"});
  }
  if (view == nullptr) {
    return Fail("not_found");
  }
  if (auto hash = call.args.Str("hash"); hash && *hash != view->hash) {
    return Fail("hash_conflict");
  }
  json::object definition;
  if (auto error = ReadView(call, view->type == "home" ? "home" : "modal", definition); error) {
    return *error;
  }
  if (auto error = CheckExternalId(call, definition, view->id); error) {
    return *error;
  }
  if (const auto* external = definition.if_contains("external_id");
      external && external->is_string()) {
    view->external_id = std::string(external->as_string());
  }
  view->definition = std::move(definition);
  view->hash = NewHash(call.ws);
  view->errors = nullptr;
  return Ok(call, {{"view", ViewJson(call.ws, *view)}});
}

json::object ViewsPublish(Call& call) {
  const std::string user = call.args.StrOr("user_id");
  if (call.ws.FindUser(user) == nullptr) {
    return Fail("user_not_found");
  }
  json::object definition;
  if (auto error = ReadView(call, "home", definition); error) {
    return *error;
  }
  auto it = call.ws.home_views.find(user);
  if (it == call.ws.home_views.end()) {
    View& view = CreateView(call.ws, user, std::move(definition));
    call.ws.home_views[user] = view.id;
    return Ok(call, {{"view", ViewJson(call.ws, view)}});
  }
  View* view = call.ws.FindView(it->second);
  if (auto hash = call.args.Str("hash"); hash && *hash != view->hash) {
    return Fail("hash_conflict");
  }
  view->definition = std::move(definition);
  view->hash = NewHash(call.ws);
  return Ok(call, {{"view", ViewJson(call.ws, *view)}});
}

}  // namespace api
}  // namespace swarmbot::emulator::detail
