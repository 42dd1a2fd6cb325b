#include "handlers/detail/effect_post.hpp"

#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers::detail {
namespace json = boost::json;

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
