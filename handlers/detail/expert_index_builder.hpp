#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "lifecycle/expert_service.hpp"

namespace swarmbot::handlers::detail {

// Keeps the Expert Finder's index fresh without holding up the thread that
// answers Slack. A rebuild reads the store through a connection of its own
// and builds on a worker thread, one rebuild at a time; until it is done,
// requests rank with the previous index. Only a request that finds no index
// at all waits for one, and it waits with co_await, so the thread goes on
// answering commands meanwhile.
//
// An in-memory store can't be opened twice: then ExpertService builds in
// place, as it always did.
class ExpertIndexBuilder {
 public:
  explicit ExpertIndexBuilder(lifecycle::ExpertService& experts);
  ~ExpertIndexBuilder();
  ExpertIndexBuilder(const ExpertIndexBuilder&) = delete;
  ExpertIndexBuilder& operator=(const ExpertIndexBuilder&) = delete;

  // Starts a rebuild when the store's history moved past the installed
  // index; waits only when there is no index yet.
  boost::asio::awaitable<void> Ensure();

  // For tests: runs on the worker thread just before each build.
  void SetBeforeBuild(std::function<void()> hook) { before_build_ = std::move(hook); }
  int builds_started() const { return builds_started_; }

 private:
  boost::asio::awaitable<void> Rebuild(std::string path);

  lifecycle::ExpertService& experts_;
  bool building_ = false;
  int builds_started_ = 0;
  std::vector<boost::asio::steady_timer*> waiters_;  // requests waiting for a first index
  std::function<void()> before_build_;
  // Tells a rebuild that resumes after this builder is gone to touch nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  boost::asio::thread_pool pool_{1};
};

}  // namespace swarmbot::handlers::detail
