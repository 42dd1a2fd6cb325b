#include "bot/event_retry.hpp"

#include <algorithm>
#include <exception>
#include <iterator>

#include <spdlog/spdlog.h>

namespace swarmbot::bot {

namespace asio = boost::asio;

namespace {

std::int64_t Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

EventRetry::EventRetry(asio::any_io_executor executor, Dispatch dispatch, EventRetryOptions options)
    : executor_(std::move(executor)), dispatch_(std::move(dispatch)), options_(options) {}

EventRetry::~EventRetry() {
  alive_.reset();
  for (Waiting& waiting : waiting_) {
    waiting.timer.cancel();
  }
}

bool EventRetry::Known(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(settled_,
                [&](const auto& entry) { return now - entry.second >= options_.remember_for; });
  return settled_.contains(id) ||
         std::any_of(waiting_.begin(), waiting_.end(),
                     [&](const Waiting& waiting) { return waiting.request.delivery_id == id; });
}

void EventRetry::Settle(std::list<Waiting>::iterator waiting) {
  settled_[waiting->request.delivery_id] = std::chrono::steady_clock::now();
  waiting_.erase(waiting);
}

InboundReply EventRetry::Handle(const InboundRequest& request) {
  if (request.kind == InboundKind::kEvent && !request.delivery_id.empty() &&
      Known(request.delivery_id)) {
    spdlog::info("event=event.retry_duplicate delivery_id={}", request.delivery_id);
    return {};
  }
  InboundReply reply = dispatch_(request);
  if (!reply.retry_later || request.kind != InboundKind::kEvent || stopped_) {
    return reply;
  }
  waiting_.push_back(
      Waiting{request, 1, std::chrono::steady_clock::now(), asio::steady_timer(executor_)});
  Schedule(std::prev(waiting_.end()));
  return reply;
}

void EventRetry::Stop() {
  stopped_ = true;
  for (const Waiting& waiting : waiting_) {
    spdlog::error("event=event.retry_dropped delivery_id={} attempts={} why=stopping",
                  waiting.request.delivery_id, waiting.attempt);
  }
  waiting_.clear();  // the timers' handlers see operation_aborted
}

void EventRetry::Schedule(std::list<Waiting>::iterator waiting) {
  const std::chrono::milliseconds delay =
      BackoffDelay(waiting->attempt - 1, options_.retry_initial, options_.retry_cap,
                   std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
  spdlog::warn("event=event.retry_scheduled delivery_id={} attempt={} delay_ms={}",
               waiting->request.delivery_id, waiting->attempt, delay.count());
  waiting->timer.expires_after(delay);
  waiting->timer.async_wait(
      [this, waiting, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (!ec && !alive.expired() && !stopped_) {
          Retry(waiting);
        }
      });
}

void EventRetry::Retry(std::list<Waiting>::iterator waiting) {
  InboundReply reply;
  try {
    reply = dispatch_(waiting->request);
  } catch (const std::exception& e) {
    spdlog::error("event=event.retry_threw delivery_id={} error=\"{}\"",
                  waiting->request.delivery_id, e.what());
  }
  const auto elapsed = std::chrono::steady_clock::now() - waiting->first_failure;
  if (!reply.retry_later) {
    spdlog::info("event=event.retry_finished delivery_id={} attempts={}",
                 waiting->request.delivery_id, waiting->attempt + 1);
    Settle(waiting);
    return;
  }
  ++waiting->attempt;
  if (elapsed >= options_.give_up_after) {
    spdlog::error("event=event.retry_dropped delivery_id={} attempts={} after_ms={}",
                  waiting->request.delivery_id, waiting->attempt, Millis(elapsed));
    Settle(waiting);
    return;
  }
  Schedule(waiting);
}

}  // namespace swarmbot::bot
