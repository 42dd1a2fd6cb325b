#include "bot/outbox_worker.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
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

// RunItem catches what effects and the store throw; anything else is a bug.
void LogEscaped(std::int64_t id, std::exception_ptr escaped) {
  if (!escaped) {
    return;
  }
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    spdlog::error("event=outbox.item_aborted id={} error=\"{}\"", id, e.what());
  } catch (...) {
    spdlog::error("event=outbox.item_aborted id={} error=unknown", id);
  }
}

}  // namespace

// One claimed item on its way: its stream, and the object it may be waiting for.
struct InFlight {
  std::string stream;
  std::string object;
  bool holds_object = false;
  asio::cancellation_signal cancel;
  asio::steady_timer* object_wait = nullptr;  // set while waiting for `object`
};

struct OutboxWorker::Impl {
  Impl(asio::any_io_executor ex, store::Outbox& o, const Clock& c, EffectRunner r,
       OutboxWorkerOptions opts)
      : executor(std::move(ex)),
        outbox(o),
        clock(c),
        runner(std::move(r)),
        options(std::move(opts)),
        timer(executor),
        rng(std::random_device{}()) {
    options.concurrency = std::max<std::size_t>(options.concurrency, 1);
  }

  asio::any_io_executor executor;
  store::Outbox& outbox;
  const Clock& clock;
  EffectRunner runner;
  OutboxWorkerOptions options;
  asio::steady_timer timer;
  std::mt19937_64 rng;
  bool woken = false;
  bool stopped = false;
  std::map<std::int64_t, std::shared_ptr<InFlight>> in_flight;  // by item id
  std::atomic<std::int64_t> done{0};
  std::atomic<std::int64_t> retried{0};
  std::atomic<std::int64_t> failed{0};

  std::vector<std::string> BusyStreams() const;
  void Start(std::shared_ptr<Impl> self, store::OutboxItem item);
  asio::awaitable<void> RunItem(std::shared_ptr<InFlight> task, store::OutboxItem item);
  asio::awaitable<bool> AcquireObject(InFlight& task);
  void Finished(std::int64_t id);
  asio::awaitable<Status> Perform(store::OutboxItem item);
  void Record(const store::OutboxItem& item, const Status& status);
  void Changed();
  asio::awaitable<void> Pause(std::chrono::milliseconds wait);
  asio::awaitable<void> SleepUntilDue();
  asio::awaitable<void> Drain();
};

std::vector<std::string> OutboxWorker::Impl::BusyStreams() const {
  std::vector<std::string> busy;
  for (const auto& [id, task] : in_flight) {
    busy.push_back(task->stream);
  }
  return busy;
}

void OutboxWorker::Impl::Start(std::shared_ptr<Impl> self, store::OutboxItem item) {
  auto task = std::make_shared<InFlight>();
  task->stream = item.stream;
  task->object = options.shared_object ? options.shared_object(item) : std::string();
  const std::int64_t id = item.id;
  in_flight.emplace(id, task);
  asio::co_spawn(executor, RunItem(task, std::move(item)),
                 asio::bind_cancellation_slot(task->cancel.slot(),
                                              [self = std::move(self), id](std::exception_ptr e) {
                                                LogEscaped(id, e);
                                                self->Finished(id);
                                              }));
}

asio::awaitable<void> OutboxWorker::Impl::RunItem(std::shared_ptr<InFlight> task,
                                                  store::OutboxItem item) {
  Status status = MakeError(Errc::kUnavailable, "interrupted before it started");
  if (co_await AcquireObject(*task)) {
    status = co_await Perform(item);
  }
  Record(item, status);
}

asio::awaitable<bool> OutboxWorker::Impl::AcquireObject(InFlight& task) {
  if (task.object.empty()) {
    co_return true;
  }
  auto held_elsewhere = [&] {
    return std::any_of(in_flight.begin(), in_flight.end(), [&](const auto& entry) {
      return entry.second.get() != &task && entry.second->holds_object &&
             entry.second->object == task.object;
    });
  };
  while (held_elsewhere()) {
    asio::steady_timer wait(executor, asio::steady_timer::time_point::max());
    task.object_wait = &wait;
    co_await wait.async_wait(kTuple);
    task.object_wait = nullptr;
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      co_return false;
    }
  }
  task.holds_object = true;
  co_return true;
}

void OutboxWorker::Impl::Finished(std::int64_t id) {
  in_flight.erase(id);
  for (const auto& [other, task] : in_flight) {
    if (task->object_wait != nullptr) {
      task->object_wait->cancel();  // the object may be free now: look again
    }
  }
  Changed();
}

void OutboxWorker::Impl::Changed() {
  woken = true;
  timer.cancel();
}

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
    if (const auto due = outbox.NextDue(BusyStreams())) {
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

asio::awaitable<void> OutboxWorker::Impl::Drain() {
  bool aborted = false;
  while (!in_flight.empty()) {
    const auto state = co_await asio::this_coro::cancellation_state;
    if (!aborted && state.cancelled() != asio::cancellation_type::none) {
      // Terminal passes every item's cancellation filter: their I/O aborts.
      for (const auto& [id, task] : in_flight) {
        task->cancel.emit(asio::cancellation_type::terminal);
      }
      aborted = true;
    }
    if (!woken) {
      co_await Pause(options.idle_poll);  // each finishing item cuts it short
    }
    woken = false;
  }
}

OutboxWorker::OutboxWorker(asio::any_io_executor executor, store::Outbox& outbox,
                           const Clock& clock, EffectRunner runner, OutboxWorkerOptions options)
    : impl_(
          std::make_shared<Impl>(std::move(executor), outbox, clock, std::move(runner), options)) {}

OutboxWorker::~OutboxWorker() = default;

asio::awaitable<void> OutboxWorker::Run() {
  auto impl = impl_;
  // Stop on any cancellation the caller sends, not only terminal, and keep
  // awaiting afterwards: the items in flight must be waited for.
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
  co_await asio::this_coro::throw_if_cancelled(false);
  spdlog::info("event=outbox.worker_started concurrency={}", impl->options.concurrency);
  for (;;) {
    const auto state = co_await asio::this_coro::cancellation_state;
    if (impl->stopped || state.cancelled() != asio::cancellation_type::none) {
      break;
    }
    if (impl->in_flight.size() >= impl->options.concurrency) {
      if (!impl->woken) {
        co_await impl->Pause(impl->options.idle_poll);  // a finishing item cuts it short
      }
      impl->woken = false;
      continue;
    }
    std::optional<store::OutboxItem> item;
    bool claimed = true;
    try {
      item = impl->outbox.ClaimNext(impl->clock.Now(), impl->BusyStreams());
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
    impl->Start(impl, std::move(*item));
  }
  co_await impl->Drain();
  spdlog::info("event=outbox.worker_stopped");
}

void OutboxWorker::Wake() {
  asio::dispatch(impl_->executor, [impl = impl_] { impl->Changed(); });
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
