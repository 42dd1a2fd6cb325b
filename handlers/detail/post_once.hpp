#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers::detail {

// Posts `message` (a chat.postMessage body without channel) in `channel`
// once for the outbox item `item`, and returns the message's ts: the post
// carries the outbox id and kind in its metadata (effect_id, effect_kind),
// and a retry first looks for that id
// in the channel's latest history page. Takes references: pass objects that
// live in the awaiting frame.
boost::asio::awaitable<Result<MessageTs>> PostOnce(SlackApi& api, const store::OutboxItem& item,
                                                   const std::string& channel,
                                                   const boost::json::object& message);

}  // namespace swarmbot::handlers::detail
