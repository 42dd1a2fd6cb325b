#include "lifecycle/incident_states.hpp"

#include <algorithm>
#include <array>

namespace swarmbot::lifecycle {
namespace {

using store::IncidentState;

constexpr std::array kFromNew{IncidentState::kNew};
constexpr std::array kFromNewOrTriaged{IncidentState::kNew, IncidentState::kTriaged};
constexpr std::array kFromWorking{IncidentState::kTriaged, IncidentState::kInProgress};
constexpr std::array kFromDone{IncidentState::kResolved, IncidentState::kClosed};
constexpr std::array kFromOpen{IncidentState::kNew, IncidentState::kTriaged,
                               IncidentState::kInProgress, IncidentState::kResolved};

struct Rule {
  Transition transition;
  std::string_view name;
  IncidentState target;
  std::span<const IncidentState> from;
};

constexpr std::array<Rule, 5> kRules{{
    {Transition::kTriage, "triage", IncidentState::kTriaged, kFromNew},
    {Transition::kStart, "start", IncidentState::kInProgress, kFromNewOrTriaged},
    {Transition::kResolve, "resolve", IncidentState::kResolved, kFromWorking},
    {Transition::kReopen, "reopen", IncidentState::kInProgress, kFromDone},
    {Transition::kClose, "close", IncidentState::kClosed, kFromOpen},
}};

const Rule& RuleFor(Transition transition) noexcept {
  for (const Rule& rule : kRules) {
    if (rule.transition == transition) {
      return rule;
    }
  }
  return kRules.back();
}

}  // namespace

std::string_view Name(Transition transition) noexcept {
  return RuleFor(transition).name;
}

std::optional<Transition> ParseTransition(std::string_view text) noexcept {
  for (const Rule& rule : kRules) {
    if (rule.name == text) {
      return rule.transition;
    }
  }
  return std::nullopt;
}

store::IncidentState Target(Transition transition) noexcept {
  return RuleFor(transition).target;
}

std::span<const store::IncidentState> AllowedFrom(Transition transition) noexcept {
  return RuleFor(transition).from;
}

bool Allows(Transition transition, store::IncidentState from) noexcept {
  const auto allowed = AllowedFrom(transition);
  return std::find(allowed.begin(), allowed.end(), from) != allowed.end();
}

std::string StateLabel(store::IncidentState state) {
  std::string label(store::Name(state));
  std::replace(label.begin(), label.end(), '_', ' ');
  return label;
}

std::string AllowedStatesText(Transition transition) {
  const auto allowed = AllowedFrom(transition);
  std::string text;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) {
      text += i + 1 == allowed.size() ? " or " : ", ";
    }
    text += StateLabel(allowed[i]);
  }
  return text;
}

}  // namespace swarmbot::lifecycle
