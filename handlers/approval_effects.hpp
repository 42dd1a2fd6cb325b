#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/detail/services.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs the CAB effects (lifecycle/approval_effects.hpp, "cab.*"):
// - post_request: reads each approving group's handle (usergroups.list) and
//   members (usergroups.users.list), keeps them with the request as its
//   electorate, then posts the request with its buttons to [cab] channel
//   once (a retry first looks for the post by its outbox id in the
//   metadata) and records where it went. A request decided or withdrawn
//   while a lost post was retried is still found and recorded, so that its
//   update replaces the buttons; a permanent refusal is told to the requester;
// - update_request: re-renders the message in place with chat.update;
// - deadline: if still undecided and not escalated, posts once to
//   [cab] escalation_channel with a link to the request;
// - refresh_roles: re-reads role groups' members into the store.
// Retryable errors come back unchanged; a group Slack doesn't know counts as
// empty (the message then says the rule can't be met).
class ApprovalEffects {
 public:
  explicit ApprovalEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) noexcept;
  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> Post(store::OutboxItem& item, SlackApi& api, std::int64_t request);
  boost::asio::awaitable<Status> Update(SlackApi& api, std::int64_t request);
  boost::asio::awaitable<Status> Escalate(store::OutboxItem& item, SlackApi& api,
                                          std::int64_t request);
  boost::asio::awaitable<Status> RefreshRoles(store::OutboxItem& item, SlackApi& api);
  // The members of every group of the request, with their handles.
  boost::asio::awaitable<Result<std::vector<store::ApprovalGroup>>> ResolveGroups(
      SlackApi& api, const std::vector<store::ApprovalGroup>& groups);
  boost::asio::awaitable<Result<std::vector<UserId>>> Members(SlackApi& api,
                                                              const UserGroupId& group);
  // Posts `message_args` to `channel` unless a retry finds the post of this
  // outbox item there already; joins a public channel the bot isn't in.
  // The ts of the post this outbox item made on an earlier try, if the
  // channel's latest history page shows one (never looked for on a first try).
  boost::asio::awaitable<Result<std::optional<MessageTs>>> FindEarlierPost(
      store::OutboxItem& item, SlackApi& api, const ChannelId& channel);
  // Slack refused the request for good: the requester hears of it in a
  // direct message (a failure to tell is only logged).
  boost::asio::awaitable<void> TellRequester(SlackApi& api, const store::ApprovalRequest& request,
                                             const ChannelId& channel, const Error& error);
  boost::asio::awaitable<Result<MessageTs>> PostOnce(store::OutboxItem& item, SlackApi& api,
                                                     const ChannelId& channel,
                                                     boost::json::object& message_args);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
