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
  int attempts_ = 0;  // touched on the io thread only
  EventRetry retry_{io_.executor(), std::ref(recorder_),
                    EventRetryOptions{.retry_initial = 1ms, .retry_cap = 4ms, .give_up_after = 1s}};
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

TEST_F(EventRetryTest, AnEventIsGivenUpOnceTheBoundHasPassed) {
  FailFirst(1'000'000);
  EventRetry impatient(
      io_.executor(), std::ref(recorder_),
      EventRetryOptions{.retry_initial = 1ms, .retry_cap = 1ms, .give_up_after = 0ms});
  io_.Invoke([&] { return impatient.Handle(Event("Ev1")); });
  ASSERT_TRUE(recorder_.WaitForCount(2));
  EXPECT_EQ(io_.Invoke([&] { return impatient.waiting(); }), 0u);
  EXPECT_EQ(recorder_.Count(), 2u);
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
