#pragma once

#include <algorithm>
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
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

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

// Keeps every log line (as formatted, without time or level) while it lives;
// the default logger's sinks still get them. Make it before the threads that
// log and destroy it after them.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
    sink_->set_pattern("%v");
    auto sinks = previous_->sinks();
    sinks.push_back(sink_);
    logger_ = std::make_shared<spdlog::logger>("capture", sinks.begin(), sinks.end());
    logger_->set_level(previous_->level());
    spdlog::set_default_logger(logger_);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The first line that holds `part`, once one does (bounded by kTestTimeout);
  // "" if none did.
  std::string WaitForLine(const std::string& part) { return sink_->WaitForLine(part); }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::string WaitForLine(const std::string& part) {
      std::unique_lock lock(lines_mutex_);
      std::string found;
      changed_.wait_for(lock, swarmbot::testing::kTestTimeout, [&] {
        auto it = std::find_if(lines_.begin(), lines_.end(), [&](const std::string& line) {
          return line.find(part) != std::string::npos;
        });
        found = it == lines_.end() ? "" : *it;
        return !found.empty();
      });
      return found;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      spdlog::memory_buf_t formatted;
      formatter_->format(msg, formatted);
      std::lock_guard lock(lines_mutex_);
      lines_.push_back(fmt::to_string(formatted));
      changed_.notify_all();
    }
    void flush_() override {}

   private:
    std::mutex lines_mutex_;
    std::condition_variable changed_;
    std::vector<std::string> lines_;
  };

  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace swarmbot::bot::testing
