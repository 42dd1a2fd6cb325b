// Events whose handling failed for a reason that passes are handed to the
// application again (check 7, B3: a member_joined_channel was lost while an
// import held the store).
#include "bot/event_retry.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;

InboundRequest Event(std::string id) {
  return {InboundKind::kEvent, R"({"type":"event_callback"})", std::move(id)};
}

class EventRetryTest : public ::testing::Test {
 protected:
  // The application fails the first `failures` attempts of every delivery.
  void FailFirst(int failures, bool retryable = true) {
    recorder_.SetReply([this, failures, retryable](const InboundRequest&) {
      return InboundReply{{}, retryable && ++attempts_ <= failures};
    });
  }

  InboundReply Handle(const InboundRequest& request) {
    return io_.Invoke([&] { return retry_.Handle(request); });
  }
  std::size_t Waiting() {
    return io_.Invoke([&] { return retry_.waiting(); });
  }

  testing::IoThread io_;
  testing::Recorder recorder_;
  FakeClock clock_;
  int attempts_ = 0;  // touched on the io thread only
  EventRetry retry_{io_.executor(), clock_, std::ref(recorder_),
                    EventRetryOptions{.retry_initial = 1ms, .retry_cap = 4ms}};
};

TEST_F(EventRetryTest, AnEventThatFailedForAWhileIsHandedOverAgainUntilItIsKept) {
  FailFirst(3);
  EXPECT_TRUE(Handle(Event("Ev1")).retry_later);
  ASSERT_TRUE(recorder_.WaitForCount(4));
  EXPECT_EQ(Waiting(), 0u);
  for (const InboundRequest& request : recorder_.Requests()) {
    EXPECT_EQ(request.delivery_id, "Ev1");
  }
}

// check 8: the filter could not record the first copy on the busy store, so
// Slack's redelivery of it reached the retry again and was handled twice.
TEST_F(EventRetryTest, SlacksRedeliveryOfAnEventBeingRetriedOrRetriedLatelyIsDropped) {
  FailFirst(2);
  EXPECT_TRUE(Handle(Event("Ev1")).retry_later);
  EXPECT_FALSE(Handle(Event("Ev1")).retry_later);  // redelivered while waiting
  // The third attempt keeps it; what follows runs after it on the io thread.
  ASSERT_TRUE(recorder_.WaitForCount(3));
  EXPECT_EQ(Waiting(), 0u);
  EXPECT_FALSE(Handle(Event("Ev1")).retry_later);  // redelivered after the retry kept it
  EXPECT_FALSE(Handle(Event("Ev2")).retry_later);
  EXPECT_EQ(recorder_.Count(), 4u) << "Ev1 three times (two failures, one success), Ev2 once";
}

// #4: each event that arrived while the store was busy made its own attempt,
// holding the io thread for the busy timeout, and could overtake earlier ones.
TEST_F(EventRetryTest, WhileEventsWaitANewOneJoinsTheQueueUntriedAndKeepsItsPlace) {
  std::atomic<bool> busy{true};
  recorder_.SetReply([&](const InboundRequest&) { return InboundReply{{}, busy.load()}; });
  EXPECT_TRUE(Handle(Event("Ev1")).retry_later);
  EXPECT_TRUE(Handle(Event("Ev2")).retry_later);
  EXPECT_TRUE(Handle(Event("Ev3")).retry_later);
  ASSERT_TRUE(recorder_.WaitForCount(3)) << "Ev1 tried again, twice";
  EXPECT_EQ(Waiting(), 3u);
  for (const InboundRequest& request : recorder_.Requests()) {
    EXPECT_EQ(request.delivery_id, "Ev1") << "only the oldest is tried while the store is busy";
  }

  busy = false;
  ASSERT_TRUE(recorder_.WaitFor([](const auto& requests) {
    return !requests.empty() && requests.back().delivery_id == "Ev3";
  }));
  EXPECT_EQ(Waiting(), 0u);
  const auto requests = recorder_.Requests();
  ASSERT_GE(requests.size(), 3u);
  EXPECT_EQ(requests[requests.size() - 3].delivery_id, "Ev1");
  EXPECT_EQ(requests[requests.size() - 2].delivery_id, "Ev2");
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const InboundRequest& r) { return r.delivery_id != "Ev1"; }),
            2)
      << "Ev2 and Ev3 once each";
}

TEST_F(EventRetryTest, CommandsAndClicksGoStraightThroughWhileEventsWait) {
  FailFirst(1'000'000);
  Handle(Event("Ev1"));
  EXPECT_TRUE(Handle({InboundKind::kSlashCommand, R"({"command":"/incident"})", ""}).retry_later)
      << "the command's own answer, given at once";
  const auto requests = recorder_.Requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const InboundRequest& r) { return r.kind != InboundKind::kEvent; }),
            1);
  EXPECT_EQ(Waiting(), 1u) << "only the event waits";
}

TEST_F(EventRetryTest, APermanentFailureIsNotRetried) {
  FailFirst(100, /*retryable=*/false);
  EXPECT_FALSE(Handle(Event("Ev1")).retry_later);
  EXPECT_EQ(Waiting(), 0u);
  EXPECT_EQ(recorder_.Count(), 1u);
}

TEST_F(EventRetryTest, CommandsAndClicksAreNotRetried) {
  FailFirst(100);
  Handle({InboundKind::kSlashCommand, R"({"command":"/incident"})", ""});
  Handle({InboundKind::kInteractive, R"({"type":"block_actions"})", ""});
  EXPECT_EQ(Waiting(), 0u);
  EXPECT_EQ(recorder_.Count(), 2u);
}

// check 10, 1: with the store held for 90 s, the oldest event was dropped a
// minute after it queued, then each one behind it, tried once, for its age.
TEST_F(EventRetryTest, EventsWaitingBehindOthersOutlastAStoreHeldForMinutes) {
  std::atomic<bool> busy{true};
  recorder_.SetReply([&](const InboundRequest&) { return InboundReply{{}, busy.load()}; });
  EXPECT_TRUE(Handle(Event("Ev1")).retry_later);
  EXPECT_TRUE(Handle(Event("Ev2")).retry_later);
  EXPECT_TRUE(Handle(Event("Ev3")).retry_later);
  for (int minute = 1; minute <= 10; ++minute) {
    const std::size_t tried = recorder_.Count();
    clock_.Advance(1min);
    ASSERT_TRUE(recorder_.WaitForCount(tried + 2)) << "tried twice more in minute " << minute;
    EXPECT_EQ(Waiting(), 3u) << "after " << minute << " min";
  }

  busy = false;
  ASSERT_TRUE(recorder_.WaitFor([](const auto& requests) {
    return !requests.empty() && requests.back().delivery_id == "Ev3";
  }));
  EXPECT_EQ(Waiting(), 0u);
  const auto requests = recorder_.Requests();
  EXPECT_EQ(requests[requests.size() - 2].delivery_id, "Ev2") << "each handled in turn";
}

TEST_F(EventRetryTest, EventsPastTheAgeBoundAreDroppedTogetherWithoutAnotherAttempt) {
  FailFirst(1'000'000);
  Handle(Event("Ev1"));
  Handle(Event("Ev2"));
  ASSERT_TRUE(recorder_.WaitForCount(2));
  clock_.Advance(15min);
  Handle(Event("Ev3"));
  ASSERT_TRUE(recorder_.WaitFor([](const auto& requests) {
    return requests.back().delivery_id == "Ev3";
  })) << "Ev3 comes to the front once Ev1 and Ev2 are dropped";
  EXPECT_EQ(Waiting(), 1u);
  const auto requests = recorder_.Requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const InboundRequest& r) { return r.delivery_id == "Ev2"; }),
            0)
      << "Ev2 was never tried: its age alone dropped it";
}

TEST_F(EventRetryTest, AFullQueueDropsItsOldestEvent) {
  std::atomic<bool> busy{true};
  recorder_.SetReply([&](const InboundRequest&) { return InboundReply{{}, busy.load()}; });
  EventRetry small(io_.executor(), clock_, std::ref(recorder_),
                   EventRetryOptions{.retry_initial = 1ms, .retry_cap = 4ms, .max_waiting = 2});
  for (const char* id : {"Ev1", "Ev2", "Ev3"}) {
    EXPECT_TRUE(io_.Invoke([&] { return small.Handle(Event(id)); }).retry_later);
  }
  EXPECT_EQ(io_.Invoke([&] { return small.waiting(); }), 2u);
  const auto tries_of_ev1 = [&] {
    const auto requests = recorder_.Requests();
    return std::count_if(requests.begin(), requests.end(),
                         [](const InboundRequest& r) { return r.delivery_id == "Ev1"; });
  };
  const auto ev1_before = tries_of_ev1();

  busy = false;
  ASSERT_TRUE(
      recorder_.WaitFor([](const auto& requests) { return requests.back().delivery_id == "Ev3"; }));
  EXPECT_EQ(tries_of_ev1(), ev1_before) << "Ev1, the oldest, was dropped";
  const auto requests = recorder_.Requests();
  EXPECT_EQ(requests[requests.size() - 2].delivery_id, "Ev2");
  EXPECT_EQ(io_.Invoke([&] { return small.waiting(); }), 0u);
}

TEST_F(EventRetryTest, StoppingDropsTheEventsWaitingAndRetriesNothingMore) {
  FailFirst(1'000'000);
  Handle(Event("Ev1"));
  io_.Invoke([&] { retry_.Stop(); });
  EXPECT_EQ(Waiting(), 0u);
  const std::size_t attempts = recorder_.Count();
  Handle(Event("Ev2"));
  EXPECT_EQ(Waiting(), 0u);
  EXPECT_EQ(recorder_.Count(), attempts + 1);
}

}  // namespace
}  // namespace swarmbot::bot
