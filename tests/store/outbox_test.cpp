#include "store/outbox.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "store/records.hpp"
#include "tests/support/busy_store.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::store {
namespace {

using std::chrono::seconds;

class OutboxTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> db_ = Database::Open(":memory:").value();
  Outbox outbox_{*db_};
  FakeClock clock_;
};

TEST_F(OutboxTest, ClaimsAnEnqueuedItemWithItsArguments) {
  const auto id = outbox_.Enqueue("INC-1", "swarm.create_channel",
                                  {{"incident", "1"}, {"text", "a&b=c d"}}, clock_.Now());
  auto item = outbox_.ClaimNext(clock_.Now());
  ASSERT_TRUE(item);
  EXPECT_EQ(item->id, id);
  EXPECT_EQ(item->stream, "INC-1");
  EXPECT_EQ(item->kind, "swarm.create_channel");
  EXPECT_EQ(FormValue(item->args, "text"), "a&b=c d");
  EXPECT_EQ(item->attempts, 0);
}

TEST_F(OutboxTest, ForgetsTheArgumentsOfFinishedItems) {
  const auto done = outbox_.Enqueue("responses", "respond",
                                    {{"response_url", "https://hooks.example/1"}}, clock_.Now());
  const auto failed = outbox_.Enqueue("other", "respond",
                                      {{"response_url", "https://hooks.example/2"}}, clock_.Now());
  outbox_.MarkDone(done, clock_.Now());
  outbox_.MarkFailed(failed, "gone", clock_.Now());
  SQLite::Statement stored(db_->Sql(), "SELECT count(*) FROM outbox WHERE args LIKE '%hooks%'");
  ASSERT_TRUE(stored.executeStep());
  EXPECT_EQ(stored.getColumn(0).getInt(), 0);
}

TEST_F(OutboxTest, CountsEveryClaimSoARetryKnowsItMayHaveHappened) {
  outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  auto first = outbox_.ClaimNext(clock_.Now());
  ASSERT_TRUE(first);
  // The process "crashes" here: no MarkDone, no Retry.
  auto second = outbox_.ClaimNext(clock_.Now());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->attempts, 1);
}

TEST_F(OutboxTest, RunsAStreamInOrder) {
  const auto a = outbox_.Enqueue("INC-1", "first", {}, clock_.Now());
  const auto b = outbox_.Enqueue("INC-1", "second", {}, clock_.Now());
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, a);
  outbox_.Retry(a, clock_.Now() + seconds(30), "ratelimited");
  // The head waits, so the item behind it waits too.
  EXPECT_FALSE(outbox_.ClaimNext(clock_.Now()));
  clock_.Advance(seconds(30));
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, a);
  outbox_.MarkDone(a, clock_.Now());
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, b);
}

TEST_F(OutboxTest, DoesNotLetOneStreamBlockAnother) {
  const auto a = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  const auto b = outbox_.Enqueue("INC-2", "k", {}, clock_.Now());
  outbox_.ClaimNext(clock_.Now());
  outbox_.Retry(a, clock_.Now() + seconds(60), "unavailable");
  auto next = outbox_.ClaimNext(clock_.Now());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, b);
}

TEST_F(OutboxTest, LeavesOutStreamsWithAnItemInFlight) {
  const auto a = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  const auto c = outbox_.Enqueue("INC-2", "k", {}, clock_.Now());
  const auto d = outbox_.Enqueue("INC-3", "k", {}, clock_.Now());
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, a);
  // `a` stays pending while it runs: a second claimer must take neither it
  // nor the item behind it.
  auto next = outbox_.ClaimNext(clock_.Now(), {"INC-1"});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, c);
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now(), {"INC-1", "INC-2"})->id, d);
  EXPECT_FALSE(outbox_.ClaimNext(clock_.Now(), {"INC-1", "INC-2", "INC-3"}));

  outbox_.Retry(d, clock_.Now() + seconds(30), "ratelimited");
  EXPECT_EQ(*outbox_.NextDue({"INC-1", "INC-2"}), clock_.Now() + seconds(30));
  EXPECT_FALSE(outbox_.NextDue({"INC-1", "INC-2", "INC-3"}));
  EXPECT_EQ(*outbox_.NextDue(), clock_.Now());
}

TEST_F(OutboxTest, AFailedItemUnblocksItsStream) {
  const auto a = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  const auto b = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  outbox_.ClaimNext(clock_.Now());
  outbox_.MarkFailed(a, "channel_not_found", clock_.Now());
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, b);
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT state || ':' || last_error FROM outbox WHERE id = " +
                            std::to_string(a))
                .getString(),
            "failed:channel_not_found");
}

TEST_F(OutboxTest, ReportsWhenTheNextHeadIsDue) {
  EXPECT_FALSE(outbox_.NextDue());
  const auto a = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  outbox_.ClaimNext(clock_.Now());
  const auto later = clock_.Now() + std::chrono::milliseconds(1500);
  outbox_.Retry(a, later, "ratelimited");
  // The second item is due now, but it is behind the head, so it doesn't count.
  ASSERT_TRUE(outbox_.NextDue());
  EXPECT_EQ(*outbox_.NextDue(), later);
  EXPECT_FALSE(outbox_.ClaimNext(later - std::chrono::milliseconds(1)));
  EXPECT_TRUE(outbox_.ClaimNext(later));
}

TEST_F(OutboxTest, HoldsAScheduledItemUntilItIsDue) {
  const auto due = clock_.Now() + std::chrono::minutes(15);
  const auto reminder = outbox_.EnqueueAt("timers", "remind", {}, clock_.Now(), due);
  const auto now_item = outbox_.Enqueue("INC-1", "k", {}, clock_.Now());
  EXPECT_EQ(outbox_.ClaimNext(clock_.Now())->id, now_item);
  outbox_.MarkDone(now_item, clock_.Now());
  EXPECT_FALSE(outbox_.ClaimNext(due - seconds(1)));
  EXPECT_EQ(*outbox_.NextDue(), due);
  EXPECT_EQ(outbox_.ClaimNext(due)->id, reminder);
}

TEST_F(OutboxTest, CountsAndListsPendingItems) {
  const auto a = outbox_.Enqueue("INC-1", "k1", {}, clock_.Now());
  outbox_.Enqueue("INC-2", "k2", {{"x", "1"}}, clock_.Now());
  EXPECT_EQ(outbox_.PendingCount(), 2);
  outbox_.MarkDone(a, clock_.Now());
  EXPECT_EQ(outbox_.PendingCount(), 1);
  auto pending = outbox_.Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, "k2");
  EXPECT_FALSE(outbox_.ClaimNext(clock_.Now() - seconds(1)));
}

TEST(Outbox, KeepsPendingItemsAcrossARestart) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  FakeClock clock;
  {
    auto db = Database::Open(path).value();
    Outbox(*db).Enqueue("INC-1", "swarm.archive", {{"incident", "1"}}, clock.Now());
    Outbox(*db).ClaimNext(clock.Now());
  }
  auto db = Database::Open(path).value();
  auto item = Outbox(*db).ClaimNext(clock.Now());
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, "swarm.archive");
  EXPECT_EQ(item->attempts, 1);
}

// Another process holding the write lock for long, as an import does.
class OutboxOnABusyStoreTest : public ::testing::Test {
 protected:
  swarmbot::testing::TempDir dir_;
  const std::string path_ = (dir_ / "swarmbot.db").string();
  std::unique_ptr<Database> db_ = Database::Open(path_).value();
  Outbox outbox_{*db_};
  FakeClock clock_;
};

TEST_F(OutboxOnABusyStoreTest, WithNothingDueAClaimOnlyReadsAndNeverWaits) {
  outbox_.EnqueueAt("timers", "invite.timeout", {}, clock_.Now(), clock_.Now() + seconds(60));
  swarmbot::testing::WriteLockHolder other(path_);
  const swarmbot::testing::BusyWaitCounter waits(db_->Sql(), std::chrono::milliseconds(100));
  EXPECT_FALSE(outbox_.ClaimNext(clock_.Now()));
  EXPECT_EQ(waits.waits(), 0);
}

TEST_F(OutboxOnABusyStoreTest, ADueItemIsClaimedOnceTheLockIsFreeAndTheTimeoutIsKept) {
  outbox_.Enqueue("INC-1", "swarm.archive", {}, clock_.Now());
  const int timeout = db_->Sql().execAndGet("PRAGMA busy_timeout").getInt();
  swarmbot::testing::WriteLockHolder other(path_);
  EXPECT_THROW(outbox_.ClaimNext(clock_.Now()), SQLite::Exception);
  EXPECT_EQ(db_->Sql().execAndGet("PRAGMA busy_timeout").getInt(), timeout);
  other.Release();
  const auto item = outbox_.ClaimNext(clock_.Now());
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, "swarm.archive");
}

}  // namespace
}  // namespace swarmbot::store
