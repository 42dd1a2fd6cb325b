#include "handlers/change_commands.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/approval_view.hpp"
#include "handlers/change_modal.hpp"
#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/notify_commands.hpp"
#include "handlers/reply.hpp"
#include "handlers/work_plan_view.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using store::ChangeNumberText;

constexpr std::string_view kNewUsage = "Usage: `/change new [PRB-n | INC-n]`";
constexpr std::string_view kLinkUsage = "Usage: `/change link CHG-n fixes|caused-by PRB-n|INC-n`";
constexpr std::string_view kUnlinkUsage = "Usage: `/change unlink CHG-n PRB-n|INC-n`";
constexpr std::string_view kStepUsage =
    "Usage: `/change step add [CHG-n] text`, `/change step assign [CHG-n] N @person`, "
    "`/change step done|verify [CHG-n] N`, `/change step edit [CHG-n] N text`, "
    "`/change step remove [CHG-n] N`";
constexpr std::string_view kCloseUsage = "Usage: `/change close [CHG-n] [resolution note]`";

std::optional<int> ParseStep(std::string_view word) {
  int value = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || end != word.data() + word.size() || value <= 0 || value > 1000) {
    return std::nullopt;
  }
  return value;
}

Result<lifecycle::TypedLink> ParseTarget(std::string_view word) {
  if (auto incident = store::ParseIncidentNumber(word)) {
    return lifecycle::TypedLink{store::LinkTarget::kIncident, *incident,
                                store::LinkRelation::kFixes};
  }
  if (auto problem = store::ParseProblemRef(word)) {
    return lifecycle::TypedLink{store::LinkTarget::kProblem, *problem, store::LinkRelation::kFixes};
  }
  return MakeError(Errc::kInvalidInput, "not a link target",
                   "`" + EscapeMrkdwn(Truncate(word, 40)) + "` isn't a problem or an incident");
}

// Lifecycle refusals name people by their Slack id ("done already by U123");
// shown in Slack, they read better as mentions.
std::string WithMentions(std::string text) {
  std::size_t at = 0;
  while ((at = text.find(" by ", at)) != std::string::npos) {
    const std::size_t start = at + 4;
    std::size_t end = start;
    while (end < text.size() &&
           ((text[end] >= 'A' && text[end] <= 'Z') || (text[end] >= '0' && text[end] <= '9'))) {
      ++end;
    }
    const std::string id = text.substr(start, end - start);
    if (id.size() > 1 && (id[0] == 'U' || id[0] == 'W') && IsSlackId(id)) {
      const std::string mention = UserMention(UserId(id));
      text.replace(start, id.size(), mention);
      at = start + mention.size();
    } else {
      at = start;
    }
  }
  return text;
}

std::string Refused(std::string_view what, const Error& error, std::string_view hint = {}) {
  Error shown = error;
  shown.user_message = WithMentions(error.user_message);
  return RefusalReply(what, shown, hint);
}

// Said after the plan of `before` changed: a submitted or approved change
// goes back for approval (ChangeService::PlanChanged).
std::string SentBackText(const std::string& number, const store::Change& before) {
  const bool approved = before.state == store::ChangeState::kApproved;
  if (!approved && before.state != store::ChangeState::kAwaitingApproval) {
    return {};
  }
  return " " + number + " is a draft again: its plan changed after " +
         (approved ? "approval" : "submission") +
         ", so it needs the CAB's approval again once every step is done and verified.";
}

std::string List(const std::vector<std::int64_t>& numbers, std::string (*name)(std::int64_t)) {
  std::string text;
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    text += (i == 0 ? "" : ", ") + name(numbers[i]);
  }
  return text;
}

}  // namespace

std::string ClosedText(const lifecycle::CloseOutcome& outcome) {
  const lifecycle::CascadeReport& report = outcome.report;
  std::string text = "Closed " + ChangeNumberText(outcome.change.number);
  if (!report.closed_problems.empty()) {
    text += "; problems closed: " + List(report.closed_problems, &store::ProblemRefText);
  }
  if (!report.closed_incidents.empty()) {
    text += "; incidents closed: " + List(report.closed_incidents, &store::IncidentNumberText);
  }
  if (report.closed_cases > 0) {
    text += "; " + std::to_string(report.closed_cases) +
            (report.closed_cases == 1 ? " case closed" : " cases closed");
  }
  text += ".";
  for (const std::string& sentence : report.kept_open) {
    text += "\n• " + EscapeMrkdwn(sentence);
  }
  return text;
}

BlockMessage ClosedMessage(const lifecycle::CloseOutcome& outcome,
                           const std::function<bool(std::int64_t incident)>& may_notify) {
  // A few buttons at most: a change rarely fixes more incidents than that.
  constexpr std::size_t kMostButtons = 5;
  const std::string text = ClosedText(outcome);
  BlockMessage message(text);
  message.Section(text);
  std::size_t buttons = 0;
  for (const std::int64_t incident : outcome.report.closed_incidents) {
    if (buttons == kMostButtons || !may_notify(incident)) {
      continue;
    }
    ++buttons;
    const std::string number = store::IncidentNumberText(incident);
    message.SectionWithButton("Tell the customers of " + number + " that it is fixed.",
                              "Tell customers", kNotifyPreviewActionId, number);
  }
  return message;
}

std::string ChangeCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "new") {
    return New(command, words);
  }
  if (sub == "link" || sub == "unlink") {
    return Link(command, words, sub == "unlink");
  }
  if (sub == "step") {
    return Step(command, words);
  }
  if (sub == "done" || sub == "verify") {
    // `/change done CHG-n N` reads as `/change step done CHG-n N`.
    return StepMark(command, words, sub == "verify");
  }
  if (sub == "submit") {
    return Submit(command, words);
  }
  if (sub == "close") {
    return Close(command, words);
  }
  if (sub == "show" || sub == "plan") {
    return Show(command, words, sub == "plan");
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/change"));
  }
  return UnknownSubcommand("/change", words.front(), command.user);
}

Result<std::int64_t> ChangeCommands::ResolveChange(const std::vector<std::string>& words,
                                                   std::size_t& next, const ChannelId& channel) {
  if (next < words.size()) {
    if (auto number = store::ParseChangeNumber(words[next])) {
      ++next;
      return *number;
    }
    if (Lowercase(words[next]).starts_with("chg-")) {
      return MakeError(Errc::kInvalidInput, "bad change number",
                       "`" + EscapeMrkdwn(Truncate(words[next], 40)) +
                           "` isn't a change number; they look like `CHG-3`.");
    }
  }
  auto swarm = services_.swarms.FindByChannel(channel);
  if (!swarm) {
    return swarm.error();
  }
  if (!*swarm) {
    return MakeError(Errc::kInvalidInput, "no change named",
                     "Which change? Name it, e.g. `CHG-3`, or run the command in the swarm "
                     "channel of an incident with one change.");
  }
  return services_.changes.ImpliedByIncident((*swarm)->incident);
}

std::string ChangeCommands::New(const SlashCommand& command,
                                const std::vector<std::string>& words) {
  constexpr std::string_view kWhat = "/change new";
  std::string link;
  if (words.size() > 2) {
    return EphemeralText(std::string(kNewUsage) + ".");
  }
  if (words.size() == 2) {
    auto target = ParseTarget(words[1]);
    if (!target) {
      return Refused(kWhat, target.error(), kNewUsage);
    }
    link = words[1];
    for (char& c : link) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    // Said now, not after the form is filled in.
    if (auto allowed = services_.changes.MayLink(*target, command.user); !allowed) {
      return Refused(kWhat, allowed.error());
    }
  } else if (auto swarm = services_.swarms.FindByChannel(command.channel); swarm && *swarm) {
    link = store::IncidentNumberText((*swarm)->incident);
    const lifecycle::TypedLink fix{store::LinkTarget::kIncident, (*swarm)->incident,
                                   store::LinkRelation::kFixes};
    if (auto allowed = services_.changes.MayLink(fix, command.user); !allowed) {
      return Refused(kWhat, allowed.error());
    }
  }
  if (auto opened =
          ChangeModal(services_).Open(command.trigger_id, command.user, command.channel, link);
      !opened) {
    return Refused(kWhat, opened.error());
  }
  return EphemeralText(link.empty() ? "Opening the change form…"
                                    : "Opening the change form for a fix to " + link + "…");
}

std::string ChangeCommands::Link(const SlashCommand& command, const std::vector<std::string>& words,
                                 bool unlink) {
  const std::string_view what = unlink ? "/change unlink" : "/change link";
  const std::string_view usage = unlink ? kUnlinkUsage : kLinkUsage;
  std::size_t next = 1;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(what, change.error(), usage);
  }
  const std::size_t expected = unlink ? 1 : 2;
  if (words.size() != next + expected) {
    return EphemeralText(std::string(usage) + ".");
  }
  auto target = ParseTarget(words.back());
  if (!target) {
    return Refused(what, target.error(), usage);
  }
  const std::string name = words.back();
  const std::string number = ChangeNumberText(*change);
  if (unlink) {
    if (auto done = services_.changes.Unlink(*change, target->target, target->number, command.user);
        !done) {
      return Refused(what, done.error(), usage);
    }
    return EphemeralText(number + " is no longer linked to " + EscapeMrkdwn(name) + ".");
  }
  auto relation = store::ParseLinkRelation(Lowercase(words[next]));
  if (!relation) {
    return EphemeralText("Say how " + number + " relates to it: `fixes` or `caused-by`. " +
                         std::string(usage) + ".");
  }
  target->relation = *relation;
  if (auto done = services_.changes.Link(*change, *target, command.user); !done) {
    return Refused(what, done.error(), usage);
  }
  return EphemeralText(number +
                       (*relation == store::LinkRelation::kFixes ? " fixes " : " was caused by ") +
                       EscapeMrkdwn(Truncate(name, 40)) + ".");
}

std::string ChangeCommands::Step(const SlashCommand& command,
                                 const std::vector<std::string>& words) {
  constexpr std::string_view kWhat = "/change step";
  const std::string action = words.size() > 1 ? Lowercase(words[1]) : "";
  if (action == "done" || action == "verify") {
    std::vector<std::string> rest(words.begin() + 1, words.end());
    return StepMark(command, rest, action == "verify");
  }
  if (action != "add" && action != "assign" && action != "edit" && action != "remove") {
    return EphemeralText(std::string(kStepUsage) + ".");
  }
  std::size_t next = 2;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(kWhat, change.error(), kStepUsage);
  }
  const std::string number = ChangeNumberText(*change);
  if (action == "add") {
    const std::string text = UnescapeSlackText(TextAfterWords(command.text, next));
    if (text.empty()) {
      return EphemeralText("What is the step? " + std::string(kStepUsage) + ".");
    }
    const auto before = services_.changes.Details(*change);
    auto added = services_.changes.AddStep(*change, text, command.user);
    if (!added) {
      return Refused(kWhat, added.error(), kStepUsage);
    }
    return EphemeralText("Added step " + std::to_string(*added) + " to " + number + "." +
                         (before ? SentBackText(number, before->change) : ""));
  }
  const auto step = next < words.size() ? ParseStep(words[next]) : std::nullopt;
  if (!step) {
    return EphemeralText("Which step? Give its number. " + std::string(kStepUsage) + ".");
  }
  const std::string step_name = "step " + std::to_string(*step) + " of " + number;
  if (action == "assign") {
    const auto mention = next + 2 == words.size() ? ParseMention(words[next + 1]) : std::nullopt;
    if (!mention || mention->kind != Mention::Kind::kUser) {
      return EphemeralText("Assign it to one person, picked with @. " + std::string(kStepUsage) +
                           ".");
    }
    if (auto done = services_.changes.AssignStep(*change, *step, UserId(mention->id), command.user);
        !done) {
      return Refused(kWhat, done.error(), kStepUsage);
    }
    return EphemeralText("Assigned " + step_name + " to " + UserMention(UserId(mention->id)) + ".");
  }
  if (action == "remove") {
    if (next + 1 != words.size()) {
      return EphemeralText("Name one step by its number. " + std::string(kStepUsage) + ".");
    }
    const auto before = services_.changes.Details(*change);
    if (auto done = services_.changes.RemoveStep(*change, *step, command.user); !done) {
      return Refused(kWhat, done.error(), kStepUsage);
    }
    const auto after = services_.changes.Details(*change);
    const std::size_t left = after ? after->steps.size() : 0;
    return EphemeralText(
        "Removed " + step_name + "; " + std::to_string(left) +
        (left == 1 ? " step is" : " steps are") + " left" +
        (static_cast<std::size_t>(*step) <= left ? ", those after it moved up one." : ".") +
        (before ? SentBackText(number, before->change) : ""));
  }
  const std::string text = UnescapeSlackText(TextAfterWords(command.text, next + 1));
  if (text.empty()) {
    return EphemeralText("What should the step say? " + std::string(kStepUsage) + ".");
  }
  const auto before = services_.changes.Details(*change);
  if (auto done = services_.changes.EditStep(*change, *step, text, command.user); !done) {
    return Refused(kWhat, done.error(), kStepUsage);
  }
  const auto after = services_.changes.Details(*change);
  if (!before || !after || before->change.plan_version == after->change.plan_version) {
    return EphemeralText("Step " + std::to_string(*step) + " of " + number +
                         " says that already; nothing changed.");
  }
  std::string reply = "Changed " + step_name + ".";
  const auto index = static_cast<std::size_t>(*step) - 1;
  if (index < before->steps.size() && before->steps[index].Done()) {
    reply += " It is to do again: the changed step needs doing and verifying anew.";
  }
  return EphemeralText(reply + SentBackText(number, before->change));
}

std::string ChangeCommands::StepMark(const SlashCommand& command,
                                     const std::vector<std::string>& words, bool verify) {
  const std::string_view what = verify ? "/change step verify" : "/change step done";
  std::size_t next = 1;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(what, change.error(), kStepUsage);
  }
  const auto step = next + 1 == words.size() ? ParseStep(words[next]) : std::nullopt;
  if (!step) {
    return EphemeralText("Which step? Give its number. " + std::string(kStepUsage) + ".");
  }
  auto done = verify ? services_.changes.Verify(*change, *step, command.user)
                     : services_.changes.MarkDone(*change, *step, command.user);
  if (!done) {
    return Refused(what, done.error(), kStepUsage);
  }
  return EphemeralText("Step " + std::to_string(*step) + " of " + ChangeNumberText(*change) +
                       (verify ? " is verified." : " is done; someone else verifies it."));
}

std::string ChangeCommands::Submit(const SlashCommand& command,
                                   const std::vector<std::string>& words) {
  constexpr std::string_view kWhat = "/change submit";
  std::size_t next = 1;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(kWhat, change.error(), "Usage: `/change submit [CHG-n]`");
  }
  auto submitted = services_.changes.Submit(*change, command.user);
  if (!submitted && submitted.error().detail == lifecycle::kRejectedPlanUnchanged) {
    // It repeats the CAB's decision, which the plan and the news show with
    // its mentions kept and everything else escaped: so does this answer.
    Error shown = submitted.error();
    shown.user_message = EscapeMrkdwnKeepingMentions(shown.user_message);
    return RefusalReply(kWhat, shown);
  }
  if (!submitted) {
    return Refused(kWhat, submitted.error());
  }
  const std::string number = ChangeNumberText(*change);
  if (submitted->type == "standard") {
    return EphemeralText(number +
                         " is approved: a standard change from the catalogue is "
                         "pre-approved. `/change close " +
                         number + "` when it is in.");
  }
  const std::string sent =
      " was submitted for approval (plan version " + std::to_string(submitted->plan_version) + ").";
  if (!submitted->not_preapproved.empty()) {
    return EphemeralText(number + " isn't pre-approved: " +
                         EscapeMrkdwn(submitted->not_preapproved) + ". It" + sent);
  }
  return EphemeralText(number + sent);
}

std::string ChangeCommands::Close(const SlashCommand& command,
                                  const std::vector<std::string>& words) {
  constexpr std::string_view kWhat = "/change close";
  std::size_t next = 1;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(kWhat, change.error(), kCloseUsage);
  }
  auto closed = services_.changes.Close(*change, command.user,
                                        UnescapeSlackText(TextAfterWords(command.text, next)));
  if (!closed) {
    return Refused(kWhat, closed.error());
  }
  return EphemeralMessage(ClosedMessage(*closed, MayNotify(command.user)));
}

std::string ChangeCommands::Show(const SlashCommand& command, const std::vector<std::string>& words,
                                 bool plan) {
  const std::string_view what = plan ? "/change plan" : "/change show";
  std::size_t next = 1;
  auto change = ResolveChange(words, next, command.channel);
  if (!change) {
    return Refused(what, change.error());
  }
  if (plan) {
    if (auto shown = services_.changes.ShowPlanIn(*change, command.channel, command.user); !shown) {
      return Refused(what, shown.error());
    }
    return EphemeralText("Posting the plan of " + ChangeNumberText(*change) + " here.");
  }
  auto details = services_.changes.Details(*change);
  if (!details) {
    return Refused(what, details.error());
  }
  auto votes = services_.approvals.History(ChangeNumberText(*change));
  if (!votes) {
    return Refused(what, votes.error());
  }
  return EphemeralMessage(ChangeRecordMessage(*details, ApprovalHistoryText(*votes)));
}

void ChangeCommands::HandleClick(const detail::FlatJson& payload, std::size_t index) {
  const std::string base = "actions." + std::to_string(index);
  const std::string action = payload.StringOr(base + ".action_id");
  const std::string value = payload.StringOr(base + ".value");
  const UserId user(payload.StringOr("user.id"));
  // "CHG-n", or "CHG-n:step:mark" (a plan posted before marks: "CHG-n:step").
  const auto colon = value.find(':');
  const auto change = store::ParseChangeNumber(value.substr(0, colon));
  const auto second = colon == std::string::npos ? colon : value.find(':', colon + 1);
  const auto step = colon == std::string::npos
                        ? std::nullopt
                        : ParseStep(value.substr(colon + 1, second - colon - 1));
  const std::string mark = second == std::string::npos ? "" : value.substr(second + 1);
  if (!change || user.empty() || (action != kCloseChangeActionId && !step)) {
    spdlog::warn("event=change.click.malformed user={} action={}", user.str(),
                 Truncate(action, 40));
    Answer(payload, "That button is out of date; nothing was changed.");
    return;
  }
  spdlog::info("event=change.click change={} action={} user={}", ChangeNumberText(*change),
               Truncate(action, 40), user.str());
  // Only the plan message acts: an older copy's buttons (the plan was posted
  // elsewhere since, or its copy retired while this click was on its way)
  // would act on what that copy showed, not on the plan as it is.
  const ChannelId channel(payload.StringOr("container.channel_id", payload.StringOr("channel.id")));
  const MessageTs clicked(payload.StringOr("container.message_ts"));
  auto current = services_.changes.IsCurrentPlan(*change, channel, clicked);
  if (!current) {
    Answer(payload, WithMentions(RefusalText(current.error())));
    return;
  }
  if (!*current) {
    spdlog::info("event=change.click_on_old_plan change={} user={}", ChangeNumberText(*change),
                 user.str());
    Answer(payload, OldCopyText(*change));
    return;
  }
  if (action == kCloseChangeActionId) {
    auto closed = services_.changes.Close(*change, user, "");
    if (closed) {
      detail::AnswerClick(services_, payload, ClosedMessage(*closed, MayNotify(user)).ToObject(),
                          "change");
    } else {
      Answer(payload, WithMentions(RefusalText(closed.error())));
    }
    return;
  }
  // value_or: GCC 12 can't see that the check above guarantees a step.
  const int position = step.value_or(0);
  const bool verify = action.starts_with(kStepVerifyActionPrefix);
  if (!verify && !action.starts_with(kStepDoneActionPrefix)) {
    Answer(payload, "That button is out of date; nothing was changed.");
    return;
  }
  if (!StepStillShown(*change, position, mark)) {
    Answer(payload, "The plan changed since that button was shown: step " +
                        std::to_string(position) + " of " + ChangeNumberText(*change) +
                        " is another step now. Nothing was changed; use the updated plan.");
    return;
  }
  auto done = verify ? services_.changes.Verify(*change, position, user)
                     : services_.changes.MarkDone(*change, position, user);
  const std::string name = "Step " + std::to_string(position) + " of " + ChangeNumberText(*change);
  Answer(payload, done ? name + (verify ? " is verified." : " is done; someone else verifies it.")
                       : WithMentions(RefusalText(done.error())));
}

bool ChangeCommands::StepStillShown(std::int64_t change, int position, std::string_view mark) {
  auto details = services_.changes.Details(change);
  if (!details) {
    return true;  // the action itself reports an unknown change
  }
  const auto& steps = details->steps;
  const auto found = std::find_if(steps.begin(), steps.end(), [&](const store::ChangeStep& step) {
    return step.position == position;
  });
  return found == steps.end() || StepMarkMatches(mark, *found);
}

std::string ChangeCommands::OldCopyText(std::int64_t change) {
  const std::string number = ChangeNumberText(change);
  std::string text = "That is an older copy of " + number + "'s plan; nothing was changed.";
  auto details = services_.changes.Details(change);
  if (details && !details->change.plan_ts.empty()) {
    text += " The plan is kept in " + ChannelMention(details->change.plan_channel) +
            ": use its buttons, or `/change plan " + number + "` to post it here.";
  } else {
    text += " `/change plan " + number + "` posts the current plan here.";
  }
  return text;
}

std::function<bool(std::int64_t)> ChangeCommands::MayNotify(const UserId& user) {
  return [this, user](std::int64_t incident) {
    if (!detail::MayChangeIncident(services_, incident, user, "e-mail the customers")) {
      return false;
    }
    // No button when there is nobody to tell: it could only say so.
    const auto someone = services_.broadcasts.HasRecipients(incident);
    return someone && *someone;
  };
}

void ChangeCommands::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  detail::AnswerClick(services_, payload, mrkdwn, "change");
}

}  // namespace swarmbot::handlers
