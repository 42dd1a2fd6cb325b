#include "handlers/approval_effects.hpp"

#include <map>

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include "handlers/approval_view.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/mrkdwn.hpp"
#include "lifecycle/approval_effects.hpp"
#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

using detail::CallSlack;
using detail::IsSlackError;

// Marks our posts, so that a retry after a crash can find one by outbox id.
constexpr std::string_view kMetadataType = "swarmbot_effect";

// JSON arguments are built outside the coroutines: GCC 12 mishandles braced
// lists of string literals inside them.
json::object ChannelArgs(const ChannelId& channel) {
  return json::object{{"channel", channel.str()}};
}

json::object HistoryArgs(const ChannelId& channel) {
  return json::object{{"channel", channel.str()}, {"limit", 100}, {"include_all_metadata", true}};
}

json::object GroupArgs(const UserGroupId& group) {
  return json::object{{"usergroup", group.str()}};
}

json::object UsersArgs(const UserId& user) {
  return json::object{{"users", user.str()}};
}

// Tells the requester that Slack refused their approval request for good, so
// nobody waits for votes on a message that was never shown.
json::object RefusedPostArgs(const ChannelId& dm, const store::ApprovalRequest& r,
                             const ChannelId& channel, const std::string& reason) {
  const std::string text =
      ":warning: The approval request for " + r.subject + " couldn't be posted in " +
      ChannelMention(channel) + ": Slack refused it (" + EscapeMrkdwn(Truncate(reason, 100)) +
      "), so the CAB hasn't seen it. " + r.subject +
      " stays awaiting approval; edit its plan and submit it again, or ask an admin to look at "
      "the [cab] settings.";
  return json::object{{"channel", dm.str()}, {"text", text}, {"unfurl_links", false}};
}

json::object NoArgs() {
  return json::object{};
}

json::object PermalinkArgs(const store::ApprovalRequest& r) {
  return json::object{{"channel", r.channel.str()}, {"message_ts", r.message_ts.str()}};
}

void Mark(json::object& args, const ChannelId& channel, std::int64_t item) {
  args["channel"] = channel.str();
  args["unfurl_links"] = false;
  args["metadata"] =
      json::object{{"event_type", kMetadataType},
                   {"event_payload", json::object{{"effect_id", std::to_string(item)}}}};
}

json::object UpdateArgs(const lifecycle::ApprovalRecord& record) {
  json::object args = ApprovalRequestObject(record);
  args["channel"] = record.request.channel.str();
  args["ts"] = record.request.message_ts.str();
  return args;
}

Status Failed(std::int64_t request, std::string_view what, const Error& error) {
  if (!error.Retryable()) {
    spdlog::warn("event=cab.effect_failed request={} what=\"{}\" error={}", request, what,
                 error.slack_error.empty() ? error.detail : error.slack_error);
  }
  return error;
}

std::vector<UserGroupId> SplitGroups(std::string_view list) {
  std::vector<UserGroupId> groups;
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (comma != 0) {
      groups.emplace_back(std::string(list.substr(0, comma)));
    }
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return groups;
}

}  // namespace

bool ApprovalEffects::Handles(std::string_view kind) noexcept {
  return kind.starts_with(lifecycle::effect::kCabEffectPrefix);
}

awaitable<Status> ApprovalEffects::Run(store::OutboxItem& item, SlackApi& api) {
  namespace effect = lifecycle::effect;
  detail::LogEffectRun(item);
  if (item.kind == effect::kCabRefreshRoles) {
    co_return co_await RefreshRoles(item, api);
  }
  const auto request = detail::RequiredNumberArg(item, effect::kArgRequest);
  if (!request) {
    co_return request.error();
  }
  if (item.kind == effect::kCabPostRequest) {
    co_return co_await Post(item, api, *request);
  }
  if (item.kind == effect::kCabUpdateRequest) {
    co_return co_await Update(api, *request);
  }
  if (item.kind == effect::kCabDeadline) {
    co_return co_await Escalate(item, api, *request);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Result<std::vector<UserId>>> ApprovalEffects::Members(SlackApi& api,
                                                                const UserGroupId& group) {
  const json::object args = GroupArgs(group);
  auto listed = co_await CallSlack(api, "usergroups.users.list", args);
  std::vector<UserId> members;
  if (!listed) {
    if (listed.error().Retryable()) {
      co_return listed.error();
    }
    // A deleted or unknown group approves nothing; the message says so.
    spdlog::warn("event=cab.group_unreadable group={} error={}", group.str(),
                 listed.error().slack_error);
    co_return members;
  }
  for (std::size_t i = 0; i < listed->ArraySize("users"); ++i) {
    members.emplace_back(listed->StringOr("users." + std::to_string(i)));
  }
  co_return members;
}

awaitable<Result<std::vector<store::ApprovalGroup>>> ApprovalEffects::ResolveGroups(
    SlackApi& api, const std::vector<store::ApprovalGroup>& groups) {
  std::map<std::string, std::string> handles;
  const json::object none = NoArgs();
  auto listed = co_await CallSlack(api, "usergroups.list", none);
  if (!listed && listed.error().Retryable()) {
    co_return listed.error();
  }
  if (listed) {
    for (std::size_t i = 0; i < listed->ArraySize("usergroups"); ++i) {
      const std::string base = "usergroups." + std::to_string(i);
      handles[listed->StringOr(base + ".id")] = listed->StringOr(base + ".handle");
    }
  }
  std::vector<store::ApprovalGroup> resolved;
  for (const store::ApprovalGroup& group : groups) {
    auto members = co_await Members(api, group.id);
    if (!members) {
      co_return members.error();
    }
    const auto handle = handles.find(group.id.str());
    resolved.push_back(
        {group.id,
         handle == handles.end() || handle->second.empty() ? group.id.str() : handle->second,
         std::move(*members)});
  }
  co_return resolved;
}

awaitable<Result<std::optional<MessageTs>>> ApprovalEffects::FindEarlierPost(
    store::OutboxItem& item, SlackApi& api, const ChannelId& channel) {
  if (item.attempts == 0) {
    co_return std::optional<MessageTs>{};
  }
  const json::object query = HistoryArgs(channel);
  auto history = co_await CallSlack(api, "conversations.history", query);
  if (!history) {
    if (history.error().Retryable()) {
      co_return history.error();
    }
    co_return std::optional<MessageTs>{};  // unreadable: post (again) rather than never
  }
  co_return detail::FindTaggedMessage(*history, item.id);
}

awaitable<Result<MessageTs>> ApprovalEffects::PostOnce(store::OutboxItem& item, SlackApi& api,
                                                       const ChannelId& channel,
                                                       json::object& message_args) {
  auto earlier = co_await FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return earlier.error();
  }
  if (*earlier) {
    co_return **earlier;
  }
  Mark(message_args, channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", message_args);
  if (!posted && IsSlackError(posted.error(), "not_in_channel")) {
    // A public channel the bot may join; a private one needs an invitation.
    const json::object join = ChannelArgs(channel);
    auto joined = co_await CallSlack(api, "conversations.join", join);
    if (!joined) {
      co_return joined.error();
    }
    posted = co_await CallSlack(api, "chat.postMessage", message_args);
  }
  if (!posted) {
    co_return posted.error();
  }
  co_return MessageTs(posted->StringOr("ts"));
}

awaitable<Status> ApprovalEffects::Post(store::OutboxItem& item, SlackApi& api,
                                        std::int64_t request) {
  auto record = services_.approvals.Find(request);
  if (!record) {
    co_return record.error();
  }
  const store::ApprovalRequest& r = record->request;
  if (!r.message_ts.empty()) {
    co_return Status{};  // posted and recorded before a crash
  }
  const ChannelId channel = services_.approvals.Settings().channel;
  if (r.state != store::ApprovalState::kOpen) {
    // Decided or withdrawn meanwhile. If an earlier try posted it (its answer
    // lost), the message is in the channel with its buttons: record it, and
    // the update this queues shows the outcome instead.
    auto earlier = co_await FindEarlierPost(item, api, channel);
    if (!earlier) {
      co_return Failed(request, "look for the approval request", earlier.error());
    }
    if (!*earlier) {
      co_return Status{};  // never shown
    }
    co_return services_.approvals.RecordPosted(request, channel, **earlier);
  }
  if (!r.members_resolved) {
    auto groups = co_await ResolveGroups(api, r.groups);
    if (!groups) {
      co_return Failed(request, "read the approving groups", groups.error());
    }
    if (auto recorded = services_.approvals.RecordMembers(request, *groups); !recorded) {
      co_return recorded;
    }
    record = services_.approvals.Find(request);
    if (!record) {
      co_return record.error();
    }
  }
  json::object args = ApprovalRequestObject(*record);
  auto ts = co_await PostOnce(item, api, channel, args);
  if (!ts) {
    if (!ts.error().Retryable()) {
      co_await TellRequester(api, record->request, channel, ts.error());
    }
    co_return Failed(request, "post the approval request", ts.error());
  }
  spdlog::info("event=cab.posted subject={} request={}", record->request.subject, request);
  co_return services_.approvals.RecordPosted(request, channel, *ts);
}

awaitable<void> ApprovalEffects::TellRequester(SlackApi& api, const store::ApprovalRequest& r,
                                               const ChannelId& channel, const Error& error) {
  const std::string reason = error.slack_error.empty() ? error.detail : error.slack_error;
  const json::object open = UsersArgs(r.requester);
  auto dm = co_await CallSlack(api, "conversations.open", open);
  if (!dm) {
    spdlog::error("event=cab.tell_requester_failed subject={} error={}", r.subject,
                  dm.error().slack_error);
    co_return;
  }
  const json::object message =
      RefusedPostArgs(ChannelId(dm->StringOr("channel.id")), r, channel, reason);
  if (auto told = co_await CallSlack(api, "chat.postMessage", message); !told) {
    spdlog::error("event=cab.tell_requester_failed subject={} error={}", r.subject,
                  told.error().slack_error);
  }
}

awaitable<Status> ApprovalEffects::Update(SlackApi& api, std::int64_t request) {
  auto record = services_.approvals.Find(request);
  if (!record) {
    co_return record.error();
  }
  if (record->request.message_ts.empty()) {
    co_return Status{};  // not posted (yet); the post shows the current state
  }
  const json::object args = UpdateArgs(*record);
  auto updated = co_await CallSlack(api, "chat.update", args);
  if (!updated) {
    co_return Failed(request, "update the approval request", updated.error());
  }
  co_return Status{};
}

awaitable<Status> ApprovalEffects::Escalate(store::OutboxItem& item, SlackApi& api,
                                            std::int64_t request) {
  auto due = services_.approvals.DueForEscalation(request);
  if (!due) {
    co_return due.error();
  }
  const ChannelId channel = services_.approvals.Settings().escalation_channel;
  if (!*due) {
    co_return Status{};  // decided or superseded in time
  }
  if (channel.empty()) {
    spdlog::warn("event=cab.overdue request={} escalation_channel=none", request);
    co_return services_.approvals.RecordEscalated(request);
  }
  auto record = services_.approvals.Find(request);
  if (!record) {
    co_return record.error();
  }
  std::string link;
  if (!record->request.message_ts.empty()) {
    const json::object args = PermalinkArgs(record->request);
    if (auto found = co_await CallSlack(api, "chat.getPermalink", args)) {
      link = found->StringOr("permalink");
    }
  }
  json::object message = EscalationMessage(*record, link).ToObject();
  auto ts = co_await PostOnce(item, api, channel, message);
  if (!ts) {
    co_return Failed(request, "escalate the approval request", ts.error());
  }
  spdlog::info("event=cab.escalated subject={} request={}", record->request.subject, request);
  co_return services_.approvals.RecordEscalated(request);
}

awaitable<Status> ApprovalEffects::RefreshRoles(store::OutboxItem& item, SlackApi& api) {
  const std::vector<UserGroupId> groups =
      SplitGroups(FormValue(item.args, lifecycle::effect::kArgUsergroups).value_or(""));
  for (const UserGroupId& group : groups) {
    auto members = co_await Members(api, group);
    if (!members) {
      co_return members.error();
    }
    if (auto recorded = services_.approvals.RecordGroupMembers(group, *members); !recorded) {
      co_return recorded;
    }
    spdlog::info("event=roles.refreshed group={} members={}", group.str(), members->size());
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
