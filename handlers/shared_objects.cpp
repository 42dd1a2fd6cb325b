#include "handlers/shared_objects.hpp"

#include "common/form.hpp"
#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {

std::string SharedSlackObject(const store::OutboxItem& item) {
  namespace effect = lifecycle::effect;
  if (item.kind == effect::kPostPlan || item.kind == effect::kUpdatePlan ||
      item.kind == effect::kRetirePlan) {
    const auto change = FormValue(item.args, effect::kArgChange);
    return change ? "plan of CHG-" + *change : std::string();
  }
  return {};
}

}  // namespace swarmbot::handlers
