#include "handlers/detail/expert_index_builder.hpp"

#include <chrono>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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

ExpertIndexBuilder::Readiness ExpertIndexBuilder::Check(asio::any_io_executor executor,
                                                        std::int64_t waiting_for) {
  if (experts_.StoreFile().empty()) {
    return {};
  }
  const std::int64_t planned = builds_started_ + (build_again_ ? 1 : 0);
  if (waiting_for > 0 && waiting_for <= planned) {
    if (builds_finished_ >= waiting_for) {
      return {};
    }
    return {false, waiting_for};
  }
  // A first check, or one queued by an earlier run of swarmbot.
  const auto fingerprint = experts_.IndexFingerprint();
  if (!fingerprint || experts_.IndexCurrent(*fingerprint)) {
    return {};  // a store failure is Shortlist's to report
  }
  return {false, BuildAfterNow(executor, *fingerprint)};
}

void ExpertIndexBuilder::Refresh(asio::any_io_executor executor) {
  if (experts_.StoreFile().empty()) {
    return;
  }
  const auto fingerprint = experts_.IndexFingerprint();
  if (fingerprint && !experts_.IndexCurrent(*fingerprint)) {
    BuildAfterNow(executor, *fingerprint);
  }
}

std::int64_t ExpertIndexBuilder::BuildAfterNow(const asio::any_io_executor& executor,
                                               const std::string& fingerprint) {
  if (building_) {
    // The running build started from this very store: it is the one to wait
    // for (at start-up, the first request would otherwise wait for two).
    if (fingerprint == building_from_ && !build_again_) {
      return builds_started_;
    }
    build_again_ = true;
    return builds_started_ + 1;
  }
  StartBuild(executor, fingerprint);
  return builds_started_;
}

void ExpertIndexBuilder::StartBuild(const asio::any_io_executor& executor,
                                    const std::string& fingerprint) {
  building_ = true;
  building_from_ = fingerprint;
  build_again_ = false;
  ++builds_started_;
  asio::co_spawn(executor, Rebuild(experts_.StoreFile(), builds_started_), asio::detached);
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

awaitable<void> ExpertIndexBuilder::Rebuild(std::string path, std::int64_t number) {
  const std::weak_ptr<int> alive = alive_;
  spdlog::info("event=experts.index_build_started build={}", number);
  const auto started = std::chrono::steady_clock::now();
  Snapshot built;
  try {
    built = co_await asio::co_spawn(
        pool_, Build(std::move(path), experts_.settings(), before_build_), asio::use_awaitable);
  } catch (const std::exception& e) {
    // Shortlist then builds in place, as a store without a file does.
    spdlog::error("event=experts.index_build_failed build={} error=\"{}\"", number, e.what());
  }
  if (alive.expired()) {
    co_return;
  }
  if (built) {
    experts_.InstallIndex(built);
    spdlog::info("event=experts.index_installed build={} ms={}", number,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }
  building_ = false;
  builds_finished_ = number;
  if (build_again_) {
    const auto executor = co_await asio::this_coro::executor;
    const auto fingerprint = experts_.IndexFingerprint();
    StartBuild(executor, fingerprint ? *fingerprint : std::string());
  }
}

}  // namespace swarmbot::handlers::detail
