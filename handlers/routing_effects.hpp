#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs routing's outbox items (lifecycle/effects.hpp, routing.*):
// - routing.assign asks users.getPresence for each person routing may pick
//   (those without an away/back of their own), then commits the choices
//   through RoutingService::ServeQueue. Asking again after a crash is
//   harmless; the commit is what counts, and it happens once.
// - routing.notify_owner and routing.cases_moved open a DM
//   (conversations.open) and post in it; routing.tell_managers posts in the
//   managers' channel, and so does routing.owner_deactivated. Each post carries the outbox id in
//   its metadata, and a retry looks for it in the channel's history before posting again.
// A refusal that says a person's account is deactivated (user_disabled…) is
// recorded through RoutingService::RecordSlackAccount, so routing passes them
// over from then on.
// Retryable Slack failures are returned for the OutboxWorker to retry.
class RoutingEffects {
 public:
  explicit RoutingEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) { return kind.starts_with("routing."); }

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> Assign(SlackApi& api);
  boost::asio::awaitable<Status> NotifyOwner(store::OutboxItem& item, SlackApi& api);
  boost::asio::awaitable<Status> TellManagers(store::OutboxItem& item, SlackApi& api);
  boost::asio::awaitable<Status> TellOwnerDeactivated(store::OutboxItem& item, SlackApi& api);
  // Records `user`'s account as deactivated when `error`, Slack's answer to
  // a call about them, says so; an error only when recording fails.
  boost::asio::awaitable<Status> NoteIfDeactivated(SlackApi& api, UserId user, Error error);
  // kCasesMoved or kCasesClosed: one direct message listing the owner's cases.
  boost::asio::awaitable<Status> TellCaseOwner(store::OutboxItem& item, SlackApi& api);
  // kCaseReopened: the owner hears the case is theirs again, and why; the
  // managers' channel hears of it when it has no owner (or theirs is deactivated).
  boost::asio::awaitable<Status> TellCaseReopened(store::OutboxItem& item, SlackApi& api);
  // Tells a case's owner `text` by direct message: true once told, false
  // when their Slack account is deactivated (known before, so nothing is
  // tried, or said by Slack now, and recorded), else what went wrong.
  boost::asio::awaitable<Result<bool>> ToldDirectly(store::OutboxItem& item, SlackApi& api,
                                                    const UserId& owner, std::string text,
                                                    std::string who);
  // Posts `text` to `recipient` once; `who` names them in the log.
  boost::asio::awaitable<Status> DirectMessage(store::OutboxItem& item, SlackApi& api,
                                               UserId recipient, std::string text, std::string who);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
