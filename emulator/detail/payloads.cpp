#include "emulator/detail/payloads.hpp"

#include <chrono>

#include <boost/json/array.hpp>

#include "common/crypto.hpp"
#include "emulator/detail/json_views.hpp"

namespace swarmbot::emulator::detail {
namespace {

json::object TeamJson(const Options& o) {
  return {{"id", o.team_id}, {"domain", o.team_domain}};
}

json::object UserRef(const Options& o, const User& user) {
  return {{"id", user.id}, {"username", user.name}, {"name", user.name}, {"team_id", o.team_id}};
}

std::string ActionTs(const Workspace& ws) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(ws.clock().Now().time_since_epoch())
          .count();
  return FormatTs(micros);
}

// What a click on `element` reports: its identity plus the value the element
// type carries (reference §4.1).
json::object ActionJson(const Workspace& ws, const json::object& element,
                        const std::string& block_id) {
  json::object action{{"type", element.contains("type") ? element.at("type") : "button"},
                      {"action_id", element.contains("action_id") ? element.at("action_id") : ""},
                      {"block_id", block_id},
                      {"action_ts", ActionTs(ws)}};
  for (const char* key : {"text", "value", "style"}) {
    if (const auto* v = element.if_contains(key); v != nullptr) {
      action[key] = *v;
    }
  }
  if (const auto* initial = element.if_contains("initial_option"); initial != nullptr) {
    action["selected_option"] = *initial;
  }
  return action;
}

// Fields every interactive payload shares.
json::object InteractiveBase(const Workspace& ws, const char* type, const User& user,
                             const std::string& trigger_id) {
  const auto& o = ws.options();
  return {{"type", type},
          {"enterprise", nullptr},
          {"team", TeamJson(o)},
          {"user", UserRef(o, user)},
          {"api_app_id", o.app_id},
          {"token", o.verification_token},
          {"trigger_id", trigger_id},
          {"is_enterprise_install", false},
          // Only set when the app runs as a workflow step.
          {"bot_access_token", nullptr},
          {"function_data", nullptr},
          {"interactivity", nullptr}};
}

json::object StateJson(const json::object& values) {
  return {{"values", values}};
}

}  // namespace

FormFields SlashCommandFields(const Workspace& ws, const User& user, const Channel& channel,
                              const std::string& command, const std::string& text,
                              const std::string& response_url, const std::string& trigger_id) {
  const auto& o = ws.options();
  // DMs and private conversations show placeholder names (reference §3).
  std::string channel_name = channel.name;
  if (channel.is_im) {
    channel_name = "directmessage";
  } else if (channel.is_private) {
    channel_name = "privategroup";
  }
  return {{"token", o.verification_token},
          {"team_id", o.team_id},
          {"team_domain", o.team_domain},
          {"enterprise_id", ""},
          {"enterprise_name", ""},
          {"channel_id", channel.id},
          {"channel_name", channel_name},
          {"user_id", user.id},
          {"user_name", user.name},
          {"command", command},
          {"text", text},
          {"api_app_id", o.app_id},
          {"is_enterprise_install", "false"},
          {"response_url", response_url},
          {"trigger_id", trigger_id}};
}

json::object FieldsToJson(const FormFields& fields) {
  json::object out;
  for (const auto& [name, value] : fields) {
    out[name] = value;
  }
  return out;
}

namespace {

// A click on a message in a channel, the parts a stored and an ephemeral
// message share; only a stored message's payload carries the message itself.
json::object ChannelBlockActions(const Workspace& ws, const User& user, const Channel& channel,
                                 const std::string& message_ts, bool is_ephemeral,
                                 const json::object& element, const std::string& block_id,
                                 const std::string& response_url, const std::string& trigger_id) {
  json::object out = InteractiveBase(ws, "block_actions", user, trigger_id);
  out["container"] = json::object{{"type", "message"},
                                  {"message_ts", message_ts},
                                  {"channel_id", channel.id},
                                  {"is_ephemeral", is_ephemeral}};
  out["channel"] =
      json::object{{"id", channel.id}, {"name", channel.is_im ? "directmessage" : channel.name}};
  out["view"] = nullptr;
  out["app_unfurl"] = nullptr;
  out["state"] = StateJson({});
  out["response_url"] = response_url;
  out["actions"] = json::array{ActionJson(ws, element, block_id)};
  return out;
}

}  // namespace

json::object MessageBlockActions(const Workspace& ws, const User& user, const Channel& channel,
                                 const Message& message, const json::object& element,
                                 const std::string& block_id, const std::string& response_url,
                                 const std::string& trigger_id) {
  json::object out = ChannelBlockActions(ws, user, channel, message.ts, false, element, block_id,
                                         response_url, trigger_id);
  out["message"] = MessageJson(ws, message, false);
  return out;
}

json::object EphemeralBlockActions(const Workspace& ws, const User& user, const Channel& channel,
                                   const Ephemeral& ephemeral, const json::object& element,
                                   const std::string& block_id, const std::string& response_url,
                                   const std::string& trigger_id) {
  // Slack keeps no copy of an ephemeral message, so the payload has none.
  return ChannelBlockActions(ws, user, channel, ephemeral.ts, true, element, block_id, response_url,
                             trigger_id);
}

json::object ViewBlockActions(const Workspace& ws, const User& user, const View& view,
                              const json::object& element, const std::string& block_id,
                              const std::string& trigger_id) {
  json::object out = InteractiveBase(ws, "block_actions", user, trigger_id);
  out["container"] = json::object{{"type", "view"}, {"view_id", view.id}};
  out["channel"] = nullptr;
  out["message"] = nullptr;
  out["view"] = ViewJson(ws, view);
  out["app_unfurl"] = nullptr;
  out["state"] = StateJson(view.state_values);
  out["response_url"] = nullptr;
  out["actions"] = json::array{ActionJson(ws, element, block_id)};
  return out;
}

json::object ViewSubmission(const Workspace& ws, const User& user, const View& view,
                            const std::string& trigger_id) {
  json::object out = InteractiveBase(ws, "view_submission", user, trigger_id);
  out["view"] = ViewJson(ws, view);
  out["response_urls"] = json::array{};
  out["is_cleared"] = false;
  return out;
}

json::object EventCallback(const Workspace& ws, json::object event) {
  const auto& o = ws.options();
  return {{"token", o.verification_token},
          {"team_id", o.team_id},
          {"context_team_id", o.team_id},
          {"context_enterprise_id", nullptr},
          {"enterprise_id", nullptr},
          {"api_app_id", o.app_id},
          {"event", std::move(event)},
          {"type", "event_callback"},
          {"event_id", "Ev0" + RandomHex(5)},
          {"event_time", ws.Now()},
          {"authorizations", json::array{json::object{{"enterprise_id", nullptr},
                                                      {"team_id", o.team_id},
                                                      {"user_id", o.bot_user_id},
                                                      {"is_bot", true},
                                                      {"is_enterprise_install", false}}}},
          {"is_ext_shared_channel", false},
          {"event_context", "4-" + RandomHex(24)}};
}

json::object UrlVerification(const Options& options, const std::string& challenge) {
  return {{"token", options.verification_token},
          {"challenge", challenge},
          {"type", "url_verification"}};
}

std::string ResponseUrlFor(const Workspace& ws, const std::string& id) {
  return "https://127.0.0.1:" + std::to_string(ws.port) + "/response/" + id;
}

}  // namespace swarmbot::emulator::detail
