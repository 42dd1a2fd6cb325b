#include "handlers/effect_runner.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "handlers/detail/await_channel.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/detail/slack_words.hpp"
#include "handlers/form_opener.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/problem_view.hpp"
#include "lifecycle/channel_name.hpp"
#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {

namespace json = boost::json;
using boost::asio::awaitable;

struct EffectRunner::Job {
  store::OutboxItem item;
  std::int64_t incident = 0;
  lifecycle::IncidentStatus status;
  SlackApi* api = nullptr;
};

namespace {

// Suffixes tried for a swarm channel whose name is taken.
constexpr int kMaxNameAttempts = 20;
// conversations.invite takes at most 100 users per call.
constexpr std::size_t kMaxInviteesPerCall = 100;
// conversations.list pages read while looking for our channel.
constexpr int kMaxListPages = 50;

// Builds a JSON object from key, value, key, value…. Coroutine bodies build
// their arguments through this because GCC 12 miscompiles braced
// initializer lists holding string literals inside coroutines.
inline void Put(json::object&) {}

template <class V, class... Rest>
void Put(json::object& object, std::string_view key, V&& value, Rest&&... rest) {
  object[key] = json::value(std::forward<V>(value));
  Put(object, std::forward<Rest>(rest)...);
}

template <class... Pairs>
json::object Fields(Pairs&&... pairs) {
  json::object object;
  Put(object, std::forward<Pairs>(pairs)...);
  return object;
}

using detail::CallSlack;
using detail::IsSlackError;

std::optional<std::int64_t> IncidentArg(const store::OutboxItem& item) {
  return detail::NumberArg(item, lifecycle::effect::kArgIncident);
}

// The steps that set up a new swarm channel after its creation.
bool IsChannelSetup(std::string_view kind) {
  namespace effect = lifecycle::effect;
  return kind == effect::kSetTopic || kind == effect::kSetPurpose || kind == effect::kPostSummary ||
         kind == effect::kPinSummary || kind == effect::kAddBookmark || kind == effect::kInvite ||
         kind == effect::kPostReopened || kind == effect::kUpdateSummary;
}

Error NoChannel() {
  return MakeError(Errc::kSlackError, "the swarm channel was never created");
}

}  // namespace

EffectRunner::EffectRunner(store::Database& db, const Clock& clock, Settings settings)
    : services_(db, clock, std::move(settings)),
      clock_(clock),
      bot_user_id_(services_.settings.bot_user_id) {}

awaitable<Status> EffectRunner::Run(store::OutboxItem item, SlackApi& api) {
  if (item.kind == lifecycle::effect::kRespond) {
    co_return co_await Respond(item, api);
  }
  if (item.kind == lifecycle::effect::kOpenView) {
    co_return co_await OpenView(item, api);
  }
  if (RoutingEffects::Handles(item.kind)) {
    co_return co_await routing_effects_.Run(item, api);
  }
  if (item.kind.starts_with(lifecycle::effect::kSpikeEffectPrefix)) {
    co_return co_await spike_alerts_.Run(item, api);
  }
  if (BroadcastEffects::Handles(item.kind)) {
    co_return co_await broadcast_effects_.Run(item, api);
  }
  if (ChangeEffects::Handles(item.kind)) {
    co_return co_await change_effects_.Run(item, api);
  }
  if (BannerEffects::Handles(item.kind)) {
    co_return co_await banner_effects_.Run(item, api);
  }
  if (ExpertEffects::Handles(item.kind)) {
    co_return co_await expert_effects_.Run(item, api);
  }
  if (ApprovalEffects::Handles(item.kind)) {
    co_return co_await approval_effects_.Run(item, api);
  }
  if (SwarmUnarchiveEffects::Handles(item.kind)) {
    co_return co_await swarm_unarchive_effects_.Run(item, api);
  }
  if (SwarmNoteEffects::Handles(item.kind)) {
    co_return co_await swarm_note_effects_.Run(item, api);
  }
  if (GroupInviteEffects::Handles(item.kind)) {
    co_return co_await group_invite_effects_.Run(item, api);
  }
  const auto incident = IncidentArg(item);
  if (!incident) {
    co_return MakeError(Errc::kInternal,
                        "outbox item " + std::to_string(item.id) + " has no incident argument");
  }
  auto status = services_.incidents.StatusOf(*incident, 0);
  if (!status) {
    co_return status.error().code == Errc::kNotFound
        ? MakeError(Errc::kInternal, "outbox item for a missing incident")
        : status.error();
  }
  spdlog::info("event=effect.run id={} incident={} kind={} attempt={}", item.id, item.stream,
               item.kind, item.attempts + 1);
  Job job;
  job.item = std::move(item);
  job.incident = *incident;
  job.status = std::move(*status);
  job.api = &api;
  co_return co_await Dispatch(job);
}

awaitable<Status> EffectRunner::Dispatch(Job& job) {
  namespace effect = lifecycle::effect;
  const std::string& kind = job.item.kind;
  if (IsChannelSetup(kind) && job.status.swarm && job.status.swarm->ChannelRefused()) {
    co_return Status{};  // Slack refused the channel these were queued for; people were told
  }
  if (kind == effect::kAnnounce) {
    co_return co_await Announce(job);
  }
  if (kind == effect::kUpdateAnnouncement) {
    co_return co_await UpdateAnnouncement(job);
  }
  if (kind == effect::kTellDeclarer) {
    co_return co_await TellDeclarer(job);
  }
  if (kind == effect::kCreateChannel) {
    co_return co_await CreateChannel(job);
  }
  if (kind == effect::kSetTopic || kind == effect::kSetPurpose) {
    co_return co_await SetTopicOrPurpose(job, kind == effect::kSetTopic);
  }
  if (kind == effect::kPostSummary) {
    co_return co_await PostSummary(job);
  }
  if (kind == effect::kPinSummary) {
    co_return co_await PinSummary(job);
  }
  if (kind == effect::kAddBookmark) {
    co_return co_await AddBookmark(job);
  }
  if (kind == effect::kInvite) {
    co_return co_await Invite(job);
  }
  if (kind == effect::kUpdateSummary) {
    co_return co_await UpdateSummary(job);
  }
  if (kind == effect::kPostClosing) {
    co_return co_await PostClosing(job);
  }
  if (kind == effect::kArchive) {
    co_return co_await Archive(job);
  }
  if (kind == effect::kProblemAnnounce) {
    co_return co_await AnnounceProblem(job);
  }
  if (kind == effect::kPostReopened) {
    co_return co_await PostReopened(job);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + kind);
}

awaitable<Status> EffectRunner::Respond(store::OutboxItem& item, SlackApi& api) {
  namespace effect = lifecycle::effect;
  std::string url = FormValue(item.args, effect::kArgResponseUrl).value_or("");
  std::string body = FormValue(item.args, effect::kArgBody).value_or("");
  spdlog::info("event=effect.run id={} kind={} attempt={}", item.id, item.kind, item.attempts + 1);
  // A response_url takes a handful of posts in 30 minutes and has no way to
  // ask whether an earlier one arrived, so a retry after a crash may show an
  // answer twice; that is an ephemeral note, never a second change.
  auto sent = co_await api.Respond(std::move(url), std::move(body));
  if (!sent && !sent.error().Retryable()) {
    spdlog::warn("event=effect.failed id={} kind={} error={}", item.id, item.kind,
                 ErrcName(sent.error().code));
  }
  co_return sent;
}

awaitable<Status> EffectRunner::OpenView(store::OutboxItem& item, SlackApi& api) {
  namespace effect = lifecycle::effect;
  spdlog::info("event=effect.run id={} kind={} attempt={}", item.id, item.kind, item.attempts + 1);
  json::object args =
      Fields("trigger_id", FormValue(item.args, effect::kArgTriggerId).value_or(""));
  boost::system::error_code ec;
  json::value view = json::parse(FormValue(item.args, effect::kArgView).value_or(""), ec);
  if (ec || !view.is_object()) {
    co_return MakeError(Errc::kInternal, "open_view without a view");
  }
  args["view"] = std::move(view);
  // The trigger_id expires 3 s after the click, long before any retry: a
  // claim after a crash doesn't call again, and no failure is retried. The
  // person is told to try again instead.
  if (item.attempts > 0) {
    spdlog::warn("event=effect.failed id={} kind={} error=not_retried_trigger_expired", item.id,
                 item.kind);
    const std::string why = "the form's trigger had expired";
    co_await ExplainUnopenedView(item, api, why);
    co_return Status{};
  }
  auto opened = co_await CallSlack(api, "views.open", args);
  if (!opened) {
    // Usually expired_trigger_id (Slack was slow to deliver, or we were), or
    // no answer within the trigger's life: nothing was changed.
    const Error& error = opened.error();
    const std::string reason =
        error.slack_error.empty() ? std::string(ErrcName(error.code)) : error.slack_error;
    spdlog::warn("event=effect.failed id={} kind={} error={}", item.id, item.kind, reason);
    // Named, not a temporary: GCC 12 mishandles temporaries that a co_await
    // expression's callee holds by reference.
    const std::string why = error.slack_error.empty()
                                ? std::string("Slack didn't answer in time")
                                : "Slack answered `" + error.slack_error + "`";
    co_await ExplainUnopenedView(item, api, why);
    if (error.Retryable()) {
      co_return Status{};  // told; a retry would carry an expired trigger
    }
    co_return error;
  }
  co_return Status{};
}

awaitable<void> EffectRunner::ExplainUnopenedView(const store::OutboxItem& item, SlackApi& api,
                                                  const std::string& why) {
  namespace effect = lifecycle::effect;
  const std::string user = FormValue(item.args, effect::kArgUser).value_or("");
  const std::string channel = FormValue(item.args, effect::kArgChannel).value_or("");
  if (user.empty() || channel.empty()) {
    co_return;
  }
  json::object args = Fields("channel", channel);
  args["user"] = user;
  args["text"] = UnopenedFormText(why);
  if (auto told = co_await CallSlack(api, "chat.postEphemeral", args); !told) {
    spdlog::warn("event=effect.explain_failed id={} detail=\"{}\"", item.id, told.error().detail);
  }
}

awaitable<Status> EffectRunner::TellDeclarer(Job& job) {
  const store::Incident& incident = job.status.incident;
  if (incident.declared_by.empty()) {
    co_return Status{};
  }
  // conversations.open gives the direct message's own id, which a retry
  // needs to look for the message in its history.
  const json::object open_args = Fields("users", incident.declared_by.str());
  auto dm = co_await CallSlack(*job.api, "conversations.open", open_args);
  if (!dm) {
    co_return Fail(job.incident, "open a direct message with the declarer", dm.error());
  }
  const ChannelId channel(dm->StringOr("channel.id"));
  auto ts = co_await PostOnce(job, channel, DeclaredNote(job.status));
  if (!ts) {
    co_return Fail(job.incident, "tell the declarer the incident number", ts.error());
  }
  co_return Status{};
}

Status EffectRunner::Fail(std::int64_t incident, std::string_view what, const Error& error) {
  if (error.Retryable()) {
    return error;
  }
  const std::string reason = error.slack_error.empty() ? error.detail : error.slack_error;
  spdlog::warn("event=effect.failed incident={} what=\"{}\" error={}",
               store::IncidentNumberText(incident), what, reason);
  if (auto noted = services_.incidents.NoteProblem(
          incident, "Couldn't " + std::string(what) + ": Slack said " + reason);
      !noted) {
    spdlog::error("event=effect.note_failed incident={}", store::IncidentNumberText(incident));
  }
  return error;
}

awaitable<Result<UserId>> EffectRunner::BotUserId(SlackApi& api) {
  if (!bot_user_id_.empty()) {
    co_return bot_user_id_;
  }
  const json::object none;
  auto reply = co_await CallSlack(api, "auth.test", none);
  if (!reply) {
    co_return reply.error();
  }
  bot_user_id_ = UserId(reply->StringOr("user_id"));
  co_return bot_user_id_;
}

awaitable<Result<MessageTs>> EffectRunner::PostOnce(Job& job, const ChannelId& channel,
                                                    const BlockMessage& message) {
  SlackApi& api = *job.api;
  const std::string effect_id = std::to_string(job.item.id);
  if (job.item.attempts > 0) {
    const json::object query =
        Fields("channel", channel.str(), "limit", 100, "include_all_metadata", true);
    auto history = co_await CallSlack(api, "conversations.history", query);
    if (!history) {
      co_return history.error();
    }
    for (std::size_t i = 0; i < history->ArraySize("messages"); ++i) {
      const std::string base = "messages." + std::to_string(i);
      if (history->StringOr(base + ".metadata.event_type") == "swarmbot_effect" &&
          history->StringOr(base + ".metadata.event_payload.effect_id") == effect_id) {
        spdlog::info("event=effect.adopted_message id={}", job.item.id);
        co_return MessageTs(history->StringOr(base + ".ts"));
      }
    }
  }
  json::object args = message.ToObject();
  args["channel"] = channel.str();
  args["unfurl_links"] = false;
  args["metadata"] = Fields("event_type", "swarmbot_effect", "event_payload",
                            Fields("effect_id", effect_id, "effect_kind", job.item.kind));
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return posted.error();
  }
  co_return MessageTs(posted->StringOr("ts"));
}

awaitable<Status> EffectRunner::Announce(Job& job) {
  const ChannelId channel = services_.settings.managers_channel;
  if (channel.empty() || !job.status.incident.announce_ts.empty()) {
    co_return Status{};
  }
  const BlockMessage message = IncidentSummary(job.status);
  auto ts = co_await PostOnce(job, channel, message);
  if (!ts && IsSlackError(ts.error(), "not_in_channel")) {
    // A public managers' channel the bot can join; a private one needs an invitation.
    const json::object args = Fields("channel", channel.str());
    auto joined = co_await CallSlack(*job.api, "conversations.join", args);
    if (!joined) {
      co_return Fail(job.incident, "join the incident managers' channel", joined.error());
    }
    ts = co_await PostOnce(job, channel, message);
  }
  if (!ts) {
    co_return Fail(job.incident, "announce the incident", ts.error());
  }
  co_return services_.incidents.RecordAnnouncement(job.incident, channel, *ts);
}

awaitable<Status> EffectRunner::UpdateAnnouncement(Job& job) {
  const store::Incident& incident = job.status.incident;
  if (incident.announce_ts.empty()) {
    co_return Status{};
  }
  json::object args = IncidentSummary(job.status).ToObject();
  args["channel"] = incident.announce_channel.str();
  args["ts"] = incident.announce_ts.str();
  auto updated = co_await CallSlack(*job.api, "chat.update", args);
  if (!updated) {
    co_return Fail(job.incident, "update the announcement", updated.error());
  }
  co_return Status{};
}

awaitable<Result<std::optional<ChannelId>>> EffectRunner::FindOurChannel(SlackApi& api,
                                                                         const std::string& name) {
  auto bot = co_await BotUserId(api);
  if (!bot) {
    co_return bot.error();
  }
  std::string cursor;
  for (int page = 0; page < kMaxListPages; ++page) {
    // The bot created our channel, so it is a member of a private one too.
    json::object args =
        Fields("types", "public_channel,private_channel", "exclude_archived", true, "limit", 200);
    if (!cursor.empty()) {
      args["cursor"] = cursor;
    }
    auto listed = co_await CallSlack(api, "conversations.list", args);
    if (!listed) {
      co_return listed.error();
    }
    for (std::size_t i = 0; i < listed->ArraySize("channels"); ++i) {
      const std::string base = "channels." + std::to_string(i);
      if (listed->StringOr(base + ".name") != name) {
        continue;
      }
      const bool ours =
          listed->StringOr(base + ".creator") == bot->str() && !listed->True(base + ".is_archived");
      std::optional<ChannelId> found;
      if (ours) {
        found = ChannelId(listed->StringOr(base + ".id"));
      }
      co_return found;
    }
    cursor = listed->StringOr("response_metadata.next_cursor");
    if (cursor.empty()) {
      break;
    }
  }
  co_return std::optional<ChannelId>{};
}

awaitable<Status> EffectRunner::CreateChannel(Job& job) {
  if (!job.status.swarm) {
    co_return MakeError(Errc::kInternal, "create_channel without a swarm");
  }
  const store::Swarm& swarm = *job.status.swarm;
  if (!swarm.channel_id.empty()) {
    co_return Status{};  // recorded before a crash kept the outbox from hearing of it
  }
  for (int n = 1; n <= kMaxNameAttempts; ++n) {
    const std::string name = lifecycle::WithSuffix(swarm.channel_name, n);
    const bool is_private = SwarmChannelIsPrivate(services_.settings, job.status.incident.priority);
    const json::object args = Fields("name", name, "is_private", is_private);
    auto created = co_await CallSlack(*job.api, "conversations.create", args);
    if (created) {
      const ChannelId id(created->StringOr("channel.id"));
      const std::string actual = created->StringOr("channel.name", name);
      if (auto recorded = services_.swarms.RecordChannel(job.incident, id, actual); !recorded) {
        co_return recorded;
      }
      if (actual != swarm.channel_name) {
        co_await TellRenamedChannel(job, id, actual);
      }
      co_return Status{};
    }
    if (!IsSlackError(created.error(), "name_taken")) {
      co_return ChannelRefused(job, created.error());
    }
    if (job.item.attempts > 0) {
      auto ours = co_await FindOurChannel(*job.api, name);
      if (!ours) {
        co_return Fail(job.incident, "look up the swarm channel", ours.error());
      }
      if (*ours) {
        spdlog::info("event=effect.adopted_channel incident={} name={}",
                     store::IncidentNumberText(job.incident), name);
        co_return services_.swarms.RecordChannel(job.incident, **ours, name);
      }
    }
  }
  co_return ChannelRefused(job, MakeError(Errc::kSlackError, "every channel name tried was taken"));
}

UserId EffectRunner::Starter(const Job& job) {
  const std::string named = FormValue(job.item.args, lifecycle::effect::kArgUser).value_or("");
  if (!named.empty()) {
    return UserId(named);
  }
  return job.status.swarm ? job.status.swarm->created_by : UserId();
}

Status EffectRunner::ChannelRefused(Job& job, const Error& error) {
  if (error.Retryable()) {
    return error;
  }
  // Retrying can't change Slack's mind (restricted_action, say): the swarm
  // ends instead of waiting for a channel for ever, and a later start tries again.
  const std::string reason = error.slack_error.empty() ? error.detail : error.slack_error;
  return services_.swarms.ChannelRefused(job.incident, reason, Starter(job));
}

awaitable<void> EffectRunner::TellRenamedChannel(Job& job, const ChannelId& channel,
                                                 const std::string& name) {
  const store::Swarm& swarm = *job.status.swarm;
  const UserId starter = Starter(job);
  if (starter.empty()) {
    co_return;
  }
  auto dm = co_await detail::OpenDirectMessage(*job.api, starter.str());
  if (!dm) {
    spdlog::warn("event=effect.rename_untold incident={} error={}",
                 store::IncidentNumberText(job.incident), dm.error().slack_error);
    co_return;
  }
  const std::string number = store::IncidentNumberText(job.incident);
  BlockMessage message("The swarm channel of " + number + " is #" + name);
  message.Section("The swarm channel of " + number + " is " + ChannelMention(channel) + ": #" +
                  EscapeMrkdwn(swarm.channel_name) + " was taken, so it is #" + EscapeMrkdwn(name) +
                  ".");
  if (auto told = co_await PostOnce(job, ChannelId(*dm), message); !told) {
    spdlog::warn("event=effect.rename_untold incident={} error={}", number,
                 told.error().slack_error);
  }
}

awaitable<Status> EffectRunner::SetTopicOrPurpose(Job& job, bool topic) {
  if (job.status.swarm && job.status.swarm->channel_id.empty() &&
      job.status.swarm->state == store::SwarmState::kStarting) {
    // Queued for a channel the swarm has since left (a reopening moves it to a
    // new one): the new channel's creation sets its own topic and purpose.
    co_return Status{};
  }
  if (!job.status.swarm || job.status.swarm->channel_id.empty()) {
    co_return NoChannel();
  }
  if (job.status.swarm->state == store::SwarmState::kArchived) {
    co_return Status{};  // archived in Slack meanwhile: nothing to set
  }
  const store::Incident& incident = job.status.incident;
  json::object args = Fields("channel", job.status.swarm->channel_id.str());
  if (topic) {
    args["topic"] = SwarmTopic(incident);
  } else {
    args["purpose"] = SwarmPurpose(incident);
  }
  const std::string_view method = topic ? "conversations.setTopic" : "conversations.setPurpose";
  const std::string key = std::string(method) + "|" + job.status.swarm->channel_id.str();
  const std::string text = topic ? SwarmTopic(incident) : SwarmPurpose(incident);
  if (AlreadySent(key, text)) {
    co_return Status{};
  }
  auto set = co_await CallInChannel(job, method, args, job.status.swarm->channel_id);
  if (!set) {
    co_return SwarmChannelFailed(job, topic ? "set the channel topic" : "set the channel purpose",
                                 set.error(), job.status.swarm->channel_id);
  }
  RememberSent(key, text);
  co_return Status{};
}

awaitable<Status> EffectRunner::PostSummary(Job& job) {
  if (!job.status.swarm || job.status.swarm->channel_id.empty()) {
    co_return NoChannel();
  }
  if (!job.status.swarm->summary_ts.empty()) {
    co_return Status{};
  }
  const ChannelId channel = job.status.swarm->channel_id;
  const BlockMessage message = IncidentSummary(job.status);
  auto ts = co_await PostOnce(job, channel, message);
  if (!ts) {
    co_return SwarmChannelFailed(job, "post the summary", ts.error(), channel);
  }
  co_return services_.swarms.RecordSummary(job.incident, *ts);
}

awaitable<Status> EffectRunner::PinSummary(Job& job) {
  if (!job.status.swarm || job.status.swarm->summary_ts.empty()) {
    co_return MakeError(Errc::kSlackError, "no summary to pin");
  }
  const json::object args = Fields("channel", job.status.swarm->channel_id.str(), "timestamp",
                                   job.status.swarm->summary_ts.str());
  auto pinned = co_await CallSlack(*job.api, "pins.add", args);
  if (!pinned && !IsSlackError(pinned.error(), "already_pinned")) {
    co_return SwarmChannelFailed(job, "pin the summary", pinned.error(),
                                 job.status.swarm->channel_id);
  }
  co_return Status{};
}

awaitable<Status> EffectRunner::AddBookmark(Job& job) {
  if (!job.status.swarm || job.status.swarm->channel_id.empty()) {
    co_return NoChannel();
  }
  const store::Incident& incident = job.status.incident;
  if (incident.announce_ts.empty()) {
    // No managers' channel, so no announcement: nothing to link to.
    co_return Status{};
  }
  const std::string title = store::IncidentNumberText(job.incident);
  const std::string channel = job.status.swarm->channel_id.str();
  if (job.item.attempts > 0) {
    const json::object list_args = Fields("channel_id", channel);
    auto listed = co_await CallSlack(*job.api, "bookmarks.list", list_args);
    if (!listed) {
      co_return Fail(job.incident, "read the swarm channel's bookmarks", listed.error());
    }
    for (std::size_t i = 0; i < listed->ArraySize("bookmarks"); ++i) {
      if (listed->StringOr("bookmarks." + std::to_string(i) + ".title") == title) {
        co_return Status{};
      }
    }
  }
  const json::object link_args =
      Fields("channel", incident.announce_channel.str(), "message_ts", incident.announce_ts.str());
  auto link = co_await CallSlack(*job.api, "chat.getPermalink", link_args);
  if (!link) {
    co_return Fail(job.incident, "find the announcement's link", link.error());
  }
  json::object args = Fields("channel_id", channel, "title", title);
  args["type"] = "link";
  args["link"] = link->StringOr("permalink");
  auto added = co_await CallSlack(*job.api, "bookmarks.add", args);
  if (!added) {
    co_return SwarmChannelFailed(job, "bookmark the announcement", added.error(),
                                 job.status.swarm->channel_id);
  }
  co_return Status{};
}

awaitable<Status> EffectRunner::Invite(Job& job) {
  if (!job.status.swarm || job.status.swarm->channel_id.empty()) {
    // E.g. someone accepted while a reopening fell back to a new channel.
    co_return detail::AwaitSwarmChannel(services_, job.incident, job.item);
  }
  SlackApi& api = *job.api;
  std::vector<std::string> users = detail::IdsArg(job.item, lifecycle::effect::kArgUsers);
  const std::vector<std::string> groups =
      detail::IdsArg(job.item, lifecycle::effect::kArgUsergroups);
  InviteOutcome outcome;
  for (const std::string& group : groups) {
    const json::object args = Fields("usergroup", group);
    auto members = co_await CallSlack(api, "usergroups.users.list", args);
    if (!members) {
      if (members.error().Retryable()) {
        co_return members.error();
      }
      const Error& error = members.error();
      outcome.unread_groups.emplace_back(
          group, error.slack_error.empty() ? std::string("failed") : error.slack_error);
      continue;
    }
    if (members->ArraySize("users") == 0) {
      outcome.empty_groups.push_back(group);
    }
    for (std::size_t i = 0; i < members->ArraySize("users"); ++i) {
      users.push_back(members->StringOr("users." + std::to_string(i)));
    }
  }
  auto bot = co_await BotUserId(api);
  if (!bot) {
    co_return bot.error();
  }
  std::vector<std::string> wanted;
  for (const std::string& user : users) {
    if (!user.empty() && user != bot->str() &&
        std::find(wanted.begin(), wanted.end(), user) == wanted.end()) {
      wanted.push_back(user);
    }
  }

  for (std::size_t first = 0; first < wanted.size(); first += kMaxInviteesPerCall) {
    const std::vector<std::string> chunk(
        wanted.begin() + static_cast<std::ptrdiff_t>(first),
        wanted.begin() +
            static_cast<std::ptrdiff_t>(std::min(wanted.size(), first + kMaxInviteesPerCall)));
    auto invited = co_await InviteSome(job, chunk, outcome);
    if (!invited) {
      // Keep what worked; a retry re-invites harmlessly (already_in_channel).
      if (auto recorded = services_.swarms.RecordInvited(job.incident, outcome.invited);
          !recorded) {
        co_return recorded;
      }
      co_return SwarmChannelFailed(job, "invite people to the swarm channel", invited.error(),
                                   job.status.swarm->channel_id);
    }
  }
  if (auto recorded = services_.swarms.RecordInvited(job.incident, outcome.invited); !recorded) {
    co_return recorded;
  }
  // Their join event may never come: it was lost in a crash, or they stayed
  // in the channel through its archive.
  if (auto recorded = services_.swarms.RecordAlreadyIn(job.incident, outcome.already_in);
      !recorded) {
    co_return recorded;
  }
  if (!outcome.refused.empty() || !outcome.unread_groups.empty() || !outcome.empty_groups.empty()) {
    co_await TellRefusedInvites(job, outcome);
  }
  co_return Status{};
}

awaitable<Status> EffectRunner::InviteSome(Job& job, const std::vector<std::string>& users,
                                           InviteOutcome& outcome) {
  std::string list;
  for (const std::string& user : users) {
    list += (list.empty() ? "" : ",") + user;
  }
  // force: the valid users get in even when others can't be invited; the
  // reply lists the refused ones in `errors`.
  const json::object args =
      Fields("channel", job.status.swarm->channel_id.str(), "users", list, "force", true);
  auto result = co_await CallSlack(*job.api, "conversations.invite", args);
  if (!result) {
    const Error& error = result.error();
    const bool about_channel = error.Retryable() || IsSlackError(error, "channel_not_found") ||
                               IsSlackError(error, "is_archived") ||
                               IsSlackError(error, "not_in_channel") || error.slack_error.empty();
    if (about_channel) {
      co_return error;
    }
    if (users.size() == 1) {
      outcome.Settle(users.front(), error.slack_error);
      co_return Status{};
    }
    // Every one of them was refused, but the error names only the first:
    // ask one by one to learn each answer.
    for (const std::string& user : users) {
      const std::vector<std::string> one{user};
      if (auto invited = co_await InviteSome(job, one, outcome); !invited) {
        co_return invited.error();
      }
    }
    co_return Status{};
  }
  std::map<std::string, std::string> refused;
  for (std::size_t i = 0; i < result->ArraySize("errors"); ++i) {
    const std::string base = "errors." + std::to_string(i);
    refused[result->StringOr(base + ".user")] = result->StringOr(base + ".error", "cant_invite");
  }
  for (const std::string& user : users) {
    const auto found = refused.find(user);
    outcome.Settle(user, found == refused.end() ? std::string() : found->second);
  }
  co_return Status{};
}

void EffectRunner::InviteOutcome::Settle(const std::string& user, const std::string& error) {
  // Someone already in the channel is where they should be; the bot itself
  // (cant_invite_self) is in it as the creator.
  if (error.empty() || error == "already_in_channel") {
    invited.emplace_back(user);
    if (!error.empty()) {
      already_in.emplace_back(user);
    }
  } else if (error != "cant_invite_self") {
    refused.emplace_back(user, error);
  }
}

awaitable<void> EffectRunner::TellRefusedInvites(Job& job, const InviteOutcome& outcome) {
  std::vector<std::string> said;
  std::string plain;
  for (const auto& [user, error] : outcome.refused) {
    said.push_back(UserMention(UserId(user)) + " (" + detail::InviteRefusalInWords(error) + ")");
    plain += (plain.empty() ? "" : ", ") + UserMention(UserId(user)) + " (" + error + ")";
  }
  std::vector<std::string> groups;
  for (const auto& [group, error] : outcome.unread_groups) {
    groups.push_back("user group `" + EscapeMrkdwn(group) + "` (" +
                     detail::GroupReadFailureInWords(error) + ")");
    plain += (plain.empty() ? "" : ", ") + std::string("members of user group ") + group + " (" +
             error + ")";
  }
  std::vector<std::string> empty;
  for (const std::string& group : outcome.empty_groups) {
    empty.push_back(IsSlackId(group) ? UsergroupMention(UserGroupId(group))
                                     : "`" + EscapeMrkdwn(group) + "`");
    plain += (plain.empty() ? "" : ", ") + std::string("user group ") + group + " (no members)";
  }
  spdlog::warn("event=effect.invite_refused incident={} count={} groups={} empty_groups={}",
               store::IncidentNumberText(job.incident), outcome.refused.size(),
               outcome.unread_groups.size(), outcome.empty_groups.size());
  if (auto noted = services_.incidents.NoteProblem(job.incident,
                                                   "Couldn't add to the swarm channel: " + plain);
      !noted) {
    spdlog::error("event=effect.note_failed incident={}", store::IncidentNumberText(job.incident));
  }
  std::string text;
  if (!said.empty()) {
    text = "Couldn't add " + JoinWithAnd(said) + " to this channel.";
  }
  if (!groups.empty()) {
    text += (text.empty() ? "" : " ") + std::string("Couldn't read the members of ") +
            JoinWithAnd(groups) + ", so nobody from " + (groups.size() == 1 ? "it" : "them") +
            " was added.";
  }
  if (!empty.empty()) {
    text += (text.empty() ? "" : " ") + std::string("User group ") + JoinWithAnd(empty) +
            (empty.size() == 1 ? " has" : " have") + " no members, so nobody was added from " +
            (empty.size() == 1 ? "it." : "them.");
  }
  if (!outcome.invited.empty()) {
    text += " Everyone else is in.";
  }
  std::string headline = "Couldn't read a user group's members";
  if (!said.empty()) {
    headline = "Couldn't add " +
               Counted(static_cast<std::int64_t>(said.size()), "person", "people") +
               " to this channel";
  } else if (groups.empty()) {
    headline = "A user group had nobody to add";
  }
  BlockMessage message(headline);
  message.Section(":warning: " + text);
  // Once per invite effect: a retry finds this message by the effect's id.
  auto posted = co_await PostOnce(job, job.status.swarm->channel_id, message);
  if (!posted) {
    spdlog::warn("event=effect.explain_failed id={} detail=\"{}\"", job.item.id,
                 posted.error().detail);
  }
}

awaitable<Status> EffectRunner::UpdateSummary(Job& job) {
  if (!job.status.swarm || job.status.swarm->summary_ts.empty() ||
      job.status.swarm->state == store::SwarmState::kArchived) {
    // Nothing posted yet (the post will show the current state), or the
    // channel is archived and its summary can't change any more.
    co_return Status{};
  }
  json::object args = IncidentSummary(job.status).ToObject();
  args["channel"] = job.status.swarm->channel_id.str();
  args["ts"] = job.status.swarm->summary_ts.str();
  const std::string key = "chat.update|" + job.status.swarm->channel_id.str() + "|" +
                          job.status.swarm->summary_ts.str();
  const std::string text = json::serialize(args);
  if (AlreadySent(key, text)) {
    co_return Status{};
  }
  auto updated = co_await CallInChannel(job, "chat.update", args, job.status.swarm->channel_id);
  if (!updated) {
    co_return SwarmChannelFailed(job, "update the pinned summary", updated.error(),
                                 job.status.swarm->channel_id);
  }
  RememberSent(key, text);
  co_return Status{};
}

ChannelId EffectRunner::ClosingChannel(const Job& job) {
  const std::string named = FormValue(job.item.args, lifecycle::effect::kArgChannel).value_or("");
  if (!named.empty()) {
    return ChannelId(named);
  }
  return job.status.swarm ? job.status.swarm->channel_id : ChannelId();
}

awaitable<Status> EffectRunner::PostClosing(Job& job) {
  const ChannelId channel = ClosingChannel(job);
  if (!job.status.swarm || channel.empty()) {
    co_return Status{};  // no channel, nobody to tell
  }
  if (co_await ClosingAlreadyPosted(job, channel)) {
    // An earlier /swarm close got this far before its archive failed.
    spdlog::info("event=effect.closing_already_posted incident={}",
                 store::IncidentNumberText(job.incident));
    co_return Status{};
  }
  const BlockMessage message = ClosingSummary(job.status, clock_.Now());
  auto ts = co_await PostOnce(job, channel, message);
  if (!ts && IsSlackError(ts.error(), "not_in_channel")) {
    if (auto joined = co_await Rejoin(job, channel); joined) {
      ts = co_await PostOnce(job, channel, message);
    }
  }
  if (!ts) {
    co_return SwarmChannelFailed(job, "post the closing summary", ts.error(), channel);
  }
  co_return Status{};
}

awaitable<bool> EffectRunner::ClosingAlreadyPosted(Job& job, const ChannelId& channel) {
  const json::object query = detail::HistoryQuery(channel);
  auto history = co_await CallSlack(*job.api, "conversations.history", query);
  if (!history) {
    co_return false;  // posting finds out what is wrong, and rejoins if it can
  }
  // Newest first; a note that the channel was unarchived starts a new swarm
  // there, whose closing is still to come.
  for (std::size_t i = 0; i < history->ArraySize("messages"); ++i) {
    const std::string base = "messages." + std::to_string(i);
    if (history->StringOr(base + ".metadata.event_type") != "swarmbot_effect") {
      continue;
    }
    const std::string kind = history->StringOr(base + ".metadata.event_payload.effect_kind");
    if (kind == lifecycle::effect::kPostUnarchived) {
      co_return false;
    }
    if (kind == lifecycle::effect::kPostClosing) {
      co_return true;
    }
  }
  co_return false;
}

awaitable<Status> EffectRunner::Archive(Job& job) {
  const ChannelId channel = ClosingChannel(job);
  if (!job.status.swarm || channel.empty()) {
    co_return Status{};
  }
  const json::object args = Fields("channel", channel.str());
  auto archived = co_await CallInChannel(job, "conversations.archive", args, channel);
  if (!archived && !IsSlackError(archived.error(), "already_archived")) {
    const Error& error = archived.error();
    if (error.Retryable()) {
      co_return error;
    }
    // The channel stays open: the swarm goes on there, and people are told.
    const UserId closer(FormValue(job.item.args, lifecycle::effect::kArgUser).value_or(""));
    co_return services_.swarms.ArchiveFailed(
        job.incident, channel,
        error.slack_error.empty() ? std::string(ErrcName(error.code)) : error.slack_error, closer);
  }
  co_return services_.swarms.RecordArchived(job.incident, channel);
}

awaitable<Status> EffectRunner::Rejoin(Job& job, const ChannelId& channel) {
  const json::object args = Fields("channel", channel.str());
  auto joined = co_await CallSlack(*job.api, "conversations.join", args);
  if (!joined) {
    spdlog::warn("event=effect.rejoin_failed incident={} error={}",
                 store::IncidentNumberText(job.incident), joined.error().slack_error);
    co_return joined.error();
  }
  spdlog::info("event=effect.rejoined incident={}", store::IncidentNumberText(job.incident));
  co_return Status{};
}

awaitable<Result<detail::FlatJson>> EffectRunner::CallInChannel(Job& job, std::string_view method,
                                                                const json::object& args,
                                                                const ChannelId& channel) {
  auto reply = co_await CallSlack(*job.api, method, args);
  if (reply || !IsSlackError(reply.error(), "not_in_channel")) {
    co_return reply;
  }
  auto joined = co_await Rejoin(job, channel);
  if (!joined) {
    // A retryable failure is worth retrying; otherwise Slack's first answer
    // says best what is wrong (a private channel can't be joined).
    co_return joined.error().Retryable() ? Result<detail::FlatJson>(joined.error()) : reply;
  }
  co_return co_await CallSlack(*job.api, method, args);
}

bool EffectRunner::AlreadySent(const std::string& key, const std::string& text) const {
  const auto sent = last_sent_.find(key);
  const bool same = sent != last_sent_.end() && sent->second == std::hash<std::string>{}(text);
  if (same) {
    spdlog::debug("event=effect.unchanged key={}", key);
  }
  return same;
}

void EffectRunner::RememberSent(const std::string& key, const std::string& text) {
  last_sent_[key] = std::hash<std::string>{}(text);
}

awaitable<Status> EffectRunner::PostReopened(Job& job) {
  if (!job.status.swarm || job.status.swarm->channel_id.empty()) {
    co_return NoChannel();
  }
  const store::Swarm& swarm = *job.status.swarm;
  if (swarm.previous_channel_id.empty()) {
    co_return Status{};
  }
  const std::string number = store::IncidentNumberText(job.incident);
  // A /swarm start after the channel was archived in Slack reopened nothing.
  const bool reopened = FormValue(job.item.args, lifecycle::effect::kArgOccasion).value_or("") !=
                        lifecycle::effect::kOccasionRestarted;
  const std::string why =
      reopened ? number + " was reopened" : "The swarm of " + number + " started again";
  BlockMessage message(why + "; the earlier swarm was #" + swarm.previous_channel_name);
  message.Section(":arrows_counterclockwise: " + why +
                  ", so the swarm gathers here. The earlier swarm's messages and pins stay in " +
                  ChannelMention(swarm.previous_channel_id) +
                  co_await EarlierChannelState(job, swarm.previous_channel_id) + ".");
  const ChannelId channel = swarm.channel_id;
  auto ts = co_await PostOnce(job, channel, message);
  if (!ts) {
    co_return SwarmChannelFailed(job, "link the earlier swarm channel", ts.error(), channel);
  }
  co_return Status{};
}

// The earlier channel's close may have been queued when the swarm moved on,
// and its archive may have failed since: ask Slack rather than assume.
awaitable<std::string> EffectRunner::EarlierChannelState(Job& job, const ChannelId& channel) {
  const json::object args = Fields("channel", channel.str());
  auto info = co_await CallSlack(*job.api, "conversations.info", args);
  if (!info) {
    co_return "";
  }
  co_return info->True("channel.is_archived")
      ? " (archived)"
      : " (still open: Slack didn't let swarmbot archive it)";
}

Status EffectRunner::SwarmChannelFailed(Job& job, std::string_view what, const Error& error,
                                        const ChannelId& channel) {
  // Someone archived the channel in Slack (chat.update says is_inactive):
  // the swarm is over there, not stuck. Record it, so that the next
  // /swarm start or reopening opens a new channel.
  if (detail::IsArchivedChannel(error)) {
    spdlog::warn("event=effect.channel_archived incident={} what=\"{}\"",
                 store::IncidentNumberText(job.incident), what);
    if (auto recorded = services_.swarms.RecordArchived(job.incident, channel); !recorded) {
      return recorded;
    }
    if (auto noted = services_.incidents.NoteProblem(
            job.incident, "Couldn't " + std::string(what) +
                              ": the swarm channel was archived in Slack. `/swarm start` opens "
                              "a new one.");
        !noted) {
      spdlog::error("event=effect.note_failed incident={}",
                    store::IncidentNumberText(job.incident));
    }
    return Status{};
  }
  return Fail(job.incident, what, error);
}

awaitable<Status> EffectRunner::AnnounceProblem(Job& job) {
  const auto& swarm = job.status.swarm;
  // A closing swarm's channel is still there: the archive comes later on this
  // stream, so the cascade's "closed" news reaches it first.
  if (!swarm || swarm->channel_id.empty() || swarm->state == store::SwarmState::kArchived) {
    co_return Status{};  // no channel to tell; the timeline has it
  }
  const auto event = detail::NumberArg(job.item, lifecycle::effect::kArgEvent);
  const auto number = detail::NumberArg(job.item, lifecycle::effect::kArgProblem);
  if (!event || !number) {
    co_return MakeError(Errc::kInternal, "problem announcement without its event");
  }
  auto found = services_.problems.FindEvent(*event);
  if (!found) {
    co_return found.error();
  }
  auto details = services_.problems.Details(*number);
  if (!details) {
    co_return details.error();
  }
  const ChannelId channel = swarm->channel_id;
  const BlockMessage message = ProblemNews(details->problem, *found);
  auto ts = co_await PostOnce(job, channel, message);
  if (!ts) {
    co_return Fail(job.incident, "announce a problem change", ts.error());
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
