#include "lifecycle/priority.hpp"

#include <algorithm>

namespace swarmbot::lifecycle {

int LevelIndex(store::Level level) noexcept {
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

int PriorityMatrix::For(store::Level impact, store::Level urgency) const noexcept {
  const int cell = cells[static_cast<std::size_t>(LevelIndex(impact))]
                        [static_cast<std::size_t>(LevelIndex(urgency))];
  return std::clamp(cell, 1, 4);
}

int PriorityFor(store::Level impact, store::Level urgency) noexcept {
  return PriorityMatrix{}.For(impact, urgency);
}

}  // namespace swarmbot::lifecycle
