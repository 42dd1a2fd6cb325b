#include "lifecycle/work_plan.hpp"

namespace swarmbot::lifecycle {

bool PlanVerified(const std::vector<store::ChangeStep>& steps) {
  return !steps.empty() && UnfinishedSteps(steps).empty();
}

std::string UnfinishedSteps(const std::vector<store::ChangeStep>& steps) {
  if (steps.empty()) {
    return "the plan has no steps yet";
  }
  std::string not_done;
  std::string not_verified;
  for (const store::ChangeStep& step : steps) {
    std::string& list = step.Done() ? not_verified : not_done;
    if (step.Verified()) {
      continue;
    }
    list += (list.empty() ? "" : ", ") + std::to_string(step.position);
  }
  std::string text;
  if (!not_done.empty()) {
    text = (not_done.find(',') == std::string::npos ? "step " : "steps ") + not_done +
           (not_done.find(',') == std::string::npos ? " isn't" : " aren't") + " done";
  }
  if (!not_verified.empty()) {
    text += (text.empty() ? "" : "; ") +
            std::string(not_verified.find(',') == std::string::npos ? "step " : "steps ") +
            not_verified + (not_verified.find(',') == std::string::npos ? " isn't" : " aren't") +
            " verified yet";
  }
  return text;
}

}  // namespace swarmbot::lifecycle
