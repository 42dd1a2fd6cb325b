#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/seen_deliveries.hpp"

namespace swarmbot::bot {

// Drops deliveries Slack has already made: Events API retries after a slow
// answer, Socket Mode redeliveries after a lost ack or a reconnect. Keyed by
// event_id or envelope_id and kept in the store, so a restart doesn't forget
// them. Only ids already seen are dropped, never "every retry": when the first
// attempt never arrived, the retry is the only copy.
//
// While the store is known to be busy (another process holds its write lock),
// no write is tried: each one would hold the io thread for the busy timeout.
// New ids are held in memory instead and checked against memory and the store
// (a read, which WAL never makes wait); WriteHeldIds records them once the
// store is free. EventRetry, which owns the retry timer, decides when that is.
// Not thread-safe: used on the io thread.
class DeliveryFilter {
 public:
  // Slack retries for minutes and redelivers envelopes for a while; a day is a
  // generous margin that keeps the table small.
  static constexpr std::chrono::hours kDefaultRetention{24};

  DeliveryFilter(store::Database& db, const Clock& clock,
                 std::chrono::seconds retention = kDefaultRetention);
  ~DeliveryFilter();
  DeliveryFilter(const DeliveryFilter&) = delete;
  DeliveryFilter& operator=(const DeliveryFilter&) = delete;

  // True if `id` is new (and remembers it), false for a repeat. An empty id
  // can't be matched, so it always passes. If the store fails, the delivery
  // passes too (logged): handling a repeat beats losing a delivery. A write
  // that finds the store busy marks it so (see store_busy()).
  bool FirstDelivery(std::string_view id);

  // Forgets ids older than the retention period; FirstDelivery calls it now
  // and then, so callers need not. Skipped while the store is known busy.
  void Prune();

  // Whether a write found the store busy and none has been tried since.
  bool store_busy() const noexcept { return store_busy_; }
  // Another writer on this connection (a handler) found the store busy.
  void MarkStoreBusy() noexcept { store_busy_ = true; }
  // Tries the store again: writes the ids held while it was busy. False if
  // the store is still busy (the rest stay held and store_busy() is true).
  bool WriteHeldIds();
  // Ids passed while the store was busy and not recorded yet.
  std::size_t held() const noexcept { return held_.size(); }

  // Records that an event EventRetry queued was handled at last, so that the
  // copy a crash may leave in the EventSpool is not handled again at start-up.
  // Kept apart from the delivery's own id, which FirstDelivery may have
  // recorded before the handler ever ran. False (logged) if the store failed.
  bool MarkHandled(std::string_view id);
  // Runs `handle` (true when it handled the event) in one transaction with
  // MarkHandled(`id`), so that what the handler wrote and the mark commit
  // together: a crash keeps both or neither, and the spool's copy is never
  // handled twice. False, with nothing kept, when `handle` returned false or
  // the store couldn't take it (busy: store_busy() says so then).
  bool HandleOnce(std::string_view id, const std::function<bool()>& handle);
  // Whether MarkHandled recorded `id`. A store failure answers false (logged):
  // handling an event twice beats losing it.
  bool Handled(std::string_view id);

 private:
  // Passes `id` without writing it, unless the store already has it.
  bool Hold(std::string_view id, Clock::TimePoint now);

  store::Database& db_;
  store::SeenDeliveries seen_;
  const Clock& clock_;
  std::chrono::seconds retention_;
  Clock::TimePoint last_prune_{};
  bool store_busy_ = false;
  std::map<std::string, Clock::TimePoint, std::less<>> held_;  // id → first seen
};

}  // namespace swarmbot::bot
