#pragma once

#include <array>

#include "store/records.hpp"

namespace swarmbot::lifecycle {

// Impact × urgency → priority 1 (drop everything) … 4. Rows are impact, columns
// urgency, each in the order high, medium, low. Config may replace the cells;
// config/ checks them (every cell present, 1 to 4) before they get here.
struct PriorityMatrix {
  std::array<std::array<int, 3>, 3> cells{{{1, 2, 3}, {2, 3, 4}, {3, 4, 4}}};

  int For(store::Level impact, store::Level urgency) const noexcept;
};

// The usual service-desk matrix (PriorityMatrix's defaults): high/high is P1,
// and each step down in either lowers it.
int PriorityFor(store::Level impact, store::Level urgency) noexcept;

// 0 for high, 1 for medium, 2 for low: the matrix's row and column.
int LevelIndex(store::Level level) noexcept;

}  // namespace swarmbot::lifecycle
