#include "handlers/banner_effects.hpp"

#include <spdlog/spdlog.h>

#include "handlers/block_kit.hpp"
#include "handlers/detail/post_once.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/mrkdwn.hpp"
#include "lifecycle/effects.hpp"
#include "store/banner_repository.hpp"

namespace swarmbot::handlers {
namespace {

namespace effect = lifecycle::effect;

std::string Who(std::string_view actor) {
  return actor.empty() || actor == "swarmbot" ? std::string("swarmbot")
                                              : UserMention(UserId(std::string(actor)));
}

// The line for one banner event, in mrkdwn.
std::string AnnouncementText(const store::Banner& banner, std::string_view event,
                             std::int64_t incident) {
  const std::string audience = lifecycle::AudienceWords(banner.audience);
  const std::string quoted = "\"" + EscapeMrkdwn(banner.text) + "\"";
  if (event == "set") {
    std::string text = ":loudspeaker: " + UserMention(banner.set_by) +
                       " put up a site banner for " + audience + " (" +
                       std::string(store::Name(banner.severity)) + "): " + quoted;
    if (!banner.link.empty()) {
      text += " " + EscapeMrkdwn(banner.link);
    }
    return text;
  }
  if (event == "replaced") {
    return ":loudspeaker: The site banner for " + audience + " (" + quoted +
           ") was replaced by a newer one.";
  }
  if (event == "closed") {
    return ":white_check_mark: The site banner for " + audience + " came down as " +
           store::IncidentNumberText(incident) + " closed: " + quoted;
  }
  return ":white_check_mark: " + Who(banner.cleared_by) + " took down the site banner for " +
         audience + ": " + quoted;
}

}  // namespace

bool BannerEffects::Handles(std::string_view kind) {
  return kind.starts_with(effect::kBannerEffectPrefix);
}

boost::asio::awaitable<Status> BannerEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  const auto banner_id = detail::NumberArg(item, effect::kArgBanner);
  const std::string event = FormValue(item.args, effect::kArgBannerEvent).value_or("");
  if (item.kind != effect::kBannerAnnounce || !incident || !banner_id) {
    co_return MakeError(Errc::kInternal, "malformed banner effect " + std::to_string(item.id));
  }
  auto status = services_.incidents.StatusOf(*incident, 0);
  if (!status) {
    co_return status.error();
  }
  // The banner's row outlives its clearing, so it is read back whatever happened since.
  auto banner = services_.banners.Find(*banner_id);
  if (!banner) {
    co_return banner.error();
  }
  const auto& swarm = status->swarm;
  if (!swarm || swarm->channel_id.empty() || swarm->state == store::SwarmState::kArchived) {
    co_return Status{};
  }
  const std::string text = AnnouncementText(*banner, event, *incident);
  const boost::json::object message = BlockMessage(text).Section(text).ToObject();
  const std::string channel = swarm->channel_id.str();
  auto posted = co_await detail::PostOnce(api, item, channel, message);
  if (posted) {
    co_return Status{};
  }
  if (!posted.error().Retryable()) {
    spdlog::warn(
        "event=effect.failed id={} kind={} error={}", item.id, item.kind,
        posted.error().slack_error.empty() ? posted.error().detail : posted.error().slack_error);
  }
  co_return posted.error();
}

}  // namespace swarmbot::handlers
