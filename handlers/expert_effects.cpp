#include "handlers/expert_effects.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <boost/asio/this_coro.hpp>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include "handlers/detail/await_channel.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/post_once.hpp"
#include "handlers/detail/slack_call.hpp"
#include "handlers/expert_view.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
namespace effect = lifecycle::effect;
using boost::asio::awaitable;
using detail::PostOnce;

// How many people the first pass hands to the second, per person shown:
// enough that a few away or deactivated people still leave a full list.
constexpr std::size_t kShortlistFactor = 3;

// A proposal waiting for an index build is queued again after this delay,
// doubling up to the cap: a small history is built in a moment, a big one
// in seconds, and the list shouldn't lag long behind either.
constexpr std::chrono::milliseconds kFirstIndexPoll{50};
constexpr std::chrono::milliseconds kIndexPollCap{500};
// The proposal's own arguments while it waits: the build it waits for, and
// how often it has looked.
constexpr std::string_view kArgIndexBuild = "index_build";
constexpr std::string_view kArgIndexPolls = "index_polls";

// Queues the proposal again behind the index build `build`, so that the
// outbox goes on with other effects meanwhile.
Status WaitForIndex(detail::Services& services, const store::OutboxItem& item, std::int64_t build) {
  const std::int64_t polls = detail::NumberArg(item, kArgIndexPolls).value_or(0);
  const auto delay = std::min(
      kFirstIndexPoll * (std::int64_t{1} << std::min<std::int64_t>(polls, 8)), kIndexPollCap);
  FormFields args;
  for (const auto& field : item.args) {
    if (field.first != kArgIndexBuild && field.first != kArgIndexPolls) {
      args.push_back(field);
    }
  }
  args.emplace_back(kArgIndexBuild, std::to_string(build));
  args.emplace_back(kArgIndexPolls, std::to_string(polls + 1));
  if (polls == 0) {
    spdlog::info("event=experts.waiting_for_index stream={} build={}", item.stream, build);
  }
  return services.experts.RunAgainLater(item, args, delay);
}

// Logs a permanent failure on the incident's timeline; passes retryable ones.
Status Fail(detail::Services& services, std::int64_t incident, std::string_view what,
            const Error& error) {
  if (error.Retryable()) {
    return error;
  }
  const std::string reason = error.slack_error.empty() ? error.detail : error.slack_error;
  spdlog::warn("event=experts.effect_failed incident={} what=\"{}\" error={}",
               store::IncidentNumberText(incident), what, reason);
  if (auto noted = services.incidents.NoteProblem(
          incident, "Couldn't " + std::string(what) + ": Slack said " + reason);
      !noted) {
    spdlog::error("event=experts.note_failed incident={}", store::IncidentNumberText(incident));
  }
  return error;
}

std::optional<std::int64_t> Scalar(const detail::FlatJson& json, std::string_view path) {
  const auto it = json.scalars.find(path);
  if (it == json.scalars.end()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const std::string& text = it->second;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{}) {
    return std::nullopt;
  }
  return value;
}

// How often a notice waits for the next person's invitation to be sent
// before it goes out anyway (that invitation may wait for a channel).
constexpr std::int64_t kMaxWaitsForNext = 5;
constexpr std::string_view kArgWaits = "waits";

// Who was asked after `asked` ended, for the notices about it; nothing when
// that person's invitation isn't sent yet and the effect was queued again
// behind it (in the same stream, so it runs once the invitation went out or
// was found unreachable).
Result<std::optional<lifecycle::MovedOn>> WhoWasAskedNext(detail::Services& services,
                                                          const store::OutboxItem& item,
                                                          const store::Invitation& asked) {
  auto moved = services.experts.MovedOnFrom(asked.id);
  if (!moved) {
    return moved.error();
  }
  // Queued before this record kept its link (an older version): the argument.
  const std::string next = FormValue(item.args, effect::kArgNext).value_or("");
  if (!asked.next_invitation && !next.empty()) {
    moved->asked = UserId(next);
    moved->passed_over.clear();  // reckoned as if nobody was asked
  }
  const std::int64_t waits = detail::NumberArg(item, kArgWaits).value_or(0);
  if (!moved->pending || waits >= kMaxWaitsForNext) {
    return std::optional<lifecycle::MovedOn>(std::move(*moved));
  }
  FormFields args;
  for (const auto& field : item.args) {
    if (field.first != kArgWaits) {
      args.push_back(field);
    }
  }
  args.emplace_back(kArgWaits, std::to_string(waits + 1));
  if (auto queued = services.experts.RunAgainLater(item, args, std::chrono::milliseconds(0));
      !queued) {
    return queued.error();
  }
  return std::optional<lifecycle::MovedOn>();
}

// What Slack says of `user`: presence, UTC offset, whether deactivated.
awaitable<Result<lifecycle::SlackProfile>> AskSlackAbout(SlackApi& api, const std::string& user) {
  lifecycle::SlackProfile profile;
  json::object args;
  args["user"] = user;
  auto presence = co_await detail::CallSlack(api, "users.getPresence", args);
  if (presence) {
    profile.active = presence->StringOr("presence") == "active";
  } else if (presence.error().Retryable()) {
    co_return presence.error();
  }
  auto info = co_await detail::CallSlack(api, "users.info", args);
  if (info) {
    profile.deactivated = info->True("user.deleted");
    if (const auto offset = Scalar(*info, "user.tz_offset")) {
      profile.utc_offset =
          std::chrono::duration_cast<std::chrono::minutes>(std::chrono::seconds(*offset));
    }
  } else if (info.error().Retryable()) {
    co_return info.error();
  }
  co_return profile;
}

}  // namespace

awaitable<Status> ExpertEffects::Run(store::OutboxItem& item, SlackApi& api) {
  detail::LogEffectRun(item);
  if (item.kind == effect::kProposeExperts) {
    co_return co_await Propose(item, api);
  }
  if (item.kind == effect::kAskExpert) {
    co_return co_await Ask(item, api);
  }
  if (item.kind == effect::kUpdateAsk) {
    co_return co_await UpdateAsk(item, api);
  }
  if (item.kind == effect::kTellExpertAnswer) {
    co_return co_await TellAnswer(item, api);
  }
  if (item.kind == effect::kInvitationTimeout) {
    co_return Timeout(item);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Status> ExpertEffects::Propose(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, effect::kArgIncident);
  if (!incident) {
    co_return MakeError(Errc::kInternal, "experts.propose without an incident");
  }
  const auto index_build = detail::NumberArg(item, kArgIndexBuild);
  const auto executor = co_await boost::asio::this_coro::executor;
  const auto readiness = index_->Check(executor, index_build.value_or(0));
  if (!readiness.ready) {
    co_return WaitForIndex(services_, item, readiness.wait_for);
  }
  const std::size_t size = services_.experts.settings().shown * kShortlistFactor;
  auto shortlist = services_.experts.Shortlist(*incident, size);
  if (!shortlist) {
    // The swarm was archived or the incident closed meanwhile: nothing to post.
    spdlog::info("event=experts.propose_skipped incident={} detail=\"{}\"",
                 store::IncidentNumberText(*incident), shortlist.error().detail);
    co_return Status{};
  }
  if (shortlist->channel.empty()) {
    auto waited = detail::AwaitSwarmChannel(services_, *incident, item);
    if (!waited) {
      co_return Fail(services_, *incident, "post the experts", waited.error());
    }
    co_return Status{};
  }
  std::map<std::string, lifecycle::SlackProfile> profiles;
  for (const auto& person : shortlist->people) {
    auto profile = co_await AskSlackAbout(api, person.id);
    if (!profile) {
      co_return profile.error();
    }
    profiles[person.id] = *profile;
  }
  const ChannelId channel = shortlist->channel;
  auto list = services_.experts.Finish(std::move(*shortlist), profiles);
  if (!list) {
    co_return list.error();
  }
  auto record = services_.incidents.FindIncident(*incident);
  if (!record) {
    co_return record.error();
  }
  const json::object message = ExpertListMessage(*record, *list).ToObject();
  auto posted = co_await PostOnce(api, item, channel.str(), message);
  if (!posted) {
    co_return Fail(services_, *incident, "post the experts", posted.error());
  }
  spdlog::info("event=experts.proposed incident={} shown={} uncovered={}",
               store::IncidentNumberText(*incident), list->experts.size(),
               list->uncovered_skills.size());
  co_return Status{};
}

awaitable<Status> ExpertEffects::Ask(store::OutboxItem& item, SlackApi& api) {
  const auto id = detail::NumberArg(item, effect::kArgInvitation);
  auto invitation = id ? services_.experts.FindInvitation(*id)
                       : Result<std::optional<store::Invitation>>(std::nullopt);
  if (!invitation) {
    co_return invitation.error();
  }
  if (!*invitation || (*invitation)->state != store::InvitationState::kOpen ||
      !(*invitation)->dm_ts.empty()) {
    co_return Status{};  // answered, expired or already posted
  }
  const store::Invitation& asked = **invitation;
  auto status = services_.incidents.StatusOf(asked.incident, 0);
  if (!status) {
    co_return status.error();
  }
  if (!status->swarm || status->swarm->channel_id.empty()) {
    auto waited = detail::AwaitSwarmChannel(services_, asked.incident, item);
    if (!waited) {
      co_return Fail(services_, asked.incident, "invite an expert", waited.error());
    }
    co_return Status{};
  }
  json::object open_args;
  open_args["users"] = asked.invitee.str();
  auto dm = co_await detail::CallSlack(api, "conversations.open", open_args);
  MessageTs ts;
  ChannelId dm_channel;
  if (dm) {
    dm_channel = ChannelId(dm->StringOr("channel.id"));
    const json::object message =
        InvitationMessage(status->incident, asked, status->swarm->channel_id,
                          services_.experts.settings().invitation_timeout)
            .ToObject();
    auto posted = co_await PostOnce(api, item, dm_channel.str(), message);
    if (posted) {
      ts = *posted;
    } else {
      dm = posted.error();
    }
  }
  if (!dm) {
    if (dm.error().Retryable()) {
      co_return dm.error();
    }
    // A deactivated or unreachable person can't answer: move on at once
    // rather than leave the swarm waiting for the timer.
    Fail(services_, asked.incident, "send the invitation to " + asked.invitee.str(), dm.error());
    if (co_await detail::RefusedAsDeactivated(api, dm.error())) {
      // Recorded as any other refused direct message records it, so that
      // nobody assigns them work meanwhile; every open invitation of theirs
      // (this one among them) then moves on.
      auto recorded = services_.routing.RecordSlackAccount(
          asked.invitee, true, "Slack answered " + dm.error().slack_error);
      if (!recorded) {
        co_return recorded.error();
      }
      if (auto passed = services_.experts.PassOverDeactivated(asked.invitee); !passed) {
        co_return passed;
      }
    }
    co_return services_.experts.MarkUnreachable(asked.id);
  }
  co_return services_.experts.RecordInvitationMessage(asked.id, dm_channel, ts);
}

awaitable<Status> ExpertEffects::UpdateAsk(store::OutboxItem& item, SlackApi& api) {
  const auto id = detail::NumberArg(item, effect::kArgInvitation);
  auto invitation = id ? services_.experts.FindInvitation(*id)
                       : Result<std::optional<store::Invitation>>(std::nullopt);
  if (!invitation) {
    co_return invitation.error();
  }
  if (!*invitation || (*invitation)->dm_ts.empty()) {
    co_return Status{};  // never posted: nothing to update
  }
  const store::Invitation& asked = **invitation;
  auto status = services_.incidents.StatusOf(asked.incident, 0);
  if (!status) {
    co_return status.error();
  }
  const bool channel_gone = FormValue(item.args, effect::kArgChannelGone).value_or("") == "1" &&
                            asked.state == store::InvitationState::kAccepted;
  // The archived channel, though the swarm may have moved on since.
  const ChannelId swarm_channel =
      channel_gone    ? ChannelId(FormValue(item.args, effect::kArgChannel).value_or(""))
      : status->swarm ? status->swarm->channel_id
                      : ChannelId();
  json::object args =
      AnsweredInvitationMessage(status->incident, asked, swarm_channel, channel_gone).ToObject();
  args["channel"] = asked.dm_channel.str();
  args["ts"] = asked.dm_ts.str();
  auto updated = co_await detail::CallSlack(api, "chat.update", args);
  if (!updated) {
    co_return Fail(services_, asked.incident, "update the invitation message", updated.error());
  }
  co_return Status{};
}

awaitable<Status> ExpertEffects::TellAnswer(store::OutboxItem& item, SlackApi& api) {
  const auto id = detail::NumberArg(item, effect::kArgInvitation);
  auto invitation = id ? services_.experts.FindInvitation(*id)
                       : Result<std::optional<store::Invitation>>(std::nullopt);
  if (!invitation) {
    co_return invitation.error();
  }
  if (!*invitation) {
    co_return Status{};
  }
  const store::Invitation& asked = **invitation;
  auto status = services_.incidents.StatusOf(asked.incident, 0);
  if (!status) {
    co_return status.error();
  }
  if (!status->swarm || status->swarm->channel_id.empty() ||
      status->swarm->state == store::SwarmState::kArchived) {
    co_return Status{};  // no channel to tell
  }
  lifecycle::MovedOn moved;
  if (asked.state != store::InvitationState::kAccepted) {
    auto found = WhoWasAskedNext(services_, item, asked);
    if (!found) {
      co_return found.error();
    }
    if (!*found) {
      co_return Status{};  // queued again behind the next person's invitation
    }
    moved = **found;
  }
  const std::string text =
      AnswerNotice(asked, moved, services_.experts.settings().invitation_timeout);
  json::object message;
  message["text"] = text;
  auto posted = co_await PostOnce(api, item, status->swarm->channel_id.str(), message);
  if (!posted) {
    co_return Fail(services_, asked.incident, "tell the swarm about an invitation", posted.error());
  }
  co_return Status{};
}

Status ExpertEffects::Timeout(const store::OutboxItem& item) {
  const auto id = detail::NumberArg(item, effect::kArgInvitation);
  if (!id) {
    return MakeError(Errc::kInternal, "invitation timeout without an invitation");
  }
  auto expired = services_.experts.Expire(*id);
  if (!expired) {
    return expired.error();
  }
  spdlog::info("event=experts.timeout invitation={} expired={}", *id, *expired);
  return {};
}

}  // namespace swarmbot::handlers
