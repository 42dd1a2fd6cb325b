#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff.hpp"
#include "bot/delivery_filter.hpp"
#include "bot/dispatch.hpp"

namespace swarmbot::bot {

struct EventRetryOptions {
  // Backoff between attempts, and how long after the first failure an event
  // is given up: about as long as Slack itself retries a slow delivery.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_cap{std::chrono::seconds(15)};
  std::chrono::milliseconds give_up_after{std::chrono::minutes(1)};
  // How long an event this object retried is still known by its id, so that
  // Slack's own redelivery of it is not handled a second time should the
  // DeliveryFilter let it through (it could not keep the first copy's id: a
  // store error other than busy). Slack's last redelivery comes about five
  // minutes late.
  std::chrono::milliseconds remember_for{std::chrono::minutes(10)};
};

// Stands between a transport (HttpEndpoint, SocketModeClient) and the
// application's Dispatch. An event whose handling failed for a reason that
// passes (InboundReply::retry_later, e.g. the store was busy and nothing was
// kept) is handed to the application again later, with backoff, until it
// succeeds, fails for good or give_up_after has passed; then it is logged and
// dropped. Slack was acknowledged long before, so nobody else would retry it.
//
// While the store is known to be busy (events are waiting, or `filter` found
// it busy), a new event joins the end of the queue without an attempt, so a
// burst costs no more waits on the store than a single event. One timer tries
// the store once per backoff step: the oldest waiting event, or, with none
// waiting, the ids the filter held. After a success the rest follow at once,
// one per turn of the io thread, in the order they arrived.
//
// The retry goes straight to `dispatch`, around the DeliveryFilter that let
// the first copy through. Retries wait on a timer in memory rather than in the
// outbox, because the store is what failed; a stop loses them (logged).
// Commands and clicks pass through untouched: their user sees the answer.
//
// Not thread-safe: everything runs on `executor` (the io thread). `filter`,
// if given, must outlive this object.
class EventRetry {
 public:
  EventRetry(boost::asio::any_io_executor executor, Dispatch dispatch,
             EventRetryOptions options = {}, DeliveryFilter* filter = nullptr);
  ~EventRetry();
  EventRetry(const EventRetry&) = delete;
  EventRetry& operator=(const EventRetry&) = delete;

  // The Dispatch to give the transports.
  InboundReply Handle(const InboundRequest& request);

  // Drops the events waiting for a retry (logged); later ones aren't retried.
  void Stop();

  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    InboundRequest request;
    int attempt = 0;  // failed attempts so far; 0 if it joined without one
    std::chrono::steady_clock::time_point queued_at;
  };

  // Whether `id` is waiting for a retry or was retried lately.
  bool Known(const std::string& id);
  bool StoreKnownBusy() const;
  void Queue(const InboundRequest& request, int attempt);
  void SettleOldest();
  // Arms the timer unless it is armed: at once after a success, else after
  // the backoff for busy_attempts_.
  void ScheduleAttempt();
  void TryStore();
  void RetryOldest();
  void WriteHeldIds();
  void StoreWasBusy();

  boost::asio::any_io_executor executor_;
  Dispatch dispatch_;
  EventRetryOptions options_;
  DeliveryFilter* filter_;
  std::mt19937_64 rng_{std::random_device{}()};                           // jitter
  std::deque<Waiting> waiting_;                                           // oldest first
  std::map<std::string, std::chrono::steady_clock::time_point> settled_;  // id → when
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  int busy_attempts_ = 0;  // attempts in a row that found the store busy
  bool stopped_ = false;
  // Tells a timer that fires after this object is gone to touch nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace swarmbot::bot
