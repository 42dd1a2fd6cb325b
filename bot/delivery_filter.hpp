#pragma once

#include <chrono>
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
// Not thread-safe: used on the io thread.
class DeliveryFilter {
 public:
  // Slack retries for minutes and redelivers envelopes for a while; a day is a
  // generous margin that keeps the table small.
  static constexpr std::chrono::hours kDefaultRetention{24};

  DeliveryFilter(store::Database& db, const Clock& clock,
                 std::chrono::seconds retention = kDefaultRetention);

  // True if `id` is new (and remembers it), false for a repeat. An empty id
  // can't be matched, so it always passes. If the store fails, the delivery
  // passes too (logged): handling a repeat beats losing a delivery.
  bool FirstDelivery(std::string_view id);

  // Forgets ids older than the retention period; FirstDelivery calls it now
  // and then, so callers need not.
  void Prune();

 private:
  store::SeenDeliveries seen_;
  const Clock& clock_;
  std::chrono::seconds retention_;
  Clock::TimePoint last_prune_{};
};

}  // namespace swarmbot::bot
