#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers::detail {

// Calls `method` and reads its reply; Slack's ok:false arrives as an Error
// from SlackApi already. Takes references: pass objects that live in the
// awaiting frame, never temporaries (GCC 12 may destroy a temporary in a
// co_await expression twice).
boost::asio::awaitable<Result<FlatJson>> CallSlack(SlackApi& api, std::string_view method,
                                                   const boost::json::object& args);

// The id of the direct message channel with `user` (conversations.open).
boost::asio::awaitable<Result<std::string>> OpenDirectMessage(SlackApi& api, std::string user);

// Whether `error` is Slack's ok:false with this error code.
bool IsSlackError(const Error& error, std::string_view code);
// Whether `error` says the channel is archived: `is_archived` from posts and
// invites, `is_inactive` from chat.update.
bool IsArchivedChannel(const Error& error);

// Whether Slack refused a call about one person (conversations.open,
// users.getPresence…) because that person's account is deactivated.
// account_inactive also answers any call made with a dead token, so it counts
// only when auth.test shows swarmbot's own token still works.
boost::asio::awaitable<bool> RefusedAsDeactivated(SlackApi& api, Error error);

// The outbox item's argument `name` as a number, if it holds one.
std::optional<std::int64_t> NumberArg(const store::OutboxItem& item, std::string_view name);
// The ids in the outbox item's comma-separated argument `name` ("U1,U2").
std::vector<std::string> IdsArg(const store::OutboxItem& item, std::string_view name);
// NumberArg for an argument the effect can't run without: kInternal naming
// the item when it is missing (a bug in whatever enqueued it).
Result<std::int64_t> RequiredNumberArg(const store::OutboxItem& item, std::string_view name);
// The log line every effect starts with.
void LogEffectRun(const store::OutboxItem& item);

// chat.postMessage arguments for `message` in `channel`, with the outbox item's
// id in the message's metadata so that a retry after a crash can find the
// message instead of posting it twice (FindTaggedMessage).
boost::json::object TaggedPostArgs(const BlockMessage& message, const ChannelId& channel,
                                   std::int64_t item);
// conversations.history arguments for the channel's latest page, metadata included.
boost::json::object HistoryQuery(const ChannelId& channel);
// The ts of the message outbox item `item` posted, if conversations.history's
// answer `history` holds it.
std::optional<MessageTs> FindTaggedMessage(const FlatJson& history, std::int64_t item);
// On a retry of outbox item `item` (attempts > 0), the ts of the message it
// posted to `channel` before a crash kept the outbox from hearing, if
// conversations.history shows one; nothing on a first attempt.
boost::asio::awaitable<Result<std::optional<MessageTs>>> FindEarlierPost(
    const store::OutboxItem& item, SlackApi& api, const ChannelId& channel);

}  // namespace swarmbot::handlers::detail
