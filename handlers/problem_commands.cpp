#include "handlers/problem_commands.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "handlers/command_text.hpp"
#include "handlers/help_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/problem_view.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::string_view kNewUsage =
    "Usage: `/problem new [title]` in a swarm channel (links its incident), `/problem new "
    "INC-n [title]` or `/problem new title`";
constexpr std::string_view kLinkUsage = "Usage: `/problem link [PRB-n] INC-n`";
constexpr std::string_view kUnlinkUsage = "Usage: `/problem unlink [PRB-n] INC-n`";
constexpr std::string_view kCauseUsage = "Usage: `/problem cause [PRB-n] text`";
constexpr std::string_view kAssetUsage = "Usage: `/problem asset [PRB-n] NAME …`";
constexpr std::string_view kKnownErrorUsage =
    "Usage: `/problem known-error [PRB-n] KB-n|article-file|workaround text`";
constexpr int kListLimit = 31;

std::string Prb(std::int64_t number) {
  return store::ProblemNumberText(number);
}

// Names split at spaces and commas, each lowercase.
std::vector<std::string> AssetNames(std::string_view text) {
  std::vector<std::string> names;
  std::string name;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!name.empty()) {
        names.push_back(Lowercase(name));
      }
      name.clear();
    } else {
      name += c;
    }
  }
  if (!name.empty()) {
    names.push_back(Lowercase(name));
  }
  return names;
}

std::optional<std::int64_t> ParseArticleId(std::string_view word) {
  if (word.size() < 4 || Lowercase(word.substr(0, 3)) != "kb-") {
    return std::nullopt;
  }
  std::int64_t id = 0;
  const auto digits = word.substr(3);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || end != digits.data() + digits.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

}  // namespace

std::string ProblemCommands::Handle(const SlashCommand& command) {
  const auto words = Tokenize(command.text);
  const std::string sub = words.empty() ? "help" : Lowercase(words.front());
  if (sub == "new") {
    return New(command);
  }
  if (sub == "link" || sub == "unlink") {
    return Link(command, sub == "link");
  }
  if (sub == "cause") {
    return Cause(command);
  }
  if (sub == "asset" || sub == "assets") {
    return Asset(command);
  }
  if (sub == "known-error") {
    return KnownError(command);
  }
  if (auto move = lifecycle::ParseProblemMove(sub)) {
    return Move(command, *move);
  }
  if (sub == "show") {
    return Show(command);
  }
  if (sub == "list") {
    return List(command);
  }
  if (sub == "help") {
    return EphemeralText(HelpText("/problem"));
  }
  return UnknownSubcommand("/problem", words.front(), command.user);
}

lifecycle::ProblemActor ProblemCommands::Actor(const SlashCommand& command) const {
  return {command.user, detail::IsIncidentManager(services_.settings, command.user)};
}

Result<std::int64_t> ProblemCommands::ProblemAndRest(const SlashCommand& command,
                                                     std::string_view example, std::string& rest) {
  rest = TextAfterWords(command.text, 1);
  const auto words = Tokenize(rest);
  if (!words.empty()) {
    if (auto number = store::ParseProblemNumber(words.front())) {
      rest = TextAfterWords(rest, 1);
      return *number;
    }
  }
  auto swarm = services_.swarms.FindByChannel(command.channel);
  if (!swarm) {
    return swarm.error();
  }
  const std::string which = "Which problem? Name it, e.g. `" + std::string(example) + "`";
  if (!*swarm) {
    return MakeError(Errc::kInvalidInput, "no problem named", which + ".");
  }
  const std::int64_t incident = (*swarm)->incident;
  auto problems = services_.problems.ProblemsOf(incident);
  if (!problems) {
    return problems.error();
  }
  if (problems->size() == 1) {
    return problems->front();
  }
  const std::string inc = store::IncidentNumberText(incident);
  if (problems->empty()) {
    return MakeError(Errc::kInvalidInput, "problem ambiguous",
                     which + "; " + inc + " has no problem yet (`/problem new` opens one).");
  }
  // The example names one of this incident's own problems, not a made-up one.
  std::string named;
  for (std::size_t i = 0; i < problems->size(); ++i) {
    named += (i == 0 ? "" : (i + 1 == problems->size() ? " and " : ", ")) +
             store::ProblemNumberText((*problems)[i]);
  }
  std::string own_example(example);
  if (const auto at = own_example.find("PRB-2"); at != std::string::npos) {
    own_example.replace(at, 5, store::ProblemNumberText(problems->front()));
  }
  return MakeError(Errc::kInvalidInput, "problem ambiguous",
                   "Which problem? " + inc + " has " + std::to_string(problems->size()) +
                       " problems, " + named + "; name one, e.g. `" + own_example + "`.");
}

std::string ProblemCommands::New(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem new";
  std::string title = TextAfterWords(command.text, 1);
  std::optional<std::int64_t> incident;
  // The incident named first or the swarm channel's; without either the
  // problem stands alone.
  std::size_t consumed = 0;
  auto resolved =
      detail::ResolveIncident(services_, Tokenize(title), command.channel, consumed, "");
  if (resolved) {
    incident = *resolved;
    title = TextAfterWords(title, consumed);
  } else if (resolved.error().code != Errc::kInvalidInput) {
    return RefusalReply(kWhat, resolved.error());
  }
  title = UnescapeSlackText(title);
  if (title.empty() && incident) {
    auto found = services_.incidents.FindIncident(*incident);
    if (!found) {
      return RefusalReply(kWhat, found.error());
    }
    title = found->subject;
  }
  if (title.empty()) {
    return EphemeralText(std::string(kNewUsage) + "; a standalone problem needs a title.");
  }
  auto created = services_.problems.Create({title, incident}, command.user);
  if (!created) {
    return RefusalReply(kWhat, created.error(), kNewUsage);
  }
  const std::string number = Prb(created->number);
  return EphemeralText(
      number + " opened" +
      (incident ? " and linked to " + store::IncidentNumberText(*incident) : std::string()) + ": " +
      EscapeMrkdwn(created->title) + ". Next: `/problem cause " + number +
      " …` for root-cause notes, `/problem asset " + number + " NAME …` for impacted assets.");
}

std::string ProblemCommands::Link(const SlashCommand& command, bool link) {
  const std::string what = link ? "/problem link" : "/problem unlink";
  const std::string_view usage = link ? kLinkUsage : kUnlinkUsage;
  std::string rest;
  auto problem = ProblemAndRest(
      command, link ? "/problem link PRB-2 INC-7" : "/problem unlink PRB-2 INC-7", rest);
  if (!problem) {
    return RefusalReply(what, problem.error(), usage);
  }
  const auto words = Tokenize(rest);
  const auto incident =
      words.size() == 1 ? store::ParseIncidentNumber(words.front()) : std::nullopt;
  if (!incident) {
    return EphemeralText(std::string(usage) + "; name one incident.");
  }
  const auto done = link ? services_.problems.Link(*problem, *incident, Actor(command))
                         : services_.problems.Unlink(*problem, *incident, Actor(command));
  if (!done) {
    return RefusalReply(what, done.error());
  }
  return EphemeralText(Prb(*problem) + (link ? " is linked to " : " is no longer linked to ") +
                       store::IncidentNumberText(*incident) + ".");
}

std::string ProblemCommands::Cause(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem cause";
  std::string rest;
  auto problem = ProblemAndRest(command, "/problem cause PRB-2 the rule expired", rest);
  if (!problem) {
    return RefusalReply(kWhat, problem.error(), kCauseUsage);
  }
  if (rest.empty()) {
    return EphemeralText(std::string(kCauseUsage) + "; the note itself is missing.");
  }
  if (auto added = services_.problems.AddCause(*problem, UnescapeSlackText(rest), Actor(command));
      !added) {
    return RefusalReply(kWhat, added.error());
  }
  return EphemeralText("Root-cause note added to " + Prb(*problem) + ".");
}

std::string ProblemCommands::Asset(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem asset";
  std::string rest;
  auto problem = ProblemAndRest(command, "/problem asset PRB-2 checkout-service", rest);
  if (!problem) {
    return RefusalReply(kWhat, problem.error(), kAssetUsage);
  }
  const auto names = AssetNames(UnescapeSlackText(rest));
  if (names.empty()) {
    return EphemeralText(std::string(kAssetUsage) + "; name at least one asset.");
  }
  auto added = services_.problems.AddAssets(*problem, names, Actor(command));
  if (!added) {
    return RefusalReply(kWhat, added.error(), kAssetUsage);
  }
  if (added->empty()) {
    return EphemeralText("Those assets were on " + Prb(*problem) + " already; nothing changed.");
  }
  std::string list;
  for (const std::string& name : *added) {
    list += (list.empty() ? "" : ", ") + EscapeMrkdwn(name);
  }
  return EphemeralText("Impacted assets added to " + Prb(*problem) + ": " + list + ".");
}

std::string ProblemCommands::KnownError(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem known-error";
  std::string rest;
  auto problem = ProblemAndRest(command, "/problem known-error PRB-2 use FEAST26", rest);
  if (!problem) {
    return RefusalReply(kWhat, problem.error(), kKnownErrorUsage);
  }
  rest = UnescapeSlackText(rest);
  lifecycle::Workaround workaround;
  const auto words = Tokenize(rest);
  if (words.empty()) {
    return EphemeralText(std::string(kKnownErrorUsage) + "; the workaround is missing.");
  }
  if (auto id = ParseArticleId(words.front())) {
    workaround.article = *id;
  } else if (words.size() == 1) {
    // A knowledge article named by its file, e.g. promo-code-expired.md.
    const std::string slug = words.front().ends_with(".md") ? words.front() : words.front() + ".md";
    auto article = services_.problems.FindArticleBySlug(slug);
    if (!article) {
      return RefusalReply(kWhat, article.error());
    }
    if (*article) {
      workaround.article = (*article)->id;
    }
  }
  workaround.text = workaround.article ? TextAfterWords(rest, 1) : rest;
  if (auto marked = services_.problems.MarkKnownError(*problem, workaround, Actor(command));
      !marked) {
    return RefusalReply(kWhat, marked.error(), kKnownErrorUsage);
  }
  return EphemeralText(Prb(*problem) + " is a known error now, with its workaround" +
                       (workaround.article ? " article" : std::string()) + ".");
}

std::string ProblemCommands::Move(const SlashCommand& command, lifecycle::ProblemMove move) {
  const std::string what = "/problem " + std::string(lifecycle::Name(move));
  if (move == lifecycle::ProblemMove::kKnownError) {
    return KnownError(command);
  }
  std::string rest;
  auto problem = ProblemAndRest(command, what + " PRB-2", rest);
  if (!problem) {
    return RefusalReply(what, problem.error());
  }
  auto moved = services_.problems.Move(*problem, move, Actor(command), UnescapeSlackText(rest));
  if (!moved) {
    return RefusalReply(what, moved.error());
  }
  const std::string state = lifecycle::StateLabel(moved->problem.state);
  if (!moved->ended_wait) {
    return EphemeralText(Prb(*problem) + " is " + state + " now.");
  }
  std::string waited;
  for (std::int64_t incident : moved->waited_for) {
    waited += (waited.empty() ? "" : ", ") + store::IncidentNumberText(incident);
  }
  const std::string fix = store::ChangeNumberText(moved->ended_wait->number);
  const std::string ended = "no longer waits for " +
                            (waited.empty() ? std::string("its incidents") : waited) +
                            " to close with " + fix + "'s fix";
  if (moved->from != moved->problem.state) {
    return EphemeralText(Prb(*problem) + " is " + state + " now, and " + ended + ".");
  }
  return EphemeralText(Prb(*problem) + " " + ended + ": it stays " + state +
                       " and closes when someone closes it.");
}

std::string ProblemCommands::Show(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem show";
  std::string rest;
  auto problem = ProblemAndRest(command, "/problem show PRB-2", rest);
  if (!problem) {
    return RefusalReply(kWhat, problem.error());
  }
  auto details = services_.problems.Details(*problem);
  if (!details) {
    return RefusalReply(kWhat, details.error());
  }
  return EphemeralMessage(ProblemCard(*details));
}

std::string ProblemCommands::List(const SlashCommand& command) {
  constexpr std::string_view kWhat = "/problem list";
  const auto words = Tokenize(TextAfterWords(command.text, 1));
  const bool all = !words.empty() && Lowercase(words.front()) == "all";
  if (!words.empty() && !all) {
    return EphemeralText("Usage: `/problem list` (open ones) or `/problem list all`.");
  }
  auto problems = services_.problems.List(!all, kListLimit);
  if (!problems) {
    return RefusalReply(kWhat, problems.error());
  }
  return EphemeralText(ProblemListText(*problems, !all));
}

}  // namespace swarmbot::handlers
