#pragma once

#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/expert_index_builder.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs the Expert Finder's outbox items (lifecycle/effects.hpp, experts.*):
// - experts.propose ranks in two passes (over an index built off this
//   thread, see detail::ExpertIndexBuilder): the store's shortlist first, then
//   users.getPresence and users.info (time zone, deactivated) for each person
//   on it, then posts the list in the swarm channel. A failed look-up counts
//   as unknown; a retryable one retries the effect. While the index it needs
//   is being built (none yet, or the store changed since), the proposal is
//   queued again a little later instead, and other effects go on.
// - experts.ask opens a DM with the invitee and posts the invitation with
//   Accept / Decline. When Slack refuses the DM for good (a deactivated user),
//   the invitation expires at once and the next person is asked.
// - experts.update_ask shows the outcome in that DM; experts.tell_answer
//   tells the swarm channel; experts.invitation_timeout expires the
//   invitation if it is still open.
// Posts carry the outbox id in their metadata and a retry looks for it first.
class ExpertEffects {
 public:
  explicit ExpertEffects(detail::Services& services)
      : services_(services),
        index_(std::make_unique<detail::ExpertIndexBuilder>(services.experts)) {}

  static bool Handles(std::string_view kind) {
    return kind.starts_with(lifecycle::effect::kExpertEffectPrefix);
  }

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

  // Starts building the index now (at start-up), so the first request rarely waits.
  void WarmUp(boost::asio::any_io_executor executor) { index_->Refresh(std::move(executor)); }
  detail::ExpertIndexBuilder& index() { return *index_; }

 private:
  boost::asio::awaitable<Status> Propose(store::OutboxItem& item, SlackApi& api);
  boost::asio::awaitable<Status> Ask(store::OutboxItem& item, SlackApi& api);
  boost::asio::awaitable<Status> UpdateAsk(store::OutboxItem& item, SlackApi& api);
  boost::asio::awaitable<Status> TellAnswer(store::OutboxItem& item, SlackApi& api);
  Status Timeout(const store::OutboxItem& item);

  detail::Services& services_;
  std::unique_ptr<detail::ExpertIndexBuilder> index_;
};

}  // namespace swarmbot::handlers
