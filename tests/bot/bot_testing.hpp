#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "common/inbound.hpp"
#include "tests/support/testing.hpp"

// Helpers for bot/'s tests: swarmbot's io thread, and a dispatch target that
// records what reached the application.
namespace swarmbot::bot::testing {

// An io_context on its own thread, as swarmbot runs one. Stopped and joined on
// destruction.
class IoThread {
 public:
  IoThread() : work_(context_.get_executor()), thread_([this] { context_.run(); }) {}
  ~IoThread() {
    work_.reset();
    context_.stop();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::any_io_executor executor() { return context_.get_executor(); }

  // Runs `coroutine` on the io thread and waits for its result, at most
  // kTestTimeout (then throws, failing the test).
  template <class T>
  T Run(boost::asio::awaitable<T> coroutine) {
    auto future = boost::asio::co_spawn(context_, std::move(coroutine), boost::asio::use_future);
    if (future.wait_for(swarmbot::testing::kTestTimeout) != std::future_status::ready) {
      throw std::runtime_error("coroutine did not finish within kTestTimeout");
    }
    return future.get();
  }

  // Runs `fn` on the io thread and waits for it.
  template <class Fn>
  auto Invoke(Fn fn) {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    auto future = task->get_future();
    boost::asio::post(context_, [task] { (*task)(); });
    if (future.wait_for(swarmbot::testing::kTestTimeout) != std::future_status::ready) {
      throw std::runtime_error("io thread did not run the task within kTestTimeout");
    }
    return future.get();
  }

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Records every dispatched request; answers with `reply` (settable).
class Recorder {
 public:
  InboundReply operator()(const InboundRequest& request) {
    std::function<InboundReply(const InboundRequest&)> reply;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      reply = reply_;
      changed_.notify_all();
    }
    return reply ? reply(request) : InboundReply{};
  }

  void SetReply(std::function<InboundReply(const InboundRequest&)> reply) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(reply);
  }

  // Waits until at least `count` requests arrived (bounded by kTestTimeout).
  bool WaitForCount(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, swarmbot::testing::kTestTimeout,
                             [&] { return requests_.size() >= count; });
  }

  // Waits until `predicate(requests)` holds (bounded by kTestTimeout).
  bool WaitFor(const std::function<bool(const std::vector<InboundRequest>&)>& predicate) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, swarmbot::testing::kTestTimeout,
                             [&] { return predicate(requests_); });
  }

  std::vector<InboundRequest> Requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t Count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<InboundRequest> requests_;
  std::function<InboundReply(const InboundRequest&)> reply_;
};

}  // namespace swarmbot::bot::testing
