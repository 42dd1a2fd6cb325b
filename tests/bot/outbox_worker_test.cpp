#include "bot/outbox_worker.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/outbox.hpp"
#include "tests/bot/bot_testing.hpp"

namespace swarmbot::bot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swarmbot::testing::kTestTimeout;

// Plays back scripted outcomes and records which items ran, in order.
class ScriptedRunner {
 public:
  void Script(std::deque<Status> outcomes) {
    std::lock_guard lock(mutex_);
    outcomes_ = std::move(outcomes);
  }

  asio::awaitable<Status> Run(store::OutboxItem item) {
    Status outcome;
    {
      std::lock_guard lock(mutex_);
      ran_.push_back(item);
      if (!outcomes_.empty()) {
        outcome = std::move(outcomes_.front());
        outcomes_.pop_front();
      }
      changed_.notify_all();
    }
    if (throw_next_) {
      throw_next_ = false;
      throw std::logic_error("bug in an effect");
    }
    co_return outcome;
  }

  void ThrowNext() { throw_next_ = true; }

  bool WaitForRuns(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kTestTimeout, [&] { return ran_.size() >= count; });
  }

  std::vector<store::OutboxItem> Ran() {
    std::lock_guard lock(mutex_);
    return ran_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Status> outcomes_;
  std::vector<store::OutboxItem> ran_;
  std::atomic<bool> throw_next_{false};
};

Error RateLimited(std::chrono::seconds retry_after) {
  Error e = MakeError(Errc::kRateLimited, "HTTP 429 from Slack");
  e.slack_error = "ratelimited";
  e.retry_after = retry_after;
  return e;
}

class OutboxWorkerTest : public ::testing::Test {
 protected:
  OutboxWorkerTest() {
    db_ = io_.Invoke([] { return std::move(store::Database::Open(":memory:").value()); });
    outbox_ = std::make_unique<store::Outbox>(*db_);
    worker_ = std::make_unique<OutboxWorker>(
        io_.executor(), *outbox_, clock_,
        [this](store::OutboxItem item) { return runner_.Run(std::move(item)); },
        OutboxWorkerOptions{.retry_initial = 2s, .retry_cap = 5min, .idle_poll = 1min});
  }

  ~OutboxWorkerTest() override {
    if (running_.valid()) {
      worker_->Stop();
      EXPECT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
    }
    io_.Invoke([this] {
      outbox_.reset();
      db_.reset();
      return 0;
    });
  }

  void StartWorker() {
    running_ = asio::co_spawn(io_.executor(), worker_->Run(),
                              asio::bind_cancellation_slot(cancel_.slot(), asio::use_future));
  }

  std::int64_t Enqueue(std::string stream, std::string kind) {
    return io_.Invoke([&] { return outbox_->Enqueue(stream, kind, {{"k", "v"}}, clock_.Now()); });
  }

  // Runs on the io thread, so it sees the store after the worker's current
  // step: the worker only yields the thread when it waits.
  template <class Fn>
  auto OnIo(Fn fn) {
    return io_.Invoke(std::move(fn));
  }

  swarmbot::bot::testing::IoThread io_;
  FakeClock clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Outbox> outbox_;
  ScriptedRunner runner_;
  std::unique_ptr<OutboxWorker> worker_;
  asio::cancellation_signal cancel_;
  std::future<void> running_;
};

TEST_F(OutboxWorkerTest, PerformsItemsInStreamOrderAndMarksThemDone) {
  const auto a = Enqueue("INC-1", "swarm.create_channel");
  const auto b = Enqueue("INC-1", "swarm.set_topic");
  const auto c = Enqueue("INC-2", "incident.announce");
  StartWorker();
  ASSERT_TRUE(runner_.WaitForRuns(3));
  std::vector<std::int64_t> ran;
  for (const auto& item : runner_.Ran()) {
    ran.push_back(item.id);
    EXPECT_EQ(item.attempts, 0);
  }
  // INC-2 needn't wait for INC-1: only each stream's own order is kept.
  EXPECT_EQ(ran, (std::vector<std::int64_t>{a, c, b}));
  EXPECT_EQ(OnIo([this] { return outbox_->PendingCount(); }), 0);
  EXPECT_EQ(worker_->GetStats().done, 3);
}

TEST_F(OutboxWorkerTest, RetriesARateLimitedItemOnlyAfterRetryAfter) {
  runner_.Script({RateLimited(30s), Status{}});
  const auto id = Enqueue("INC-1", "swarm.post_summary");
  const auto blocked = Enqueue("INC-1", "swarm.pin_summary");
  StartWorker();
  ASSERT_TRUE(runner_.WaitForRuns(1));
  const auto due = OnIo([this] { return outbox_->NextDue(); });
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, clock_.Now() + 30s);
  EXPECT_EQ(runner_.Ran().size(), 1u) << "the next item of the stream must wait its turn";
  EXPECT_EQ(worker_->GetStats().retried, 1);

  clock_.Advance(30s);
  worker_->Wake();
  ASSERT_TRUE(runner_.WaitForRuns(3));
  const auto ran = runner_.Ran();
  EXPECT_EQ(ran[1].id, id);
  EXPECT_EQ(ran[1].attempts, 1) << "a retry is told the effect may already have happened";
  EXPECT_EQ(ran[2].id, blocked);
  EXPECT_EQ(OnIo([this] { return outbox_->PendingCount(); }), 0);
}

TEST_F(OutboxWorkerTest, BacksOffWithJitterWhenSlackGivesNoRetryAfter) {
  runner_.Script({MakeError(Errc::kUnavailable, "HTTP 503 from Slack")});
  Enqueue("INC-1", "swarm.invite");
  StartWorker();
  ASSERT_TRUE(runner_.WaitForRuns(1));
  const auto due = OnIo([this] { return outbox_->NextDue(); });
  ASSERT_TRUE(due.has_value());
  EXPECT_GE(*due, clock_.Now() + 1s);
  EXPECT_LE(*due, clock_.Now() + 2s);
}

TEST_F(OutboxWorkerTest, GivesUpOnPermanentErrorsAndMovesOnInTheStream) {
  Error permanent = MakeError(Errc::kSlackError, "Slack answered channel_not_found");
  permanent.slack_error = "channel_not_found";
  runner_.Script({permanent, Status{}});
  Enqueue("INC-1", "swarm.set_topic");
  const auto next = Enqueue("INC-1", "swarm.post_summary");
  StartWorker();
  ASSERT_TRUE(runner_.WaitForRuns(2));
  EXPECT_EQ(runner_.Ran()[1].id, next);
  EXPECT_EQ(OnIo([this] { return outbox_->PendingCount(); }), 0);
  EXPECT_EQ(worker_->GetStats().failed, 1);
  EXPECT_EQ(worker_->GetStats().done, 1);
}

TEST_F(OutboxWorkerTest, TreatsAnExceptionFromAnEffectAsAPermanentFailure) {
  runner_.ThrowNext();
  Enqueue("INC-1", "swarm.archive");
  Enqueue("INC-1", "swarm.after");
  StartWorker();
  ASSERT_TRUE(runner_.WaitForRuns(2));
  EXPECT_EQ(OnIo([this] { return outbox_->PendingCount(); }), 0);
  EXPECT_EQ(worker_->GetStats().failed, 1);
}

TEST_F(OutboxWorkerTest, WakePicksUpNewWorkWithoutWaitingForThePoll) {
  StartWorker();
  // The worker is asleep for idle_poll (a minute, beyond kTestTimeout); only
  // Wake() can make it see the new item in time.
  OnIo([] { return 0; });
  Enqueue("INC-3", "incident.announce");
  worker_->Wake();
  ASSERT_TRUE(runner_.WaitForRuns(1));
}

TEST_F(OutboxWorkerTest, SurvivesAFailingStore) {
  StartWorker();
  OnIo([this] {
    db_->Sql().exec("DROP TABLE outbox");
    return 0;
  });
  worker_->Wake();
  // The first task runs behind Wake's timer cancel, the second behind the
  // worker's resumption: by then it has tried to claim and is pausing.
  OnIo([] { return 0; });
  OnIo([] { return 0; });
  EXPECT_NE(running_.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  worker_->Stop();
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  EXPECT_NO_THROW(running_.get());
}

TEST_F(OutboxWorkerTest, StopsWhenItsCoroutineIsCancelled) {
  StartWorker();
  OnIo([] { return 0; });
  asio::post(io_.executor(), [this] { cancel_.emit(asio::cancellation_type::total); });
  ASSERT_EQ(running_.wait_for(kTestTimeout), std::future_status::ready);
  running_.get();
}

}  // namespace
}  // namespace swarmbot::bot
