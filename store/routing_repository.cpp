#include "store/routing_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

RoutingRequest ReadRequest(SQLite::Statement& row) {
  RoutingRequest r;
  r.incident = row.getColumn(0).getInt64();
  r.requested_at = detail::Time(row.getColumn(1));
  r.requested_by = UserId(row.getColumn(2).getString());
  r.waiting = row.getColumn(3).getInt() != 0;
  r.reason = row.getColumn(4).getString();
  return r;
}

constexpr const char* kSelect =
    "SELECT incident_id, requested_at, requested_by, waiting, reason FROM routing_requests ";

}  // namespace

void RoutingRepository::Request(std::int64_t incident, const UserId& by, Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO routing_requests (incident_id, requested_at, requested_by) "
                           "VALUES (?, ?, ?) ON CONFLICT (incident_id) DO NOTHING");
  insert.bind(1, incident);
  insert.bind(2, ToMillis(now));
  insert.bind(3, by.str());
  insert.exec();
}

std::vector<RoutingRequest> RoutingRepository::Requests() {
  SQLite::Statement select(db_.Sql(), std::string(kSelect) + "ORDER BY requested_at, incident_id");
  std::vector<RoutingRequest> requests;
  while (select.executeStep()) {
    requests.push_back(ReadRequest(select));
  }
  return requests;
}

std::optional<RoutingRequest> RoutingRepository::Find(std::int64_t incident) {
  SQLite::Statement select(db_.Sql(), std::string(kSelect) + "WHERE incident_id = ?");
  select.bind(1, incident);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadRequest(select);
}

bool RoutingRepository::AnyWaiting() {
  return db_.Sql()
             .execAndGet("SELECT EXISTS (SELECT 1 FROM routing_requests WHERE waiting = 1)")
             .getInt() != 0;
}

void RoutingRepository::MarkWaiting(std::int64_t incident, const std::string& reason) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE routing_requests SET waiting = 1, reason = ? WHERE incident_id = ?");
  update.bind(1, reason);
  update.bind(2, incident);
  update.exec();
}

void RoutingRepository::Remove(std::int64_t incident) {
  SQLite::Statement remove(db_.Sql(), "DELETE FROM routing_requests WHERE incident_id = ?");
  remove.bind(1, incident);
  remove.exec();
}

std::map<UserId, int> RoutingRepository::OpenIncidentsByOwner() {
  SQLite::Statement select(db_.Sql(),
                           "SELECT owner, COUNT(*) FROM incidents WHERE owner != '' AND "
                           "state NOT IN ('resolved', 'closed') GROUP BY owner");
  std::map<UserId, int> counts;
  while (select.executeStep()) {
    counts.emplace(UserId(select.getColumn(0).getString()), select.getColumn(1).getInt());
  }
  return counts;
}

std::vector<std::int64_t> RoutingRepository::UnresolvedOwnedBy(const UserId& owner) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT number FROM incidents WHERE owner = ? AND "
                           "state NOT IN ('resolved', 'closed') ORDER BY number");
  select.bind(1, owner.str());
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

void RoutingRepository::SetIncidentOwner(std::int64_t incident, const UserId& owner) {
  SQLite::Statement update(db_.Sql(), "UPDATE incidents SET owner = ? WHERE number = ?");
  update.bind(1, owner.str());
  update.bind(2, incident);
  update.exec();
}

void RoutingRepository::SetCaseOwner(std::int64_t case_number, const UserId& owner,
                                     Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE cases SET owner = ?, updated_at = ? WHERE number = ?");
  update.bind(1, owner.str());
  update.bind(2, ToMillis(now));
  update.bind(3, case_number);
  update.exec();
}

}  // namespace swarmbot::store
