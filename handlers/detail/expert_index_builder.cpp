#include "handlers/detail/expert_index_builder.hpp"

#include <chrono>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace swarmbot::handlers::detail {

namespace asio = boost::asio;
using asio::awaitable;
using Snapshot = std::shared_ptr<const lifecycle::ExpertIndexSnapshot>;

ExpertIndexBuilder::ExpertIndexBuilder(lifecycle::ExpertService& experts) : experts_(experts) {
  experts_.SetIndexBuiltElsewhere(!experts_.StoreFile().empty());
}

ExpertIndexBuilder::~ExpertIndexBuilder() {
  alive_.reset();
  pool_.join();  // a build in progress finishes; its result is dropped
}

awaitable<void> ExpertIndexBuilder::Ensure() {
  std::string path = experts_.StoreFile();
  if (path.empty()) {
    co_return;
  }
  const auto fingerprint = experts_.IndexFingerprint();
  if (!fingerprint || experts_.IndexCurrent(*fingerprint)) {
    co_return;  // a store failure is Shortlist's to report
  }
  const auto executor = co_await asio::this_coro::executor;
  if (!building_) {
    building_ = true;
    asio::co_spawn(executor, Rebuild(std::move(path)), asio::detached);
  }
  if (experts_.HasIndex()) {
    co_return;  // rank with the previous index while the new one is built
  }
  asio::steady_timer wait(executor, asio::steady_timer::time_point::max());
  waiters_.push_back(&wait);
  boost::system::error_code woken;
  co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, woken));
}

namespace {

// Runs on the worker: everything by value, nothing shared with the io thread.
awaitable<Snapshot> Build(std::string path, lifecycle::ExpertSettings settings,
                          std::function<void()> before) {
  if (before) {
    before();
  }
  co_return lifecycle::BuildExpertIndex(path, settings);
}

}  // namespace

awaitable<void> ExpertIndexBuilder::Rebuild(std::string path) {
  const std::weak_ptr<int> alive = alive_;
  ++builds_started_;
  spdlog::info("event=experts.index_build_started");
  const auto started = std::chrono::steady_clock::now();
  Snapshot built;
  try {
    built = co_await asio::co_spawn(
        pool_, Build(std::move(path), experts_.settings(), before_build_), asio::use_awaitable);
  } catch (const std::exception& e) {
    // Shortlist then builds in place, as a store without a file does.
    spdlog::error("event=experts.index_build_failed error=\"{}\"", e.what());
  }
  if (alive.expired()) {
    co_return;
  }
  if (built) {
    experts_.InstallIndex(built);
    spdlog::info("event=experts.index_installed ms={}",
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }
  building_ = false;
  for (asio::steady_timer* waiter : waiters_) {
    waiter->cancel();
  }
  waiters_.clear();
}

}  // namespace swarmbot::handlers::detail
