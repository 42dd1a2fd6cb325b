#include "bot/backoff.hpp"

#include <algorithm>

namespace swarmbot::bot {

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double unit_random) {
  std::chrono::milliseconds ceiling = cap;
  // Doubling past 2^30 would overflow long before reaching any sensible cap.
  if (attempt < 30) {
    ceiling = std::min(cap, initial * (std::int64_t{1} << std::max(attempt, 0)));
  }
  const double r = std::clamp(unit_random, 0.0, 1.0);
  const auto half = ceiling.count() / 2;
  return std::chrono::milliseconds(
      half + static_cast<std::int64_t>(r * static_cast<double>(ceiling.count() - half)));
}

std::chrono::milliseconds Backoff::Next() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return BackoffDelay(attempt_++, initial_, cap_, unit(rng_));
}

std::chrono::milliseconds Backoff::NextAtCap() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  attempt_ = std::max(attempt_ + 1, 30);
  return BackoffDelay(attempt_, initial_, cap_, unit(rng_));
}

}  // namespace swarmbot::bot
