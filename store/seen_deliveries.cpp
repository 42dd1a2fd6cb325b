#include "store/seen_deliveries.hpp"

#include <chrono>
#include <string>

#include <SQLiteCpp/Statement.h>

namespace swarmbot::store {
namespace {

std::int64_t UnixSeconds(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

bool SeenDeliveries::Insert(std::string_view id, Clock::TimePoint now) {
  // OR IGNORE keeps the first sighting, so pruning counts from the original
  // delivery rather than from the latest retry.
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO seen_deliveries(id, seen_at) VALUES (?, ?)");
  insert.bind(1, std::string(id));
  insert.bind(2, UnixSeconds(now));
  return insert.exec() == 1;
}

bool SeenDeliveries::Contains(std::string_view id) {
  SQLite::Statement query(db_.Sql(), "SELECT 1 FROM seen_deliveries WHERE id = ?");
  query.bind(1, std::string(id));
  return query.executeStep();
}

std::int64_t SeenDeliveries::PruneSeenBefore(Clock::TimePoint cutoff) {
  SQLite::Statement prune(db_.Sql(), "DELETE FROM seen_deliveries WHERE seen_at < ?");
  prune.bind(1, UnixSeconds(cutoff));
  return prune.exec();
}

}  // namespace swarmbot::store
