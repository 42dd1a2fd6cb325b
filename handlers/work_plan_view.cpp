#include "handlers/work_plan_view.hpp"

#include <cstdint>

#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include "handlers/detail/slack_call.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/plan_layout.hpp"
#include "lifecycle/work_plan.hpp"

namespace swarmbot::handlers {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

using detail::CallSlack;
using store::ChangeNumberText;

constexpr std::size_t kStepShown = 300;
constexpr std::size_t kEventsShown = 20;
// The plan message has a block per step (for its button); past this many the
// rest are counted, so the message stays within Slack's 50 blocks.
constexpr std::size_t kStepBlocks = 40;
// Sections `/change show` may fill with each list.
constexpr std::size_t kRecordSections = 6;

std::string StateLabel(store::ChangeState state) {
  switch (state) {
    case store::ChangeState::kDraft:
      return "Draft";
    case store::ChangeState::kAwaitingApproval:
      return "Awaiting approval";
    case store::ChangeState::kApproved:
      return "Approved";
    case store::ChangeState::kRejected:
      return "Rejected";
    case store::ChangeState::kClosed:
      return "Closed";
  }
  return "Unknown";
}

std::string LinksText(const std::vector<store::ChangeLink>& links) {
  std::string text;
  for (const store::ChangeLink& link : links) {
    text += (text.empty() ? "" : ", ") +
            std::string(link.relation == store::LinkRelation::kFixes ? "fixes " : "caused by ") +
            (link.target == store::LinkTarget::kProblem ? store::ProblemRefText(link.number)
                                                        : store::IncidentNumberText(link.number));
  }
  return text.empty() ? "no links" : text;
}

std::string Headline(const store::Change& change) {
  return ChangeNumberText(change.number) + " · " + std::string(store::Name(change.type)) +
         " · risk " + std::string(store::Name(change.risk)) + " · " + StateLabel(change.state);
}

std::string StepLine(const store::ChangeStep& step) {
  std::string line = "*" + std::to_string(step.position) + ".* " +
                     EscapeMrkdwnKeepingMentions(Truncate(step.text, kStepShown, true));
  if (!step.assignee.empty()) {
    line += " · for " + UserMention(step.assignee);
  }
  if (step.Verified()) {
    line += "\n:white_check_mark: done by " + UserMention(step.done_by) + ", verified by " +
            UserMention(step.verified_by);
  } else if (step.Done()) {
    line +=
        "\n:hourglass: done by " + UserMention(step.done_by) + "; to be verified by someone else";
  } else {
    line += "\n:white_square: to do";
  }
  return line;
}

void AddSteps(BlockMessage& message, const lifecycle::ChangeDetails& details, bool buttons) {
  if (details.steps.empty()) {
    message.Section("_No steps yet: `/change step add " + ChangeNumberText(details.change.number) +
                    " text`_");
    return;
  }
  const std::string number = ChangeNumberText(details.change.number);
  if (!buttons) {
    std::vector<std::string> lines;
    for (const store::ChangeStep& step : details.steps) {
      lines.push_back(StepLine(step));
    }
    AddPackedLines(message, lines, kRecordSections, "step", "`/change show " + number + "`");
    return;
  }
  for (std::size_t i = 0; i < details.steps.size(); ++i) {
    const store::ChangeStep& step = details.steps[i];
    if (i == kStepBlocks) {
      const std::size_t more = details.steps.size() - i;
      message.Context({"… and " + std::to_string(more) +
                       (more == 1 ? " more step" : " more steps") + "; `/change show " + number +
                       "`"});
      return;
    }
    const std::string position = std::to_string(step.position);
    if (step.Verified()) {
      message.Section(StepLine(step));
    } else if (step.Done()) {
      message.SectionWithButton(StepLine(step), "Verify",
                                std::string(kStepVerifyActionPrefix) + position,
                                StepButtonValue(number, step));
    } else {
      message.SectionWithButton(StepLine(step), "Done",
                                std::string(kStepDoneActionPrefix) + position,
                                StepButtonValue(number, step));
    }
  }
}

std::string ReasonLine(const store::Change& change) {
  if (change.state_reason.empty()) {
    return {};
  }
  // "Rejected by @kofi: …" names its state already.
  const std::string label = StateLabel(change.state);
  const std::string reason = EscapeMrkdwnKeepingMentions(Truncate(change.state_reason, 500, true));
  return "_" + (change.state_reason.starts_with(label + " by ") ? reason : label + ": " + reason) +
         "_";
}

json::object UpdateArgs(const BlockMessage& message, const store::Change& change) {
  json::object args = message.ToObject();
  args["channel"] = change.plan_channel.str();
  args["ts"] = change.plan_ts.str();
  return args;
}

Status Failed(std::string_view stream, std::string_view what, const Error& error) {
  if (!error.Retryable()) {
    spdlog::warn("event=change.effect_failed stream={} what=\"{}\" error={}", stream, what,
                 error.slack_error.empty() ? error.detail : error.slack_error);
  }
  return error;
}

// FNV-1a over the step's text, as 8 hex digits: enough to tell two steps of
// one plan apart, and short in a button's value.
std::string TextMark(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string mark(8, '0');
  for (int i = 7; i >= 0; --i, hash >>= 4) {
    mark[static_cast<std::size_t>(i)] = kHex[hash & 0xF];
  }
  return mark;
}

}  // namespace

std::string StepButtonValue(std::string_view change_number, const store::ChangeStep& step) {
  return std::string(change_number) + ":" + std::to_string(step.position) + ":" +
         TextMark(step.text);
}

bool StepMarkMatches(std::string_view mark, const store::ChangeStep& step) {
  return mark.empty() || mark == TextMark(step.text);
}

BlockMessage WorkPlanMessage(const lifecycle::ChangeDetails& details) {
  const store::Change& change = details.change;
  const std::string number = ChangeNumberText(change.number);
  BlockMessage message("Work plan of " + number + ": " + EscapeMrkdwn(change.title));
  message.Header("Work plan · " + number + ": " + change.title);
  message.Section("*" + EscapeMrkdwn(Headline(change)) + "* · requested by " +
                  UserMention(change.requester) + " · " + EscapeMrkdwn(LinksText(details.links)));
  if (const std::string reason = ReasonLine(change); !reason.empty()) {
    message.Section(reason);
  }
  const bool open = change.state != store::ChangeState::kClosed;
  AddSteps(message, details, open);
  if (change.state == store::ChangeState::kApproved && lifecycle::PlanVerified(details.steps)) {
    message.SectionWithButton("Approved and verified: closing it closes what it fixes.",
                              "Close change", kCloseChangeActionId, number);
  }
  if (change.state == store::ChangeState::kClosed) {
    message.Section(":checkered_flag: Closed: " +
                    EscapeMrkdwnKeepingMentions(Truncate(change.close_note, 500, true)));
  }
  message.Context({"`/change step add|assign|done|verify|edit " + number +
                   " …` · `/change submit " + number + "` · `/change show " + number + "`"});
  return message;
}

BlockMessage RetiredPlanMessage(const lifecycle::ChangeDetails& details) {
  const store::Change& change = details.change;
  const std::string number = ChangeNumberText(change.number);
  std::string where;
  if (change.plan_channel.empty()) {
    where = "is posted where `/change plan " + number + "` is typed";
  } else if (change.plan_ts.empty()) {
    where = "is being posted in " + ChannelMention(change.plan_channel);
  } else {
    where = "is kept in " + ChannelMention(change.plan_channel);
  }
  const std::string said = "The plan of " + number + " " + where +
                           " now. This older copy is no longer updated and has no buttons.";
  BlockMessage message(said);
  message.Header("Older copy of the plan of " + number + ": " + change.title);
  message.Section(":arrow_right: " + said);
  message.Context({"`/change plan " + number + "` posts the current plan here · `/change show " +
                   number + "`"});
  return message;
}

BlockMessage ChangeRecordMessage(const lifecycle::ChangeDetails& details,
                                 std::string_view approval_history) {
  const store::Change& change = details.change;
  const std::string number = ChangeNumberText(change.number);
  BlockMessage message(number + ": " + EscapeMrkdwn(change.title));
  message.Header(number + ": " + change.title);
  std::string window = "not planned";
  if (change.window_start && change.window_end) {
    window = FormatTime(*change.window_start) + " → " + FormatTime(*change.window_end);
  }
  message.Fields({"*Type*\n" + std::string(store::Name(change.type)) +
                      (change.template_name.empty() ? "" : " (" + change.template_name + ")"),
                  "*Risk*\n" + std::string(store::Name(change.risk)),
                  "*State*\n" + StateLabel(change.state),
                  "*Requester*\n" + UserMention(change.requester), "*Window*\n" + window,
                  "*Links*\n" + EscapeMrkdwn(LinksText(details.links))});
  if (!change.justification.empty()) {
    message.Section("*Justification*\n" + EscapeMrkdwn(Truncate(change.justification, 2500)));
  }
  if (const std::string reason = ReasonLine(change); !reason.empty()) {
    message.Section(reason);
  }
  message.Section("*Plan* (version " + std::to_string(change.plan_version) + ")");
  AddSteps(message, details, false);
  // The CAB's requests and votes (who, when, which plan) when there are any.
  std::vector<std::string> approval{"*Approval*"};
  if (!approval_history.empty()) {
    for (std::string_view rest = approval_history; !rest.empty();) {
      const auto end = rest.find('\n');
      approval.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
  } else {
    approval.push_back(change.approved_version
                           ? "Approved for plan version " + std::to_string(*change.approved_version)
                           : std::string("Not approved"));
  }
  AddPackedLines(message, approval, kRecordSections, "approval line", "see the CAB channel");
  std::vector<std::string> history{"*History*"};
  const std::size_t first =
      details.events.size() > kEventsShown ? details.events.size() - kEventsShown : 0;
  for (std::size_t i = first; i < details.events.size(); ++i) {
    const store::ChangeEvent& event = details.events[i];
    const UserId actor(event.actor);
    history.push_back("• " + FormatTime(event.at) + " " +
                      (IsSlackId(event.actor) ? UserMention(actor) : EscapeMrkdwn(event.actor)) +
                      ": " + EscapeMrkdwnKeepingMentions(Truncate(event.text, 200, true)));
  }
  AddPackedLines(message, history, kRecordSections, "event", "the oldest are left out");
  return message;
}

awaitable<Status> ChangeEffects::Run(store::OutboxItem& item, SlackApi& api) {
  namespace effect = lifecycle::effect;
  detail::LogEffectRun(item);
  if (item.kind == effect::kChangeNews) {
    co_return co_await PostNews(item, api);
  }
  const auto change = detail::RequiredNumberArg(item, effect::kArgChange);
  if (!change) {
    co_return change.error();
  }
  if (item.kind == effect::kPostPlan) {
    co_return co_await PostPlan(item, api, *change);
  }
  if (item.kind == effect::kUpdatePlan) {
    co_return co_await UpdatePlan(api, *change);
  }
  if (item.kind == effect::kRetirePlan) {
    co_return co_await RetirePlan(item, api, *change);
  }
  co_return MakeError(Errc::kInternal, "unknown effect kind " + item.kind);
}

awaitable<Status> ChangeEffects::PostPlan(store::OutboxItem& item, SlackApi& api,
                                          std::int64_t change) {
  auto details = services_.changes.Details(change);
  if (!details) {
    co_return details.error();
  }
  // Where `/change plan` asked for it, else the swarm channel of an incident
  // it is worked on for (directly or through a problem), else where the
  // change was opened.
  const ChannelId asked(FormValue(item.args, lifecycle::effect::kArgChannel).value_or(""));
  ChannelId channel = asked.empty() ? services_.changes.SwarmChannel(change) : asked;
  if (channel.empty()) {
    channel = details->change.plan_channel;
  }
  // `/change plan` posts a new copy even when the plan is shown elsewhere:
  // recording it retires the older one.
  if (channel.empty() || (asked.empty() && !details->change.plan_ts.empty())) {
    co_return Status{};  // nowhere to post yet, or posted already
  }
  auto earlier = co_await detail::FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return Failed(item.stream, "look for the plan", earlier.error());
  }
  if (*earlier) {
    co_return services_.changes.RecordPlanMessage(change, channel, **earlier);
  }
  const json::object args = detail::TaggedPostArgs(WorkPlanMessage(*details), channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return Failed(item.stream, "post the plan", posted.error());
  }
  co_return services_.changes.RecordPlanMessage(change, channel, MessageTs(posted->StringOr("ts")));
}

awaitable<Status> ChangeEffects::UpdatePlan(SlackApi& api, std::int64_t change) {
  auto details = services_.changes.Details(change);
  if (!details) {
    co_return details.error();
  }
  if (details->change.plan_ts.empty()) {
    co_return Status{};  // not posted (yet); the post shows the current plan
  }
  const json::object args = UpdateArgs(WorkPlanMessage(*details), details->change);
  auto updated = co_await CallSlack(api, "chat.update", args);
  if (!updated) {
    co_return Failed(ChangeNumberText(change), "update the plan", updated.error());
  }
  co_return Status{};
}

awaitable<Status> ChangeEffects::RetirePlan(store::OutboxItem& item, SlackApi& api,
                                            std::int64_t change) {
  const ChannelId channel(FormValue(item.args, lifecycle::effect::kArgChannel).value_or(""));
  const MessageTs ts(FormValue(item.args, lifecycle::effect::kArgTs).value_or(""));
  if (channel.empty() || ts.empty()) {
    co_return MakeError(Errc::kInternal, "plan copy without channel or ts");
  }
  auto details = services_.changes.Details(change);
  if (!details) {
    co_return details.error();
  }
  if (details->change.plan_channel == channel && details->change.plan_ts == ts) {
    co_return Status{};  // the plan itself, kept current by change.update_plan
  }
  json::object args = RetiredPlanMessage(*details).ToObject();
  args["channel"] = channel.str();
  args["ts"] = ts.str();
  auto updated = co_await CallSlack(api, "chat.update", args);
  if (!updated && updated.error().Retryable()) {
    co_return updated.error();
  }
  if (!updated) {
    // Deleted, or in a channel archived since (an earlier swarm's): nobody
    // can click it there, and a click anywhere else is checked anyway.
    spdlog::warn("event=change.plan_copy_kept change={} channel={} error={}",
                 ChangeNumberText(change), channel.str(), updated.error().slack_error);
  }
  co_return Status{};
}

awaitable<Status> ChangeEffects::PostNews(store::OutboxItem& item, SlackApi& api) {
  const auto incident = detail::NumberArg(item, lifecycle::effect::kArgIncident);
  const std::string text = FormValue(item.args, lifecycle::effect::kArgText).value_or("");
  if (!incident || text.empty()) {
    co_return MakeError(Errc::kInternal, "change news without incident or text");
  }
  auto swarm = services_.swarms.FindByIncident(*incident);
  if (!swarm) {
    co_return swarm.error();
  }
  if (!*swarm || (*swarm)->channel_id.empty() || (*swarm)->state == store::SwarmState::kArchived) {
    co_return Status{};  // no channel to tell
  }
  const ChannelId channel = (*swarm)->channel_id;
  auto earlier = co_await detail::FindEarlierPost(item, api, channel);
  if (!earlier) {
    co_return Failed(item.stream, "look for the news", earlier.error());
  }
  if (*earlier) {
    co_return Status{};
  }
  // The news names its approvers and doers as mentions, which Slack shows as
  // names; the message's text, which notifications read, is escaped the same way.
  const std::string shown = EscapeMrkdwnKeepingMentions(Truncate(text, 2500));
  BlockMessage message(shown);
  message.Section(":gear: " + shown);
  const json::object args = detail::TaggedPostArgs(message, channel, item.id);
  auto posted = co_await CallSlack(api, "chat.postMessage", args);
  if (!posted) {
    co_return Failed(item.stream, "post change news", posted.error());
  }
  co_return Status{};
}

}  // namespace swarmbot::handlers
