#include "handlers/detail/post_once.hpp"

#include "handlers/detail/slack_call.hpp"

// As in effect_runner.cpp: GCC 12 reports a false -Wmismatched-new-delete
// when it inlines one coroutine frame's allocation into another.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace swarmbot::handlers::detail {

namespace json = boost::json;

boost::asio::awaitable<Status> PostOncePerItem(SlackApi& api, const store::OutboxItem& item,
                                               const std::string& channel,
                                               const json::object& message) {
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
    const std::size_t count = history->ArraySize("messages");
    for (std::size_t i = 0; i < count; ++i) {
      const std::string key = "messages." + std::to_string(i) + ".metadata.event_payload.effect_id";
      if (history->StringOr(key) == effect_id) {
        co_return Status{};  // posted before a crash hid the answer from the outbox
      }
    }
  }
  json::object body = message;
  body["channel"] = channel;
  body["unfurl_links"] = false;
  json::object payload;
  payload["effect_id"] = effect_id;
  json::object metadata;
  metadata["event_type"] = "swarmbot_effect";
  metadata["event_payload"] = std::move(payload);
  body["metadata"] = std::move(metadata);
  auto posted = co_await CallSlack(api, "chat.postMessage", body);
  if (!posted) {
    co_return posted.error();
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers::detail
