// ProblemService's part of the closing cascade, and the reopening that goes
// the other way: an incident reopened soon after closing reopens its problems.
#include <algorithm>
#include <map>
#include <set>

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>

#include "lifecycle/incident_states.hpp"
#include "lifecycle/problem_service.hpp"
#include "lifecycle/text_rules.hpp"
#include "lifecycle/transaction.hpp"
#include "store/case_link_repository.hpp"
#include "store/case_repository.hpp"
#include "store/change_repository.hpp"
#include "store/incident_repository.hpp"

namespace swarmbot::lifecycle {
namespace {

// What the cascade will close, decided before anything changes.
struct CascadePlan {
  std::vector<store::Problem> problems;                        // to close
  std::vector<std::int64_t> incidents;                         // to close, ascending
  std::map<std::int64_t, std::vector<std::int64_t>> fixed_by;  // incident → its fixed problems
  std::vector<std::string> kept_open;
};

// The given open problems, each once; kNotFound for an unknown one.
Result<std::vector<store::Problem>> OpenProblems(store::ProblemRepository& problems,
                                                 const std::vector<std::int64_t>& numbers) {
  std::set<std::int64_t> distinct(numbers.begin(), numbers.end());
  std::vector<store::Problem> open;
  for (std::int64_t number : distinct) {
    auto problem = problems.Find(number);
    if (!problem) {
      return ProblemNotFound(number);
    }
    if (problem->Open()) {
      open.push_back(std::move(*problem));
    }
  }
  return open;
}

// The first open problem linked to `incident` that isn't being fixed.
std::optional<std::int64_t> OtherOpenProblem(store::ProblemRepository& problems,
                                             std::int64_t incident,
                                             const std::set<std::int64_t>& fixed) {
  for (std::int64_t number : problems.ProblemsOf(incident)) {
    if (fixed.contains(number)) {
      continue;
    }
    if (auto other = problems.Find(number); other && other->Open()) {
      return number;
    }
  }
  return std::nullopt;
}

// `settled`: open problems whose fix is closed already; they close with their
// last incident, so they keep no incident open.
CascadePlan Plan(store::Database& db, std::vector<store::Problem> fixed,
                 const std::set<std::int64_t>& settled) {
  store::ProblemRepository problems(db);
  store::IncidentRepository incidents(db);
  std::set<std::int64_t> fixed_numbers = settled;
  for (const store::Problem& problem : fixed) {
    fixed_numbers.insert(problem.number);
  }
  CascadePlan plan;
  std::set<std::int64_t> closing;
  std::set<std::int64_t> staying;
  for (const store::Problem& problem : fixed) {
    for (std::int64_t number : problems.IncidentsOf(problem.number)) {
      auto incident = incidents.Find(number);
      if (!incident || !incident->Open() || closing.contains(number) || staying.contains(number)) {
        plan.fixed_by[number].push_back(problem.number);
        continue;
      }
      plan.fixed_by[number].push_back(problem.number);
      if (auto other = OtherOpenProblem(problems, number, fixed_numbers)) {
        staying.insert(number);
        plan.kept_open.push_back(store::IncidentNumberText(number) + " stays open: " +
                                 store::ProblemNumberText(*other) + " is still open.");
      } else {
        closing.insert(number);
      }
    }
  }
  for (store::Problem& problem : fixed) {
    std::optional<std::int64_t> open_incident;
    for (std::int64_t number : problems.IncidentsOf(problem.number)) {
      auto incident = incidents.Find(number);
      if (incident && incident->Open() && !closing.contains(number)) {
        open_incident = number;
        break;
      }
    }
    if (open_incident) {
      plan.kept_open.push_back(store::ProblemNumberText(problem.number) + " stays open: " +
                               store::IncidentNumberText(*open_incident) + " is still open.");
    } else {
      plan.problems.push_back(std::move(problem));
    }
  }
  plan.incidents.assign(closing.begin(), closing.end());
  return plan;
}

std::int64_t OpenCases(store::Database& db, std::int64_t incident) {
  store::CaseRepository cases(db);
  std::int64_t open = 0;
  for (std::int64_t number : store::CaseLinkRepository(db).LinkedCases(incident)) {
    auto c = cases.Find(number);
    if (c && c->status != store::CaseStatus::kClosed) {
      ++open;
    }
  }
  return open;
}

}  // namespace

Result<CascadeReport> ProblemService::CloseFixedInTransaction(
    const std::vector<std::int64_t>& problems, const UserId& actor, std::string_view note) {
  const std::string trimmed = Trimmed(note);
  if (auto checked = CheckField(trimmed, {"note", kMaxText, false, true}); !checked) {
    return checked.error();
  }
  try {
    store::ProblemRepository repository(db_);
    auto open = OpenProblems(repository, problems);
    if (!open) {
      return open.error();
    }
    const std::set<std::int64_t> settled = SettledBeside(*open);
    CascadePlan plan = Plan(db_, std::move(*open), settled);
    CascadeReport report;
    report.kept_open = std::move(plan.kept_open);
    const std::string resolution = trimmed.empty() ? "Fixed" : trimmed;
    // Problems first: their announcements must reach the swarm channels
    // before closing the incidents archives those channels.
    for (const store::Problem& problem : plan.problems) {
      repository.SetCloseNote(problem.number, resolution);
      repository.SetState(problem.number, store::ProblemState::kClosed, clock_.Now());
      Record(problem, actor.str(), "state", "Closed: " + resolution, true);
      report.closed_problems.push_back(problem.number);
    }
    for (std::int64_t incident : plan.incidents) {
      std::string why = "Fixed with ";
      for (std::int64_t number : plan.fixed_by[incident]) {
        why += (why.ends_with(' ') ? "" : ", ") + store::ProblemNumberText(number);
      }
      report.closed_cases += OpenCases(db_, incident);
      auto closed = incidents_.CloseInTransaction(incident, actor, trimmed.empty() ? why : trimmed);
      if (!closed) {
        return closed.error();
      }
      report.closed_incidents.push_back(incident);
      // Problems an earlier change fixed that waited only for this incident.
      report.closed_problems.insert(report.closed_problems.end(), closed->closed_problems.begin(),
                                    closed->closed_problems.end());
    }
    spdlog::info("event=problem.cascade problems={} incidents={} cases={} kept_open={} actor={}",
                 report.closed_problems.size(), report.closed_incidents.size(), report.closed_cases,
                 report.kept_open.size(), actor.str());
    return report;
  } catch (const SQLite::Exception& e) {
    spdlog::error("event=store.failed operation=close_fixed_problems sqlite_code={} error=\"{}\"",
                  e.getErrorCode(), e.what());
    return MakeError(Errc::kInternal, "store failed during close_fixed_problems",
                     "Something went wrong while closing the problems; nothing was changed.");
  }
}

std::vector<std::int64_t> ProblemService::ReopenCandidatesInTransaction(
    std::int64_t incident, Clock::TimePoint closed_at) {
  std::vector<std::int64_t> candidates;
  if (reopen_window_ <= std::chrono::hours(0) || clock_.Now() - closed_at > reopen_window_) {
    return candidates;
  }
  store::ProblemRepository problems(db_);
  for (std::int64_t number : problems.ProblemsOf(incident)) {
    if (auto problem = problems.Find(number);
        problem && problem->state == store::ProblemState::kClosed) {
      candidates.push_back(number);
    }
  }
  return candidates;
}

Status ProblemService::ReopenWithIncidentInTransaction(std::int64_t incident,
                                                       Clock::TimePoint closed_at,
                                                       const UserId& actor) {
  store::ProblemRepository problems(db_);
  const auto days = std::chrono::duration_cast<std::chrono::hours>(reopen_window_).count() / 24;
  for (std::int64_t number : ReopenCandidatesInTransaction(incident, closed_at)) {
    const store::Problem problem = problems.Find(number).value();
    problems.SetState(number, Target(ProblemMove::kReopen), clock_.Now());
    Record(problem, actor.str(), "state",
           std::string(store::kProblemReopenedText) + ": " + store::IncidentNumberText(incident) +
               " was reopened within " + std::to_string(days) + (days == 1 ? " day" : " days") +
               " of closing",
           true);
    spdlog::info("event=problem.reopened problem={} incident={} actor={}",
                 store::ProblemNumberText(number), store::IncidentNumberText(incident),
                 actor.str());
  }
  return {};
}

Result<std::vector<std::int64_t>> ProblemService::ReopenCandidates(std::int64_t incident) {
  return InReadTransaction(db_, "reopen_candidates", [&]() -> Result<std::vector<std::int64_t>> {
    auto found = store::IncidentRepository(db_).Find(incident);
    if (!found || found->state != store::IncidentState::kClosed || !found->closed_at) {
      return std::vector<std::int64_t>{};
    }
    return ReopenCandidatesInTransaction(incident, *found->closed_at);
  });
}

std::set<std::int64_t> ProblemService::SettledBeside(const std::vector<store::Problem>& fixed) {
  store::ProblemRepository problems(db_);
  std::set<std::int64_t> settled;
  for (const store::Problem& problem : fixed) {
    for (std::int64_t incident : problems.IncidentsOf(problem.number)) {
      for (std::int64_t other : problems.ProblemsOf(incident)) {
        const auto found = problems.Find(other);
        if (found && found->Open() && ClosedFix(other)) {
          settled.insert(other);
        }
      }
    }
  }
  return settled;
}

std::optional<store::Change> ProblemService::ClosedFix(std::int64_t problem) {
  store::ChangeRepository changes(db_);
  const auto reopened = store::ProblemRepository(db_).FixWaitEndedAt(problem);
  const auto fixes_it = [problem](const store::ChangeLink& link) {
    return link.target == store::LinkTarget::kProblem && link.number == problem &&
           link.relation == store::LinkRelation::kFixes;
  };
  std::optional<store::Change> newest;
  for (std::int64_t number : changes.ChangesOfProblem(problem)) {
    auto change = changes.Find(number);
    if (!change || change->state != store::ChangeState::kClosed || !change->closed_at ||
        (reopened && *change->closed_at <= *reopened)) {
      continue;
    }
    const auto links = changes.Links(number);
    if (std::any_of(links.begin(), links.end(), fixes_it) &&
        (!newest || *change->closed_at >= *newest->closed_at)) {
      newest = std::move(change);
    }
  }
  return newest;
}

std::vector<WaitingProblem> ProblemService::WaitingOnlyForInTransaction(std::int64_t incident) {
  store::ProblemRepository problems(db_);
  store::IncidentRepository incidents(db_);
  std::vector<WaitingProblem> waiting;
  for (std::int64_t number : problems.ProblemsOf(incident)) {
    const auto problem = problems.Find(number);
    if (!problem || !problem->Open()) {
      continue;
    }
    const auto linked = problems.IncidentsOf(number);
    const bool another_open = std::any_of(linked.begin(), linked.end(), [&](std::int64_t other) {
      const auto found = incidents.Find(other);
      return other != incident && found && found->Open();
    });
    if (another_open) {
      continue;
    }
    if (auto fix = ClosedFix(number)) {
      waiting.push_back({number, std::move(*fix)});
    }
  }
  return waiting;
}

Result<std::vector<std::int64_t>> ProblemService::CloseReleasedInTransaction(std::int64_t incident,
                                                                             const UserId& actor) {
  store::ProblemRepository problems(db_);
  std::vector<std::int64_t> closed;
  for (const WaitingProblem& waiting : WaitingOnlyForInTransaction(incident)) {
    const std::string change = store::ChangeNumberText(waiting.fix.number);
    const std::string resolution =
        waiting.fix.close_note.empty() ? "Fixed by " + change : waiting.fix.close_note;
    const store::Problem problem = problems.Find(waiting.problem).value();
    problems.SetCloseNote(problem.number, resolution);
    problems.SetState(problem.number, store::ProblemState::kClosed, clock_.Now());
    Record(problem, actor.str(), "state",
           "Closed: " + resolution + ". " + change + " fixed it; it waited for " +
               store::IncidentNumberText(incident) + ", which is closed now.",
           true);
    spdlog::info("event=problem.closed_after_fix problem={} change={} incident={} actor={}",
                 store::ProblemNumberText(problem.number), change,
                 store::IncidentNumberText(incident), actor.str());
    closed.push_back(problem.number);
  }
  return closed;
}

Result<std::vector<WaitingProblem>> ProblemService::WaitingOnlyFor(std::int64_t incident) {
  return InReadTransaction(db_, "problems_waiting", [&]() -> Result<std::vector<WaitingProblem>> {
    return WaitingOnlyForInTransaction(incident);
  });
}

}  // namespace swarmbot::lifecycle
