#pragma once

#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// The ids of Slack deliveries already handled (event_id or envelope_id), so that
// a redelivery after a timeout or a reconnect is dropped. Table `seen_deliveries`
// (created by the migrations); `seen_at` is Unix seconds. SQL failures throw
// SQLite::Exception, like the other repositories. Not thread-safe (io thread).
class SeenDeliveries {
 public:
  explicit SeenDeliveries(Database& db) : db_(db) {}

  // Records `id` as seen at `now`. True if it was new, false if it was already
  // recorded (its first `seen_at` is kept).
  bool Insert(std::string_view id, Clock::TimePoint now);

  bool Contains(std::string_view id);

  // Forgets ids seen before `cutoff`; returns how many were removed.
  std::int64_t PruneSeenBefore(Clock::TimePoint cutoff);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
