#pragma once

#include <ostream>

#include "demo/scenario.hpp"

namespace swarmbot::demo {

// Plays the part of the Take-Out scenario that swarmbot supports today and
// prints, at the end, what every channel and direct message shows.
// Throws std::runtime_error when an expected outcome doesn't happen.
void PlayWalkthrough(Scenario& scenario, std::ostream& out);

}  // namespace swarmbot::demo
