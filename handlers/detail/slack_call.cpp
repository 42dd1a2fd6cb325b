#include "handlers/detail/slack_call.hpp"

#include <charconv>
#include <ranges>
#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/form.hpp"

namespace swarmbot::handlers::detail {

boost::asio::awaitable<Result<FlatJson>> CallSlack(SlackApi& api, std::string_view method,
                                                   const boost::json::object& args) {
  spdlog::debug("event=effect.call method={}", method);
  std::string name(method);
  std::string body = boost::json::serialize(args);
  auto reply = co_await api.Call(std::move(name), std::move(body));
  if (!reply) {
    co_return reply.error();
  }
  auto flat = FlattenJson(reply->body, 6);
  if (!flat) {
    co_return MakeError(Errc::kUnavailable, std::string(method) + " answered with unreadable JSON");
  }
  co_return std::move(*flat);
}

bool IsSlackError(const Error& error, std::string_view code) {
  return error.code == Errc::kSlackError && error.slack_error == code;
}

bool IsArchivedChannel(const Error& error) {
  return IsSlackError(error, "is_archived") || IsSlackError(error, "is_inactive");
}

boost::asio::awaitable<bool> RefusedAsDeactivated(SlackApi& api, Error error) {
  // conversations.open says user_disabled, conversations.invite
  // user_is_deactivated (api.slack.com/methods/conversations.open).
  if (IsSlackError(error, "user_disabled") || IsSlackError(error, "user_is_deactivated")) {
    co_return true;
  }
  if (error.slack_error != "account_inactive") {
    co_return false;
  }
  const boost::json::object none;
  auto self = co_await CallSlack(api, "auth.test", none);
  co_return self.has_value();
}

std::optional<std::int64_t> NumberArg(const store::OutboxItem& item, std::string_view name) {
  const auto text = FormValue(item.args, name);
  std::int64_t number = 0;
  if (!text || text->empty() ||
      std::from_chars(text->data(), text->data() + text->size(), number).ec != std::errc{}) {
    return std::nullopt;
  }
  return number;
}

std::vector<std::string> IdsArg(const store::OutboxItem& item, std::string_view name) {
  const std::string list = FormValue(item.args, name).value_or("");
  std::vector<std::string> ids;
  for (const auto part : std::views::split(list, ',')) {
    if (!part.empty()) {
      ids.emplace_back(part.begin(), part.end());
    }
  }
  return ids;
}

namespace {

// The marker on posted messages that lets a retried post find its message.
constexpr std::string_view kMetadataType = "swarmbot_effect";

}  // namespace

boost::json::object TaggedPostArgs(const BlockMessage& message, const ChannelId& channel,
                                   std::int64_t item) {
  boost::json::object args = message.ToObject();
  args["channel"] = channel.str();
  args["unfurl_links"] = false;
  args["metadata"] = boost::json::object{
      {"event_type", kMetadataType},
      {"event_payload", boost::json::object{{"effect_id", std::to_string(item)}}}};
  return args;
}

boost::asio::awaitable<Result<std::string>> OpenDirectMessage(SlackApi& api, std::string user) {
  const boost::json::object args{{"users", user}};
  auto opened = co_await CallSlack(api, "conversations.open", args);
  if (!opened) {
    co_return opened.error();
  }
  co_return opened->StringOr("channel.id");
}

boost::json::object HistoryQuery(const ChannelId& channel) {
  return boost::json::object{
      {"channel", channel.str()}, {"limit", 100}, {"include_all_metadata", true}};
}

std::optional<MessageTs> FindTaggedMessage(const FlatJson& history, std::int64_t item) {
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

Result<std::int64_t> RequiredNumberArg(const store::OutboxItem& item, std::string_view name) {
  if (auto number = NumberArg(item, name)) {
    return *number;
  }
  return MakeError(Errc::kInternal, "outbox item " + std::to_string(item.id) + " has no " +
                                        std::string(name) + " argument");
}

void LogEffectRun(const store::OutboxItem& item) {
  spdlog::info("event=effect.run id={} stream={} kind={} attempt={}", item.id, item.stream,
               item.kind, item.attempts + 1);
}

boost::asio::awaitable<Result<std::optional<MessageTs>>> FindEarlierPost(
    const store::OutboxItem& item, SlackApi& api, const ChannelId& channel) {
  if (item.attempts == 0) {
    co_return std::optional<MessageTs>{};
  }
  const boost::json::object query = HistoryQuery(channel);
  auto history = co_await CallSlack(api, "conversations.history", query);
  if (!history) {
    co_return history.error();
  }
  co_return FindTaggedMessage(*history, item.id);
}

}  // namespace swarmbot::handlers::detail
