#include "handlers/detail/post_once.hpp"

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/slack_call.hpp"

namespace swarmbot::handlers::detail {

namespace json = boost::json;
using boost::asio::awaitable;

awaitable<Result<MessageTs>> PostOnce(SlackApi& api, const store::OutboxItem& item,
                                      const std::string& channel, const json::object& message) {
  const std::string effect_id = std::to_string(item.id);
  if (item.attempts > 0) {
    json::object query;
    query["channel"] = channel;
    query["limit"] = 100;
    query["include_all_metadata"] = true;
    auto history = co_await CallSlack(api, "conversations.history", query);
    if (!history) {
      co_return history.error();
    }
    for (std::size_t i = 0; i < history->ArraySize("messages"); ++i) {
      const std::string base = "messages." + std::to_string(i);
      if (history->StringOr(base + ".metadata.event_payload.effect_id") == effect_id) {
        co_return MessageTs(history->StringOr(base + ".ts"));
      }
    }
  }
  json::object args = message;
  args["channel"] = channel;
  args["unfurl_links"] = false;
  json::object payload;
  payload["effect_id"] = effect_id;
  payload["effect_kind"] = item.kind;
  json::object metadata;
  metadata["event_type"] = "swarmbot_effect";
  metadata["event_payload"] = std::move(payload);
  args["metadata"] = std::move(metadata);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return posted.error();
  }
  co_return MessageTs(posted->StringOr("ts"));
}

}  // namespace swarmbot::handlers::detail
