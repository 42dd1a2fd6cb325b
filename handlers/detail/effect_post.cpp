#include "handlers/detail/effect_post.hpp"

#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers::detail {
namespace {

namespace json = boost::json;

// The metadata event type of swarmbot's own posts.
constexpr std::string_view kMetadataType = "swarmbot_effect";

}  // namespace

json::object PostWithEffectId(const BlockMessage& message, const ChannelId& channel,
                              std::int64_t item) {
  json::object args = message.ToObject();
  args["channel"] = channel.str();
  args["unfurl_links"] = false;
  args["metadata"] =
      json::object{{"event_type", kMetadataType},
                   {"event_payload", json::object{{"effect_id", std::to_string(item)}}}};
  return args;
}

json::object EffectHistoryQuery(const ChannelId& channel) {
  return json::object{{"channel", channel.str()}, {"limit", 100}, {"include_all_metadata", true}};
}

std::optional<MessageTs> FindEffectMessage(const FlatJson& history, std::int64_t item) {
  const std::string effect_id = std::to_string(item);
  for (std::size_t i = 0; i < history.ArraySize("messages"); ++i) {
    const std::string base = "messages." + std::to_string(i);
    if (history.StringOr(base + ".metadata.event_type") == kMetadataType &&
        history.StringOr(base + ".metadata.event_payload.effect_id") == effect_id) {
      return MessageTs(history.StringOr(base + ".ts"));
    }
  }
  return std::nullopt;
}

void AnswerClick(Services& services, const FlatJson& payload, std::string_view mrkdwn,
                 std::string_view what) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event={}.answer.no_response_url user={}", what, payload.StringOr("user.id"));
    return;
  }
  const json::object body{{"response_type", "ephemeral"},
                          {"replace_original", false},
                          {"text", Truncate(mrkdwn, kMaxFallbackText, true)}};
  if (auto queued = services.knowledge.QueueResponse(response_url, json::serialize(body));
      !queued) {
    spdlog::error("event={}.answer.failed detail=\"{}\"", what, queued.error().detail);
  }
}

}  // namespace swarmbot::handlers::detail
