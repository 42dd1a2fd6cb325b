#include "bot/outbox_worker.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"

namespace swarmbot::bot {

namespace asio = boost::asio;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct OutboxWorker::Impl {
  Impl(asio::any_io_executor ex, store::Outbox& o, const Clock& c, EffectRunner r,
       OutboxWorkerOptions opts)
      : executor(std::move(ex)),
        outbox(o),
        clock(c),
        runner(std::move(r)),
        options(opts),
        timer(executor),
        rng(std::random_device{}()) {}

  asio::any_io_executor executor;
  store::Outbox& outbox;
  const Clock& clock;
  EffectRunner runner;
  OutboxWorkerOptions options;
  asio::steady_timer timer;
  std::mt19937_64 rng;
  bool woken = false;
  bool stopped = false;
  std::atomic<std::int64_t> done{0};
  std::atomic<std::int64_t> retried{0};
  std::atomic<std::int64_t> failed{0};

  asio::awaitable<Status> Perform(store::OutboxItem item);
  void Record(const store::OutboxItem& item, const Status& status);
  asio::awaitable<void> Pause(std::chrono::milliseconds wait);
  asio::awaitable<void> SleepUntilDue();
};

asio::awaitable<Status> OutboxWorker::Impl::Perform(store::OutboxItem item) {
  Status status;
  bool threw = false;
  std::string thrown;
  try {
    status = co_await runner(std::move(item));
  } catch (const std::exception& e) {
    threw = true;
    thrown = e.what();
  }
  if (!threw) {
    co_return status;
  }
  // Shutting down aborts the effect's I/O; that is no reason to give up on it.
  // (Not folded into one expression: GCC 12 miscompiles co_await inside ||.)
  const auto state = co_await asio::this_coro::cancellation_state;
  const bool interrupted = stopped || state.cancelled() != asio::cancellation_type::none;
  co_return MakeError(interrupted ? Errc::kUnavailable : Errc::kInternal,
                      (interrupted ? "interrupted: " : "effect threw: ") + thrown);
}

void OutboxWorker::Impl::Record(const store::OutboxItem& item, const Status& status) {
  const auto now = clock.Now();
  const int attempt = item.attempts + 1;
  try {
    if (status) {
      outbox.MarkDone(item.id, now);
      ++done;
      spdlog::debug("event=outbox.done id={} stream={} kind={} attempt={}", item.id, item.stream,
                    item.kind, attempt);
      return;
    }
    const Error& error = status.error();
    const std::string code =
        error.slack_error.empty() ? std::string(ErrcName(error.code)) : error.slack_error;
    if (error.Retryable()) {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      std::chrono::milliseconds delay =
          BackoffDelay(item.attempts, options.retry_initial, options.retry_cap, unit(rng));
      if (error.retry_after) {
        // Slack said when; sooner would be refused again, later only delays.
        delay = std::chrono::duration_cast<std::chrono::milliseconds>(*error.retry_after);
      }
      outbox.Retry(item.id, now + delay, code);
      ++retried;
      spdlog::warn(
          "event=outbox.retry id={} stream={} kind={} attempt={} error={} delay_ms={} "
          "detail=\"{}\"",
          item.id, item.stream, item.kind, attempt, code, delay.count(), error.detail);
      return;
    }
    outbox.MarkFailed(item.id, code, now);
    ++failed;
    spdlog::error("event=outbox.failed id={} stream={} kind={} attempt={} error={} detail=\"{}\"",
                  item.id, item.stream, item.kind, attempt, code, error.detail);
  } catch (const std::exception& e) {
    // The item stays pending with its attempt counted, so it runs again and
    // the effect's own check finds what already happened.
    spdlog::error("event=outbox.store_failed step=record id={} error=\"{}\"", item.id, e.what());
  }
}

asio::awaitable<void> OutboxWorker::Impl::Pause(std::chrono::milliseconds wait) {
  timer.expires_after(wait);
  co_await timer.async_wait(kTuple);
  woken = false;
}

asio::awaitable<void> OutboxWorker::Impl::SleepUntilDue() {
  if (woken) {
    woken = false;
    co_return;
  }
  std::chrono::milliseconds wait = options.idle_poll;
  try {
    if (const auto due = outbox.NextDue()) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*due - clock.Now());
      wait = std::clamp(until, std::chrono::milliseconds(0), options.idle_poll);
    }
  } catch (const std::exception& e) {
    spdlog::error("event=outbox.store_failed step=next_due error=\"{}\"", e.what());
    wait = options.retry_initial;
  }
  if (wait.count() == 0) {
    co_return;
  }
  co_await Pause(wait);
}

OutboxWorker::OutboxWorker(asio::any_io_executor executor, store::Outbox& outbox,
                           const Clock& clock, EffectRunner runner, OutboxWorkerOptions options)
    : impl_(
          std::make_shared<Impl>(std::move(executor), outbox, clock, std::move(runner), options)) {}

OutboxWorker::~OutboxWorker() = default;

asio::awaitable<void> OutboxWorker::Run() {
  auto impl = impl_;
  // Stop on any cancellation the caller sends, not only terminal.
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
  spdlog::info("event=outbox.worker_started");
  for (;;) {
    const auto state = co_await asio::this_coro::cancellation_state;
    if (impl->stopped || state.cancelled() != asio::cancellation_type::none) {
      break;
    }
    std::optional<store::OutboxItem> item;
    bool claimed = true;
    try {
      item = impl->outbox.ClaimNext(impl->clock.Now());
    } catch (const std::exception& e) {
      // A locked or failing database: keep the worker alive and try again.
      // Another process's write lock costs an idle outbox nothing (the claim
      // only reads), and a due item's claim a short wait (store/outbox.cpp).
      spdlog::error("event=outbox.store_failed step=claim error=\"{}\"", e.what());
      claimed = false;
    }
    if (!claimed) {
      co_await impl->Pause(impl->options.retry_initial);
      continue;
    }
    if (!item) {
      co_await impl->SleepUntilDue();
      continue;
    }
    const Status status = co_await impl->Perform(*item);
    impl->Record(*item, status);
  }
  spdlog::info("event=outbox.worker_stopped");
}

void OutboxWorker::Wake() {
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->woken = true;
    impl->timer.cancel();
  });
}

void OutboxWorker::Stop() {
  asio::dispatch(impl_->executor, [impl = impl_] {
    impl->stopped = true;
    impl->timer.cancel();
  });
}

OutboxWorker::Stats OutboxWorker::GetStats() const {
  return Stats{impl_->done.load(), impl_->retried.load(), impl_->failed.load()};
}

}  // namespace swarmbot::bot
