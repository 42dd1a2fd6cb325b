#include "loadgen/workload.hpp"

#include <chrono>
#include <cstdio>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "common/crypto.hpp"
#include "common/form.hpp"

namespace swarmbot::loadgen {
namespace {

namespace json = boost::json;

// The order of one block of ten requests; messages are the commonest traffic.
constexpr std::array<Kind, 10> kBlockOfTen{
    Kind::kSwarmMessage, Kind::kDeclare,      Kind::kCaseList,     Kind::kSwarmMessage,
    Kind::kNote,         Kind::kKnowledge,    Kind::kSwarmMessage, Kind::kCause,
    Kind::kStatus,       Kind::kSwarmMessage,
};

constexpr std::array<std::string_view, 4> kKnowledgeQueries{
    "discount code", "checkout payment declined", "late delivery", "spinner at checkout"};

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A Slack timestamp ("1700000000.000123") that no other message of the run has.
std::string UniqueTs(std::int64_t micros) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(micros / 1'000'000),
                static_cast<long long>(micros % 1'000'000));
  return text;
}

// A slash command as Slack posts it (SlashCommandPayload's fields, form-encoded).
Request Command(const Workspace& ws, Kind kind, const UserId& user, const ChannelId& channel,
                std::string_view command, std::string text, std::string token, std::size_t index) {
  const std::string id = std::to_string(index);
  const FormFields fields{{"token", ws.verification_token},
                          {"team_id", ws.team_id},
                          {"team_domain", ws.team_domain},
                          {"channel_id", channel.str()},
                          {"channel_name", "load"},
                          {"user_id", user.str()},
                          {"user_name", "load-" + user.str()},
                          {"command", std::string(command)},
                          {"text", std::move(text)},
                          {"api_app_id", ws.app_id},
                          {"is_enterprise_install", "false"},
                          {"response_url", ws.response_url_base + "load-" + id},
                          {"trigger_id", "load." + id + "." + RandomHex(8)}};
  return {kind, "/slack/commands", "application/x-www-form-urlencoded", BuildForm(fields),
          std::move(token)};
}

json::object PlainInput(std::string_view value) {
  return {{"value", {{"type", "plain_text_input"}, {"value", value}}}};
}

json::object Selected(std::string_view value) {
  return {{"value",
           {{"type", "static_select"},
            {"selected_option",
             {{"text", {{"type", "plain_text"}, {"text", value}}}, {"value", value}}}}}};
}

// The declare form submitted as Slack sends a view_submission: the state
// values under the form's block ids, in a view of its own.
Request Declare(const Workspace& ws, std::string token) {
  json::object territories{
      {"value",
       {{"type", "multi_static_select"},
        {"selected_options", json::array{{{"text", {{"type", "plain_text"}, {"text", "North"}}},
                                          {"value", "North"}}}}}}};
  json::object values{
      {"subject", PlainInput("Checkout slow for some customers " + token)},
      {"description", PlainInput("Reported under load " + token)},
      {"territories", std::move(territories)},
      {"impact", Selected("medium")},
      {"urgency", Selected("medium")},
      {"priority", {{"value", {{"type", "static_select"}, {"selected_option", nullptr}}}}},
      {"reason", {{"value", {{"type", "plain_text_input"}, {"value", nullptr}}}}},
  };
  json::object view{{"id", "VLOAD" + RandomHex(6)},
                    {"team_id", ws.team_id},
                    {"type", "modal"},
                    {"callback_id", "incident.declare"},
                    {"private_metadata", ""},
                    {"hash", RandomHex(8)},
                    {"state", {{"values", std::move(values)}}}};
  json::object payload{{"type", "view_submission"},
                       {"team", {{"id", ws.team_id}, {"domain", ws.team_domain}}},
                       {"user", {{"id", ws.manager.str()}, {"team_id", ws.team_id}}},
                       {"api_app_id", ws.app_id},
                       {"token", ws.verification_token},
                       {"trigger_id", "load." + RandomHex(8)},
                       {"view", std::move(view)},
                       {"response_urls", json::array{}},
                       {"is_enterprise_install", false}};
  return {Kind::kDeclare, "/slack/interactive", "application/x-www-form-urlencoded",
          BuildForm({{"payload", json::serialize(payload)}}), std::move(token)};
}

// A member's message in the swarm channel, wrapped as an event_callback.
Request SwarmMessage(const Workspace& ws, std::size_t index, std::int64_t micros) {
  const UserId& user = ws.swarm_members[index % ws.swarm_members.size()];
  const std::string ts = UniqueTs(micros);
  json::object event{{"type", "message"},
                     {"channel", ws.swarm.str()},
                     {"user", user.str()},
                     {"text", "Still seeing it on my side"},
                     {"ts", ts},
                     {"event_ts", ts},
                     {"channel_type", "channel"},
                     {"team", ws.team_id},
                     {"client_msg_id", RandomHex(16)}};
  json::object callback{{"token", ws.verification_token},
                        {"team_id", ws.team_id},
                        {"api_app_id", ws.app_id},
                        {"event", std::move(event)},
                        {"type", "event_callback"},
                        {"event_id", "Ev0LOAD" + RandomHex(6)},
                        {"event_time", micros / 1'000'000},
                        {"authorizations", json::array{{{"team_id", ws.team_id},
                                                        {"user_id", ws.bot_user.str()},
                                                        {"is_bot", true},
                                                        {"is_enterprise_install", false}}}},
                        {"is_ext_shared_channel", false},
                        {"event_context", "4-" + RandomHex(12)}};
  return {Kind::kSwarmMessage, "/slack/events", "application/json", json::serialize(callback), ""};
}

Request Build(const Workspace& ws, Kind kind, std::size_t index, std::string_view run_tag,
              std::int64_t micros) {
  // Equal lengths, so no token is part of another.
  char number[24];
  std::snprintf(number, sizeof number, "%06zu", index);
  const std::string token = "ld" + std::string(run_tag) + number;
  switch (kind) {
    case Kind::kDeclare:
      return Declare(ws, token);
    case Kind::kNote:
      return Command(ws, kind, ws.manager, ws.swarm, "/swarm",
                     "note " + ws.incident + " Customer callback done " + token, token, index);
    case Kind::kCause:
      return Command(ws, kind, ws.manager, ws.swarm, "/problem",
                     "cause " + ws.problem + " Cache served a stale price " + token, token, index);
    case Kind::kCaseList:
      return Command(ws, kind, ws.manager, ws.incidents, "/case", "list", "", index);
    case Kind::kKnowledge:
      return Command(ws, kind, ws.manager, ws.incidents, "/kb",
                     std::string(kKnowledgeQueries[index % kKnowledgeQueries.size()]), "", index);
    case Kind::kStatus:
      return Command(ws, kind, ws.manager, ws.incidents, "/incident", "status " + ws.incident, "",
                     index);
    case Kind::kSwarmMessage:
      break;
  }
  return SwarmMessage(ws, index, micros);
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kDeclare:
      return "declare";
    case Kind::kNote:
      return "swarm-note";
    case Kind::kCause:
      return "problem-cause";
    case Kind::kCaseList:
      return "case-list";
    case Kind::kKnowledge:
      return "kb";
    case Kind::kStatus:
      return "incident-status";
    case Kind::kSwarmMessage:
      break;
  }
  return "swarm-message";
}

bool Writes(Kind kind) {
  return kind == Kind::kDeclare || kind == Kind::kNote || kind == Kind::kCause;
}

bool AnsweredAsExpected(Kind kind, std::string_view body) {
  const auto says = [&](std::string_view part) { return body.find(part) != std::string::npos; };
  switch (kind) {
    case Kind::kDeclare:  // a bare acknowledgement closes the form; errors keep it open
    case Kind::kSwarmMessage:
      return body.empty();
    case Kind::kNote:
      return says("\"text\":\"Noted on the timeline of ");
    case Kind::kCause:
      return says("\"text\":\"Root-cause note added to ");
    case Kind::kCaseList:
      return says("\"text\":\"Cases (");
    case Kind::kKnowledge:
      return says(" article") && says("\"blocks\"");
    case Kind::kStatus:
      return says("\"text\":\"INC-");
  }
  return false;
}

std::vector<Request> MixedRequests(const Workspace& ws, std::size_t count,
                                   std::string_view run_tag) {
  std::vector<Request> requests;
  requests.reserve(count);
  const std::int64_t start = NowMicros();
  for (std::size_t i = 0; i < count; ++i) {
    requests.push_back(Build(ws, kBlockOfTen[i % kBlockOfTen.size()], i, run_tag,
                             start + static_cast<std::int64_t>(i)));
  }
  return requests;
}

SignatureHeaders Sign(std::string_view signing_secret, std::string_view body) {
  const std::int64_t now = NowMicros() / 1'000'000;
  SignatureHeaders headers{std::to_string(now), ""};
  headers.signature =
      "v0=" + HmacSha256Hex(signing_secret, "v0:" + headers.timestamp + ":" + std::string(body));
  return headers;
}

}  // namespace swarmbot::loadgen
