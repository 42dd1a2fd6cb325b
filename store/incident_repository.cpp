#include "store/incident_repository.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr const char* kColumns =
    "number, subject, description, impact, urgency, priority, state, owner, declared_by, "
    "close_note, announce_channel, announce_ts, created_at, resolved_at, closed_at";

Incident ReadIncident(SQLite::Statement& row) {
  Incident i;
  i.number = row.getColumn(0).getInt64();
  i.subject = row.getColumn(1).getString();
  i.description = row.getColumn(2).getString();
  i.impact = ParseLevel(row.getColumn(3).getString()).value_or(Level::kMedium);
  i.urgency = ParseLevel(row.getColumn(4).getString()).value_or(Level::kMedium);
  i.priority = row.getColumn(5).getInt();
  i.state = ParseIncidentState(row.getColumn(6).getString()).value_or(IncidentState::kDeclared);
  i.owner = UserId(row.getColumn(7).getString());
  i.declared_by = UserId(row.getColumn(8).getString());
  i.close_note = row.getColumn(9).getString();
  i.announce_channel = ChannelId(row.getColumn(10).getString());
  i.announce_ts = MessageTs(row.getColumn(11).getString());
  i.created_at = detail::Time(row.getColumn(12));
  i.resolved_at = detail::OptionalTime(row.getColumn(13));
  i.closed_at = detail::OptionalTime(row.getColumn(14));
  return i;
}

}  // namespace

std::int64_t IncidentRepository::Insert(const Incident& incident) {
  const std::int64_t number = Sequences(db_).Next("INC");
  SQLite::Statement insert(db_.Sql(), std::string("INSERT INTO incidents (") + kColumns +
                                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, incident.subject);
  insert.bind(3, incident.description);
  insert.bind(4, std::string(Name(incident.impact)));
  insert.bind(5, std::string(Name(incident.urgency)));
  insert.bind(6, incident.priority);
  insert.bind(7, std::string(Name(incident.state)));
  insert.bind(8, incident.owner.str());
  insert.bind(9, incident.declared_by.str());
  insert.bind(10, incident.close_note);
  insert.bind(11, incident.announce_channel.str());
  insert.bind(12, incident.announce_ts.str());
  insert.bind(13, ToMillis(incident.created_at));
  detail::BindOptionalTime(insert, 14, incident.resolved_at);
  detail::BindOptionalTime(insert, 15, incident.closed_at);
  insert.exec();
  return number;
}

std::optional<Incident> IncidentRepository::Find(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kColumns + " FROM incidents WHERE number = ?");
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadIncident(select);
}

void IncidentRepository::SetState(std::int64_t number, IncidentState state, Clock::TimePoint now) {
  const bool resolving = state == IncidentState::kResolved || state == IncidentState::kClosed;
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE incidents SET state = ?, "
      "resolved_at = CASE WHEN ? THEN COALESCE(resolved_at, ?) ELSE resolved_at END, "
      "closed_at = CASE WHEN ? THEN ? ELSE closed_at END WHERE number = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, resolving ? 1 : 0);
  update.bind(3, ToMillis(now));
  update.bind(4, state == IncidentState::kClosed ? 1 : 0);
  update.bind(5, ToMillis(now));
  update.bind(6, number);
  update.exec();
}

void IncidentRepository::SetCloseNote(std::int64_t number, std::string_view note) {
  SQLite::Statement update(db_.Sql(), "UPDATE incidents SET close_note = ? WHERE number = ?");
  update.bind(1, std::string(note));
  update.bind(2, number);
  update.exec();
}

void IncidentRepository::SetAnnouncement(std::int64_t number, const ChannelId& channel,
                                         const MessageTs& ts) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE incidents SET announce_channel = ?, announce_ts = ? WHERE number = ?");
  update.bind(1, channel.str());
  update.bind(2, ts.str());
  update.bind(3, number);
  update.exec();
}

}  // namespace swarmbot::store
