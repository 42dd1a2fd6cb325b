#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

// The `timeline` table: what happened to an incident, when, and who did it.
class TimelineRepository {
 public:
  explicit TimelineRepository(Database& db) : db_(db) {}

  std::int64_t Append(std::int64_t incident, Clock::TimePoint at, std::string_view actor,
                      std::string_view kind, std::string_view text);
  // Whether the incident already has this very entry (any time), so that an
  // event delivered again under a new id adds nothing.
  bool Contains(std::int64_t incident, std::string_view actor, std::string_view kind,
                std::string_view text);
  // The latest `limit` entries, oldest of them first, by their own time (a
  // join's or leave's event_ts, not when it arrived); entries of one instant
  // in the order they were added.
  std::vector<TimelineEntry> Recent(std::int64_t incident, int limit);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
