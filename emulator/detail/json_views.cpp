#include "emulator/detail/json_views.hpp"

#include <array>
#include <string_view>

#include <boost/json/array.hpp>

namespace swarmbot::emulator::detail {
namespace {

struct TimeZone {
  std::string_view name;
  std::string_view label;
  int offset;
};

// Enough zones for the scenario; daylight saving is ignored on purpose.
constexpr std::array<TimeZone, 8> kZones{{
    {"Europe/London", "Greenwich Mean Time", 0},
    {"Europe/Berlin", "Central European Time", 3600},
    {"Europe/Paris", "Central European Time", 3600},
    {"America/New_York", "Eastern Standard Time", -18000},
    {"America/Chicago", "Central Standard Time", -21600},
    {"America/Los_Angeles", "Pacific Standard Time", -28800},
    {"Asia/Kolkata", "India Standard Time", 19800},
    {"Asia/Tokyo", "Japan Standard Time", 32400},
}};

const TimeZone& ZoneFor(std::string_view tz) {
  for (const auto& zone : kZones) {
    if (zone.name == tz) {
      return zone;
    }
  }
  return kZones[0];
}

json::object TopicJson(const std::string& value, const std::string& creator,
                       std::int64_t last_set) {
  return {{"value", value}, {"creator", creator}, {"last_set", last_set}};
}

json::object ImJson(const Workspace& ws, const Channel& channel, bool include_num_members) {
  json::object out{{"id", channel.id},
                   {"created", channel.created},
                   {"is_im", true},
                   {"is_org_shared", false},
                   {"context_team_id", ws.options().team_id},
                   {"updated", channel.created * 1000},
                   {"user", channel.dm_user},
                   {"last_read", "0000000000.000000"},
                   {"latest", nullptr},
                   {"unread_count", 0},
                   {"unread_count_display", 0},
                   {"is_open", true},
                   {"is_archived", false},
                   {"priority", 0}};
  if (include_num_members) {
    out["num_members"] = channel.members.size();
  }
  return out;
}

std::string Avatar(const std::string& id, int size) {
  return "https://avatars.example.invalid/" + id + "_" + std::to_string(size) + ".png";
}

}  // namespace

json::object ConversationJson(const Workspace& ws, const Channel& channel,
                              bool include_num_members) {
  if (channel.is_im) {
    return ImJson(ws, channel, include_num_members);
  }
  const auto& o = ws.options();
  json::object out{
      {"id", channel.id},
      {"name", channel.name},
      {"is_channel", !channel.is_mpim},
      {"is_group", false},
      {"is_im", false},
      {"is_mpim", channel.is_mpim},
      {"is_private", channel.is_private},
      {"created", channel.created},
      {"is_archived", channel.is_archived},
      {"is_general", channel.is_general},
      {"unlinked", 0},
      {"name_normalized", channel.name},
      {"is_shared", false},
      {"is_frozen", false},
      {"is_org_shared", false},
      {"is_ext_shared", false},
      {"is_pending_ext_shared", false},
      {"is_read_only", false},
      {"pending_shared", json::array{}},
      {"context_team_id", o.team_id},
      {"updated", channel.created * 1000},
      {"parent_conversation", nullptr},
      {"creator", channel.creator},
      {"shared_team_ids", json::array{json::string(o.team_id)}},
      {"pending_connected_team_ids", json::array{}},
      {"is_member", channel.HasMember(o.bot_user_id)},
      {"last_read", "0000000000.000000"},
      {"latest", nullptr},
      {"unread_count", 0},
      {"unread_count_display", 0},
      {"topic", TopicJson(channel.topic, channel.topic_creator, channel.topic_last_set)},
      {"purpose", TopicJson(channel.purpose, channel.purpose_creator, channel.purpose_last_set)},
      {"properties", json::object{}},
      {"previous_names", json::array{}},
      {"priority", 0},
  };
  if (include_num_members) {
    out["num_members"] = channel.members.size();
  }
  return out;
}

json::object UserJson(const Workspace& ws, const User& user) {
  const auto& zone = ZoneFor(user.tz);
  const std::string& team = ws.options().team_id;
  json::object profile{
      {"avatar_hash", "g" + user.id.substr(1, 10)},
      {"status_text", ""},
      {"status_emoji", ""},
      {"real_name", user.real_name},
      {"display_name", user.name},
      {"real_name_normalized", user.real_name},
      {"display_name_normalized", user.name},
      {"image_original", Avatar(user.id, 1024)},
      {"image_24", Avatar(user.id, 24)},
      {"image_32", Avatar(user.id, 32)},
      {"image_48", Avatar(user.id, 48)},
      {"image_72", Avatar(user.id, 72)},
      {"image_192", Avatar(user.id, 192)},
      {"image_512", Avatar(user.id, 512)},
      {"team", team},
  };
  if (!user.email.empty()) {
    profile["email"] = user.email;
  }
  if (user.is_bot && user.id == ws.options().bot_user_id) {
    profile["bot_id"] = ws.options().bot_id;
    profile["api_app_id"] = ws.options().app_id;
  }
  return {
      {"id", user.id},
      {"team_id", team},
      {"name", user.name},
      {"deleted", user.deleted},
      {"color", "9f69e7"},
      {"real_name", user.real_name},
      {"tz", zone.name},
      {"tz_label", zone.label},
      {"tz_offset", zone.offset},
      {"profile", std::move(profile)},
      {"is_admin", false},
      {"is_owner", false},
      {"is_primary_owner", false},
      {"is_restricted", false},
      {"is_ultra_restricted", false},
      {"is_bot", user.is_bot},
      {"is_app_user", false},
      {"updated", user.updated},
      {"is_email_confirmed", !user.email.empty()},
      {"has_2fa", false},
  };
}

json::object UserGroupJson(const Workspace& ws, const UserGroup& group) {
  json::array users;
  for (const auto& u : group.users) {
    users.emplace_back(u);
  }
  return {{"id", group.id},
          {"team_id", ws.options().team_id},
          {"is_usergroup", true},
          {"name", group.name},
          {"description", ""},
          {"handle", group.handle},
          {"is_external", false},
          {"date_create", group.created},
          {"date_update", group.created},
          {"date_delete", 0},
          {"auto_type", nullptr},
          {"created_by", ws.options().bot_user_id},
          {"updated_by", ws.options().bot_user_id},
          {"deleted_by", nullptr},
          {"prefs", json::object{{"channels", json::array{}}, {"groups", json::array{}}}},
          {"users", users},
          {"user_count", group.users.size()}};
}

json::object MessageJson(const Workspace& ws, const Message& message, bool include_metadata) {
  const auto& o = ws.options();
  json::object out{{"type", "message"},
                   {"user", message.user},
                   {"text", message.text},
                   {"ts", message.ts},
                   {"team", o.team_id}};
  if (!message.subtype.empty()) {
    out["subtype"] = message.subtype;
  }
  if (!message.bot_id.empty()) {
    out["bot_id"] = message.bot_id;
    out["app_id"] = o.app_id;
    out["bot_profile"] = json::object{{"id", o.bot_id},
                                      {"app_id", o.app_id},
                                      {"name", o.bot_name},
                                      {"deleted", false},
                                      {"team_id", o.team_id}};
  }
  if (!message.blocks.is_null()) {
    out["blocks"] = message.blocks;
  }
  if (!message.attachments.is_null()) {
    out["attachments"] = message.attachments;
  }
  if (include_metadata && !message.metadata.is_null()) {
    out["metadata"] = message.metadata;
  }
  if (!message.thread_ts.empty()) {
    out["thread_ts"] = message.thread_ts;
  }
  if (!message.edited_ts.empty()) {
    out["edited"] = json::object{{"user", message.edited_user}, {"ts", message.edited_ts}};
  }
  if (!message.reactions.empty()) {
    json::array reactions;
    for (const auto& [name, user] : message.reactions) {
      auto it = std::find_if(reactions.begin(), reactions.end(), [&](const json::value& r) {
        return r.at("name").as_string() == name;
      });
      if (it == reactions.end()) {
        reactions.push_back(json::object{{"name", name}, {"users", json::array{}}, {"count", 0}});
        it = reactions.end() - 1;
      }
      auto& r = it->as_object();
      r["users"].as_array().emplace_back(user);
      r["count"] = r["count"].as_int64() + 1;
    }
    out["reactions"] = std::move(reactions);
  }
  return out;
}

json::object ViewJson(const Workspace& ws, const View& view) {
  const auto& o = ws.options();
  json::object out = view.definition;
  out["id"] = view.id;
  out["team_id"] = o.team_id;
  out["type"] = view.type;
  for (const char* key : {"private_metadata", "callback_id"}) {
    if (!out.contains(key)) {
      out[key] = "";
    }
  }
  if (!out.contains("blocks")) {
    out["blocks"] = json::array{};
  }
  for (const char* key : {"clear_on_close", "notify_on_close", "submit_disabled"}) {
    if (!out.contains(key)) {
      out[key] = false;
    }
  }
  for (const char* key : {"title", "submit", "close"}) {
    if (!out.contains(key)) {
      out[key] = nullptr;
    }
  }
  out["external_id"] = view.external_id;
  out["state"] = json::object{{"values", view.state_values}};
  out["hash"] = view.hash;
  out["root_view_id"] = view.root_view_id;
  out["previous_view_id"] =
      view.previous_view_id.empty() ? json::value(nullptr) : json::value(view.previous_view_id);
  out["app_id"] = o.app_id;
  out["app_installed_team_id"] = o.team_id;
  out["bot_id"] = o.bot_id;
  return out;
}

json::object BookmarkJson(const Workspace& ws, const Channel& channel, const Bookmark& bookmark) {
  const auto& o = ws.options();
  return {{"id", bookmark.id},
          {"channel_id", channel.id},
          {"title", bookmark.title},
          {"link", bookmark.link},
          {"emoji", bookmark.emoji},
          {"icon_url", nullptr},
          {"type", bookmark.type},
          {"entity_id", nullptr},
          {"date_created", bookmark.created},
          {"date_updated", 0},
          {"rank", "U"},
          {"last_updated_by_user_id", o.bot_user_id},
          {"last_updated_by_team_id", o.team_id},
          {"shortcut_id", nullptr},
          {"app_id", o.app_id}};
}

}  // namespace swarmbot::emulator::detail
