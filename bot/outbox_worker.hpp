#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

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
  // How many items (of different streams) may be in flight at once, so that
  // a slow Slack answer in one stream doesn't hold back the others. At least 1.
  std::size_t concurrency = 4;
  // The Slack object beyond its stream that an item reads and then writes
  // (e.g. a message whose ts effects on two streams may both post and
  // record), or "" for none. Items naming the same object never run at once,
  // whatever their streams. Unset: only streams keep items apart.
  std::function<std::string(const store::OutboxItem&)> shared_object{};
};

// Drains the outbox: claims due items and runs up to `concurrency` of them at
// once, never two of one stream: an item in flight stays its stream's head,
// so the stream waits for its outcome. Records each outcome: success →
// MarkDone. A retryable Error (rate limited, unavailable) → Retry at now +
// retry_after, or backoff when Slack gave none. Any other Error, or an
// exception from the runner (a bug) → MarkFailed, logged at error. With
// nothing to claim it sleeps until Outbox::NextDue(), an item finishing, or
// Wake().
//
// Everything runs on `executor` (the io thread, which owns the store): items
// interleave only where they wait. Outbox, clock and runner must outlive Run().
class OutboxWorker {
 public:
  OutboxWorker(boost::asio::any_io_executor executor, store::Outbox& outbox, const Clock& clock,
               EffectRunner runner, OutboxWorkerOptions options = {});
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // Runs until Stop() or cancellation (any type) of the awaiting coroutine,
  // then waits for the items in flight: after Stop() they finish; after a
  // cancellation their Slack calls are cancelled and they are retried later
  // (each claim counted its attempt, so the retry checks what happened).
  boost::asio::awaitable<void> Run();

  // New work may be due: look now instead of at the next planned time. The app
  // calls it after each handled request; tests after moving a FakeClock.
  // Safe from any thread.
  void Wake();

  // Makes Run() return after the items in flight. Safe from any thread.
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
