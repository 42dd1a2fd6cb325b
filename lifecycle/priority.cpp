#include "lifecycle/priority.hpp"

#include <algorithm>

namespace swarmbot::lifecycle {
namespace {

int Rank(store::Level level) noexcept {
  switch (level) {
    case store::Level::kHigh:
      return 0;
    case store::Level::kMedium:
      return 1;
    case store::Level::kLow:
      return 2;
  }
  return 2;
}

}  // namespace

int PriorityFor(store::Level impact, store::Level urgency) noexcept {
  // high/high 1; high/medium 2; medium/medium and high/low 3; lower still 4.
  return std::min(4, 1 + Rank(impact) + Rank(urgency));
}

}  // namespace swarmbot::lifecycle
