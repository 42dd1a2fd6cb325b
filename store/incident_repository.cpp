#include "store/incident_repository.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr const char* kColumns =
    "number, subject, description, impact, urgency, priority, state, owner, declared_by, "
    "close_note, announce_channel, announce_ts, created_at, resolved_at, closed_at, "
    "matrix_priority, priority_reason, territories, declare_view";

// Territory names come from config and hold no line breaks (config checks).
std::string JoinLines(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : "\n") + item;
  }
  return text;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto end = text.find('\n');
    items.emplace_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return items;
}

Incident ReadIncident(SQLite::Statement& row) {
  Incident i;
  i.number = row.getColumn(0).getInt64();
  i.subject = row.getColumn(1).getString();
  i.description = row.getColumn(2).getString();
  i.impact = ParseLevel(row.getColumn(3).getString()).value_or(Level::kMedium);
  i.urgency = ParseLevel(row.getColumn(4).getString()).value_or(Level::kMedium);
  i.priority = row.getColumn(5).getInt();
  i.state = ParseIncidentState(row.getColumn(6).getString()).value_or(IncidentState::kNew);
  i.owner = UserId(row.getColumn(7).getString());
  i.declared_by = UserId(row.getColumn(8).getString());
  i.close_note = row.getColumn(9).getString();
  i.announce_channel = ChannelId(row.getColumn(10).getString());
  i.announce_ts = MessageTs(row.getColumn(11).getString());
  i.created_at = detail::Time(row.getColumn(12));
  i.resolved_at = detail::OptionalTime(row.getColumn(13));
  i.closed_at = detail::OptionalTime(row.getColumn(14));
  i.matrix_priority = row.getColumn(15).getInt();
  i.priority_reason = row.getColumn(16).getString();
  i.territories = SplitLines(row.getColumn(17).getString());
  i.declare_view = row.getColumn(18).getString();
  return i;
}

}  // namespace

std::int64_t IncidentRepository::Insert(const Incident& incident) {
  const std::int64_t number = Sequences(db_).Next("INC");
  SQLite::Statement insert(
      db_.Sql(), std::string("INSERT INTO incidents (") + kColumns +
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
  insert.bind(16, incident.matrix_priority);
  insert.bind(17, incident.priority_reason);
  insert.bind(18, JoinLines(incident.territories));
  insert.bind(19, incident.declare_view);
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

std::optional<Incident> IncidentRepository::FindByDeclareView(std::string_view view_id) {
  if (view_id.empty()) {
    return std::nullopt;
  }
  SQLite::Statement select(
      db_.Sql(), std::string("SELECT ") + kColumns + " FROM incidents WHERE declare_view = ?");
  select.bind(1, std::string(view_id));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadIncident(select);
}

void IncidentRepository::SetState(std::int64_t number, IncidentState state, Clock::TimePoint now) {
  const bool resolving = state == IncidentState::kResolved || state == IncidentState::kClosed;
  // Back to work (a reopen): the incident is neither resolved nor closed now;
  // the timeline keeps when it was.
  SQLite::Statement update(db_.Sql(),
                           "UPDATE incidents SET state = ?, "
                           "resolved_at = CASE WHEN ? THEN COALESCE(resolved_at, ?) ELSE NULL END, "
                           "closed_at = CASE WHEN ? THEN ? ELSE NULL END WHERE number = ?");
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
