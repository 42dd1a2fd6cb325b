#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// A reopened incident's swarm back in its archived channel (issue #4):
// - swarm.unarchive calls conversations.unarchive with the user token (a bot
//   token is refused), then has that user invite the bot back (or, for a
//   public channel the user can't invite from, the bot joins). Slack's
//   not_archived and already_in_channel count as done, so a retry after a
//   crash goes through. When Slack refuses for good (no user token,
//   not_authed, invalid_auth, token_revoked, not_in_channel…), the swarm
//   falls back to a new channel (SwarmService::UnarchiveFailed).
// - swarm.post_unarchived tells the channel the incident was reopened.
// Nothing is done when the swarm moved on before the effect ran.
class SwarmUnarchiveEffects {
 public:
  explicit SwarmUnarchiveEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) {
    return kind == lifecycle::effect::kUnarchive || kind == lifecycle::effect::kPostUnarchived;
  }

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> Unarchive(store::OutboxItem& item, SlackApi& api,
                                           std::int64_t incident);
  // Brings the bot back into `channel`; Slack's refusal comes back.
  boost::asio::awaitable<Status> BringBotBack(SlackApi& api, const std::string& channel);
  boost::asio::awaitable<Status> PostUnarchived(store::OutboxItem& item, SlackApi& api,
                                                std::int64_t incident);
  Status FallBack(const store::OutboxItem& item, std::int64_t incident, const Error& error);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
