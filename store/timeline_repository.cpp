#include "store/timeline_repository.hpp"

#include <algorithm>
#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"

namespace swarmbot::store {

std::int64_t TimelineRepository::Append(std::int64_t incident, Clock::TimePoint at,
                                        std::string_view actor, std::string_view kind,
                                        std::string_view text) {
  SQLite::Statement insert(
      db_.Sql(),
      "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, incident);
  insert.bind(2, ToMillis(at));
  insert.bind(3, std::string(actor));
  insert.bind(4, std::string(kind));
  insert.bind(5, std::string(text));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

bool TimelineRepository::Contains(std::int64_t incident, std::string_view actor,
                                  std::string_view kind, std::string_view text) {
  SQLite::Statement select(
      db_.Sql(),
      "SELECT 1 FROM timeline WHERE incident_id = ? AND actor = ? AND kind = ? "
      "AND text = ? LIMIT 1");
  select.bind(1, incident);
  select.bind(2, std::string(actor));
  select.bind(3, std::string(kind));
  select.bind(4, std::string(text));
  return select.executeStep();
}

std::vector<TimelineEntry> TimelineRepository::Recent(std::int64_t incident, int limit) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT id, incident_id, at, actor, kind, text FROM timeline "
                           "WHERE incident_id = ? ORDER BY at DESC, id DESC LIMIT ?");
  select.bind(1, incident);
  select.bind(2, limit);
  std::vector<TimelineEntry> entries;
  while (select.executeStep()) {
    TimelineEntry e;
    e.id = select.getColumn(0).getInt64();
    e.incident = select.getColumn(1).getInt64();
    e.at = detail::Time(select.getColumn(2));
    e.actor = select.getColumn(3).getString();
    e.kind = select.getColumn(4).getString();
    e.text = select.getColumn(5).getString();
    entries.push_back(std::move(e));
  }
  std::reverse(entries.begin(), entries.end());
  return entries;
}

}  // namespace swarmbot::store
