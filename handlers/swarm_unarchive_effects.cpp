#include "handlers/swarm_unarchive_effects.hpp"

#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/form.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/post_once.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
namespace effect = lifecycle::effect;
using boost::asio::awaitable;

// The ids of a comma-separated argument, typed.
template <class Id>
std::vector<Id> IdsArg(const store::OutboxItem& item, std::string_view name) {
  std::vector<Id> ids;
  for (std::string& id : detail::IdsArg(item, name)) {
    ids.emplace_back(std::move(id));
  }
  return ids;
}

// Whether the swarm gathers again because the incident was reopened, rather
// than restarted by /swarm start after its channel was archived in Slack.
bool Reopening(const store::OutboxItem& item) {
  return FormValue(item.args, effect::kArgOccasion).value_or("") != effect::kOccasionRestarted;
}

// Slack's answer code, or what kind of failure it was.
std::string Reason(const Error& error) {
  return error.slack_error.empty() ? std::string(ErrcName(error.code)) : error.slack_error;
}

// CallAsUser with a JSON object; Slack's ok:false arrives as an Error.
awaitable<Status> CallAsUser(SlackApi& api, std::string_view method, const json::object& args) {
  spdlog::debug("event=effect.call_as_user method={}", method);
  std::string name(method);
  std::string body = json::serialize(args);
  auto reply = co_await api.CallAsUser(std::move(name), std::move(body));
  if (!reply) {
    co_return reply.error();
  }
  co_return Status{};
}

}  // namespace

awaitable<Status> SwarmUnarchiveEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  auto incident = detail::RequiredNumberArg(item, effect::kArgIncident);
  if (!incident) {
    co_return incident.error();
  }
  if (item.kind == effect::kUnarchive) {
    co_return co_await Unarchive(item, api, *incident);
  }
  co_return co_await PostUnarchived(item, api, *incident);
}

awaitable<Status> SwarmUnarchiveEffects::Unarchive(store::OutboxItem& item, SlackApi& api,
                                                   std::int64_t incident) {
  const std::string channel = FormValue(item.args, effect::kArgChannel).value_or("");
  auto swarm = services_.swarms.FindByIncident(incident);
  if (!swarm) {
    co_return swarm.error();
  }
  // Moved on meanwhile (closed again, or fell back already): nothing to do.
  if (!*swarm || (*swarm)->state != store::SwarmState::kStarting ||
      (*swarm)->channel_id.str() != channel) {
    co_return Status{};
  }
  json::object args;
  args["channel"] = channel;
  auto unarchived = co_await CallAsUser(api, "conversations.unarchive", args);
  if (!unarchived && !detail::IsSlackError(unarchived.error(), "not_archived")) {
    if (unarchived.error().Retryable()) {
      co_return unarchived.error();
    }
    co_return FallBack(item, incident, unarchived.error());
  }
  auto back = co_await BringBotBack(api, channel);
  if (!back) {
    if (back.error().Retryable()) {
      co_return back.error();
    }
    co_return FallBack(item, incident, back.error());
  }
  co_return services_.swarms.RecordUnarchived(
      incident, ChannelId(channel), IdsArg<UserId>(item, effect::kArgUsers),
      IdsArg<UserGroupId>(item, effect::kArgUsergroups), Reopening(item));
}

awaitable<Status> SwarmUnarchiveEffects::BringBotBack(SlackApi& api, const std::string& channel) {
  std::string bot = services_.settings.bot_user_id.str();
  if (bot.empty()) {
    const json::object none;
    auto who = co_await detail::CallSlack(api, "auth.test", none);
    if (!who) {
      co_return who.error();
    }
    bot = who->StringOr("user_id");
  }
  json::object invite;
  invite["channel"] = channel;
  invite["users"] = bot;
  auto invited = co_await CallAsUser(api, "conversations.invite", invite);
  if (invited || detail::IsSlackError(invited.error(), "already_in_channel")) {
    co_return Status{};
  }
  if (invited.error().Retryable()) {
    co_return invited.error();
  }
  // The user may not be allowed to invite; a public channel lets the bot in.
  json::object join;
  join["channel"] = channel;
  auto joined = co_await detail::CallSlack(api, "conversations.join", join);
  if (!joined) {
    co_return joined.error();
  }
  co_return Status{};
}

Status SwarmUnarchiveEffects::FallBack(const store::OutboxItem& item, std::int64_t incident,
                                       const Error& error) {
  const std::string channel = FormValue(item.args, effect::kArgChannel).value_or("");
  return services_.swarms.UnarchiveFailed(
      incident, ChannelId(channel), Reason(error), IdsArg<UserId>(item, effect::kArgUsers),
      IdsArg<UserGroupId>(item, effect::kArgUsergroups), Reopening(item));
}

awaitable<Status> SwarmUnarchiveEffects::PostUnarchived(store::OutboxItem& item, SlackApi& api,
                                                        std::int64_t incident) {
  auto swarm = services_.swarms.FindByIncident(incident);
  if (!swarm) {
    co_return swarm.error();
  }
  if (!*swarm || (*swarm)->state != store::SwarmState::kActive) {
    co_return Status{};  // archived again before this ran
  }
  const std::string number = store::IncidentNumberText(incident);
  const std::string why =
      Reopening(item) ? number + " was reopened" : "The swarm of " + number + " started again";
  BlockMessage message(why + "; the swarm is back in this channel");
  message.Section(":arrows_counterclockwise: " + why +
                  ", so this channel is open again and everyone who worked on it is invited "
                  "back. The summary above is kept current.");
  const json::object body = message.ToObject();
  const std::string channel = (*swarm)->channel_id.str();
  auto posted = co_await detail::PostOnce(api, item, channel, body);
  if (!posted) {
    if (posted.error().Retryable()) {
      co_return posted.error();
    }
    spdlog::warn("event=swarm.unarchived_note_failed incident={} error={}", number,
                 Reason(posted.error()));
    if (auto noted = services_.incidents.NoteProblem(
            incident, "Couldn't post the reopening note: Slack said " + Reason(posted.error()));
        !noted) {
      co_return noted;
    }
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
