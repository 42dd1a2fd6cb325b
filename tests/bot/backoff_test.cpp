#include "bot/backoff.hpp"

#include <gtest/gtest.h>

namespace swarmbot::bot {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelay, DoublesEachAttemptWithinTheUpperHalf) {
  const milliseconds initial{1000};
  const milliseconds cap{30000};
  EXPECT_EQ(BackoffDelay(0, initial, cap, 0.0), milliseconds(500));
  EXPECT_EQ(BackoffDelay(0, initial, cap, 1.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(1, initial, cap, 0.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(1, initial, cap, 1.0), milliseconds(2000));
  EXPECT_EQ(BackoffDelay(3, initial, cap, 0.5), milliseconds(6000));
}

TEST(BackoffDelay, NeverExceedsTheCap) {
  const milliseconds initial{1000};
  const milliseconds cap{30000};
  for (int attempt = 0; attempt < 200; ++attempt) {
    EXPECT_LE(BackoffDelay(attempt, initial, cap, 1.0), cap) << attempt;
    EXPECT_GE(BackoffDelay(attempt, initial, cap, 0.0), milliseconds(500)) << attempt;
  }
  EXPECT_EQ(BackoffDelay(5, initial, cap, 0.0), milliseconds(15000));
  EXPECT_EQ(BackoffDelay(1000, initial, cap, 1.0), cap);
}

TEST(Backoff, GrowsUntilResetAndStaysInRange) {
  Backoff backoff(milliseconds(100), milliseconds(1000), /*seed=*/42);
  milliseconds previous_ceiling{0};
  for (int i = 0; i < 8; ++i) {
    const auto ceiling = std::min(milliseconds(100 << i), milliseconds(1000));
    const auto delay = backoff.Next();
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
    EXPECT_GE(ceiling, previous_ceiling);
    previous_ceiling = ceiling;
  }
  EXPECT_EQ(backoff.Attempt(), 8);
  backoff.Reset();
  EXPECT_LE(backoff.Next(), milliseconds(100));
}

TEST(Backoff, JumpsToTheCapWhenAskedToBackOff) {
  Backoff backoff(milliseconds(100), milliseconds(1000), /*seed=*/7);
  const auto delay = backoff.NextAtCap();
  EXPECT_GE(delay, milliseconds(500));
  EXPECT_LE(delay, milliseconds(1000));
  EXPECT_GE(backoff.Next(), milliseconds(500));
}

TEST(Backoff, JitterSpreadsClientsThatFailedTogether) {
  Backoff a(milliseconds(1000), milliseconds(30000), /*seed=*/1);
  Backoff b(milliseconds(1000), milliseconds(30000), /*seed=*/2);
  int differing = 0;
  for (int i = 0; i < 5; ++i) {
    differing += a.Next() != b.Next() ? 1 : 0;
  }
  EXPECT_GT(differing, 0);
}

}  // namespace
}  // namespace swarmbot::bot
