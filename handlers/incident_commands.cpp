#include "handlers/incident_commands.hpp"

#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "handlers/banner_commands.hpp"
#include "handlers/command_text.hpp"
#include "handlers/declare_modal.hpp"
#include "handlers/help_text.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "handlers/routing_commands.hpp"
#include "handlers/spike_alert.hpp"
#include "handlers/swarm_commands.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kDeclareUsage =
    "Usage: `/incident declare [<subject>] [| <description>] [impact=high|medium|low] "
    "[urgency=high|medium|low]`";
constexpr std::string_view kLinkUsage =
    "Usage: `/incident link [INC-n] CASE-1 CASE-5..CASE-9`, `/incident link [INC-n] --query "
    "<words>` or `/incident link [INC-n] --cluster [SPIKE-n]`";
constexpr std::string_view kUnlinkUsage = "Usage: `/incident unlink [INC-n] CASE-1 CASE-5..CASE-9`";

// Pulls impact=… and urgency=… out of the words; the rest is the subject and
// description.
Result<lifecycle::DeclareInput> ParseDeclare(std::string_view text) {
  lifecycle::DeclareInput input;
  std::string rest;
  for (const std::string& word : Tokenize(text)) {
    const std::string lower = Lowercase(word);
    store::Level* target = nullptr;
    std::string_view value;
    if (lower.starts_with("impact=")) {
      target = &input.impact;
      value = std::string_view(lower).substr(7);
    } else if (lower.starts_with("urgency=")) {
      target = &input.urgency;
      value = std::string_view(lower).substr(8);
    }
    if (target == nullptr) {
      rest += (rest.empty() ? "" : " ") + word;
      continue;
    }
    auto level = store::ParseLevel(value);
    if (!level) {
      const std::string name = lower.substr(0, lower.find('='));
      return MakeError(Errc::kInvalidInput, "bad level", name + " must be high, medium or low");
    }
    *target = *level;
  }
  // The separator; Slack's escaped mentions (`<@U1|name>`) carry bars of their own.
  const auto bar = FindOutsideBrackets(rest, '|');
  input.subject = lifecycle::TrimmedLine(UnescapeSlackText(rest.substr(0, bar)));
  if (bar != std::string::npos) {
    input.description = UnescapeSlackText(lifecycle::Trimmed(rest.substr(bar + 1)));
  }
  return input;
}

std::string CaseNames(const std::vector<std::int64_t>& numbers) {
  constexpr std::size_t kShown = 10;
  std::string text;
  for (std::size_t i = 0; i < numbers.size() && i < kShown; ++i) {
    text += (i == 0 ? "" : ", ") + store::CaseNumberText(numbers[i]);
  }
  if (numbers.size() > kShown) {
    text += " and " + std::to_string(numbers.size() - kShown) + " more";
  }
  return text;
}

// Where a reopened incident swarms: "; the swarm carries on in <#C…>", or ""
// when it has no swarm.
std::string SwarmAfterReopening(detail::Services& services, std::int64_t incident) {
  auto swarm = services.swarms.FindByIncident(incident);
  if (!swarm || !*swarm) {
    return "";
  }
  const store::Swarm& now = **swarm;
  if (now.channel_id.empty()) {
    return "; the swarm gathers again in #" + EscapeMrkdwn(now.channel_name) +
           ", which is on its way";
  }
  if (now.state == store::SwarmState::kStarting) {
    return "; the swarm gathers again in " + ChannelMention(now.channel_id) +
           " once it is unarchived";
  }
  return "; the swarm carries on in " + ChannelMention(now.channel_id);
}

// " PRB-2 is reopened too: …", or "" when none was.
std::string ReopenedProblemsText(const std::vector<std::int64_t>& problems) {
  if (problems.empty()) {
    return {};
  }
  std::string names;
  for (std::int64_t number : problems) {
    names += (names.empty() ? "" : ", ") + store::ProblemNumberText(number);
  }
  return " " + names + (problems.size() == 1 ? " is" : " are") +
         " reopened too: the incident closed only recently.";
}

// " PRB-2 is closed too: CHG-4 fixed it and it waited only for this incident."
std::string ClosedProblemsText(const std::vector<lifecycle::WaitingProblem>& problems) {
  std::string text;
  for (const lifecycle::WaitingProblem& waiting : problems) {
    text += " " + store::ProblemNumberText(waiting.problem) +
            " is closed too: " + store::ChangeNumberText(waiting.fix.number) +
            " fixed it and it waited only for this incident.";
  }
  return text;
}

std::string Forbidden(const Settings& settings, std::string_view what, std::string_view action) {
  return RefusalReply(what, MakeError(Errc::kForbidden, "not an incident manager",
                                      "Only incident managers can " + std::string(action) + "." +
                                          detail::WhomToAsk(settings)));
}

}  // namespace

std::string IncidentCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "declare") {
    return Declare(command);
  }
  if (sub == "link" && IsClusterLink(words)) {
    return SpikeCommands(services_).LinkCluster(command);
  }
  if (sub == "link") {
    return Link(command);
  }
  if (sub == "status") {
    return ShowStatus(command);
  }
  if (sub == "unlink") {
    return Unlink(command);
  }
  if (sub == "close") {
    return Close(command);
  }
  if (auto transition = lifecycle::ParseTransition(sub)) {
    return Move(command, *transition);
  }
  if (sub == "public-title") {
    return BannerCommands(services_).PublicTitle(command);
  }
  if (RoutingCommands::Serves(sub)) {
    return RoutingCommands(services_).HandleIncident(command);
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/incident"));
  }
  return UnknownSubcommand("/incident", words.front(), command.user);
}

std::string IncidentCommands::Declare(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident declare";
  if (!detail::IsIncidentManager(services_.settings, command.user)) {
    return Forbidden(services_.settings, kWhat, "declare incidents");
  }
  // What was typed fills in the form; the form's submission declares.
  auto input = ParseDeclare(TextAfterWords(command.text, 1));
  if (!input) {
    return RefusalReply(kWhat, input.error(), kDeclareUsage);
  }
  DeclarePrefill prefill;
  prefill.subject = input->subject;
  prefill.description = input->description;
  prefill.impact = input->impact;
  prefill.urgency = input->urgency;
  if (auto opened =
          DeclareModal(services_).Open(command.trigger_id, command.user, command.channel, prefill);
      !opened) {
    return RefusalReply(kWhat, opened.error());
  }
  spdlog::info("event=declare.form_queued user={}", command.user.str());
  return {};  // a bare acknowledgement: the modal is the answer
}

std::string IncidentCommands::Link(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident link";
  std::vector<std::string> words;
  auto incident =
      detail::IncidentAndWords(services_, command, "/incident link INC-3 CASE-12", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kLinkUsage);
  }
  if (auto allowed = detail::MayChangeIncident(services_, *incident, command.user, "link cases");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  const std::string option = words.empty() ? "" : Lowercase(words.front());
  const bool query = option == "--query";
  if (option.starts_with("--") && !query) {
    return RefusalReply(
        kWhat,
        MakeError(
            Errc::kInvalidInput, "unknown link option",
            "I don't know the option `" + EscapeMrkdwn(Truncate(option, 40)) +
                "`; link cases by number, with `--query <words>` or with `--cluster [SPIKE-n]`."),
        kLinkUsage);
  }
  Result<lifecycle::LinkResult> linked = lifecycle::LinkResult{};
  if (query) {
    std::vector<std::string> query_words;
    for (std::size_t i = 1; i < words.size(); ++i) {
      query_words.push_back(UnescapeSlackText(words[i]));
    }
    linked = services_.incidents.LinkMatching(*incident, query_words, command.user);
  } else {
    auto cases = ParseCaseRefs(words);
    if (!cases) {
      return RefusalReply(kWhat, cases.error(), kLinkUsage);
    }
    linked = services_.incidents.LinkCases(*incident, *cases, command.user);
  }
  if (!linked) {
    return RefusalReply(kWhat, linked.error(), kLinkUsage);
  }
  const std::string number = store::IncidentNumberText(*incident);
  if (linked->linked.empty() && linked->already_linked.empty()) {
    return EphemeralText(
        "No new or open case mentions every one of those words; nothing was "
        "linked to " +
        number + ".");
  }
  if (linked->linked.empty()) {
    return EphemeralText("Those cases were already linked to " + number + "; nothing changed.");
  }
  std::string text = "Linked " + std::to_string(linked->linked.size()) +
                     (linked->linked.size() == 1 ? " case" : " cases") + " to " + number + ": " +
                     CaseNames(linked->linked) + ".";
  if (!linked->already_linked.empty()) {
    text += " " +
            Counted(static_cast<std::int64_t>(linked->already_linked.size()), "already was",
                    "already were") +
            ".";
  }
  return EphemeralText(text);
}

std::string IncidentCommands::ShowStatus(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident status";
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, words, command.channel, consumed,
                                          "/incident status INC-3");
  if (!incident) {
    return RefusalReply(kWhat, incident.error());
  }
  auto status = services_.incidents.StatusOf(*incident);
  if (!status) {
    return RefusalReply(kWhat, status.error());
  }
  return EphemeralMessage(StatusView(*status));
}

std::string IncidentCommands::Unlink(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident unlink";
  std::vector<std::string> words;
  auto incident =
      detail::IncidentAndWords(services_, command, "/incident unlink INC-3 CASE-12", words);
  if (!incident) {
    return RefusalReply(kWhat, incident.error(), kUnlinkUsage);
  }
  if (auto allowed = detail::MayChangeIncident(services_, *incident, command.user, "unlink cases");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  auto cases = ParseCaseRefs(words);
  if (!cases) {
    return RefusalReply(kWhat, cases.error(), kUnlinkUsage);
  }
  auto unlinked = services_.incidents.UnlinkCases(*incident, *cases, command.user);
  if (!unlinked) {
    return RefusalReply(kWhat, unlinked.error(), kUnlinkUsage);
  }
  return EphemeralText("Unlinked " + std::to_string(unlinked->size()) +
                       (unlinked->size() == 1 ? " case" : " cases") + " from " +
                       store::IncidentNumberText(*incident) + ": " + CaseNames(*unlinked) + ". " +
                       (unlinked->size() == 1 ? "It is" : "They are") + " back in " +
                       (unlinked->size() == 1 ? "its owner's" : "their owners'") + " open queue.");
}

std::string IncidentCommands::Move(const SlashCommand& command, lifecycle::Transition transition) {
  const std::string what = "/incident " + std::string(lifecycle::Name(transition));
  const std::string rest = TextAfterWords(command.text, 1);
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, Tokenize(rest), command.channel, consumed,
                                          what + " INC-3");
  if (!incident) {
    return RefusalReply(what, incident.error());
  }
  if (auto allowed =
          detail::MayChangeIncident(services_, *incident, command.user, "change its state");
      !allowed) {
    return RefusalReply(what, allowed.error());
  }
  const std::string note = UnescapeSlackText(TextAfterWords(rest, consumed));
  // What reopening will reopen with it (nothing else runs in between).
  Result<std::vector<std::int64_t>> problems = std::vector<std::int64_t>{};
  Result<std::vector<UserId>> left_out = std::vector<UserId>{};
  if (transition == lifecycle::Transition::kReopen) {
    problems = services_.problems.ReopenCandidates(*incident);
    left_out = services_.swarms.DeactivatedFormerMembers(*incident);
  }
  auto moved = services_.incidents.Move(*incident, transition, command.user, note);
  if (!moved) {
    return RefusalReply(what, moved.error());
  }
  std::string text =
      store::IncidentNumberText(*incident) + " is " + lifecycle::StateLabel(moved->state) + " now";
  if (transition == lifecycle::Transition::kReopen) {
    text += SwarmAfterReopening(services_, *incident);
  }
  return EphemeralText(text + "." + (problems ? ReopenedProblemsText(*problems) : std::string()) +
                       (left_out ? DeactivatedLeftOut(*left_out) : std::string()));
}

std::string IncidentCommands::Close(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/incident close";
  const std::string rest = TextAfterWords(command.text, 1);
  std::size_t consumed = 0;
  auto incident = detail::ResolveIncident(services_, Tokenize(rest), command.channel, consumed,
                                          "/incident close INC-3 fixed in release 42");
  if (!incident) {
    return RefusalReply(kWhat, incident.error());
  }
  if (auto allowed =
          detail::MayChangeIncident(services_, *incident, command.user, "change its state");
      !allowed) {
    return RefusalReply(kWhat, allowed.error());
  }
  const std::string note = UnescapeSlackText(TextAfterWords(rest, consumed));
  // What closes with it (nothing else runs in between).
  auto waiting = services_.problems.WaitingOnlyFor(*incident);
  auto closed = services_.incidents.Close(*incident, command.user, note);
  if (!closed) {
    return RefusalReply(kWhat, closed.error());
  }
  auto status = services_.incidents.StatusOf(*incident);
  std::string text = store::IncidentNumberText(*incident) + " closed";
  if (status) {
    text += " · " + Counted(status->linked_cases, "linked case", "linked cases") + " closed";
    if (status->swarm && !status->swarm->channel_id.empty()) {
      text += " · archiving " + ChannelMention(status->swarm->channel_id);
    }
  }
  return EphemeralText(text + "." + (waiting ? ClosedProblemsText(*waiting) : std::string()));
}

}  // namespace swarmbot::handlers
