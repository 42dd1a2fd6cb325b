#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/ids.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"

namespace swarmbot::handlers::detail {

// chat.postMessage's arguments for `message` in `channel`, marked in its
// metadata with the outbox item that posts it, so that a retry after a crash
// can find the message (FindEffectMessage) instead of posting it twice.
boost::json::object PostWithEffectId(const BlockMessage& message, const ChannelId& channel,
                                     std::int64_t item);

// conversations.history's arguments for the latest page with metadata.
boost::json::object EffectHistoryQuery(const ChannelId& channel);

// The ts of the message in a conversations.history reply that outbox item
// `item` posted, if it is there.
std::optional<MessageTs> FindEffectMessage(const FlatJson& history, std::int64_t item);

// Answers a click with an ephemeral message through its response_url (queued
// on the outbox); `what` names the answer in the log when that fails.
void AnswerClick(Services& services, const FlatJson& payload, std::string_view mrkdwn,
                 std::string_view what);

}  // namespace swarmbot::handlers::detail
