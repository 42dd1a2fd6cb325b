#include "bot/delivery_filter.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "store/seen_deliveries.hpp"
#include "tests/support/busy_store.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::bot {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<store::Database> OpenDatabase(const std::string& path) {
  auto db = store::Database::Open(path);
  if (!db) {
    throw std::runtime_error("cannot open test database: " + db.error().detail);
  }
  return std::move(*db);
}

TEST(DeliveryFilter, PassesAnIdOnceAndDropsItsRepeats) {
  auto db = OpenDatabase(":memory:");
  FakeClock clock;
  DeliveryFilter filter(*db, clock);
  EXPECT_TRUE(filter.FirstDelivery("Ev01"));
  EXPECT_FALSE(filter.FirstDelivery("Ev01"));
  EXPECT_FALSE(filter.FirstDelivery("Ev01"));
  EXPECT_TRUE(filter.FirstDelivery("Ev02"));
  EXPECT_TRUE(filter.FirstDelivery("57d12c34-e2e2-4223-8a9e-2c803925bf02"));
}

TEST(DeliveryFilter, AlwaysPassesDeliveriesWithoutAnId) {
  auto db = OpenDatabase(":memory:");
  FakeClock clock;
  DeliveryFilter filter(*db, clock);
  EXPECT_TRUE(filter.FirstDelivery(""));
  EXPECT_TRUE(filter.FirstDelivery(""));
}

TEST(DeliveryFilter, RemembersIdsAcrossARestart) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  FakeClock clock;
  {
    auto db = OpenDatabase(path);
    DeliveryFilter filter(*db, clock);
    EXPECT_TRUE(filter.FirstDelivery("Ev-before-crash"));
  }
  auto db = OpenDatabase(path);
  DeliveryFilter filter(*db, clock);
  EXPECT_FALSE(filter.FirstDelivery("Ev-before-crash"));
  EXPECT_TRUE(filter.FirstDelivery("Ev-after-restart"));
}

TEST(DeliveryFilter, ForgetsIdsAfterTheRetentionPeriod) {
  auto db = OpenDatabase(":memory:");
  FakeClock clock;
  DeliveryFilter filter(*db, clock, 24h);
  EXPECT_TRUE(filter.FirstDelivery("Ev-old"));
  clock.Advance(23h);
  EXPECT_TRUE(filter.FirstDelivery("Ev-newer"));
  EXPECT_FALSE(filter.FirstDelivery("Ev-old"));

  clock.Advance(2h);  // Ev-old is 25 h old, Ev-newer 2 h.
  EXPECT_TRUE(filter.FirstDelivery("Ev-trigger-prune"));
  store::SeenDeliveries seen(*db);
  EXPECT_FALSE(seen.Contains("Ev-old"));
  EXPECT_TRUE(seen.Contains("Ev-newer"));
  EXPECT_TRUE(filter.FirstDelivery("Ev-old"));
}

// #4: every delivery's write waited the whole busy timeout while another
// process held the store, before the handler's own write waited again.
TEST(DeliveryFilter, WhileTheStoreIsBusyWaitsOnceThenHoldsNewIdsInMemory) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  auto db = OpenDatabase(path);
  swarmbot::testing::BusyWaitCounter busy(db->Sql(), 100ms);
  FakeClock clock;
  DeliveryFilter filter(*db, clock);
  EXPECT_TRUE(filter.FirstDelivery("Ev-before"));

  swarmbot::testing::WriteLockHolder holder(path);
  EXPECT_TRUE(filter.FirstDelivery("Ev1"));
  EXPECT_EQ(busy.waits(), 1);
  EXPECT_TRUE(filter.store_busy());
  EXPECT_TRUE(filter.FirstDelivery("Ev2"));
  EXPECT_FALSE(filter.FirstDelivery("Ev1")) << "a redelivery of a held id";
  EXPECT_FALSE(filter.FirstDelivery("Ev2"));
  EXPECT_FALSE(filter.FirstDelivery("Ev-before")) << "recorded before the store was busy";
  clock.Advance(25h);  // pruning is due, but would wait too
  EXPECT_TRUE(filter.FirstDelivery("Ev3"));
  EXPECT_EQ(busy.waits(), 1);
  EXPECT_EQ(filter.held(), 3u);

  EXPECT_FALSE(filter.WriteHeldIds()) << "still busy";
  EXPECT_EQ(busy.waits(), 2);
  EXPECT_EQ(filter.held(), 3u);

  holder.Release();
  EXPECT_TRUE(filter.WriteHeldIds());
  EXPECT_FALSE(filter.store_busy());
  EXPECT_EQ(filter.held(), 0u);
  store::SeenDeliveries seen(*db);
  EXPECT_TRUE(seen.Contains("Ev1"));
  EXPECT_TRUE(seen.Contains("Ev2"));
  EXPECT_TRUE(seen.Contains("Ev3"));
  EXPECT_FALSE(filter.FirstDelivery("Ev3"));
  EXPECT_EQ(busy.waits(), 2);
}

TEST(SeenDeliveries, KeepsTheFirstSightingWhenAnIdComesAgain) {
  auto db = OpenDatabase(":memory:");
  store::SeenDeliveries seen(*db);
  const Clock::TimePoint t0{std::chrono::seconds{1'700'000'000}};
  EXPECT_TRUE(seen.Insert("Ev1", t0));
  EXPECT_FALSE(seen.Insert("Ev1", t0 + 10h));
  // Had the repeat refreshed seen_at, this prune would keep the row.
  EXPECT_EQ(seen.PruneSeenBefore(t0 + 1h), 1);
  EXPECT_FALSE(seen.Contains("Ev1"));
  EXPECT_EQ(seen.PruneSeenBefore(t0 + 1h), 0);
}

// A spooled event's handling and its handled mark: one unit, so a crash
// between them can't leave the event to be handled a second time.
class HandleOnceTest : public ::testing::Test {
 protected:
  HandleOnceTest() { db_->Sql().exec("CREATE TABLE joins (user TEXT)"); }

  // What a handler does: its own transaction, as the lifecycle's are.
  bool Join(const std::string& user, bool handled) {
    store::NestedTransaction own(*db_);
    db_->Sql().exec("INSERT INTO joins VALUES ('" + user + "')");
    own.Commit();
    return handled;
  }
  int Joins() { return db_->Sql().execAndGet("SELECT count(*) FROM joins").getInt(); }

  swarmbot::testing::TempDir dir_;
  const std::string path_ = (dir_ / "swarmbot.db").string();
  std::unique_ptr<store::Database> db_ = OpenDatabase(path_);
  FakeClock clock_;
  DeliveryFilter filter_{*db_, clock_};
};

TEST_F(HandleOnceTest, WhatTheHandlerWroteAndTheMarkAreKeptTogether) {
  EXPECT_TRUE(filter_.HandleOnce("Ev1", [&] { return Join("UDEV", true); }));
  EXPECT_EQ(Joins(), 1);
  EXPECT_TRUE(filter_.Handled("Ev1"));
  EXPECT_FALSE(store::InTransaction(*db_));
}

TEST_F(HandleOnceTest, AHandlerThatAsksToBeTriedAgainLeavesNothing) {
  EXPECT_FALSE(filter_.HandleOnce("Ev1", [&] { return Join("UDEV", false); }));
  EXPECT_EQ(Joins(), 0) << "its own committed transaction was part of the whole";
  EXPECT_FALSE(filter_.Handled("Ev1"));
  EXPECT_FALSE(store::InTransaction(*db_));
}

TEST_F(HandleOnceTest, ABusyStoreRunsNothingAndSaysSo) {
  swarmbot::testing::WriteLockHolder other(path_);
  store::ShorterBusyTimeout quick(*db_, 50ms);
  bool ran = false;
  EXPECT_FALSE(filter_.HandleOnce("Ev1", [&] { return ran = true; }));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(filter_.store_busy());
  other.Release();
}

}  // namespace
}  // namespace swarmbot::bot
