#include "lifecycle/problem_service.hpp"

#include <algorithm>

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>

#include "common/edit_distance.hpp"
#include "lifecycle/detail/effects_queue.hpp"
#include "lifecycle/incident_states.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/incident_repository.hpp"
#include "store/swarm_repository.hpp"
#include "store/timeline_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

std::string Prb(std::int64_t number) {
  return store::ProblemNumberText(number);
}

std::string Inc(std::int64_t number) {
  return store::IncidentNumberText(number);
}

std::string JoinedWords(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) {
    text += (text.empty() ? "" : ", ") + word;
  }
  return text;
}

bool SwarmIsLive(const std::optional<store::Swarm>& swarm) {
  return swarm && (swarm->state == store::SwarmState::kStarting ||
                   swarm->state == store::SwarmState::kActive);
}

Status CheckOpen(const store::Problem& problem) {
  if (problem.Open()) {
    return {};
  }
  return MakeError(Errc::kConflict, "problem is closed",
                   Prb(problem.number) + " is closed; reopen it first (`/problem reopen " +
                       Prb(problem.number) + "`).");
}

// How a name that isn't in the catalogue is quoted back: as typed when it
// could be an asset name, else without repeating it.
std::string AssetShown(std::string_view name) {
  const bool plain =
      !name.empty() && name.size() <= 80 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      });
  return plain ? "`" + std::string(name) + "`" : std::string("That name");
}

std::string MoveText(ProblemMove move, std::string_view note) {
  std::string text;
  switch (move) {
    case ProblemMove::kInvestigate:
      text = "Investigating";
      break;
    case ProblemMove::kKnownError:
      text = "Known error";
      break;
    case ProblemMove::kResolve:
      text = "Resolved";
      break;
    case ProblemMove::kClose:
      text = "Closed";
      break;
    case ProblemMove::kReopen:
      text = store::kProblemReopenedText;
      break;
  }
  return note.empty() ? text : text + ": " + std::string(note);
}

// Said on the timeline when `/problem reopen` ends a problem's wait for its
// incidents to close with its fix.
std::string WaitEndedText(std::int64_t change, const std::vector<std::int64_t>& waited_for) {
  std::vector<std::string> names;
  for (std::int64_t incident : waited_for) {
    names.push_back(Inc(incident));
  }
  const std::string fix = store::ChangeNumberText(change);
  return "No longer waits for " + (names.empty() ? "its incidents" : JoinedWords(names)) +
         " to close with " + fix + "'s fix; it stays open until someone closes it";
}

}  // namespace

Error ProblemNotFound(std::int64_t problem) {
  return MakeError(Errc::kNotFound, "no such problem", Prb(problem) + " doesn't exist");
}

std::vector<std::string> CloseMatches(std::string_view name, const std::vector<std::string>& names,
                                      std::size_t limit) {
  // Close enough to be a typo: a third of the name's length, at least two.
  const std::size_t max_distance = std::max<std::size_t>(2, name.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const std::string& candidate : names) {
    const bool contains = !name.empty() && candidate.find(name) != std::string::npos;
    const std::size_t distance = contains ? 1 : EditDistance(name, candidate);
    if (distance <= max_distance) {
      scored.emplace_back(distance, candidate);
    }
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> best;
  for (std::size_t i = 0; i < scored.size() && i < limit; ++i) {
    best.push_back(scored[i].second);
  }
  return best;
}

Result<store::Problem> ProblemService::Create(const NewProblem& input, const UserId& actor) {
  const std::string title = TrimmedLine(input.title);
  if (auto checked = CheckField(title, {"title", kMaxTitle, true, false}); !checked) {
    return checked.error();
  }
  return InTransaction(db_, "create_problem", [&]() -> Result<store::Problem> {
    if (input.incident && !store::IncidentRepository(db_).Find(*input.incident)) {
      return IncidentNotFound(*input.incident);
    }
    if (input.incident && may_tie_incident) {
      if (auto allowed = may_tie_incident(*input.incident, actor); !allowed) {
        return allowed.error();
      }
    }
    const auto now = clock_.Now();
    store::ProblemRepository problems(db_);
    store::Problem problem;
    problem.title = title;
    problem.owner = actor;
    problem.created_by = actor;
    problem.created_at = now;
    const std::int64_t number = problems.Insert(problem);
    if (input.incident) {
      problems.Link(number, *input.incident, actor, now);
    }
    problem = problems.Find(number).value();
    Record(problem, actor.str(), "created",
           "Opened \"" + title + "\"" +
               (input.incident ? ", linked to " + Inc(*input.incident) : std::string()),
           true);
    spdlog::info("event=problem.created problem={} incident={} actor={}", Prb(number),
                 input.incident ? Inc(*input.incident) : "none", actor.str());
    return problem;
  });
}

Result<store::Problem> ProblemService::FindChangeable(std::int64_t number,
                                                      const ProblemActor& actor) {
  store::ProblemRepository problems(db_);
  auto problem = problems.Find(number);
  if (!problem) {
    return ProblemNotFound(number);
  }
  if (actor.incident_manager || problem->owner == actor.user) {
    return *problem;
  }
  store::IncidentRepository incidents(db_);
  std::vector<UserId> owners;
  if (!problem->owner.empty()) {
    owners.push_back(problem->owner);
  }
  for (std::int64_t incident : problems.IncidentsOf(number)) {
    auto found = incidents.Find(incident);
    if (found && !found->owner.empty() && found->owner == actor.user) {
      return *problem;
    }
    if (found && !found->owner.empty() &&
        std::find(owners.begin(), owners.end(), found->owner) == owners.end()) {
      owners.push_back(found->owner);
    }
  }
  return MakeError(Errc::kForbidden, "may not change problem",
                   "Only incident managers, " + Prb(number) +
                       "'s owner and the owners of its incidents can change it." +
                       (whom_to_ask ? whom_to_ask(owners) : ""));
}

Status ProblemService::MayTie(std::int64_t incident, const ProblemActor& actor) const {
  if (actor.incident_manager || !may_tie_incident) {
    return {};
  }
  return may_tie_incident(incident, actor.user);
}

Status ProblemService::Link(std::int64_t problem, std::int64_t incident,
                            const ProblemActor& actor) {
  return InTransaction(db_, "link_problem", [&]() -> Status {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    if (auto open = CheckOpen(*found); !open) {
      return open;
    }
    if (!store::IncidentRepository(db_).Find(incident)) {
      return IncidentNotFound(incident);
    }
    if (auto allowed = MayTie(incident, actor); !allowed) {
      return allowed;
    }
    if (!store::ProblemRepository(db_).Link(problem, incident, actor.user, clock_.Now())) {
      return MakeError(
          Errc::kConflict, "linked already",
          Prb(problem) + " is already linked to " + Inc(incident) + "; nothing changed.");
    }
    Record(*found, actor.user.str(), "linked", "Linked to " + Inc(incident), true);
    spdlog::info("event=problem.linked problem={} incident={} actor={}", Prb(problem),
                 Inc(incident), actor.user.str());
    return {};
  });
}

Status ProblemService::Unlink(std::int64_t problem, std::int64_t incident,
                              const ProblemActor& actor) {
  return InTransaction(db_, "unlink_problem", [&]() -> Status {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    if (auto open = CheckOpen(*found); !open) {
      return open;
    }
    store::ProblemRepository problems(db_);
    const auto linked = problems.IncidentsOf(problem);
    if (std::find(linked.begin(), linked.end(), incident) == linked.end()) {
      return MakeError(Errc::kConflict, "not linked",
                       Prb(problem) + " isn't linked to " + Inc(incident) + "; nothing changed.");
    }
    if (auto allowed = MayTie(incident, actor); !allowed) {
      return allowed;
    }
    problems.Unlink(problem, incident);
    Record(*found, actor.user.str(), "unlinked", "Unlinked from " + Inc(incident), true, incident);
    spdlog::info("event=problem.unlinked problem={} incident={} actor={}", Prb(problem),
                 Inc(incident), actor.user.str());
    return {};
  });
}

Status ProblemService::AddCause(std::int64_t problem, std::string_view text,
                                const ProblemActor& actor) {
  const std::string cause = Trimmed(text);
  if (auto checked = CheckField(cause, {"root-cause note", kMaxText, true, true}); !checked) {
    return checked;
  }
  return InTransaction(db_, "problem_cause", [&]() -> Status {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    if (auto open = CheckOpen(*found); !open) {
      return open;
    }
    const auto now = clock_.Now();
    store::ProblemRepository problems(db_);
    problems.AddCause(problem, actor.user, cause, now);
    // Someone found a cause: the problem is being investigated.
    const bool moved = found->state == store::ProblemState::kNew;
    if (moved) {
      problems.SetState(problem, store::ProblemState::kInvestigating, now);
    }
    Record(*found, actor.user.str(), "cause", "Root cause: " + cause, moved);
    spdlog::info("event=problem.cause problem={} actor={} chars={}", Prb(problem), actor.user.str(),
                 Utf8Length(cause));
    return {};
  });
}

Result<std::vector<std::string>> ProblemService::AddAssets(std::int64_t problem,
                                                           const std::vector<std::string>& names,
                                                           const ProblemActor& actor) {
  if (names.empty() || names.size() > kMaxAssetsAtOnce) {
    return MakeError(Errc::kInvalidInput, "asset count",
                     "Name between 1 and " + std::to_string(kMaxAssetsAtOnce) + " assets.");
  }
  return InTransaction(db_, "problem_assets", [&]() -> Result<std::vector<std::string>> {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    if (auto open = CheckOpen(*found); !open) {
      return open.error();
    }
    store::AssetRepository catalogue(db_);
    std::vector<std::string> known;
    for (const std::string& raw : names) {
      const std::string name = Lowercase(Trimmed(raw));
      if (catalogue.Find(name)) {
        known.push_back(name);
        continue;
      }
      std::vector<std::string> all;
      for (const store::Asset& asset : catalogue.All()) {
        all.push_back(asset.name);
      }
      const auto close = CloseMatches(name, all);
      return MakeError(
          Errc::kNotFound, "unknown asset",
          AssetShown(name) + " isn't in the asset catalogue" +
              (close.empty() ? std::string(".") : "; did you mean " + JoinedWords(close) + "?") +
              " Nothing was added.");
    }
    const auto now = clock_.Now();
    store::ProblemRepository problems(db_);
    std::vector<std::string> added;
    for (const std::string& name : known) {
      if (problems.AddAsset(problem, name, actor.user, now)) {
        added.push_back(name);
      }
    }
    if (!added.empty()) {
      Record(*found, actor.user.str(), "assets", "Impacted assets: " + JoinedWords(added), false);
    }
    return added;
  });
}

Status ProblemService::MarkKnownError(std::int64_t problem, const Workaround& workaround,
                                      const ProblemActor& actor) {
  const std::string text = Trimmed(workaround.text);
  if (auto checked = CheckField(text, {"workaround", kMaxText, !workaround.article, true});
      !checked) {
    return checked;
  }
  return InTransaction(db_, "problem_known_error", [&]() -> Status {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    if (!Allows(ProblemMove::kKnownError, found->state)) {
      return MakeError(Errc::kConflict, "move not allowed",
                       Prb(problem) + " is " + StateLabel(found->state) +
                           "; `known-error` works from " +
                           AllowedStatesText(ProblemMove::kKnownError) + ".");
    }
    std::string described = text;
    if (workaround.article) {
      auto article = store::KnowledgeRepository(db_).Find(*workaround.article);
      if (!article) {
        return MakeError(Errc::kNotFound, "no such article",
                         "That article isn't in the knowledge base.");
      }
      described += (described.empty() ? "" : "; ") + std::string("see \"") + article->title + "\"";
    }
    const auto now = clock_.Now();
    store::ProblemRepository problems(db_);
    problems.SetKnownError(problem, text, workaround.article, now);
    problems.SetState(problem, store::ProblemState::kKnownError, now);
    Record(*found, actor.user.str(), "known_error", "Known error. Workaround: " + described, true);
    spdlog::info("event=problem.known_error problem={} article={} actor={}", Prb(problem),
                 workaround.article.has_value(), actor.user.str());
    return {};
  });
}

Result<MovedProblem> ProblemService::Move(std::int64_t problem, ProblemMove move,
                                          const ProblemActor& actor, std::string_view note) {
  const std::string trimmed = Trimmed(note);
  if (auto checked = CheckField(trimmed, {"note", kMaxText, false, true}); !checked) {
    return checked.error();
  }
  if (move == ProblemMove::kKnownError) {
    return MakeError(Errc::kInvalidInput, "known error needs a workaround",
                     "Use `/problem known-error PRB-n <workaround or KB article>`.");
  }
  return InTransaction(db_, "move_problem", [&]() -> Result<MovedProblem> {
    auto found = FindChangeable(problem, actor);
    if (!found) {
      return found.error();
    }
    store::ProblemRepository problems(db_);
    MovedProblem moved;
    moved.from = found->state;
    if (move == ProblemMove::kReopen && found->Open()) {
      moved.ended_wait = ClosedFix(problem);
    }
    if (moved.ended_wait) {
      store::IncidentRepository incidents(db_);
      for (std::int64_t incident : problems.IncidentsOf(problem)) {
        if (auto linked = incidents.Find(incident); linked && linked->Open()) {
          moved.waited_for.push_back(incident);
        }
      }
    }
    const std::string wait_ended =
        moved.ended_wait ? WaitEndedText(moved.ended_wait->number, moved.waited_for) : "";
    if (moved.ended_wait && !Allows(move, found->state)) {
      // Reopening means the fix is in doubt; the problem needn't be resolved
      // first to say so. Its state stays; only the closing with the incidents
      // is called off (ClosedFix ignores fixes closed before this event).
      Record(*found, actor.user.str(), store::kProblemWaitEndedKind,
             trimmed.empty() ? wait_ended : wait_ended + ": " + trimmed, true);
      spdlog::info("event=problem.wait_ended problem={} change={} state={} actor={}", Prb(problem),
                   store::ChangeNumberText(moved.ended_wait->number), store::Name(found->state),
                   actor.user.str());
      moved.problem = std::move(*found);
      return moved;
    }
    if (!Allows(move, found->state)) {
      return MakeError(Errc::kConflict, "move not allowed",
                       Prb(problem) + " is " + StateLabel(found->state) + "; `" +
                           std::string(Name(move)) + "` works from " + AllowedStatesText(move) +
                           ".");
    }
    if (move == ProblemMove::kClose) {
      store::IncidentRepository incidents(db_);
      for (std::int64_t incident : problems.IncidentsOf(problem)) {
        if (auto linked = incidents.Find(incident); linked && linked->Open()) {
          return MakeError(Errc::kConflict, "incident still open",
                           Prb(problem) + " stays open while " + Inc(incident) +
                               " is open; close the incident first.");
        }
      }
      problems.SetCloseNote(problem, trimmed);
    }
    problems.SetState(problem, Target(move), clock_.Now());
    // A reopening's event starts with kProblemReopenedText, which ends the wait.
    Record(*found, actor.user.str(), "state",
           MoveText(move, trimmed) + (wait_ended.empty() ? "" : ". " + wait_ended), true);
    spdlog::info("event=problem.{} problem={} from={} ended_wait={} actor={}", Name(move),
                 Prb(problem), store::Name(found->state), moved.ended_wait.has_value(),
                 actor.user.str());
    moved.problem = problems.Find(problem).value();
    return moved;
  });
}

void ProblemService::Record(const store::Problem& problem, std::string_view actor,
                            std::string_view kind, std::string_view text, bool refresh,
                            std::optional<std::int64_t> also) {
  const auto now = clock_.Now();
  store::ProblemRepository problems(db_);
  const std::int64_t event = problems.AppendEvent(problem.number, now, actor, kind, text);
  std::vector<std::int64_t> incidents = problems.IncidentsOf(problem.number);
  if (also && std::find(incidents.begin(), incidents.end(), *also) == incidents.end()) {
    incidents.push_back(*also);
  }
  store::TimelineRepository timeline(db_);
  store::SwarmRepository swarms(db_);
  for (std::int64_t incident : incidents) {
    timeline.Append(incident, now, actor, "problem_" + std::string(kind),
                    Prb(problem.number) + ": " + std::string(text));
    const bool live = SwarmIsLive(swarms.FindByIncident(incident));
    if (live) {
      detail::EnqueueEffect(db_, incident, effect::kProblemAnnounce, now,
                            {{std::string(effect::kArgProblem), std::to_string(problem.number)},
                             {std::string(effect::kArgEvent), std::to_string(event)}});
    }
    if (refresh && live) {
      detail::EnqueueEffect(db_, incident, effect::kUpdateSummary, now);
    }
    if (refresh) {
      detail::EnqueueEffect(db_, incident, effect::kUpdateAnnouncement, now);
    }
  }
}

Result<bool> ProblemService::Exists(std::int64_t problem) {
  // The change service asks this inside its own transaction while it checks
  // a link, and SQLite can't nest them; one SELECT is consistent on its own.
  try {
    return store::ProblemRepository(db_).Find(problem).has_value();
  } catch (const SQLite::Exception& e) {
    spdlog::error("event=store.failed operation=problem_exists sqlite_code={} error=\"{}\"",
                  e.getErrorCode(), e.what());
    return MakeError(Errc::kInternal, "store failed during problem_exists",
                     "Something went wrong while reading that; nothing was changed.");
  }
}

Result<ProblemDetails> ProblemService::Details(std::int64_t problem) {
  return InReadTransaction(db_, "problem_details", [&]() -> Result<ProblemDetails> {
    store::ProblemRepository problems(db_);
    auto found = problems.Find(problem);
    if (!found) {
      return ProblemNotFound(problem);
    }
    ProblemDetails details;
    details.problem = std::move(*found);
    store::IncidentRepository incidents(db_);
    for (std::int64_t incident : problems.IncidentsOf(problem)) {
      if (auto linked = incidents.Find(incident)) {
        details.incidents.push_back(std::move(*linked));
      }
    }
    details.assets = problems.Assets(problem);
    details.causes = problems.Causes(problem);
    if (details.problem.workaround_article) {
      details.article = store::KnowledgeRepository(db_).Find(*details.problem.workaround_article);
    }
    if (details.problem.Open()) {
      details.closed_fix = ClosedFix(problem);
    }
    return details;
  });
}

Result<std::vector<store::Problem>> ProblemService::List(bool open_only, int limit) {
  return InReadTransaction(db_, "list_problems", [&]() -> Result<std::vector<store::Problem>> {
    return store::ProblemRepository(db_).List(open_only, limit);
  });
}

Result<std::vector<std::int64_t>> ProblemService::ProblemsOf(std::int64_t incident) {
  return InReadTransaction(db_, "problems_of", [&]() -> Result<std::vector<std::int64_t>> {
    return store::ProblemRepository(db_).ProblemsOf(incident);
  });
}

Result<store::ProblemEvent> ProblemService::FindEvent(std::int64_t event) {
  return InReadTransaction(db_, "problem_event", [&]() -> Result<store::ProblemEvent> {
    if (auto found = store::ProblemRepository(db_).FindEvent(event)) {
      return *found;
    }
    return MakeError(Errc::kNotFound, "no such problem event");
  });
}

Result<std::optional<store::Article>> ProblemService::FindArticleBySlug(std::string_view slug) {
  return InReadTransaction(db_, "find_article", [&]() -> Result<std::optional<store::Article>> {
    return store::KnowledgeRepository(db_).FindBySlug(slug);
  });
}

Result<AssetImportReport> ProblemService::ImportAssets(const std::vector<store::Asset>& assets) {
  return InTransaction(db_, "import_assets", [&]() -> Result<AssetImportReport> {
    store::AssetRepository catalogue(db_);
    AssetImportReport report;
    const auto now = clock_.Now();
    for (const store::Asset& asset : assets) {
      switch (catalogue.Upsert(asset, now)) {
        case store::AssetRepository::Outcome::kAdded:
          ++report.added;
          break;
        case store::AssetRepository::Outcome::kUpdated:
          ++report.updated;
          break;
        case store::AssetRepository::Outcome::kUnchanged:
          ++report.unchanged;
          break;
      }
    }
    return report;
  });
}

}  // namespace swarmbot::lifecycle
