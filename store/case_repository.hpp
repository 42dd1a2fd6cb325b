#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

struct CaseFilter {
  std::vector<CaseStatus> statuses;  // empty: any status
  std::optional<std::int64_t> incident;
  std::optional<CaseChannel> channel;
  std::optional<std::string> territory;  // matched without regard to ASCII case
  std::optional<UserId> owner;           // an empty id: cases nobody owns
  int limit = 50;
  int offset = 0;  // cases to skip, for paging
};

// A label ("email", "North") and how many cases carry it.
using LabelCounts = std::vector<std::pair<std::string, std::int64_t>>;

// The `cases` table. Calls run inside the caller's transaction, if any.
class CaseRepository {
 public:
  explicit CaseRepository(Database& db) : db_(db) {}

  // Stores `c` under the next CASE number (c.number is ignored) and returns it.
  std::int64_t Insert(const Case& c);
  std::optional<Case> Find(std::int64_t number);
  // Newest first (by creation time, then number), at most filter.limit.
  std::vector<Case> List(const CaseFilter& filter);
  std::int64_t Count(const CaseFilter& filter);
  // Every territory a case carries, sorted, without the empty one.
  std::vector<std::string> Territories();

  // Marks the case held by `incident`: it leaves the reps' open queues.
  void Hold(std::int64_t number, std::int64_t incident, Clock::TimePoint now);
  void Close(std::int64_t number, std::string_view resolution, Clock::TimePoint now);
  // Unlinked from its incident: back to `open` in its owner's queue.
  void Release(std::int64_t number, Clock::TimePoint now);
  // A closed case back to `open` in its owner's queue, without its resolution
  // or incident (the customer wrote again). Other cases are left alone.
  void Reopen(std::int64_t number, Clock::TimePoint now);

  // New and open cases (not held, not closed) whose subject or description
  // contains every word, ignoring ASCII case; ascending, at most `limit`.
  std::vector<std::int64_t> FindUnheldMatching(const std::vector<std::string>& words, int limit);

  // The cases held by (or closed with) `incident`, grouped; largest group first.
  LabelCounts CountByChannel(std::int64_t incident);
  LabelCounts CountByTerritory(std::int64_t incident);

 private:
  LabelCounts CountBy(const char* column, std::int64_t incident);

  Database& db_;
};

}  // namespace swarmbot::store
