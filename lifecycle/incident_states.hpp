#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace swarmbot::lifecycle {

// The moves an incident's state can make, each named as the command that
// makes it (`/incident triage`, …):
//
//   triage   new → triaged
//   start    new, triaged → in_progress (also what /swarm start does)
//   resolve  triaged, in_progress → resolved
//   reopen   resolved, closed → in_progress
//   close    new, triaged, in_progress, resolved → closed
//
// Closing straight from an open state is allowed on purpose: a false alarm
// or a fix confirmed in the same breath shouldn't need two commands.
enum class Transition { kTriage, kStart, kResolve, kReopen, kClose };

std::string_view Name(Transition transition) noexcept;
// "triage", "start", …; exact, lower case.
std::optional<Transition> ParseTransition(std::string_view text) noexcept;

// The state `transition` leads to.
store::IncidentState Target(Transition transition) noexcept;
// The states `transition` may start from.
std::span<const store::IncidentState> AllowedFrom(Transition transition) noexcept;
bool Allows(Transition transition, store::IncidentState from) noexcept;

// The state as people read it: "in progress" for in_progress.
std::string StateLabel(store::IncidentState state);
// "triaged or in progress": the states `transition` works from, for a refusal.
std::string AllowedStatesText(Transition transition);

}  // namespace swarmbot::lifecycle
