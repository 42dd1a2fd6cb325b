#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/problem_repository.hpp"

namespace swarmbot::lifecycle {

// The moves a problem's state can make, named as the commands that make them:
//
//   investigate  new → investigating (adding a root-cause note does it too)
//   known-error  new, investigating, known_error → known_error (with a workaround)
//   resolve      new, investigating, known_error → resolved
//   close        resolved → closed, once none of its incidents is open
//   reopen       resolved, closed → investigating
//
// The closing cascade of a change that fixes the problem closes it from any
// open state (ProblemService::CloseFixedInTransaction); by hand it is resolved
// first, so that "closed" always means someone confirmed the fix.
enum class ProblemMove { kInvestigate, kKnownError, kResolve, kClose, kReopen };

std::string_view Name(ProblemMove move) noexcept;
// "investigate", "known-error", …; exact, lower case.
std::optional<ProblemMove> ParseProblemMove(std::string_view text) noexcept;

store::ProblemState Target(ProblemMove move) noexcept;
bool Allows(ProblemMove move, store::ProblemState from) noexcept;

// The state as people read it: "known error" for known_error.
std::string StateLabel(store::ProblemState state);
// "new or investigating": the states `move` works from, for a refusal.
std::string AllowedStatesText(ProblemMove move);

}  // namespace swarmbot::lifecycle
