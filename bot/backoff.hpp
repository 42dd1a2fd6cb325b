#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace swarmbot::bot {

// Exponential backoff with jitter, for reconnects and retried side effects.
// The n-th delay (n counted from 0) is drawn from [d/2, d] where
// d = min(cap, initial * 2^n): the lower half keeps delays growing, the random
// upper half spreads out clients that failed together (so a restarted Slack
// edge isn't hit by every bot at the same instant).
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double unit_random);

// Stateful form: counts failures, draws jitter, resets after a success.
// Not thread-safe.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
          std::uint64_t seed = std::random_device{}())
      : initial_(initial), cap_(cap), rng_(seed) {}

  // The delay before the next attempt; counts one more failure.
  std::chrono::milliseconds Next();
  // Jumps straight to the cap, for when the server asked us to back off.
  std::chrono::milliseconds NextAtCap();
  void Reset() noexcept { attempt_ = 0; }
  int Attempt() const noexcept { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace swarmbot::bot
