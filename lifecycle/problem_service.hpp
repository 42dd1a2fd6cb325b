#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/cascade_report.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/problem_states.hpp"
#include "store/asset_repository.hpp"
#include "store/change_repository.hpp"
#include "store/database.hpp"
#include "store/knowledge_repository.hpp"
#include "store/problem_repository.hpp"

namespace swarmbot::lifecycle {

// Who asks for a change to a problem. Incident managers may change any
// problem; others only the problems they own or whose incidents they own.
struct ProblemActor {
  UserId user;
  bool incident_manager = false;
};

struct NewProblem {
  std::string title;                     // required, <= kMaxTitle
  std::optional<std::int64_t> incident;  // linked at once when set
};

// A workaround for a known error: a text, a knowledge article, or both.
struct Workaround {
  std::string text;
  std::optional<std::int64_t> article;
};

// A problem with everything /problem show lists.
struct ProblemDetails {
  store::Problem problem;
  std::vector<store::Incident> incidents;  // by number
  std::vector<std::string> assets;
  std::vector<store::ProblemCause> causes;  // oldest first
  std::optional<store::Article> article;    // the workaround's article
  // While it is open: the closed change that fixes it, so it only waits for
  // its open incidents to close (ProblemService::CloseReleasedInTransaction).
  std::optional<store::Change> closed_fix;
};

// What ProblemService::Move did.
struct MovedProblem {
  store::Problem problem;                                // as it is now
  store::ProblemState from = store::ProblemState::kNew;  // its state before
  // When a `reopen` ended the problem's wait for its incidents: the closed
  // change that fixed it, and the open incidents it waited for.
  std::optional<store::Change> ended_wait;
  std::vector<std::int64_t> waited_for;  // ascending
};

// An open problem whose fix is closed, waiting only for one incident.
struct WaitingProblem {
  std::int64_t problem = 0;
  store::Change fix;
};

struct AssetImportReport {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
};

// Problems: the cause behind one or more incidents. Every change is one
// transaction that also records a problem event, puts it on the timelines of
// the linked incidents, and announces it in their live swarm channels
// (effect::kProblemAnnounce, one per change per channel). Refusals come back
// as Error with a user_message fit to show; nothing has changed then.
class ProblemService {
 public:
  static constexpr std::size_t kMaxTitle = 250;
  static constexpr std::size_t kMaxText = 3000;  // a cause, a workaround, a note
  static constexpr std::size_t kMaxAssetsAtOnce = 20;

  // `incidents` closes the incidents of the cascade; it must outlive this.
  ProblemService(store::Database& db, const Clock& clock, IncidentService& incidents)
      : db_(db), clock_(clock), incidents_(incidents) {}

  // The end of a refusal: whom to ask instead (" Ask <@U1> or an incident
  // manager in <#C2>."); set at wiring. Empty: no such sentence.
  std::function<std::string(const std::vector<UserId>&)> whom_to_ask;

  // Whether `actor` may tie a problem to an existing incident, or untie it:
  // the problem's fix closes the incident, so ChangeService::MayTieProblem
  // (the rule of `/change new INC-n`); set at wiring. Empty: anyone may.
  std::function<Status(std::int64_t incident, const UserId& actor)> may_tie_incident;

  // How long after an incident closed its reopening reopens its closed
  // problems too ([problems] reopen_days).
  void SetReopenWindow(std::chrono::hours window) { reopen_window_ = window; }

  // A new problem owned by its creator, in state `new`, linked to the
  // incident when one is named (kNotFound when it doesn't exist).
  Result<store::Problem> Create(const NewProblem& input, const UserId& actor);

  // kConflict when they are linked already or the problem is closed.
  Status Link(std::int64_t problem, std::int64_t incident, const ProblemActor& actor);
  // kConflict when they aren't linked.
  Status Unlink(std::int64_t problem, std::int64_t incident, const ProblemActor& actor);
  // Appends a root-cause note with author and time; a new problem moves to
  // investigating.
  Status AddCause(std::int64_t problem, std::string_view text, const ProblemActor& actor);
  // Names impacted assets from the catalogue. All or nothing: an unknown name
  // is refused (kNotFound) naming the catalogue's closest names. Returns the
  // names that weren't on the problem yet.
  Result<std::vector<std::string>> AddAssets(std::int64_t problem,
                                             const std::vector<std::string>& names,
                                             const ProblemActor& actor);
  // Flags the known error with its workaround (kInvalidInput when it has
  // neither text nor article) and moves the problem to known_error.
  Status MarkKnownError(std::int64_t problem, const Workaround& workaround,
                        const ProblemActor& actor);
  // investigate, resolve, close or reopen (lifecycle/problem_states.hpp), with
  // an optional note. Closing is refused while a linked incident is open.
  // `reopen` of a problem that waits for its incidents (its fix closed) ends
  // that wait in any state: a resolved one reopens as usual, one still new,
  // investigating or a known error keeps its state, and only the wait ends.
  Result<MovedProblem> Move(std::int64_t problem, ProblemMove move, const ProblemActor& actor,
                            std::string_view note);

  Result<bool> Exists(std::int64_t problem);
  Result<ProblemDetails> Details(std::int64_t problem);
  // Newest first, at most `limit`.
  Result<std::vector<store::Problem>> List(bool open_only, int limit);
  Result<std::vector<std::int64_t>> ProblemsOf(std::int64_t incident);
  Result<store::ProblemEvent> FindEvent(std::int64_t event);
  Result<std::optional<store::Article>> FindArticleBySlug(std::string_view slug);

  // The seam with the change's closing (contracts: issue #5). Call INSIDE the
  // caller's open transaction; opens none. Closes each given open problem
  // (its note, or "Fixed", as the resolution), then its open incidents
  // through IncidentService::CloseInTransaction, which closes their cases.
  //
  // Guards, in this order:
  // - an open incident closes when every open problem linked to it is one of
  //   `problems`; one also linked to another open problem stays open;
  // - a problem closes when none of its incidents stays open.
  // Each one kept open gets a sentence in kept_open. Problems closed already
  // are skipped. kNotFound for an unknown problem and kInternal for a store
  // failure: the caller must roll back then.
  Result<CascadeReport> CloseFixedInTransaction(const std::vector<std::int64_t>& problems,
                                                const UserId& actor, std::string_view note);

  // For IncidentService's reopen hook, INSIDE its transaction: when the
  // incident closed less than the reopen window ago, each closed problem
  // linked to it goes back to investigating, saying why.
  Status ReopenWithIncidentInTransaction(std::int64_t incident, Clock::TimePoint closed_at,
                                         const UserId& actor);
  // The problems ReopenWithIncidentInTransaction would reopen now.
  Result<std::vector<std::int64_t>> ReopenCandidates(std::int64_t incident);

  // For IncidentService's close hook, INSIDE its transaction, once the
  // incident is closed: a problem that a closed change fixes but that was
  // kept open for its open incidents closes when the last of them closes,
  // with the change's resolution, announced as the cascade announces it. A
  // reopening of the problem since the change closed voids this. Returns
  // the problems it closed, ascending.
  Result<std::vector<std::int64_t>> CloseReleasedInTransaction(std::int64_t incident,
                                                               const UserId& actor);
  // What CloseReleasedInTransaction would close if `incident` closed now.
  Result<std::vector<WaitingProblem>> WaitingOnlyFor(std::int64_t incident);

  // Adds or updates the catalogue's assets; assets left out stay.
  Result<AssetImportReport> ImportAssets(const std::vector<store::Asset>& assets);

 private:
  // may_tie_incident for whom it applies to (incident managers may always).
  Status MayTie(std::int64_t incident, const ProblemActor& actor) const;
  Result<store::Problem> FindChangeable(std::int64_t problem, const ProblemActor& actor);
  // Records an event on the problem, its incidents' timelines and swarm
  // channels (plus `also`, e.g. an incident just unlinked). `refresh` also
  // refreshes those incidents' summaries.
  void Record(const store::Problem& problem, std::string_view actor, std::string_view kind,
              std::string_view text, bool refresh, std::optional<std::int64_t> also = {});
  std::vector<std::int64_t> ReopenCandidatesInTransaction(std::int64_t incident,
                                                          Clock::TimePoint closed_at);
  // The open problems beside `fixed` (sharing an incident) whose fix is
  // closed already: they wait only for their incidents and hold none open.
  std::set<std::int64_t> SettledBeside(const std::vector<store::Problem>& fixed);
  // The newest closed change fixing `problem`, closed since it was last reopened.
  std::optional<store::Change> ClosedFix(std::int64_t problem);
  std::vector<WaitingProblem> WaitingOnlyForInTransaction(std::int64_t incident);

  store::Database& db_;
  const Clock& clock_;
  IncidentService& incidents_;
  std::chrono::hours reopen_window_ = std::chrono::hours(24 * 7);
};

// kNotFound with "PRB-n doesn't exist".
Error ProblemNotFound(std::int64_t problem);

// The catalogue names closest to `name` (edit distance, then shared prefix),
// at most `limit`, best first.
std::vector<std::string> CloseMatches(std::string_view name, const std::vector<std::string>& names,
                                      std::size_t limit = 3);

}  // namespace swarmbot::lifecycle
