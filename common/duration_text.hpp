#pragma once

#include <chrono>
#include <string>

namespace swarmbot {

// A duration as a person says it: "45 s", "12 min", "1 h 30 min", "2 d 3 h";
// "under 1 s" for zero or less. Bigger units drop the smaller ones. Used
// wherever the same span shows up in two places (a spike alert and the
// incident declared from it), so both read alike.
std::string FormatDuration(std::chrono::seconds duration);

}  // namespace swarmbot
