#include "handlers/routing_effects.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/post_once.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
namespace effect = lifecycle::effect;
using boost::asio::awaitable;

// Cases named in one "cases moved" message before "and N more".
constexpr std::size_t kCasesListed = 15;

std::vector<std::int64_t> NumbersArg(const store::OutboxItem& item, std::string_view name) {
  std::vector<std::int64_t> numbers;
  const std::string text = FormValue(item.args, name).value_or("");
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    std::int64_t number = 0;
    if (std::from_chars(text.data() + at, text.data() + comma, number).ec == std::errc{}) {
      numbers.push_back(number);
    }
    at = comma + 1;
  }
  return numbers;
}

// Posts `message` (a chat.postMessage body without channel) in `channel`
// once: a retry first looks for the outbox id in the channel's history.
awaitable<Status> PostOnce(SlackApi& api, const store::OutboxItem& item, std::string channel,
                           json::object message) {
  auto posted = co_await detail::PostOnce(api, item, channel, message);
  if (!posted) {
    co_return posted.error();
  }
  co_return Status{};
}

// A failure that retrying can't fix is logged and dropped: the assignment or
// the move stands; only the message is lost.
Status Settle(const Status& status, std::string_view what, const store::OutboxItem& item) {
  if (status || status.error().Retryable()) {
    return status;
  }
  const Error& error = status.error();
  spdlog::warn("event=effect.failed id={} kind={} what=\"{}\" error={}", item.id, item.kind, what,
               error.slack_error.empty() ? error.detail : error.slack_error);
  return error;
}

json::object PlainMessage(const std::string& mrkdwn) {
  json::object message = BlockMessage(mrkdwn).Section(mrkdwn).ToObject();
  return message;
}

// The new owner's next steps. A live swarm is named: they are added to it
// (RoutingService's owner effects), so pointing at `/swarm start` would mislead.
std::string OwnerIntro(const lifecycle::IncidentStatus& status, const UserId& owner) {
  const std::string number = store::IncidentNumberText(status.incident.number);
  const std::string take = "`/incident take-cases " + number + "` moves its linked cases to you";
  const auto& swarm = status.swarm;
  const bool live = swarm && (swarm->state == store::SwarmState::kStarting ||
                              swarm->state == store::SwarmState::kActive);
  if (!live) {
    return "You now own *" + number + "*. Next: " + take + "; `/swarm start " + number +
           "` brings experts together.";
  }
  const std::string where = swarm->channel_id.empty() ? "#" + EscapeMrkdwn(swarm->channel_name)
                                                      : ChannelMention(swarm->channel_id);
  const bool present = std::any_of(status.members.begin(), status.members.end(),
                                   [&](const auto& m) { return m.user == owner && m.Present(); });
  const std::string swarming =
      present ? "You're in its swarm channel " + where + " already."
              : "Its swarm gathers in " + where + ", and you're being added to it.";
  return "You now own *" + number + "*. " + swarming + " Next: " + take + ".";
}

}  // namespace

awaitable<Status> RoutingEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  if (item.kind == effect::kAssign) {
    co_return co_await Assign(api);
  }
  if (item.kind == effect::kNotifyOwner) {
    co_return co_await NotifyOwner(item, api);
  }
  if (item.kind == effect::kTellManagers) {
    co_return co_await TellManagers(item, api);
  }
  if (item.kind == effect::kOwnerDeactivated) {
    co_return co_await TellOwnerDeactivated(item, api);
  }
  if (item.kind == effect::kCasesMoved || item.kind == effect::kCasesClosed) {
    co_return co_await TellCaseOwner(item, api);
  }
  if (item.kind == effect::kCaseReopened) {
    co_return co_await TellCaseReopened(item, api);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Status> RoutingEffects::Assign(SlackApi& api) {
  auto needed = services_.routing.PresenceNeeded();
  if (!needed) {
    co_return needed.error();
  }
  std::map<UserId, bool> active;
  for (const UserId& user : *needed) {
    json::object args;
    args["user"] = user.str();
    auto presence = co_await detail::CallSlack(api, "users.getPresence", args);
    if (!presence) {
      if (presence.error().Retryable()) {
        co_return presence.error();
      }
      // user_not_found and the like: someone Slack can't vouch for is away.
      spdlog::warn("event=routing.presence_failed user={} error={}", user.str(),
                   presence.error().slack_error);
      const Error refusal = presence.error();
      if (auto noted = co_await NoteIfDeactivated(api, user, refusal); !noted) {
        co_return noted.error();
      }
      active[user] = false;
      continue;
    }
    active[user] = presence->StringOr("presence") == "active";
  }
  auto served = services_.routing.ServeQueue(active);
  if (!served) {
    co_return served.error();
  }
  co_return Status{};
}

awaitable<Status> RoutingEffects::NotifyOwner(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const std::string user = FormValue(item.args, effect::kArgUsers).value_or("");
  if (!incident || user.empty()) {
    co_return MakeError(Errc::kInternal, "routing.notify_owner without incident or user");
  }
  auto status = services_.incidents.StatusOf(*incident, 0);
  if (!status) {
    co_return status.error();
  }
  if (status->incident.owner.str() != user) {
    co_return Status{};  // reassigned before the message went out; the new owner gets theirs
  }
  const std::string number = store::IncidentNumberText(*incident);
  const std::string intro = OwnerIntro(*status, UserId(user));
  json::object message = IncidentSummary(*status).ToObject();
  json::object section;
  section["type"] = "section";
  json::object text;
  text["type"] = "mrkdwn";
  text["text"] = intro;
  section["text"] = std::move(text);
  message["blocks"].as_array().insert(message["blocks"].as_array().begin(), std::move(section));
  message["text"] = "You now own " + number + ": " + EscapeMrkdwn(status->incident.subject);

  const UserId recipient(user);
  auto channel = co_await detail::OpenDirectMessage(api, user);
  if (!channel) {
    const Error refusal = channel.error();
    if (auto noted = co_await NoteIfDeactivated(api, recipient, refusal); !noted) {
      co_return noted.error();
    }
    co_return Settle(channel.error(), "open a DM with the owner", item);
  }
  auto posted = co_await PostOnce(api, item, *channel, std::move(message));
  co_return Settle(posted, "tell the owner", item);
}

awaitable<Status> RoutingEffects::TellManagers(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const ChannelId managers = services_.settings.managers_channel;
  if (!incident || managers.empty()) {
    co_return Status{};
  }
  auto reason = services_.routing.WaitingReason(*incident);
  if (!reason) {
    co_return Status{};  // assigned meanwhile: nothing to tell
  }
  const std::string number = store::IncidentNumberText(*incident);
  const std::string text = ":hourglass: Nobody can take *" + number +
                           "* yet: " + EscapeMrkdwn(*reason) +
                           ". It waits in the routing queue and goes to the first person who "
                           "becomes free; `/incident assign " +
                           number + " @person` picks someone now.";
  auto posted = co_await PostOnce(api, item, managers.str(), PlainMessage(text));
  co_return Settle(posted, "tell the managers", item);
}

awaitable<Status> RoutingEffects::TellOwnerDeactivated(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const std::string user = FormValue(item.args, effect::kArgUsers).value_or("");
  const ChannelId managers = services_.settings.managers_channel;
  if (!incident || managers.empty()) {
    co_return Status{};
  }
  auto status = services_.incidents.StatusOf(*incident, 0);
  if (!status) {
    co_return status.error();
  }
  if (status->incident.owner.str() != user || !status->owner_deactivated) {
    co_return Status{};  // reassigned, or the account is back: nothing to ask of anyone
  }
  const std::string number = store::IncidentNumberText(*incident);
  const std::string route = "`/incident assign " + number + "`";
  const std::string pick = "`/incident assign " + number + " @person`";
  const std::string text = ":warning: " + UserMention(UserId(user)) + " owns *" + number + "* (" +
                           EscapeMrkdwn(Truncate(status->incident.subject, 80)) +
                           "), and their Slack account is deactivated. It stays theirs until "
                           "someone reassigns it: " +
                           route + " routes it again by skills; " + pick + " gives it to someone.";
  auto posted = co_await PostOnce(api, item, managers.str(), PlainMessage(text));
  co_return Settle(posted, "tell the managers of a deactivated owner", item);
}

awaitable<Status> RoutingEffects::NoteIfDeactivated(SlackApi& api, UserId user, Error error) {
  if (!co_await detail::RefusedAsDeactivated(api, error)) {
    co_return Status{};
  }
  auto recorded =
      services_.routing.RecordSlackAccount(user, true, "Slack answered " + error.slack_error);
  if (!recorded) {
    co_return recorded.error();
  }
  co_return Status{};
}

awaitable<Status> RoutingEffects::TellCaseOwner(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const UserId owner(FormValue(item.args, effect::kArgUsers).value_or(""));
  const std::vector<std::int64_t> numbers = NumbersArg(item, effect::kArgCases);
  if (!incident || owner.empty() || numbers.empty()) {
    co_return MakeError(Errc::kInternal, item.kind + " without incident, user or cases");
  }
  auto found = services_.incidents.FindIncident(*incident);
  if (!found) {
    co_return found.error();
  }
  const bool closed = item.kind == effect::kCasesClosed;
  const std::string number = store::IncidentNumberText(*incident);
  const std::string about = "*" + number + "* (" + EscapeMrkdwn(Truncate(found->subject, 80)) + ")";
  const std::string resolution = EscapeMrkdwn(
      Truncate(found->close_note.empty() ? "closed with the incident" : found->close_note, 300));
  std::string list;
  for (std::size_t i = 0; i < numbers.size() && i < kCasesListed; ++i) {
    auto c = services_.cases.FindCase(numbers[i]);
    list += "\n• " + store::CaseNumberText(numbers[i]) +
            (c ? " " + EscapeMrkdwn(Truncate(c->subject, 80)) : std::string());
  }
  if (numbers.size() > kCasesListed) {
    list += "\n…and " + std::to_string(numbers.size() - kCasesListed) + " more";
  }
  const std::string cases =
      std::to_string(numbers.size()) + (numbers.size() == 1 ? " case" : " cases");
  const std::string text =
      closed ? cases + " of yours closed with " + about + ". Resolution: " + resolution + "." + list
             : cases + " of yours moved to " + UserMention(found->owner) + ", who owns " + about +
                   ":" + list;
  auto told = co_await ToldDirectly(item, api, owner, text, "a previous owner");
  if (!told || *told) {
    co_return told ? Status{} : Status(told.error());
  }
  // Their account is deactivated. Cases moved away from them are in hand
  // (the incident's owner took them); cases that closed are news nobody
  // would hear, so the managers' channel is told, as for a reopened case.
  const ChannelId managers = services_.settings.managers_channel;
  if (!closed || managers.empty()) {
    spdlog::info("event=routing.case_owner_not_told kind={} incident={} owner={} cases={}",
                 item.kind, number, owner.str(), numbers.size());
    co_return Status{};
  }
  const std::string instead = ":warning: " + cases + " of " + UserMention(owner) + " closed with " +
                              about + ". Resolution: " + resolution +
                              ". Their Slack account is deactivated, so they weren't told; "
                              "someone else may want to follow up with the customers." +
                              list;
  auto posted = co_await PostOnce(api, item, managers.str(), PlainMessage(instead));
  co_return Settle(posted, "tell the managers of a deactivated case owner", item);
}

awaitable<Status> RoutingEffects::TellCaseReopened(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const std::string user = FormValue(item.args, effect::kArgUsers).value_or("");
  const std::vector<std::int64_t> numbers = NumbersArg(item, effect::kArgCases);
  if (!incident || numbers.size() != 1) {
    co_return MakeError(Errc::kInternal, item.kind + " without incident or case");
  }
  auto found = services_.incidents.FindIncident(*incident);
  if (!found) {
    co_return found.error();
  }
  auto c = services_.cases.FindCase(numbers.front());
  const std::string how = FormValue(item.args, effect::kArgText).value_or("the customer");
  const ChannelId managers = services_.settings.managers_channel;
  if (user.empty()) {
    // Nobody's queue holds it: without this the customer's answer waits unseen.
    if (managers.empty()) {
      spdlog::info("event=routing.case_reopened_untold kind={} case={}", item.kind,
                   store::CaseNumberText(numbers.front()));
      co_return Status{};
    }
    const std::string unowned =
        ":warning: *" + store::CaseNumberText(numbers.front()) + "*" +
        (c ? " (" + EscapeMrkdwn(Truncate(c->subject, 80)) + ")" : std::string()) +
        " was reopened by " + EscapeMrkdwn(Truncate(how, 250)) + " after *" +
        store::IncidentNumberText(*incident) +
        "* closed and is no longer linked to it. It has no owner, so nobody was told; someone "
        "should take it.";
    auto posted = co_await PostOnce(api, item, managers.str(), PlainMessage(unowned));
    co_return Settle(posted, "tell the managers of a reopened unowned case", item);
  }
  const std::string text =
      "*" + store::CaseNumberText(numbers.front()) + "*" +
      (c ? " (" + EscapeMrkdwn(Truncate(c->subject, 80)) + ")" : std::string()) +
      " was reopened by " + EscapeMrkdwn(Truncate(how, 250)) + ". It is no longer linked to *" +
      store::IncidentNumberText(*incident) + "* (" + EscapeMrkdwn(Truncate(found->subject, 80)) +
      "), which is " + std::string(store::Name(found->state)) + ", and is back in your open queue.";
  auto told = co_await ToldDirectly(item, api, UserId(user), text, "a reopened case's owner");
  if (!told || *told) {
    co_return told ? Status{} : Status(told.error());
  }
  if (managers.empty()) {
    spdlog::info("event=routing.case_owner_not_told kind={} owner={}", item.kind, user);
    co_return Status{};
  }
  // Nobody would hear of the customer otherwise: the case waits in the queue
  // of someone who can't read Slack.
  const std::string instead =
      ":warning: *" + store::CaseNumberText(numbers.front()) + "* was reopened by " +
      EscapeMrkdwn(Truncate(how, 250)) + " after *" + store::IncidentNumberText(*incident) +
      "* closed. It is back in the queue of " + UserMention(UserId(user)) +
      ", whose Slack account is deactivated, so they weren't told; someone else should take "
      "it.";
  auto posted = co_await PostOnce(api, item, managers.str(), PlainMessage(instead));
  co_return Settle(posted, "tell the managers of a reopened case", item);
}

awaitable<Result<bool>> RoutingEffects::ToldDirectly(store::OutboxItem& item, SlackApi& api,
                                                     const UserId& owner, std::string text,
                                                     std::string who) {
  auto known = services_.routing.SlackDeactivated(owner);
  if (!known) {
    co_return known.error();
  }
  if (*known) {
    co_return false;  // a direct message would only be refused
  }
  auto told = co_await DirectMessage(item, api, owner, std::move(text), std::move(who));
  if (told) {
    co_return true;
  }
  if (told.error().Retryable()) {
    co_return told.error();
  }
  // (Not folded into the condition above: GCC 12 fails on co_await inside ||.)
  if (const bool deactivated = co_await detail::RefusedAsDeactivated(api, told.error());
      deactivated) {
    co_return false;
  }
  co_return told.error();
}

awaitable<Status> RoutingEffects::DirectMessage(store::OutboxItem& item, SlackApi& api,
                                                UserId recipient, std::string text,
                                                std::string who) {
  auto channel = co_await detail::OpenDirectMessage(api, recipient.str());
  if (!channel) {
    const Error refusal = channel.error();
    if (auto noted = co_await NoteIfDeactivated(api, recipient, refusal); !noted) {
      co_return noted.error();
    }
    co_return Settle(channel.error(), "open a DM with " + who, item);
  }
  auto posted = co_await PostOnce(api, item, *channel, PlainMessage(text));
  co_return Settle(posted, "tell " + who, item);
}

}  // namespace swarmbot::handlers
