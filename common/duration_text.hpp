#pragma once

#include <chrono>
#include <string>

namespace swarmbot {

// A duration as a person says it: "45 s", "12 min", "1 h 30 min", "2 d 3 h";
// "under 1 s" for zero or less. Bigger units drop the smaller ones. Used
// wherever the same span shows up in two places (a spike alert and the
// incident declared from it), so both read alike.
std::string FormatDuration(std::chrono::seconds duration);

// "2026-03-01 14:05 UTC": a moment to the minute, as messages show times.
std::string FormatUtcMinute(std::chrono::system_clock::time_point t);

// When something spanning `first` to `last` happened, worded to stay true on
// a record kept for good: "at 2026-03-01 14:05 UTC" within one minute,
// "between 2026-03-01 14:05 and 14:25 UTC", with the second date only when
// it differs.
std::string FormatTimeRange(std::chrono::system_clock::time_point first,
                            std::chrono::system_clock::time_point last);

}  // namespace swarmbot
