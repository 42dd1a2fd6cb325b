#pragma once

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs the broadcast effects (lifecycle/effects.hpp, "broadcast.*"):
// posts the progress message once in the broadcast's report channel (a retry
// after a crash first looks for it by the outbox id in its metadata) and
// refreshes it with chat.update; tells the channel when a broadcast stopped
// early. When that channel is archived before the broadcast is over, the
// outcome goes to the sender by direct message. Retryable errors come back
// unchanged.
class BroadcastEffects {
 public:
  explicit BroadcastEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind);
  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> Post(store::OutboxItem& item, SlackApi& api,
                                      std::int64_t broadcast);
  boost::asio::awaitable<Status> Update(store::OutboxItem& item, SlackApi& api,
                                        std::int64_t broadcast);
  // The channel the progress was shown in was archived or deleted: once the
  // broadcast is over, its outcome goes to whoever sent it instead.
  boost::asio::awaitable<Status> TellSender(store::OutboxItem& item, SlackApi& api,
                                            const lifecycle::BroadcastStatus& status);
  boost::asio::awaitable<Status> PostStopped(store::OutboxItem& item, SlackApi& api,
                                             std::int64_t broadcast);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
