// The Emulator's set-up, transport control, observation and fault switches.
// Acting as a user lives in driver.cpp.
#include "emulator/emulator.hpp"

#include <algorithm>
#include <fstream>
#include <future>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "emulator/detail/api.hpp"
#include "emulator/detail/core.hpp"
#include "emulator/detail/http_delivery.hpp"
#include "emulator/detail/json_views.hpp"
#include "emulator/detail/socket_mode.hpp"

namespace swarmbot::emulator {

using detail::Core;
namespace json = boost::json;

namespace {

std::string JsonText(const json::value& v) {
  return v.is_null() ? "" : json::serialize(v);
}

MessageSnapshot ToSnapshot(const detail::Channel& channel, const detail::Message& m) {
  MessageSnapshot out;
  out.ts = MessageTs(m.ts);
  out.user = UserId(m.user);
  out.bot_id = m.bot_id;
  out.subtype = m.subtype;
  out.text = m.text;
  out.blocks_json = JsonText(m.blocks);
  out.metadata_json = JsonText(m.metadata);
  out.thread_ts = MessageTs(m.thread_ts);
  out.edited = !m.edited_ts.empty();
  out.pinned = channel.IsPinned(m.ts);
  for (const auto& [name, user] : m.reactions) {
    out.reactions.push_back(name + ":" + user);
  }
  return out;
}

ChannelSnapshot ToSnapshot(const detail::Channel& c) {
  ChannelSnapshot out;
  out.id = ChannelId(c.id);
  out.name = c.name;
  out.topic = c.topic;
  out.purpose = c.purpose;
  out.creator = UserId(c.creator);
  out.is_private = c.is_private;
  out.is_im = c.is_im;
  out.is_mpim = c.is_mpim;
  out.is_archived = c.is_archived;
  out.dm_user = UserId(c.dm_user);
  for (const auto& m : c.members) {
    out.members.emplace_back(m);
  }
  for (const auto& p : c.pins) {
    out.pins.emplace_back(p);
  }
  for (const auto& b : c.bookmarks) {
    out.bookmarks.push_back({b.id, b.title, b.link, b.emoji});
  }
  for (const auto& m : c.messages) {
    out.messages.push_back(ToSnapshot(c, m));
  }
  return out;
}

ViewSnapshot ToSnapshot(const detail::Workspace& ws, const detail::View& v) {
  ViewSnapshot out;
  out.id = v.id;
  out.user = UserId(v.user);
  out.type = v.type;
  auto field = [&](const char* key) {
    const auto* value = v.definition.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
  };
  out.callback_id = field("callback_id");
  out.private_metadata = field("private_metadata");
  out.hash = v.hash;
  out.root_view_id = v.root_view_id;
  out.previous_view_id = v.previous_view_id;
  out.view_json = json::serialize(detail::ViewJson(ws, v));
  out.errors_json = JsonText(v.errors);
  out.open = v.open;
  return out;
}

// Request-URL mode's three URLs under `base`, as bot/'s defaults name them.
detail::RequestUrls UrlsFor(std::string base, std::string ca_file) {
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  detail::RequestUrls urls;
  if (base.empty()) {
    return urls;
  }
  urls.events = base + "/slack/events";
  urls.commands = base + "/slack/commands";
  urls.interactive = base + "/slack/interactive";
  urls.ca_file = std::move(ca_file);
  return urls;
}

}  // namespace

std::set<std::string> DefaultEventSubscriptions() {
  return {"app_mention",    "message.channels", "message.groups", "member_joined_channel",
          "reaction_added", "channel_archive",  "app_home_opened"};
}

Fault Fault::RateLimited(std::chrono::seconds retry_after) {
  Fault f;
  f.kind = Kind::kRateLimited;
  f.status = 429;
  f.retry_after = retry_after;
  return f;
}

Fault Fault::HttpError(int status) {
  Fault f;
  f.kind = Kind::kHttpError;
  f.status = status;
  return f;
}

Fault Fault::Delay(std::chrono::milliseconds delay) {
  Fault f;
  f.kind = Kind::kDelay;
  f.delay = delay;
  return f;
}

Fault Fault::Hold() {
  Fault f;
  f.kind = Kind::kHold;
  return f;
}

Fault Fault::Refused(std::string error) {
  Fault f;
  f.kind = Kind::kRefused;
  f.status = 200;
  f.error = std::move(error);
  return f;
}

Fault Fault::PerformThenDrop() {
  Fault f;
  f.kind = Kind::kPerformThenDrop;
  return f;
}

const MessageSnapshot* ChannelSnapshot::FindMessage(const MessageTs& ts) const {
  for (const auto& m : messages) {
    if (m.ts == ts) {
      return &m;
    }
  }
  return nullptr;
}

bool ChannelSnapshot::HasMember(const UserId& user) const {
  return std::find(members.begin(), members.end(), user) != members.end();
}

Emulator::Emulator(Options options) : core_(std::make_unique<Core>(std::move(options))) {
  const auto& o = core_->options;
  std::lock_guard lock(core_->mu);
  detail::User bot;
  bot.id = o.bot_user_id;
  bot.name = o.bot_name;
  bot.real_name = o.bot_name;
  bot.is_bot = true;
  core_->ws.AddUser(std::move(bot));
  if (!o.user_token.Empty()) {
    detail::User owner;
    owner.id = o.user_token_user_id;
    owner.name = o.user_token_user_name;
    owner.real_name = o.user_token_user_name;
    core_->ws.AddUser(std::move(owner));
  }
}

Emulator::~Emulator() = default;

const Options& Emulator::options() const noexcept {
  return core_->options;
}

std::uint16_t Emulator::Port() const noexcept {
  return core_->ws.port;
}

std::string Emulator::BaseUrl() const {
  return "https://127.0.0.1:" + std::to_string(Port()) + "/api/";
}

std::string Emulator::CaPem() const {
  return core_->certificate.ca_pem;
}

void Emulator::WriteCaFile(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << core_->certificate.ca_pem;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

UserId Emulator::BotUserId() const {
  return UserId(core_->options.bot_user_id);
}

UserId Emulator::AddUser(std::string name, std::string email, std::string tz, bool is_bot) {
  std::lock_guard lock(core_->mu);
  detail::User user;
  user.id = core_->ws.NewId("U");
  user.name = name;
  user.real_name = std::move(name);
  user.email = std::move(email);
  user.tz = std::move(tz);
  user.is_bot = is_bot;
  auto& added = core_->ws.AddUser(std::move(user));
  core_->NotifyLocked();
  return UserId(added.id);
}

UserGroupId Emulator::AddUserGroup(std::string handle, std::vector<UserId> members) {
  std::lock_guard lock(core_->mu);
  detail::UserGroup group;
  group.id = core_->ws.NewId("S");
  group.name = handle;
  group.handle = std::move(handle);
  for (const auto& m : members) {
    group.users.push_back(m.str());
  }
  auto& added = core_->ws.AddGroup(std::move(group));
  core_->NotifyLocked();
  return UserGroupId(added.id);
}

void Emulator::SetUserGroupMembers(const UserGroupId& group, std::vector<UserId> members) {
  std::lock_guard lock(core_->mu);
  detail::UserGroup* found = core_->ws.FindGroup(group.str());
  if (found == nullptr) {
    throw std::invalid_argument("SetUserGroupMembers: no group " + group.str());
  }
  found->users.clear();
  for (const auto& m : members) {
    found->users.push_back(m.str());
  }
  core_->NotifyLocked();
}

ChannelId Emulator::AddChannel(std::string name, std::vector<UserId> members, bool is_private) {
  std::lock_guard lock(core_->mu);
  if (auto error = detail::CheckChannelName(core_->ws, name); !error.empty()) {
    throw std::invalid_argument("AddChannel(" + name + "): " + error);
  }
  detail::Channel channel;
  channel.id = core_->ws.NewId("C");
  channel.is_general = name == "general";
  channel.name = std::move(name);
  channel.is_private = is_private;
  channel.created = core_->ws.Now();
  // The channel predates the app: members are simply there, without join
  // notices or events.
  for (const auto& m : members) {
    if (core_->ws.FindUser(m.str()) == nullptr) {
      throw std::invalid_argument("AddChannel: unknown member " + m.str());
    }
    if (!channel.HasMember(m.str())) {
      channel.members.push_back(m.str());
    }
  }
  channel.creator = channel.members.empty() ? "" : channel.members.front();
  auto& added = core_->ws.AddChannel(std::move(channel));
  core_->NotifyLocked();
  return ChannelId(added.id);
}

void Emulator::SetPresence(const UserId& user, bool active) {
  std::lock_guard lock(core_->mu);
  if (auto* u = core_->ws.FindUser(user.str()); u != nullptr) {
    u->active = active;
  }
  core_->NotifyLocked();
}

void Emulator::DeactivateUser(const UserId& user) {
  SetDeleted(user, true);
}

void Emulator::ReactivateUser(const UserId& user) {
  SetDeleted(user, false);
}

void Emulator::SetDeleted(const UserId& user, bool deleted) {
  std::unique_lock lock(core_->mu);
  auto* u = core_->ws.FindUser(user.str());
  if (u == nullptr || u->deleted == deleted) {
    return;
  }
  u->deleted = deleted;
  u->active = !deleted;
  u->updated = core_->ws.Now();
  // Slack tells of a (de)activation with the whole user object, as of any
  // change to a member's data (api.slack.com/events/user_change).
  core_->ws.Emit(json::object{{"type", "user_change"},
                              {"user", detail::UserJson(core_->ws, *u)},
                              {"cache_ts", core_->ws.Now()},
                              {"event_ts", core_->ws.NowTs()}},
                 "user_change", nullptr);
  core_->FlushEvents(lock);
}

void Emulator::RevokeUserToken() {
  std::lock_guard lock(core_->mu);
  core_->ws.user_token_revoked = true;
}

void Emulator::SetEventSubscriptions(std::set<std::string> events) {
  std::lock_guard lock(core_->mu);
  core_->ws.SetSubscriptions(std::move(events));
}

void Emulator::SetRequestUrl(std::string base, std::string ca_file) {
  std::lock_guard lock(core_->mu);
  core_->request_urls = UrlsFor(std::move(base), std::move(ca_file));
  core_->NotifyLocked();
}

Status Emulator::ConfigureRequestUrl(std::string base, std::string ca_file) {
  const detail::RequestUrls urls = UrlsFor(base, ca_file);
  if (!urls.Active()) {
    return MakeError(Errc::kInvalidInput, "empty request URL");
  }
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  boost::asio::post(core_->io, [this, urls, promise] {
    core_->http_delivery().Verify(urls.events, urls.ca_file,
                                  [promise](Status s) { promise->set_value(std::move(s)); });
  });
  if (future.wait_for(core_->options.http_timeout + std::chrono::seconds(2)) !=
      std::future_status::ready) {
    return MakeError(Errc::kUnavailable, "url_verification got no answer");
  }
  Status status = future.get();
  if (status) {
    SetRequestUrl(std::move(base), std::move(ca_file));
  }
  return status;
}

void Emulator::SetSigningTimeOffset(std::chrono::seconds offset) {
  std::lock_guard lock(core_->mu);
  core_->signing_offset = offset;
}

int Emulator::OpenSocketCount() const {
  std::lock_guard lock(core_->mu);
  return core_->open_sockets;
}

void Emulator::SendDisconnect(std::string reason) {
  boost::asio::post(
      core_->io, [this, reason = std::move(reason)] { core_->socket_mode().Disconnect(reason); });
}

void Emulator::DropSockets() {
  boost::asio::post(core_->io, [this] { core_->socket_mode().DropAll(); });
}

std::optional<ChannelSnapshot> Emulator::Channel(const ChannelId& id) const {
  std::lock_guard lock(core_->mu);
  const auto* c = core_->ws.FindChannel(id.str());
  return c != nullptr ? std::optional(ToSnapshot(*c)) : std::nullopt;
}

std::optional<ChannelSnapshot> Emulator::ChannelByName(std::string_view name) const {
  std::lock_guard lock(core_->mu);
  const auto* c = core_->ws.FindChannelByName(name);
  return c != nullptr ? std::optional(ToSnapshot(*c)) : std::nullopt;
}

std::vector<ChannelSnapshot> Emulator::Channels() const {
  std::lock_guard lock(core_->mu);
  std::vector<ChannelSnapshot> out;
  for (const auto& id : core_->ws.channel_order) {
    const auto* c = core_->ws.FindChannel(id);
    if (!c->is_im) {
      out.push_back(ToSnapshot(*c));
    }
  }
  return out;
}

std::optional<ChannelSnapshot> Emulator::DirectMessage(const UserId& user) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->ws.dm_by_user.find(user.str());
  if (it == core_->ws.dm_by_user.end()) {
    return std::nullopt;
  }
  return ToSnapshot(*core_->ws.FindChannel(it->second));
}

std::vector<EphemeralSnapshot> Emulator::Ephemerals(const UserId& user) const {
  std::lock_guard lock(core_->mu);
  std::vector<EphemeralSnapshot> out;
  for (const auto& e : core_->ws.ephemerals) {
    if (e.user == user.str()) {
      out.push_back({MessageTs(e.ts), ChannelId(e.channel), UserId(e.user), e.source, e.text,
                     JsonText(e.blocks), e.deleted});
    }
  }
  return out;
}

std::optional<ViewSnapshot> Emulator::View(std::string_view view_id) const {
  std::lock_guard lock(core_->mu);
  const auto* v = core_->ws.FindView(view_id);
  return v != nullptr ? std::optional(ToSnapshot(core_->ws, *v)) : std::nullopt;
}

std::vector<ViewSnapshot> Emulator::Views(const UserId& user) const {
  std::lock_guard lock(core_->mu);
  std::vector<ViewSnapshot> out;
  for (const auto& [id, v] : core_->ws.views) {
    if (v.user == user.str()) {
      out.push_back(ToSnapshot(core_->ws, v));
    }
  }
  return out;
}

std::optional<UserSnapshot> Emulator::User(const UserId& id) const {
  std::lock_guard lock(core_->mu);
  const auto* u = core_->ws.FindUser(id.str());
  if (u == nullptr) {
    return std::nullopt;
  }
  return UserSnapshot{UserId(u->id), u->name,   u->real_name, u->email,
                      u->tz,         u->is_bot, u->deleted,   u->active};
}

std::optional<UserId> Emulator::UserByName(std::string_view name) const {
  std::lock_guard lock(core_->mu);
  for (const auto& [id, u] : core_->ws.users) {
    if (u.name == name) {
      return UserId(id);
    }
  }
  return std::nullopt;
}

int Emulator::CallCount(std::string_view method) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->ws.call_counts.find(method);
  return it == core_->ws.call_counts.end() ? 0 : it->second;
}

std::map<std::string, int> Emulator::CallCounts() const {
  std::lock_guard lock(core_->mu);
  return {core_->ws.call_counts.begin(), core_->ws.call_counts.end()};
}

int Emulator::DeliveryCount(std::string_view kind) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->ws.delivery_counts.find(kind);
  return it == core_->ws.delivery_counts.end() ? 0 : it->second;
}

bool Emulator::WaitFor(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(core_->mu);
      seen = core_->generation;
    }
    if (predicate()) {
      return true;
    }
    // Checked here too: a workspace that never stops changing (a predicate
    // that itself acts, a busy bot) would otherwise keep the wait going.
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::unique_lock lock(core_->mu);
    if (!core_->changed.wait_until(lock, deadline, [&] { return core_->generation != seen; })) {
      lock.unlock();
      return predicate();
    }
  }
}

std::string Emulator::Transcript() const {
  std::lock_guard lock(core_->mu);
  return detail::RenderTranscript(core_->ws);
}

std::string Emulator::AsPeopleSeeIt(const std::string& mrkdwn) const {
  std::lock_guard lock(core_->mu);
  return detail::Readable(core_->ws, mrkdwn);
}

void Emulator::FailNext(std::string method, int count, Fault fault) {
  std::lock_guard lock(core_->mu);
  core_->faults.push_back(detail::FaultEntry{std::move(method), count, fault});
}

void Emulator::ClearFaults() {
  std::lock_guard lock(core_->mu);
  core_->faults.clear();
}

bool Emulator::WaitForHeld(std::string_view method, std::chrono::milliseconds timeout) {
  std::unique_lock lock(core_->mu);
  return core_->changed.wait_for(lock, timeout, [&] {
    return std::any_of(core_->held.begin(), core_->held.end(),
                       [&](const detail::HeldCall& h) { return h.method == method; });
  });
}

void Emulator::ReleaseHeld(bool drop_connection) {
  std::vector<detail::HeldCall> held;
  {
    std::lock_guard lock(core_->mu);
    held.swap(core_->held);
    core_->NotifyLocked();
  }
  boost::asio::post(core_->io, [held = std::move(held), drop_connection] {
    for (const auto& h : held) {
      h.release(drop_connection);
    }
  });
}

}  // namespace swarmbot::emulator
