#pragma once

#include "store/records.hpp"

namespace swarmbot::lifecycle {

// Priority 1 (drop everything) to 4 from impact × urgency, with the usual
// service-desk matrix: high/high is P1, and each step down in either lowers it.
// TODO(#3): make the matrix configurable and ask for it in a declare modal.
int PriorityFor(store::Level impact, store::Level urgency) noexcept;

}  // namespace swarmbot::lifecycle
