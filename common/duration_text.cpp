#include "common/duration_text.hpp"

#include <algorithm>
#include <cstdint>

namespace swarmbot {

std::string FormatDuration(std::chrono::seconds duration) {
  const auto total = std::max<std::int64_t>(0, duration.count());
  const auto days = total / 86'400;
  const auto hours = total % 86'400 / 3600;
  const auto minutes = total % 3600 / 60;
  if (days > 0) {
    return std::to_string(days) + " d" + (hours > 0 ? " " + std::to_string(hours) + " h" : "");
  }
  if (hours > 0) {
    return std::to_string(hours) + " h" +
           (minutes > 0 ? " " + std::to_string(minutes) + " min" : "");
  }
  if (minutes > 0) {
    return std::to_string(minutes) + " min";
  }
  if (total == 0) {
    return "under 1 s";  // "0 s" reads as if nothing happened
  }
  return std::to_string(total) + " s";
}

}  // namespace swarmbot
