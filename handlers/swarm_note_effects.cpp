#include "handlers/swarm_note_effects.hpp"

#include <string>

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "common/form.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/await_channel.hpp"
#include "handlers/detail/post_once.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/detail/slack_words.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
namespace effect = lifecycle::effect;
using boost::asio::awaitable;

// What the people who can fix it should do, for Slack's refusal `reason`.
std::string ArchiveAdvice(std::string_view reason, const std::string& app_name,
                          const std::string& number) {
  const std::string again = "`/swarm close " + number + "`";
  if (reason == "not_in_channel" || reason == "channel_not_found") {
    return "To close it, invite " + app_name + " back (`/invite @" + app_name +
           "` in the channel) and run " + again + " again, or archive the channel yourself.";
  }
  return "To close it, run " + again + " again, or archive the channel yourself in Slack.";
}

// The people and groups a refused start was to invite, besides its starter:
// nobody was invited, so the retry must name them again.
std::string NameThemAgain(const store::OutboxItem& item, const std::string& starter) {
  std::vector<std::string> named;
  for (const std::string& user : detail::IdsArg(item, effect::kArgUsers)) {
    if (user != starter) {
      named.push_back(UserMention(UserId(user)));
    }
  }
  for (const std::string& group : detail::IdsArg(item, effect::kArgUsergroups)) {
    named.push_back(UsergroupMention(UserGroupId(group)));
  }
  if (named.empty()) {
    return {};
  }
  return " Name " + JoinWithAnd(named) + " in it again: nobody was invited.";
}

}  // namespace

awaitable<Status> SwarmNoteEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  auto incident = detail::RequiredNumberArg(item, effect::kArgIncident);
  if (!incident) {
    co_return incident.error();
  }
  if (item.kind == effect::kPostNote) {
    co_return co_await PostNote(item, api, *incident);
  }
  if (item.kind == effect::kTellChannelRefused) {
    co_return co_await TellChannelRefused(item, api, *incident);
  }
  co_return co_await TellArchiveFailed(item, api, *incident);
}

awaitable<Status> SwarmNoteEffects::PostNote(store::OutboxItem& item, SlackApi& api,
                                             std::int64_t incident) {
  auto swarm = services_.swarms.FindByIncident(incident);
  if (!swarm) {
    co_return swarm.error();
  }
  const bool live = *swarm && ((*swarm)->state == store::SwarmState::kStarting ||
                               (*swarm)->state == store::SwarmState::kActive);
  if (!live) {
    co_return Status{};  // closed meanwhile; the timeline has it
  }
  if ((*swarm)->channel_id.empty()) {
    co_return detail::AwaitSwarmChannel(services_, incident, item);
  }
  const std::string text = FormValue(item.args, effect::kArgText).value_or("");
  BlockMessage message(text);
  message.Section(text);
  const json::object body = message.ToObject();
  const std::string channel = (*swarm)->channel_id.str();
  auto posted = co_await detail::PostOnce(api, item, channel, body);
  if (!posted) {
    if (posted.error().Retryable()) {
      co_return posted.error();
    }
    spdlog::warn("event=swarm.note_failed incident={} error={}",
                 store::IncidentNumberText(incident), posted.error().slack_error);
  }
  co_return Status{};
}

awaitable<Status> SwarmNoteEffects::TellArchiveFailed(store::OutboxItem& item, SlackApi& api,
                                                      std::int64_t incident) {
  const std::string number = store::IncidentNumberText(incident);
  const std::string channel = FormValue(item.args, effect::kArgChannel).value_or("");
  const std::string closer = FormValue(item.args, effect::kArgUser).value_or("");
  const std::string reason = FormValue(item.args, effect::kArgReason).value_or("");
  // Reopened meanwhile, the swarm went on in a new channel: this one is left over.
  const bool moved_on = FormValue(item.args, effect::kArgMovedOn).value_or("") == "1";
  const std::string advice =
      moved_on ? "The swarm of " + number +
                     " has moved to a new channel since, so nothing keeps this one: archive it "
                     "yourself in Slack."
               : ArchiveAdvice(reason, services_.settings.app_name, number);
  const std::string stays = moved_on ? "" : ", so the swarm stays active there";
  // The code itself is on the timeline and in the log (SwarmService::ArchiveFailed).
  const std::string why = detail::ArchiveRefusalInWords(reason);

  BlockMessage here(moved_on ? "This channel couldn't be archived"
                             : "This channel couldn't be archived, so the swarm stays active here");
  here.Section(":warning: This channel couldn't be archived (" + why + ")" +
               (moved_on ? ". " : ", so the swarm of " + number + " stays active here. ") + advice);
  const json::object here_body = here.ToObject();
  // Usually swarmbot can't post there either (that is why it failed).
  if (auto posted = co_await detail::PostOnce(api, item, channel, here_body); !posted) {
    if (posted.error().Retryable()) {
      co_return posted.error();
    }
    spdlog::info("event=swarm.archive_failed_untold where=channel incident={}", number);
  }
  if (closer.empty()) {
    co_return Status{};
  }
  auto dm = co_await detail::OpenDirectMessage(api, closer);
  if (!dm) {
    co_return dm.error();
  }
  BlockMessage direct("The swarm channel of " + number + " couldn't be archived" + stays);
  direct.Section(":warning: You closed " + number + "'s swarm, but " +
                 ChannelMention(ChannelId(channel)) + " couldn't be archived (" + why + ")" +
                 stays + ". " + advice);
  const json::object direct_body = direct.ToObject();
  auto told = co_await detail::PostOnce(api, item, *dm, direct_body);
  if (!told) {
    co_return told.error();
  }
  co_return Status{};
}

awaitable<Status> SwarmNoteEffects::TellChannelRefused(store::OutboxItem& item, SlackApi& api,
                                                       std::int64_t incident) {
  const std::string number = store::IncidentNumberText(incident);
  const std::string starter = FormValue(item.args, effect::kArgUser).value_or("");
  const std::string reason = FormValue(item.args, effect::kArgReason).value_or("");
  auto swarm = services_.swarms.FindByIncident(incident);
  if (!swarm) {
    co_return swarm.error();
  }
  if (starter.empty() || !*swarm) {
    co_return Status{};
  }
  auto dm = co_await detail::OpenDirectMessage(api, starter);
  if (!dm) {
    co_return dm.error();
  }
  const std::string name = "#" + EscapeMrkdwn((*swarm)->channel_name);
  BlockMessage message("The swarm channel of " + number + " couldn't be created");
  message.Section(":warning: Slack refused to create " + name + " for the swarm of " + number +
                  " (it said `" + EscapeMrkdwn(reason) +
                  "`), so the swarm didn't start. `/swarm start " + number +
                  "` tries again once that is sorted out." + NameThemAgain(item, starter));
  const json::object body = message.ToObject();
  auto told = co_await detail::PostOnce(api, item, *dm, body);
  if (!told) {
    co_return told.error();
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
