#include "bot/event_retry.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace swarmbot::bot {

namespace asio = boost::asio;

namespace {

std::int64_t Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

EventRetry::EventRetry(asio::any_io_executor executor, Dispatch dispatch, EventRetryOptions options,
                       DeliveryFilter* filter)
    : executor_(std::move(executor)),
      dispatch_(std::move(dispatch)),
      options_(options),
      filter_(filter),
      timer_(executor_) {}

EventRetry::~EventRetry() {
  alive_.reset();
  timer_.cancel();
}

bool EventRetry::Known(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(settled_,
                [&](const auto& entry) { return now - entry.second >= options_.remember_for; });
  return settled_.contains(id) ||
         std::any_of(waiting_.begin(), waiting_.end(),
                     [&](const Waiting& waiting) { return waiting.request.delivery_id == id; });
}

bool EventRetry::StoreKnownBusy() const {
  return !waiting_.empty() || (filter_ != nullptr && filter_->store_busy());
}

InboundReply EventRetry::Handle(const InboundRequest& request) {
  const bool event = request.kind == InboundKind::kEvent;
  if (event && !request.delivery_id.empty() && Known(request.delivery_id)) {
    spdlog::info("event=event.retry_duplicate delivery_id={}", request.delivery_id);
    return {};
  }
  InboundReply reply;
  if (event && !stopped_ && StoreKnownBusy()) {
    // Trying would wait on the store for nothing, and overtake the waiting.
    Queue(request, 0);
    reply.retry_later = true;
  } else {
    reply = dispatch_(request);
    if (event && reply.retry_later && !stopped_) {
      Queue(request, 1);
      StoreWasBusy();
    } else if (event && !reply.retry_later) {
      busy_attempts_ = 0;
    }
  }
  if (!stopped_ && !timer_armed_ && StoreKnownBusy()) {
    ScheduleAttempt();
  }
  return reply;
}

void EventRetry::Queue(const InboundRequest& request, int attempt) {
  waiting_.push_back(Waiting{request, attempt, std::chrono::steady_clock::now()});
  spdlog::warn("event=event.retry_queued delivery_id={} waiting={} why={}", request.delivery_id,
               waiting_.size(), attempt == 0 ? "store_busy" : "failed");
}

void EventRetry::SettleOldest() {
  settled_[waiting_.front().request.delivery_id] = std::chrono::steady_clock::now();
  waiting_.pop_front();
}

void EventRetry::StoreWasBusy() {
  ++busy_attempts_;
  if (filter_ != nullptr) {
    filter_->MarkStoreBusy();
  }
}

void EventRetry::Stop() {
  stopped_ = true;
  for (const Waiting& waiting : waiting_) {
    spdlog::error("event=event.retry_dropped delivery_id={} attempts={} why=stopping",
                  waiting.request.delivery_id, waiting.attempt);
  }
  waiting_.clear();
  timer_.cancel();  // its handler sees operation_aborted
}

void EventRetry::ScheduleAttempt() {
  std::chrono::milliseconds delay{0};
  if (busy_attempts_ > 0 || (filter_ != nullptr && filter_->store_busy())) {
    delay =
        BackoffDelay(std::max(busy_attempts_, 1) - 1, options_.retry_initial, options_.retry_cap,
                     std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
    if (waiting_.empty()) {
      spdlog::warn("event=event.store_retry_scheduled held_ids={} delay_ms={}",
                   filter_ != nullptr ? filter_->held() : 0, delay.count());
    } else {
      spdlog::warn("event=event.retry_scheduled delivery_id={} attempt={} waiting={} delay_ms={}",
                   waiting_.front().request.delivery_id, waiting_.front().attempt, waiting_.size(),
                   delay.count());
    }
  }
  timer_armed_ = true;
  timer_.expires_after(delay);
  timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired()) {
          return;
        }
        timer_armed_ = false;
        if (!ec && !stopped_) {
          TryStore();
        }
      });
}

void EventRetry::TryStore() {
  if (!waiting_.empty()) {
    RetryOldest();
  } else if (filter_ != nullptr && filter_->store_busy()) {
    WriteHeldIds();
  }
  if (!stopped_ && !timer_armed_ && StoreKnownBusy()) {
    ScheduleAttempt();
  }
}

void EventRetry::RetryOldest() {
  Waiting& oldest = waiting_.front();
  InboundReply reply;
  try {
    reply = dispatch_(oldest.request);
  } catch (const std::exception& e) {
    spdlog::error("event=event.retry_threw delivery_id={} error=\"{}\"", oldest.request.delivery_id,
                  e.what());
  }
  if (!reply.retry_later) {
    spdlog::info("event=event.retry_finished delivery_id={} attempts={}",
                 oldest.request.delivery_id, oldest.attempt + 1);
    SettleOldest();
    busy_attempts_ = 0;
    WriteHeldIds();
    return;
  }
  ++oldest.attempt;
  StoreWasBusy();
  const auto waited = std::chrono::steady_clock::now() - oldest.queued_at;
  if (waited >= options_.give_up_after) {
    spdlog::error("event=event.retry_dropped delivery_id={} attempts={} after_ms={}",
                  oldest.request.delivery_id, oldest.attempt, Millis(waited));
    SettleOldest();
  }
}

// The store took a write just now, or the filter is the only one waiting.
void EventRetry::WriteHeldIds() {
  if (filter_ == nullptr || !filter_->store_busy()) {
    return;
  }
  if (filter_->WriteHeldIds()) {
    busy_attempts_ = 0;
  } else {
    ++busy_attempts_;
  }
}

}  // namespace swarmbot::bot
