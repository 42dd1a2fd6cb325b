#include "lifecycle/problem_states.hpp"

#include <algorithm>
#include <array>

namespace swarmbot::lifecycle {
namespace {

using store::ProblemState;

constexpr std::array kFromNew{ProblemState::kNew};
constexpr std::array kFromUnsolved{ProblemState::kNew, ProblemState::kInvestigating,
                                   ProblemState::kKnownError};
constexpr std::array kFromResolved{ProblemState::kResolved};
constexpr std::array kFromDone{ProblemState::kResolved, ProblemState::kClosed};

struct MoveRule {
  ProblemMove move;
  std::string_view name;
  ProblemState target;
  std::span<const ProblemState> from;
};

constexpr std::array<MoveRule, 5> kMoveRules{{
    {ProblemMove::kInvestigate, "investigate", ProblemState::kInvestigating, kFromNew},
    {ProblemMove::kKnownError, "known-error", ProblemState::kKnownError, kFromUnsolved},
    {ProblemMove::kResolve, "resolve", ProblemState::kResolved, kFromUnsolved},
    {ProblemMove::kClose, "close", ProblemState::kClosed, kFromResolved},
    {ProblemMove::kReopen, "reopen", ProblemState::kInvestigating, kFromDone},
}};

const MoveRule& RuleOf(ProblemMove move) noexcept {
  for (const MoveRule& rule : kMoveRules) {
    if (rule.move == move) {
      return rule;
    }
  }
  return kMoveRules.back();
}

}  // namespace

std::string_view Name(ProblemMove move) noexcept {
  return RuleOf(move).name;
}

std::optional<ProblemMove> ParseProblemMove(std::string_view text) noexcept {
  for (const MoveRule& rule : kMoveRules) {
    if (rule.name == text) {
      return rule.move;
    }
  }
  return std::nullopt;
}

store::ProblemState Target(ProblemMove move) noexcept {
  return RuleOf(move).target;
}

bool Allows(ProblemMove move, store::ProblemState from) noexcept {
  const auto states = RuleOf(move).from;
  return std::find(states.begin(), states.end(), from) != states.end();
}

std::string StateLabel(store::ProblemState state) {
  std::string label(store::Name(state));
  std::replace(label.begin(), label.end(), '_', ' ');
  return label;
}

std::string AllowedStatesText(ProblemMove move) {
  const auto states = RuleOf(move).from;
  std::string text;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (i > 0) {
      text += i + 1 == states.size() ? " or " : ", ";
    }
    text += StateLabel(states[i]);
  }
  return text;
}

}  // namespace swarmbot::lifecycle
