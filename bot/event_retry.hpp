#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff.hpp"
#include "bot/delivery_filter.hpp"
#include "bot/dispatch.hpp"
#include "bot/event_spool.hpp"
#include "common/clock.hpp"

namespace swarmbot::bot {

struct EventRetryOptions {
  // Backoff between attempts on the store.
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_cap{std::chrono::seconds(15)};
  // Bounds on what waits for a busy store; past them the oldest is dropped
  // (logged with its id). An event waits however often it was tried, since
  // only the store stands in its way. Past a quarter of an hour the Slack side
  // has moved on (a join, a pin or a message that old no longer tells anyone
  // what is happening now). Slack delivers at most 30,000 events an hour to a
  // workspace, so 10,000 hold that quarter hour at Slack's full rate; events
  // are a few KB, and 64 MiB caps memory should they be unusually large.
  std::chrono::milliseconds max_age{std::chrono::minutes(15)};
  std::size_t max_waiting = 10'000;
  std::size_t max_waiting_bytes = std::size_t{64} << 20;
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
  // `clock` dates queued events (wall time, as the spool outlives a restart).
  EventRetry(boost::asio::any_io_executor executor, const Clock& clock, Dispatch dispatch,
             EventRetryOptions options = {}, DeliveryFilter* filter = nullptr,
             EventSpool* spool = nullptr);
  ~EventRetry();
  EventRetry(const EventRetry&) = delete;
  EventRetry& operator=(const EventRetry&) = delete;

  // The Dispatch to give the transports.
  InboundReply Handle(const InboundRequest& request);

  // The KeepEvent to give the transports: writes an event to the spool before
  // Slack is acknowledged, so that Replay hands it over after a crash that came
  // before Handle finished with it. Handle then runs it in one transaction with
  // its handled mark and settles it. Anything but an event, or an event already
  // waiting here, is left alone (true). Without a spool it keeps nothing (false).
  bool Keep(const InboundRequest& request);

  // Queues the events the spool kept from the last run, oldest first, ahead
  // of any delivery: call it before the transports start. Those the filter
  // knows as handled, and those past max_age, are settled (logged).
  void Replay();

  // Retries nothing more: the events waiting stay in the spool for the next
  // start (without one, they are dropped). Later ones aren't retried.
  void Stop();

  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    InboundRequest request;
    int attempt = 0;  // failed attempts so far; 0 if it joined without one
    Clock::TimePoint queued_at;
  };

  // Whether `id` is waiting for a retry or was retried lately.
  bool Known(const std::string& id);
  bool StoreKnownBusy() const;
  void Queue(const InboundRequest& request, int attempt);
  // Dispatches an event Keep spooled, with its handled mark, and settles it
  // unless it is to be tried again.
  InboundReply HandleKept(const InboundRequest& request);
  void Push(Waiting waiting);
  // Drops the oldest while the queue is past its count or size bound.
  void KeepWithinBounds();
  // Drops those past max_age, oldest first.
  void DropStale();
  void Drop(const char* why);
  // Takes the oldest off the queue and the spool.
  void SettleOldest();
  void RewriteSpoolIfGrown();
  // Arms the timer unless it is armed: at once after a success, else after
  // the backoff for busy_attempts_.
  void ScheduleAttempt();
  void TryStore();
  void RetryOldest();
  void WriteHeldIds();
  void StoreWasBusy();

  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  Dispatch dispatch_;
  EventRetryOptions options_;
  DeliveryFilter* filter_;
  EventSpool* spool_;
  std::mt19937_64 rng_{std::random_device{}()};       // jitter
  std::deque<Waiting> waiting_;                       // oldest first
  std::size_t waiting_bytes_ = 0;                     // payloads of waiting_
  std::unordered_multiset<std::string> waiting_ids_;  // of waiting_, so a check needs no scan
  // Events Keep spooled whose acknowledgement or handling is still under way.
  std::map<std::string, SpooledEvent, std::less<>> kept_;                 // id → event
  std::map<std::string, std::chrono::steady_clock::time_point> settled_;  // id → when
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  int busy_attempts_ = 0;  // attempts in a row that found the store busy
  bool stopped_ = false;
  // Tells a timer that fires after this object is gone to touch nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace swarmbot::bot
