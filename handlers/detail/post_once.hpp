#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers::detail {

// Posts `message` (a chat.postMessage body without its channel) in `channel`
// once per outbox item: the post carries the item's id in its metadata, and a
// retry (item.attempts > 0) first looks for that id in the channel's latest
// history page. Takes references; pass objects living in the awaiting frame.
boost::asio::awaitable<Status> PostOncePerItem(SlackApi& api, const store::OutboxItem& item,
                                               const std::string& channel,
                                               const boost::json::object& message);

}  // namespace swarmbot::handlers::detail
