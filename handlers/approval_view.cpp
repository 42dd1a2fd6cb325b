#include "handlers/approval_view.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "common/duration_text.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/plan_layout.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using lifecycle::Outcome;
using store::ApprovalState;

constexpr std::size_t kStepShown = 300;
constexpr std::size_t kTitleShown = 200;
constexpr std::size_t kReasonShown = 500;
constexpr std::size_t kMaxReasonInput = lifecycle::ApprovalService::kMaxReason;
// Sections the plan may fill in the request: with the other blocks and the
// buttons, well within Slack's 50 blocks.
constexpr std::size_t kPlanSections = 8;

std::string Mention(const UserId& user) {
  return UserMention(user);
}

std::string Rule(const lifecycle::ApprovalRecord& record) {
  return lifecycle::RuleInWords(record.electorate, &Mention);
}

std::string Mentions(const std::vector<UserId>& users) {
  std::string text;
  for (std::size_t i = 0; i < users.size(); ++i) {
    text += (i == 0 ? "" : ", ") + UserMention(users[i]);
  }
  return text;
}

std::string StepLine(std::size_t index, const store::ApprovalStep& step) {
  std::string line = std::to_string(index + 1) + ". " +
                     EscapeMrkdwnKeepingMentions(Truncate(step.text, kStepShown, true));
  if (!step.done_by.empty()) {
    line += " — done by " + UserMention(step.done_by);
  }
  if (!step.verified_by.empty()) {
    line += ", verified by " + UserMention(step.verified_by);
  }
  return line;
}

// The plan as lines: a heading, then one line per step.
std::vector<std::string> PlanLines(const store::ApprovalRequest& r) {
  std::vector<std::string> lines{"*Plan* (version " + std::to_string(r.plan_version) +
                                 " · digest `" + r.plan_digest.substr(0, 8) + "`)"};
  if (r.plan.empty()) {
    lines.push_back("_No steps._");
  }
  for (std::size_t i = 0; i < r.plan.size(); ++i) {
    lines.push_back(StepLine(i, r.plan[i]));
  }
  return lines;
}

std::string HeaderText(const store::ApprovalRequest& r) {
  switch (r.state) {
    case ApprovalState::kOpen:
      return "Approval needed: " + r.subject;
    case ApprovalState::kApproved:
      return "Approved: " + r.subject;
    case ApprovalState::kRejected:
      return "Rejected: " + r.subject;
    case ApprovalState::kSuperseded:
      return "Superseded: " + r.subject;
  }
  return r.subject;
}

std::string OutcomeLine(const lifecycle::ApprovalRecord& record) {
  const store::ApprovalRequest& r = record.request;
  if (r.state == ApprovalState::kRejected && record.tally.rejection) {
    return ":x: Rejected by " + UserMention(record.tally.rejection->user) + ": " +
           EscapeMrkdwn(Truncate(record.tally.rejection->reason, kReasonShown));
  }
  if (r.state == ApprovalState::kApproved) {
    if (record.tally.approvers.empty()) {
      return ":white_check_mark: " + EscapeMrkdwn(r.outcome);
    }
    return ":white_check_mark: Approved by " + Mentions(record.tally.approvers) + " (" +
           Rule(record) + ")";
  }
  return ":arrows_counterclockwise: " + EscapeMrkdwn(Truncate(r.outcome, kReasonShown)) +
         ". The buttons are gone; a new request follows when it is submitted again.";
}

json::object PlainText(std::string_view text) {
  return {{"type", "plain_text"}, {"text", text}};
}

// What a mandatory approver with a deactivated account means for the
// request: nobody votes in their place, so it waits for the escalation.
std::string DeactivatedMandatoryText(const lifecycle::ApprovalRecord& record) {
  const store::ApprovalRequest& r = record.request;
  const bool one = record.deactivated_mandatory.size() == 1;
  const std::string text = ":warning: " + Mentions(record.deactivated_mandatory) +
                           " must approve " + r.subject + ", but " +
                           (one ? "their Slack account is" : "their Slack accounts are") +
                           " deactivated, so it can't be approved: nobody approves in " +
                           (one ? "their place" : "theirs") +
                           ". The others' votes still count, and a rejection still decides. ";
  const std::string fix =
      "an admin changes the policy's mandatory approvers and " + r.subject + " is submitted again";
  if (r.escalated_at) {
    return text + "It was escalated " + FormatTime(*r.escalated_at) + "; it waits until " + fix +
           ".";
  }
  if (r.deadline_at) {
    return text + "Unless it is rejected, it is escalated at " + FormatTime(*r.deadline_at) +
           "; it waits until " + fix + ".";
  }
  return text + "It waits until " + fix + ".";
}

}  // namespace

std::string TallyText(const lifecycle::ApprovalRecord& record) {
  const lifecycle::Tally& tally = record.tally;
  std::string text =
      tally.approvers.empty() ? "No approvals yet" : "Approved by " + Mentions(tally.approvers);
  text += " · " + std::to_string(tally.have) + " of " + std::to_string(tally.needed) + " needed";
  if (!tally.groups_missing.empty() && tally.outcome == Outcome::kPending) {
    text += " · still needs one from " + tally.groups_missing.front();
    for (std::size_t i = 1; i < tally.groups_missing.size(); ++i) {
      text += ", " + tally.groups_missing[i];
    }
  }
  if (!tally.missing_mandatory.empty() && tally.outcome == Outcome::kPending) {
    // Someone deactivated will never vote: not "waiting for" them.
    std::vector<UserId> waiting;
    std::vector<UserId> cannot;
    for (const UserId& user : tally.missing_mandatory) {
      const auto& gone = record.deactivated_mandatory;
      (std::find(gone.begin(), gone.end(), user) != gone.end() ? cannot : waiting).push_back(user);
    }
    if (!waiting.empty()) {
      text += " · waiting for " + Mentions(waiting);
    }
    if (!cannot.empty()) {
      text += " · " + Mentions(cannot) + " can't approve (Slack account deactivated)";
    }
  }
  return text;
}

BlockMessage ApprovalRequestMessage(const lifecycle::ApprovalRecord& record) {
  const store::ApprovalRequest& r = record.request;
  const std::string title = Truncate(r.title, kTitleShown);
  // The text notifications read: the tally while votes are open, then the outcome.
  BlockMessage message(HeaderText(r) + " · " + EscapeMrkdwn(title) + " · " +
                       (r.state == ApprovalState::kOpen ? TallyText(record) : OutcomeLine(record)));
  message.Header(HeaderText(r));
  message.Section("*" + r.subject + "* · " + EscapeMrkdwn(title));
  message.Fields({"*Type*\n" + EscapeMrkdwn(r.change_type), "*Risk*\n" + EscapeMrkdwn(r.risk),
                  "*Requested by*\n" + UserMention(r.requester), "*Rule*\n" + Rule(record)});
  AddPackedLines(message, PlanLines(r), kPlanSections, "step", "`/change show " + r.subject + "`");
  if (r.state == ApprovalState::kOpen) {
    message.Section("*Votes* " + TallyText(record));
    if (!record.unreachable.empty()) {
      message.Section(
          ":warning: This rule can't be met: " + EscapeMrkdwnKeepingMentions(record.unreachable) +
          ". Fix the policy or the group and submit again.");
    }
    if (!record.deactivated_mandatory.empty() && record.tally.outcome == Outcome::kPending) {
      message.Section(DeactivatedMandatoryText(record));
    }
  } else {
    message.Section(OutcomeLine(record));
  }
  std::vector<std::string> context{"Requested " + FormatTime(r.created_at)};
  if (r.escalated_at) {
    context.push_back("Escalated " + FormatTime(*r.escalated_at));
  } else if (r.deadline_at && r.state == ApprovalState::kOpen) {
    context.push_back("Escalated if undecided by " + FormatTime(*r.deadline_at));
  }
  message.Context(context);
  return message;
}

json::object ApprovalRequestObject(const lifecycle::ApprovalRecord& record) {
  json::object object = ApprovalRequestMessage(record).ToObject();
  const store::ApprovalRequest& r = record.request;
  if (r.state != ApprovalState::kOpen || !r.members_resolved) {
    return object;
  }
  const std::string id = std::to_string(r.id);
  json::array buttons{ActionButton("Approve", kCabApproveActionId, id, "primary"),
                      ActionButton("Reject", kCabRejectActionId, id, "danger")};
  json::array& blocks = object["blocks"].as_array();
  // Slack's 50-block cap: the buttons take the last slot if need be.
  if (blocks.size() >= kMaxBlocks) {
    blocks.resize(kMaxBlocks - 1);
  }
  blocks.push_back(json::object{
      {"type", "actions"}, {"block_id", "cab.vote." + id}, {"elements", std::move(buttons)}});
  return object;
}

BlockMessage EscalationMessage(const lifecycle::ApprovalRecord& record, std::string_view link) {
  const store::ApprovalRequest& r = record.request;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(
      r.deadline_at.value_or(r.created_at) - r.created_at);
  std::string text =
      ":alarm_clock: *" + r.subject + "* (" + EscapeMrkdwn(Truncate(r.title, kTitleShown)) + ", " +
      EscapeMrkdwn(r.change_type) + ") has waited " + FormatDuration(waited) +
      " for CAB approval without a decision. " + TallyText(record) + " (" + Rule(record) + ").";
  if (!link.empty()) {
    text += " <" + std::string(link) + "|Open the request>";
  }
  BlockMessage message(r.subject + " has waited " + FormatDuration(waited) + " for CAB approval");
  message.Section(text);
  return message;
}

std::string RejectReasonView(std::int64_t request, std::string_view subject) {
  json::object input{{"type", "input"},
                     {"block_id", kCabReasonBlock},
                     {"label", PlainText("Why reject " + std::string(subject) + "?")},
                     {"element",
                      {{"type", "plain_text_input"},
                       {"action_id", kCabReasonAction},
                       {"multiline", true},
                       {"max_length", kMaxReasonInput}}}};
  json::object view{{"type", "modal"},
                    {"callback_id", kCabRejectCallbackId},
                    {"private_metadata", std::to_string(request)},
                    {"title", PlainText("Reject " + std::string(subject))},
                    {"submit", PlainText("Reject")},
                    {"close", PlainText("Cancel")},
                    {"blocks", json::array{std::move(input)}}};
  return json::serialize(view);
}

std::string ApprovalHistoryText(const std::vector<lifecycle::ApprovalRecord>& records) {
  if (records.empty()) {
    return {};
  }
  std::string text;
  for (const lifecycle::ApprovalRecord& record : records) {
    const store::ApprovalRequest& r = record.request;
    text += std::string(text.empty() ? "" : "\n") + "• Plan version " +
            std::to_string(r.plan_version) + " (`" + r.plan_digest.substr(0, 8) + "`), " +
            std::string(store::Name(r.state)) + ", rule " + Rule(record) + ", requested " +
            FormatTime(r.created_at);
    if (r.state == ApprovalState::kSuperseded) {
      text += "\n    " + EscapeMrkdwn(Truncate(r.outcome, kReasonShown));
    } else if (r.state != ApprovalState::kOpen) {
      text += "\n    " + OutcomeLine(record);
    }
    for (const store::ApprovalVote& vote : r.votes) {
      text += "\n    " + UserMention(vote.user) + (vote.approve ? " approved" : " rejected") +
              " at " + FormatTime(vote.at) + " on plan version " +
              std::to_string(vote.plan_version) + " (`" + vote.plan_digest.substr(0, 8) + "`)";
      if (!vote.reason.empty()) {
        text += ": " + EscapeMrkdwn(Truncate(vote.reason, kReasonShown));
      }
    }
  }
  return text;
}

}  // namespace swarmbot::handlers
