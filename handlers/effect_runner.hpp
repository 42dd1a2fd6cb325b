#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/approval_effects.hpp"
#include "handlers/banner_effects.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/broadcast_effects.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/expert_effects.hpp"
#include "handlers/group_invite.hpp"
#include "handlers/routing_effects.hpp"
#include "handlers/settings.hpp"
#include "handlers/spike_alert.hpp"
#include "handlers/swarm_note_effects.hpp"
#include "handlers/swarm_unarchive_effects.hpp"
#include "handlers/work_plan_view.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// Performs one outbox item (lifecycle/effects.hpp) through the Web API,
// rendering texts and Block Kit from the store's state at that moment, and
// records what Slack returned (channel id, summary ts, invited members).
//
// Idempotent, because a crash can come between Slack doing something and the
// outbox hearing of it; item.attempts > 0 says that may have happened:
// - conversations.create answering name_taken on a retry: the channel is
//   looked up (conversations.list) and adopted if it is ours (same name, not
//   archived, created by the bot). A name held by anyone else's channel moves
//   on to "-2", "-3", ….
// - posts carry metadata {event_type: "swarmbot_effect", event_payload:
//   {effect_id: "<outbox id>"}}; a retry first looks for that id in the
//   channel's latest history page and adopts the message's ts.
// - already_in_channel, already_pinned and already_archived count as done,
//   and results already recorded in the store are not redone.
// - the swarm channel's bookmark: a retry first looks for one titled "INC-n"
//   (bookmarks.list) and counts it as done.
// - a topic, purpose or summary update identical to the last one sent is
//   skipped.
//
// Someone removed swarmbot from the swarm channel (not_in_channel): it joins
// a public channel again and carries on. An archive that fails for good goes
// to SwarmService::ArchiveFailed, which keeps the swarm in its open channel.
//
// Returns retryable errors (kRateLimited, kUnavailable) unchanged for the
// OutboxWorker to retry. An effect that can never succeed returns a permanent
// error after noting it on the incident's timeline, so people can see it.
class EffectRunner {
 public:
  EffectRunner(store::Database& db, const Clock& clock, Settings settings);

  boost::asio::awaitable<Status> Run(store::OutboxItem item, SlackApi& api);

  // Work worth starting before the first request, on `executor`: the Expert
  // Finder's index.
  void WarmUp(boost::asio::any_io_executor executor) {
    expert_effects_.WarmUp(std::move(executor));
  }
  // For tests.
  detail::ExpertIndexBuilder& expert_index() { return expert_effects_.index(); }

 private:
  struct Job;

  // The coroutines below take references to objects in the awaiting caller's
  // frame, never class-type temporaries: GCC 12 can destroy a temporary that
  // is passed by value in a co_await expression twice.
  boost::asio::awaitable<Status> Dispatch(Job& job);
  boost::asio::awaitable<Status> Announce(Job& job);
  boost::asio::awaitable<Status> UpdateAnnouncement(Job& job);
  boost::asio::awaitable<Status> TellDeclarer(Job& job);
  boost::asio::awaitable<Status> CreateChannel(Job& job);
  // Who started the swarm whose channel `job` creates (or reopened it).
  static UserId Starter(const Job& job);
  // conversations.create failed with `error`: a retryable one comes back;
  // otherwise SwarmService::ChannelRefused ends the swarm and tells the starter.
  Status ChannelRefused(Job& job, const Error& error);
  // A taken name made the new swarm channel `name`: tells whoever started the
  // swarm (or reopened it), whose answer named the planned one, with a link
  // to `channel`.
  boost::asio::awaitable<void> TellRenamedChannel(Job& job, const ChannelId& channel,
                                                  const std::string& name);
  boost::asio::awaitable<Status> SetTopicOrPurpose(Job& job, bool topic);
  boost::asio::awaitable<Status> PostSummary(Job& job);
  boost::asio::awaitable<Status> PinSummary(Job& job);
  boost::asio::awaitable<Status> AddBookmark(Job& job);
  boost::asio::awaitable<Status> Invite(Job& job);
  boost::asio::awaitable<Status> UpdateSummary(Job& job);
  boost::asio::awaitable<Status> PostClosing(Job& job);
  // Whether `channel`'s latest history page holds this swarm's closing
  // summary already (posted before an archive that failed).
  boost::asio::awaitable<bool> ClosingAlreadyPosted(Job& job, const ChannelId& channel);
  boost::asio::awaitable<Status> Archive(Job& job);
  // effect::kProblemAnnounce: a problem's change, in the live swarm channel.
  boost::asio::awaitable<Status> AnnounceProblem(Job& job);
  boost::asio::awaitable<Status> PostReopened(Job& job);
  boost::asio::awaitable<std::string> EarlierChannelState(Job& job, const ChannelId& channel);

  // Who an invite effect got in, and who Slack refused with what code.
  struct InviteOutcome {
    std::vector<UserId> invited;
    // Those Slack says are in the channel already (a subset of `invited`).
    std::vector<UserId> already_in;
    std::vector<std::pair<std::string, std::string>> refused;
    // User groups whose members couldn't be read, with Slack's error code.
    std::vector<std::pair<std::string, std::string>> unread_groups;
    // User groups Slack listed without members: nobody came from them.
    std::vector<std::string> empty_groups;
    // Sorts one user by Slack's answer for them ("" for success).
    void Settle(const std::string& user, const std::string& error);
  };
  // conversations.invite with force for `users` (at most 100); an error
  // about the channel itself (or a retryable one) comes back.
  boost::asio::awaitable<Status> InviteSome(Job& job, const std::vector<std::string>& users,
                                            InviteOutcome& outcome);
  // Says once in the channel (in words), and on the timeline (with Slack's
  // codes), who couldn't be added, which groups couldn't be read and which
  // had nobody in them.
  boost::asio::awaitable<void> TellRefusedInvites(Job& job, const InviteOutcome& outcome);
  // Calls `method` on the swarm channel `channel`; when Slack says swarmbot
  // isn't in it (someone removed it), joins a public channel and calls again.
  boost::asio::awaitable<Result<detail::FlatJson>> CallInChannel(Job& job, std::string_view method,
                                                                 const boost::json::object& args,
                                                                 const ChannelId& channel);
  // conversations.join for the swarm channel; Slack's refusal comes back.
  boost::asio::awaitable<Status> Rejoin(Job& job, const ChannelId& channel);
  // Whether `text` is what the last successful call under `key` (method and
  // target) sent, so that an unchanged topic or summary isn't sent again.
  // Kept in memory: after a restart the first update is sent regardless.
  bool AlreadySent(const std::string& key, const std::string& text) const;
  void RememberSent(const std::string& key, const std::string& text);
  // The channel a closing effect acts on: its argument, else the swarm's.
  static ChannelId ClosingChannel(const Job& job);
  // An effect in the swarm channel failed for good: an archived channel is
  // recorded as such and the effect counts as done; anything else is Fail.
  Status SwarmChannelFailed(Job& job, std::string_view what, const Error& error,
                            const ChannelId& channel);
  // effect::kRespond, which belongs to no incident.
  boost::asio::awaitable<Status> Respond(store::OutboxItem& item, SlackApi& api);
  // effect::kOpenView: views.open, also without an incident. Never retried:
  // the trigger_id is dead by then.
  boost::asio::awaitable<Status> OpenView(store::OutboxItem& item, SlackApi& api);
  // Tells the person who asked for a form that it didn't open, and `why`
  // ("Slack answered `expired_trigger_id`"), asking them to try again.
  boost::asio::awaitable<void> ExplainUnopenedView(const store::OutboxItem& item, SlackApi& api,
                                                   const std::string& why);

  // The ts of the message this item posted, posting it unless a retry finds
  // it already in the channel.
  boost::asio::awaitable<Result<MessageTs>> PostOnce(Job& job, const ChannelId& channel,
                                                     const BlockMessage& message);
  // The id of our own, unarchived channel named `name`, if there is one.
  boost::asio::awaitable<Result<std::optional<ChannelId>>> FindOurChannel(SlackApi& api,
                                                                          const std::string& name);
  boost::asio::awaitable<Result<UserId>> BotUserId(SlackApi& api);

  // Notes a permanent failure on the timeline and returns it; passes a
  // retryable one through untouched.
  Status Fail(std::int64_t incident, std::string_view what, const Error& error);

  detail::Services services_;
  RoutingEffects routing_effects_{services_};
  const Clock& clock_;
  UserId bot_user_id_;
  SpikeAlerts spike_alerts_{services_};
  BroadcastEffects broadcast_effects_{services_};
  ChangeEffects change_effects_{services_};
  BannerEffects banner_effects_{services_};
  ExpertEffects expert_effects_{services_};
  ApprovalEffects approval_effects_{services_};
  SwarmUnarchiveEffects swarm_unarchive_effects_{services_};
  SwarmNoteEffects swarm_note_effects_{services_};
  GroupInviteEffects group_invite_effects_{services_};
  std::map<std::string, std::size_t> last_sent_;
};

}  // namespace swarmbot::handlers
