#include "bot/event_retry.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace swarmbot::bot {

namespace asio = boost::asio;

namespace {

std::int64_t Millis(Clock::TimePoint::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

EventRetry::EventRetry(asio::any_io_executor executor, const Clock& clock, Dispatch dispatch,
                       EventRetryOptions options, DeliveryFilter* filter, EventSpool* spool)
    : executor_(std::move(executor)),
      clock_(clock),
      dispatch_(std::move(dispatch)),
      options_(options),
      filter_(filter),
      spool_(spool),
      timer_(executor_) {}

EventRetry::~EventRetry() {
  alive_.reset();
  timer_.cancel();
}

bool EventRetry::Known(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(settled_,
                [&](const auto& entry) { return now - entry.second >= options_.remember_for; });
  return settled_.contains(id) || waiting_ids_.contains(id);
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
    reply = event && kept_.contains(request.delivery_id) ? HandleKept(request) : dispatch_(request);
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

bool EventRetry::Keep(const InboundRequest& request) {
  if (request.kind != InboundKind::kEvent) {
    return true;
  }
  const std::string& id = request.delivery_id;
  if (spool_ == nullptr || id.empty()) {
    // Without an id its settled line could not name it.
    spdlog::warn("event=event.not_kept delivery_id={} why={}", id,
                 spool_ == nullptr ? "no_spool" : "no_id");
    return false;
  }
  if (Known(id) || kept_.contains(id)) {
    return true;
  }
  SpooledEvent kept{request, clock_.Now()};
  if (!spool_->Append(kept)) {
    return false;  // logged; the event is still handled, just not crash-proof
  }
  kept_.emplace(id, std::move(kept));
  return true;
}

InboundReply EventRetry::HandleKept(const InboundRequest& request) {
  const std::string& id = request.delivery_id;
  InboundReply reply;
  bool threw = false;
  const auto handle = [&] {
    try {
      reply = dispatch_(request);
    } catch (const std::exception& e) {
      // Like the transports: logged, not tried again. What it wrote is undone.
      spdlog::error("event=event.handle_threw delivery_id={} error=\"{}\"", id, e.what());
      threw = true;
      return false;
    }
    return !reply.retry_later;
  };
  // What the handler writes and the handled mark commit together, so that
  // Replay never hands a handled event over again.
  const bool done = filter_ != nullptr ? filter_->HandleOnce(id, handle) : handle();
  if (threw) {
    reply = {};
  } else if (!done) {
    reply.retry_later = true;  // stays in the spool; Queue takes it from kept_
  }
  if (!reply.retry_later) {
    kept_.erase(id);
    spool_->Settle(id);
    RewriteSpoolIfGrown();
  }
  return reply;
}

void EventRetry::Queue(const InboundRequest& request, int attempt) {
  Waiting waiting{request, attempt, clock_.Now()};
  if (auto kept = kept_.find(request.delivery_id); kept != kept_.end()) {
    // Spooled by Keep before the acknowledgement; it waits from then on.
    waiting.queued_at = kept->second.queued_at;
    kept_.erase(kept);
  } else if (spool_ != nullptr) {
    // Before Slack's acknowledgement. A failure is logged; the event still waits in memory.
    spool_->Append({waiting.request, waiting.queued_at});
  }
  Push(std::move(waiting));
  spdlog::warn("event=event.retry_queued delivery_id={} waiting={} why={}", request.delivery_id,
               waiting_.size(), attempt == 0 ? "store_busy" : "failed");
  KeepWithinBounds();
}

void EventRetry::Push(Waiting waiting) {
  waiting_bytes_ += waiting.request.payload_json.size();
  waiting_ids_.insert(waiting.request.delivery_id);
  waiting_.push_back(std::move(waiting));
}

void EventRetry::Replay() {
  if (spool_ == nullptr) {
    return;
  }
  std::size_t handled = 0;
  for (SpooledEvent& event : spool_->Load()) {
    const std::string& id = event.request.delivery_id;
    if (filter_ != nullptr && !id.empty() && filter_->Handled(id)) {
      // Handled before the crash, which came before its settled line.
      spdlog::info("event=event.replay_already_handled delivery_id={}", id);
      ++handled;
      continue;
    }
    Push(Waiting{std::move(event.request), 0, event.queued_at});
  }
  spdlog::info("event=event.replayed waiting={} already_handled={}", waiting_.size(), handled);
  DropStale();
  KeepWithinBounds();
  RewriteSpoolIfGrown();
  if (!stopped_ && !timer_armed_ && !waiting_.empty()) {
    ScheduleAttempt();
  }
}

void EventRetry::KeepWithinBounds() {
  while (!waiting_.empty() &&
         (waiting_.size() > options_.max_waiting || waiting_bytes_ > options_.max_waiting_bytes)) {
    Drop("over_capacity");
  }
}

void EventRetry::DropStale() {
  const auto now = clock_.Now();
  while (!waiting_.empty() && now - waiting_.front().queued_at >= options_.max_age) {
    Drop("too_old");
  }
}

void EventRetry::Drop(const char* why) {
  const Waiting& oldest = waiting_.front();
  spdlog::error("event=event.retry_dropped delivery_id={} attempts={} after_ms={} why={}",
                oldest.request.delivery_id, oldest.attempt, Millis(clock_.Now() - oldest.queued_at),
                why);
  SettleOldest();
}

void EventRetry::SettleOldest() {
  const std::string& id = waiting_.front().request.delivery_id;
  settled_[id] = std::chrono::steady_clock::now();
  if (spool_ != nullptr) {
    spool_->Settle(id);
  }
  waiting_bytes_ -= waiting_.front().request.payload_json.size();
  waiting_ids_.erase(waiting_ids_.find(id));
  waiting_.pop_front();
  RewriteSpoolIfGrown();
}

void EventRetry::RewriteSpoolIfGrown() {
  if (spool_ == nullptr || !spool_->WantsRewrite(waiting_.size() + kept_.size())) {
    return;
  }
  std::vector<SpooledEvent> events;
  events.reserve(waiting_.size() + kept_.size());
  for (const Waiting& waiting : waiting_) {
    events.push_back({waiting.request, waiting.queued_at});
  }
  // Acknowledged and not handled yet: a crash now must not lose them either.
  for (const auto& [id, kept] : kept_) {
    events.push_back(kept);
  }
  std::stable_sort(events.begin(), events.end(), [](const SpooledEvent& a, const SpooledEvent& b) {
    return a.queued_at < b.queued_at;
  });
  spool_->Rewrite(events);
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
    if (spool_ != nullptr) {
      spdlog::warn("event=event.retry_spooled delivery_id={} attempts={} why=stopping",
                   waiting.request.delivery_id, waiting.attempt);
    } else {
      spdlog::error("event=event.retry_dropped delivery_id={} attempts={} why=stopping",
                    waiting.request.delivery_id, waiting.attempt);
    }
  }
  waiting_.clear();
  waiting_bytes_ = 0;
  waiting_ids_.clear();
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
  DropStale();
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
  const auto handle = [&] {
    try {
      reply = dispatch_(oldest.request);
    } catch (const std::exception& e) {
      spdlog::error("event=event.retry_threw delivery_id={} error=\"{}\"",
                    oldest.request.delivery_id, e.what());
    }
    return !reply.retry_later;
  };
  const std::string& id = oldest.request.delivery_id;
  if (filter_ != nullptr && spool_ != nullptr && !id.empty()) {
    // A spooled event's handling and its handled mark commit together.
    reply.retry_later = !filter_->HandleOnce(id, handle);
  } else {
    handle();
  }
  if (!reply.retry_later) {
    spdlog::info("event=event.retry_finished delivery_id={} attempts={}", id, oldest.attempt + 1);
    SettleOldest();
    busy_attempts_ = 0;
    WriteHeldIds();
    return;
  }
  ++oldest.attempt;
  StoreWasBusy();
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
