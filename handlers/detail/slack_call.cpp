#include "handlers/detail/slack_call.hpp"

#include <charconv>
#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/form.hpp"

// GCC 12 at -O2 reports -Wmismatched-new-delete when it inlines one asio
// coroutine's frame allocation into another; a false positive (see
// effect_runner.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

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

std::optional<std::int64_t> NumberArg(const store::OutboxItem& item, std::string_view name) {
  const auto text = FormValue(item.args, name);
  std::int64_t number = 0;
  if (!text || text->empty() ||
      std::from_chars(text->data(), text->data() + text->size(), number).ec != std::errc{}) {
    return std::nullopt;
  }
  return number;
}

}  // namespace swarmbot::handlers::detail
