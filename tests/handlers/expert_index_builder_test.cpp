// The Expert Finder's index is built off the thread that answers Slack: that
// thread keeps answering while a build runs, a request after a change waits
// for the rebuild (without blocking), and two rebuilds never run at once.
#include "handlers/detail/expert_index_builder.hpp"

#include <atomic>
#include <functional>
#include <future>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/database.hpp"
#include "store/people_repository.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::handlers::detail {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class ExpertIndexBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Person sofia;
    sofia.user = UserId("USOFIA");
    sofia.display_name = "Sofia";
    sofia.skills = {{"promotions", 5}};
    store::PeopleRepository(*db_).Upsert(sofia, clock_.Now());
    AddHistory("old-1", "SPRING10 discount code rejected at checkout");
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 discount code fails";
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    incident_ = incidents_.Declare(in, UserId("UMARA")).value().number;
    ASSERT_TRUE(swarms_.Start({incident_, {}, {}}, UserId("UMARA")));
    ASSERT_TRUE(swarms_.RecordChannel(incident_, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  void AddHistory(const std::string& id, const std::string& title) {
    ASSERT_TRUE(experts_.ImportHistory({{id, clock_.Now() - 24h, title, title, {}, "Sofia"}}));
  }

  // Holds every build on the worker thread until Release(); tells the io
  // thread when a build has started.
  void HoldBuilds() {
    builder_.SetBeforeBuild([this] {
      asio::post(io_, [this] { ++builds_entered_; });
      released_.wait();
    });
  }
  void Release() {
    if (!released_once_) {
      released_once_ = true;
      release_.set_value();
    }
  }
  // A failed test must not leave the worker held: the builder joins it.
  void TearDown() override { Release(); }

  // Runs the io thread's handlers until `done`, bounded by kTestTimeout.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + swarmbot::testing::kTestTimeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_one_until(deadline);
    }
    return done();
  }

  ExpertIndexBuilder::Readiness Check(std::int64_t waiting_for = 0) {
    return builder_.Check(io_.get_executor(), waiting_for);
  }

  // Checks, and waits on the io thread for the build it names, if any.
  bool CheckAndWait() {
    const auto first = Check();
    return first.ready || RunUntil([&] { return Check(first.wait_for).ready; });
  }

  std::size_t RecordsRanked() {
    auto shortlist = experts_.Shortlist(incident_, 5);
    EXPECT_TRUE(shortlist);
    return shortlist ? shortlist->index->index->RecordCount() : 0;
  }

  swarmbot::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_ =
      store::Database::Open((dir_ / "swarmbot.db").string()).value();
  FakeClock clock_;
  lifecycle::IncidentService incidents_{*db_, clock_, {}};
  lifecycle::SwarmService swarms_{*db_, clock_};
  lifecycle::ExpertService experts_{*db_, clock_, {}};
  asio::io_context io_{1};
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  bool released_once_ = false;
  int builds_entered_ = 0;
  std::int64_t incident_ = 0;
  ExpertIndexBuilder builder_{experts_};
};

TEST_F(ExpertIndexBuilderTest, TheThreadKeepsAnsweringWhileTheFirstIndexIsBuilt) {
  HoldBuilds();
  const auto first = Check();
  EXPECT_FALSE(first.ready) << "there is no index yet";
  EXPECT_EQ(first.wait_for, 1);
  ASSERT_TRUE(RunUntil([&] { return builds_entered_ == 1; }));
  // An unrelated command, answered on the io thread while the build is held.
  bool answered = false;
  asio::post(io_, [&] {
    auto status = incidents_.StatusOf(incident_);
    answered = status && status->incident.subject == "FEAST25 discount code fails";
  });
  ASSERT_TRUE(RunUntil([&] { return answered; }));
  EXPECT_FALSE(Check(first.wait_for).ready);
  EXPECT_FALSE(experts_.HasIndex());
  Release();
  ASSERT_TRUE(RunUntil([&] { return Check(first.wait_for).ready; }));
  EXPECT_TRUE(experts_.HasIndex());
  EXPECT_EQ(RecordsRanked(), 1u);
  EXPECT_EQ(builder_.builds_started(), 1);
}

// Check 7, B4: the request that noticed new history ranked with the old index.
TEST_F(ExpertIndexBuilderTest, ARequestAfterAChangeWaitsForTheRebuild) {
  ASSERT_TRUE(CheckAndWait());
  EXPECT_EQ(RecordsRanked(), 1u);

  AddHistory("old-2", "Promo code applies twice to the basket");
  HoldBuilds();
  const auto second = Check();
  const auto third = Check();
  EXPECT_FALSE(second.ready);
  EXPECT_EQ(second.wait_for, 2);
  EXPECT_EQ(third.wait_for, 2) << "the running build started from the same store";
  ASSERT_TRUE(RunUntil([&] { return builds_entered_ == 1; }));
  AddHistory("old-3", "Voucher field greyed out");
  const auto fourth = Check();
  EXPECT_EQ(fourth.wait_for, 3) << "the running build started before this change";
  EXPECT_EQ(builder_.builds_started(), 2) << "one rebuild at a time";
  EXPECT_FALSE(Check(second.wait_for).ready);

  Release();
  ASSERT_TRUE(RunUntil([&] { return Check(fourth.wait_for).ready; }));
  EXPECT_TRUE(Check(second.wait_for).ready);
  EXPECT_EQ(RecordsRanked(), 3u);
  EXPECT_EQ(builder_.builds_started(), 3);
}

TEST_F(ExpertIndexBuilderTest, AStoreThatKeepsChangingDoesNotStarveARequest) {
  ASSERT_TRUE(CheckAndWait());
  AddHistory("old-2", "Promo code applies twice to the basket");
  const auto waiting = Check();
  ASSERT_FALSE(waiting.ready);
  ASSERT_TRUE(RunUntil([&] { return Check(waiting.wait_for).ready; }));
  // History moved on again, but the build this request waited for is done.
  AddHistory("old-3", "Voucher field greyed out");
  EXPECT_TRUE(Check(waiting.wait_for).ready);
  EXPECT_FALSE(Check().ready) << "a new request waits for the newer history";
}

// check 8: right after a restart the first request waited for the start-up
// build and then for a second build of the same history.
TEST_F(ExpertIndexBuilderTest, ARequestDuringTheStartUpBuildWaitsForThatBuildOnly) {
  HoldBuilds();
  builder_.Refresh(io_.get_executor());
  ASSERT_TRUE(RunUntil([&] { return builds_entered_ == 1; }));
  const auto first = Check();
  EXPECT_FALSE(first.ready);
  EXPECT_EQ(first.wait_for, 1);
  Release();
  ASSERT_TRUE(RunUntil([&] { return Check(first.wait_for).ready; }));
  EXPECT_EQ(builder_.builds_started(), 1);
}

TEST_F(ExpertIndexBuilderTest, RefreshStartsABuildAheadOfTheFirstRequest) {
  builder_.Refresh(io_.get_executor());
  ASSERT_TRUE(RunUntil([&] { return experts_.HasIndex(); }));
  EXPECT_TRUE(Check().ready);
  EXPECT_EQ(builder_.builds_started(), 1);
}

TEST_F(ExpertIndexBuilderTest, AnUnchangedHistoryIsNotRebuilt) {
  ASSERT_TRUE(CheckAndWait());
  ASSERT_TRUE(CheckAndWait());
  EXPECT_EQ(builder_.builds_started(), 1);
}

}  // namespace
}  // namespace swarmbot::handlers::detail
