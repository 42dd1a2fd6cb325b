#include "handlers/shared_objects.hpp"

#include <gtest/gtest.h>

#include "lifecycle/effects.hpp"

namespace swarmbot::handlers {
namespace {

store::OutboxItem Item(std::string stream, std::string_view kind, FormFields args) {
  store::OutboxItem item;
  item.stream = std::move(stream);
  item.kind = std::string(kind);
  item.args = std::move(args);
  return item;
}

TEST(SharedSlackObject, NamesOneChangesPlanMessageWhicheverStreamItsEffectsRunOn) {
  namespace effect = lifecycle::effect;
  const FormFields chg3{{"change", "3"}};
  const std::string in_incident = SharedSlackObject(Item("INC-1", effect::kPostPlan, chg3));
  EXPECT_FALSE(in_incident.empty());
  EXPECT_EQ(SharedSlackObject(Item("CHG-3", effect::kPostPlan, chg3)), in_incident);
  EXPECT_EQ(SharedSlackObject(Item("CHG-3", effect::kUpdatePlan, chg3)), in_incident);
  EXPECT_EQ(SharedSlackObject(Item("CHG-3", effect::kRetirePlan, chg3)), in_incident);
  EXPECT_NE(SharedSlackObject(Item("CHG-4", effect::kUpdatePlan, {{"change", "4"}})), in_incident);
}

TEST(SharedSlackObject, LeavesEffectsThatOnlyTheirStreamTouchesToTheirStream) {
  namespace effect = lifecycle::effect;
  EXPECT_EQ(SharedSlackObject(Item("INC-1", effect::kAnnounce, {{"incident", "1"}})), "");
  EXPECT_EQ(SharedSlackObject(Item("INC-1", effect::kChangeNews, {{"change", "3"}})), "");
  EXPECT_EQ(SharedSlackObject(Item("SPIKE-2", effect::kUpdateSpikeAlert, {{"spike", "2"}})), "");
}

}  // namespace
}  // namespace swarmbot::handlers
