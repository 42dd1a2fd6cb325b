#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs banner.* outbox items (lifecycle/effects.hpp): banner.announce
// posts one line about a banner in the incident's swarm channel, once (see
// detail::PostOnce). Nothing is posted when the swarm has no channel
// yet or is no longer live; a permanent Slack refusal is logged and dropped,
// since the banner itself stands. Retryable failures go back to the worker.
class BannerEffects {
 public:
  explicit BannerEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind);

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  detail::Services& services_;
};

}  // namespace swarmbot::handlers
