#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff.hpp"
#include "bot/dispatch.hpp"

namespace swarmbot::bot {

struct EventRetryOptions {
  // Backoff between attempts, and how long after the first failure an event
  // is given up: about as long as Slack itself retries a slow delivery.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_cap{std::chrono::seconds(15)};
  std::chrono::milliseconds give_up_after{std::chrono::minutes(1)};
  // How long an event this object retried is still known by its id, so that
  // Slack's own redelivery of it (which the DeliveryFilter, having failed to
  // record the first copy on the busy store, lets through) is not handled a
  // second time. Slack's last redelivery comes about five minutes late.
  std::chrono::milliseconds remember_for{std::chrono::minutes(10)};
};

// Stands between a transport (HttpEndpoint, SocketModeClient) and the
// application's Dispatch. An event whose handling failed for a reason that
// passes (InboundReply::retry_later, e.g. the store was busy and nothing was
// kept) is handed to the application again later, with backoff, until it
// succeeds, fails for good or give_up_after has passed; then it is logged and
// dropped. Slack was acknowledged long before, so nobody else would retry it.
//
// The retry goes straight to `dispatch`, around the DeliveryFilter that let
// the first copy through. Retries wait on timers in memory rather than in the
// outbox, because the store is what failed; a stop loses them (logged).
// Commands and clicks pass through untouched: their user sees the answer.
//
// Not thread-safe: everything runs on `executor` (the io thread).
// TODO(#4): while the store stays busy, each attempt holds the io thread for
// up to the busy timeout twice (the DeliveryFilter's write, then the
// handler's), so a burst of events can delay commands past Slack's 3 s.
class EventRetry {
 public:
  EventRetry(boost::asio::any_io_executor executor, Dispatch dispatch,
             EventRetryOptions options = {});
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
    int attempt = 0;  // failed attempts so far
    std::chrono::steady_clock::time_point first_failure;
    boost::asio::steady_timer timer;
  };

  // Whether `id` is waiting for a retry or was retried lately.
  bool Known(const std::string& id);
  void Settle(std::list<Waiting>::iterator waiting);
  void Schedule(std::list<Waiting>::iterator waiting);
  void Retry(std::list<Waiting>::iterator waiting);

  boost::asio::any_io_executor executor_;
  Dispatch dispatch_;
  EventRetryOptions options_;
  std::mt19937_64 rng_{std::random_device{}()};  // jitter
  std::list<Waiting> waiting_;
  std::map<std::string, std::chrono::steady_clock::time_point> settled_;  // id → when
  bool stopped_ = false;
  // Tells a timer that fires after this object is gone to touch nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace swarmbot::bot
