#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/outbox.hpp"

namespace swarmbot::bot {

// Performs one outbox item (handlers::EffectRunner through the Web API). It
// must be idempotent: an item with attempts > 0 may already have happened.
using EffectRunner = std::function<boost::asio::awaitable<Status>(store::OutboxItem)>;

struct OutboxWorkerOptions {
  // Backoff for retryable failures without a Retry-After: exponential from
  // `retry_initial`, capped, with jitter.
  std::chrono::milliseconds retry_initial{2'000};
  std::chrono::milliseconds retry_cap{std::chrono::minutes(5)};
  // The longest sleep with nothing due; Wake() cuts it short.
  std::chrono::milliseconds idle_poll{std::chrono::minutes(1)};
};

// Drains the outbox: claims the next due item, runs it, and records the
// outcome. Success → MarkDone. A retryable Error (rate limited, unavailable) →
// Retry at now + retry_after, or backoff when Slack gave none. Any other
// Error, or an exception from the runner (a bug) → MarkFailed, logged at error.
// Between items it sleeps until Outbox::NextDue() or Wake().
//
// Everything runs on `executor` (the io thread, which owns the store). Outbox,
// clock and runner must outlive Run().
class OutboxWorker {
 public:
  OutboxWorker(boost::asio::any_io_executor executor, store::Outbox& outbox, const Clock& clock,
               EffectRunner runner, OutboxWorkerOptions options = {});
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // Runs until Stop() or cancellation (any type) of the awaiting coroutine.
  boost::asio::awaitable<void> Run();

  // New work may be due: look now instead of at the next planned time. The app
  // calls it after each handled request; tests after moving a FakeClock.
  // Safe from any thread.
  void Wake();

  // Makes Run() return after the item in progress. Safe from any thread.
  void Stop();

  struct Stats {
    std::int64_t done = 0;
    std::int64_t retried = 0;
    std::int64_t failed = 0;
  };
  Stats GetStats() const;  // Safe from any thread.

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swarmbot::bot
