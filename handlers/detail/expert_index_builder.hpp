#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "lifecycle/expert_service.hpp"

namespace swarmbot::handlers::detail {

// Keeps the Expert Finder's index fresh without holding up the thread that
// answers Slack, nor the outbox. A rebuild reads the store through a
// connection of its own and builds on a worker thread, one rebuild at a time.
// Nothing here waits: a request that needs a newer index is told which build
// to wait for, and the caller queues it again (ExpertEffects) so that other
// effects go on meanwhile.
//
// Builds are numbered from 1 in this process. An in-memory store can't be
// opened twice: then ExpertService builds in place, as it always did.
// Used on the io thread only.
class ExpertIndexBuilder {
 public:
  explicit ExpertIndexBuilder(lifecycle::ExpertService& experts);
  ~ExpertIndexBuilder();
  ExpertIndexBuilder(const ExpertIndexBuilder&) = delete;
  ExpertIndexBuilder& operator=(const ExpertIndexBuilder&) = delete;

  struct Readiness {
    bool ready = true;          // rank now with the installed index
    std::int64_t wait_for = 0;  // otherwise: the build to wait for
  };

  // Whether a request may rank now. `waiting_for` is what an earlier check
  // of the same request answered (0 the first time). The first check is
  // ready when the installed index matches the store; else it starts a
  // build (or plans one after the running build, which may have read the
  // store before the change) and names it. A later check is ready once that
  // build finished, so a store that keeps changing can't starve a request.
  // A build that failed also counts as finished: Shortlist then builds in place.
  Readiness Check(boost::asio::any_io_executor executor, std::int64_t waiting_for);

  // Starts a build when the installed index doesn't match the store, e.g. at
  // start-up, so that the first request rarely waits.
  void Refresh(boost::asio::any_io_executor executor);

  // For tests: runs on the worker thread just before each build.
  void SetBeforeBuild(std::function<void()> hook) { before_build_ = std::move(hook); }
  std::int64_t builds_started() const { return builds_started_; }

 private:
  // The number of the build that will reflect the store as it is now.
  std::int64_t BuildAfterNow(const boost::asio::any_io_executor& executor,
                             const std::string& fingerprint);
  void StartBuild(const boost::asio::any_io_executor& executor, const std::string& fingerprint);
  boost::asio::awaitable<void> Rebuild(std::string path, std::int64_t number);

  lifecycle::ExpertService& experts_;
  bool building_ = false;
  bool build_again_ = false;   // the store changed while a build was running
  std::string building_from_;  // the store's fingerprint when the running build started
  std::int64_t builds_started_ = 0;
  std::int64_t builds_finished_ = 0;
  std::function<void()> before_build_;
  // Tells a rebuild that resumes after this builder is gone to touch nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  boost::asio::thread_pool pool_{1};
};

}  // namespace swarmbot::handlers::detail
