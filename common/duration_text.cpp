#include "common/duration_text.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>

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

std::string FormatUtcMinute(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &utc);
  return buffer;
}

std::string FormatTimeRange(std::chrono::system_clock::time_point first,
                            std::chrono::system_clock::time_point last) {
  const std::string from = FormatUtcMinute(first);
  const std::string to = FormatUtcMinute(last);
  if (from == to) {
    return "at " + from;
  }
  constexpr std::size_t kDate = 11;  // "2026-03-01 "
  constexpr std::size_t kZone = 4;   // " UTC"
  const bool same_day = from.compare(0, kDate, to, 0, kDate) == 0;
  return "between " + from.substr(0, from.size() - kZone) + " and " +
         (same_day ? to.substr(kDate) : to);
}

}  // namespace swarmbot
