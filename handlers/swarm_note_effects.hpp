#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Notes about the swarm channel's life, posted once each (PostOnce):
// - swarm.post_note posts its text in the live swarm channel, and waits for a
//   channel a reopening is about to create.
// - swarm.tell_archive_failed says in the channel (when swarmbot can still
//   post there) and in a direct message to whoever closed the swarm that the
//   archive failed, why (in words) and what to do about it.
// - swarm.tell_channel_refused tells whoever started the swarm, in a direct
//   message, that Slack refused its channel, why, and how to try again.
class SwarmNoteEffects {
 public:
  explicit SwarmNoteEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) {
    return kind == lifecycle::effect::kPostNote || kind == lifecycle::effect::kTellArchiveFailed ||
           kind == lifecycle::effect::kTellChannelRefused;
  }

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> PostNote(store::OutboxItem& item, SlackApi& api,
                                          std::int64_t incident);
  boost::asio::awaitable<Status> TellArchiveFailed(store::OutboxItem& item, SlackApi& api,
                                                   std::int64_t incident);
  boost::asio::awaitable<Status> TellChannelRefused(store::OutboxItem& item, SlackApi& api,
                                                    std::int64_t incident);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
