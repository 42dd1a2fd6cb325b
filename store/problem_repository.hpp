#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// new → investigating → known_error → resolved → closed, and reopen;
// lifecycle/problem_states.hpp holds the rules.
enum class ProblemState { kNew, kInvestigating, kKnownError, kResolved, kClosed };

// The names stored and shown: "new", "investigating", "known_error", ….
std::string_view Name(ProblemState state) noexcept;
std::optional<ProblemState> ParseProblemState(std::string_view text) noexcept;

struct Problem {
  std::int64_t number = 0;
  std::string title;
  ProblemState state = ProblemState::kNew;
  UserId owner;  // the creator unless handed on
  UserId created_by;
  bool known_error = false;  // set together with a workaround
  std::string workaround;    // plain text; "" when only an article is named
  std::optional<std::int64_t> workaround_article;
  std::string close_note;
  Clock::TimePoint created_at;
  Clock::TimePoint updated_at;
  std::optional<Clock::TimePoint> closed_at;

  bool Open() const noexcept { return state != ProblemState::kClosed; }
};

// One root-cause note, as typed with /problem cause.
struct ProblemCause {
  Clock::TimePoint at;
  UserId author;
  std::string text;
};

// One change to a problem, in the problem's own history; announcements are
// rendered from these.
struct ProblemEvent {
  std::int64_t id = 0;
  std::int64_t problem = 0;
  Clock::TimePoint at;
  std::string actor;  // a user id, or "swarmbot"
  std::string kind;   // e.g. "created", "linked", "cause", "state"
  std::string text;   // plain text, not mrkdwn
};

// How a "state" event of a reopening starts; FixWaitEndedAt finds them by it.
inline constexpr std::string_view kProblemReopenedText = "Reopened";
// The kind of the event of `/problem reopen` on a problem that waited for its
// incidents without leaving its state (new, investigating, known error).
inline constexpr std::string_view kProblemWaitEndedKind = "wait_ended";

// The tables problems, problem_incidents, problem_causes, problem_assets and
// problem_events. SQL failures throw SQLite::Exception; call inside the
// caller's transaction.
class ProblemRepository {
 public:
  explicit ProblemRepository(Database& db) : db_(db) {}

  // Takes the next PRB number; `problem.number` is ignored.
  std::int64_t Insert(const Problem& problem);
  std::optional<Problem> Find(std::int64_t number);
  // Newest first; only open ones when `open_only`.
  std::vector<Problem> List(bool open_only, int limit);

  // Sets closed_at when the state is closed and clears it otherwise.
  void SetState(std::int64_t number, ProblemState state, Clock::TimePoint now);
  void SetCloseNote(std::int64_t number, std::string_view note);
  void SetKnownError(std::int64_t number, std::string_view workaround,
                     std::optional<std::int64_t> article, Clock::TimePoint now);

  // False when the two were linked already.
  bool Link(std::int64_t problem, std::int64_t incident, const UserId& by, Clock::TimePoint at);
  // False when they weren't linked.
  bool Unlink(std::int64_t problem, std::int64_t incident);
  std::vector<std::int64_t> IncidentsOf(std::int64_t problem);  // ascending
  std::vector<std::int64_t> ProblemsOf(std::int64_t incident);  // ascending

  void AddCause(std::int64_t problem, const UserId& author, std::string_view text,
                Clock::TimePoint at);
  std::vector<ProblemCause> Causes(std::int64_t problem);  // oldest first

  // False when the asset was on the problem already. The asset must exist.
  bool AddAsset(std::int64_t problem, std::string_view asset, const UserId& by,
                Clock::TimePoint at);
  std::vector<std::string> Assets(std::int64_t problem);  // by name

  std::int64_t AppendEvent(std::int64_t problem, Clock::TimePoint at, std::string_view actor,
                           std::string_view kind, std::string_view text);
  std::optional<ProblemEvent> FindEvent(std::int64_t id);
  // When a closed fix last stopped counting for the problem: its latest
  // reopening (a "state" event starting with kProblemReopenedText, by hand
  // or with its incident) or kProblemWaitEndedKind event; nullopt when never.
  std::optional<Clock::TimePoint> FixWaitEndedAt(std::int64_t problem);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
