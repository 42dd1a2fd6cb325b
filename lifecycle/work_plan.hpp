#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "store/change_repository.hpp"

namespace swarmbot::lifecycle {

// An entry of the standard change catalogue (config [changes.standard]):
// a pre-approved change with a known plan.
struct StandardTemplate {
  std::string name;
  std::string title;
  std::vector<std::string> steps;
};

// A work plan holds at most this many steps: each is one block of the plan
// message, which Slack caps at 50 blocks.
inline constexpr std::size_t kMaxPlanSteps = 30;
inline constexpr std::size_t kMaxStepText = 500;

// Whether every step is done and verified (an empty plan is not).
bool PlanVerified(const std::vector<store::ChangeStep>& steps);

// Why a plan can't be submitted or closed, as a sentence ("the plan has no
// steps yet", "step 2 isn't done; step 3 isn't verified"); "" when it can.
std::string UnfinishedSteps(const std::vector<store::ChangeStep>& steps);

}  // namespace swarmbot::lifecycle
