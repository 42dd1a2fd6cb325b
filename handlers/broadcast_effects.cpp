#include "handlers/broadcast_effects.hpp"

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include "handlers/detail/slack_call.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/notify_commands.hpp"
#include "lifecycle/effects.hpp"
#include "store/broadcast_repository.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using detail::CallSlack;

// Built outside the coroutines: GCC 12 mishandles braced lists of string
// literals inside them.
json::object UpdateArgs(const BlockMessage& message, const store::Broadcast& broadcast) {
  json::object args = message.ToObject();
  args["channel"] = broadcast.report_channel.str();
  args["ts"] = broadcast.progress_ts.str();
  return args;
}

Status Failed(std::int64_t broadcast, std::string_view what, const Error& error) {
  if (!error.Retryable()) {
    spdlog::warn("event=broadcast.effect_failed broadcast={} what=\"{}\" error={}",
                 store::BroadcastNumberText(broadcast), what,
                 error.slack_error.empty() ? error.detail : error.slack_error);
  }
  return error;
}

// Archived (the incident closed while sending) or deleted: no later update
// of the progress message can succeed.
bool ChannelGone(const Error& error) {
  return detail::IsArchivedChannel(error) || detail::IsSlackError(error, "channel_not_found");
}

BlockMessage OutcomeForSender(const lifecycle::BroadcastStatus& status) {
  BlockMessage message = BroadcastProgress(status);
  message.Context({"Sent to you: " + ChannelMention(status.broadcast.report_channel) +
                   ", where this was shown, was archived before the e-mail was done."});
  return message;
}

}  // namespace

bool BroadcastEffects::Handles(std::string_view kind) {
  return kind.starts_with(lifecycle::effect::kBroadcastEffectPrefix);
}

awaitable<Status> BroadcastEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  const auto broadcast = detail::RequiredNumberArg(item, lifecycle::effect::kArgBroadcast);
  if (!broadcast) {
    co_return broadcast.error();
  }
  if (item.kind == lifecycle::effect::kPostBroadcastProgress) {
    co_return co_await Post(item, api, *broadcast);
  }
  if (item.kind == lifecycle::effect::kUpdateBroadcastProgress) {
    co_return co_await Update(item, api, *broadcast);
  }
  if (item.kind == lifecycle::effect::kPostBroadcastStopped) {
    co_return co_await PostStopped(item, api, *broadcast);
  }
  if (item.kind == lifecycle::effect::kCheckBroadcastGiveUp) {
    co_return services_.broadcasts.GiveUpIfStillUnreachable(*broadcast);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Status> BroadcastEffects::Post(store::OutboxItem& item, SlackApi& api,
                                         std::int64_t broadcast) {
  auto status = services_.broadcasts.StatusOf(broadcast);
  if (!status) {
    co_return status.error();
  }
  const ChannelId channel = status->broadcast.report_channel;
  if (channel.empty() || !status->broadcast.progress_ts.empty()) {
    co_return Status{};
  }
  auto earlier = co_await detail::FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return Failed(broadcast, "look for the progress message", earlier.error());
  }
  if (*earlier) {
    co_return services_.broadcasts.RecordProgressMessage(broadcast, **earlier);
  }
  const json::object args = detail::TaggedPostArgs(BroadcastProgress(*status), channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return Failed(broadcast, "post the progress message", posted.error());
  }
  co_return services_.broadcasts.RecordProgressMessage(broadcast,
                                                       MessageTs(posted->StringOr("ts")));
}

awaitable<Status> BroadcastEffects::Update(store::OutboxItem& item, SlackApi& api,
                                           std::int64_t broadcast) {
  auto status = services_.broadcasts.StatusOf(broadcast);
  if (!status) {
    co_return status.error();
  }
  if (status->broadcast.progress_ts.empty()) {
    co_return Status{};  // never posted; nothing to refresh
  }
  const json::object args = UpdateArgs(BroadcastProgress(*status), status->broadcast);
  auto updated = co_await CallSlack(api, "chat.update", args);
  if (!updated && ChannelGone(updated.error())) {
    co_return co_await TellSender(item, api, *status);
  }
  if (!updated) {
    co_return Failed(broadcast, "update the progress message", updated.error());
  }
  co_return Status{};
}

awaitable<Status> BroadcastEffects::TellSender(store::OutboxItem& item, SlackApi& api,
                                               const lifecycle::BroadcastStatus& status) {
  const store::Broadcast& broadcast = status.broadcast;
  if (broadcast.state != store::BroadcastState::kDone &&
      broadcast.state != store::BroadcastState::kStopped) {
    co_return Status{};  // the last update, when it is over, tells the outcome
  }
  auto dm = co_await detail::OpenDirectMessage(api, broadcast.requested_by.str());
  if (!dm) {
    co_return Failed(broadcast.number, "open the sender's direct messages", dm.error());
  }
  const ChannelId channel(*dm);
  auto earlier = co_await detail::FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return Failed(broadcast.number, "look for the outcome message", earlier.error());
  }
  if (*earlier) {
    co_return Status{};
  }
  const json::object args = detail::TaggedPostArgs(OutcomeForSender(status), channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return Failed(broadcast.number, "tell the sender the outcome", posted.error());
  }
  spdlog::info("event=broadcast.outcome_to_sender broadcast={} user={}",
               store::BroadcastNumberText(broadcast.number), broadcast.requested_by.str());
  co_return Status{};
}

awaitable<Status> BroadcastEffects::PostStopped(store::OutboxItem& item, SlackApi& api,
                                                std::int64_t broadcast) {
  auto status = services_.broadcasts.StatusOf(broadcast);
  if (!status) {
    co_return status.error();
  }
  const ChannelId channel = status->broadcast.report_channel;
  if (channel.empty()) {
    co_return Status{};
  }
  auto earlier = co_await detail::FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return Failed(broadcast, "look for the stop notice", earlier.error());
  }
  if (*earlier) {
    co_return Status{};
  }
  const std::string text = BroadcastStoppedNotice(*status);
  BlockMessage notice(text);
  notice.Section(text);
  const json::object args = detail::TaggedPostArgs(notice, channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted && ChannelGone(posted.error())) {
    co_return Status{};  // the sender was told the outcome (TellSender)
  }
  if (!posted) {
    co_return Failed(broadcast, "post the stop notice", posted.error());
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
