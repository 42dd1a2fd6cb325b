#include "store/swarm_repository.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"

namespace swarmbot::store {
namespace {

constexpr const char* kColumns =
    "id, incident_id, channel_id, channel_name, state, summary_ts, created_by, created_at, "
    "archived_at, previous_channel_id, previous_channel_name";

Swarm ReadSwarm(SQLite::Statement& row) {
  Swarm s;
  s.id = row.getColumn(0).getInt64();
  s.incident = row.getColumn(1).getInt64();
  s.channel_id = ChannelId(row.getColumn(2).getString());
  s.channel_name = row.getColumn(3).getString();
  s.state = ParseSwarmState(row.getColumn(4).getString()).value_or(SwarmState::kStarting);
  s.summary_ts = MessageTs(row.getColumn(5).getString());
  s.created_by = UserId(row.getColumn(6).getString());
  s.created_at = detail::Time(row.getColumn(7));
  s.archived_at = detail::OptionalTime(row.getColumn(8));
  s.previous_channel_id = ChannelId(row.getColumn(9).getString());
  s.previous_channel_name = row.getColumn(10).getString();
  return s;
}

std::optional<Swarm> FindOne(Database& db, const char* where, const auto& value) {
  SQLite::Statement select(
      db.Sql(), std::string("SELECT ") + kColumns + " FROM swarms WHERE " + where + " LIMIT 1");
  select.bind(1, value);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadSwarm(select);
}

// Upserts a member row, then applies `assignments` (fixed SQL with one time parameter).
void Touch(Database& db, std::int64_t swarm, const UserId& user, const char* assignments,
           Clock::TimePoint now) {
  SQLite::Statement upsert(db.Sql(), std::string("INSERT INTO swarm_members (swarm_id, user_id) "
                                                 "VALUES (?, ?) ON CONFLICT DO NOTHING"));
  upsert.bind(1, swarm);
  upsert.bind(2, user.str());
  upsert.exec();
  SQLite::Statement update(db.Sql(), std::string("UPDATE swarm_members SET ") + assignments +
                                         " WHERE swarm_id = ? AND user_id = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, swarm);
  update.bind(3, user.str());
  update.exec();
}

}  // namespace

std::int64_t SwarmRepository::Insert(const Swarm& swarm) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO swarms (incident_id, channel_id, channel_name, state, "
                           "summary_ts, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, swarm.incident);
  insert.bind(2, swarm.channel_id.str());
  insert.bind(3, swarm.channel_name);
  insert.bind(4, std::string(Name(swarm.state)));
  insert.bind(5, swarm.summary_ts.str());
  insert.bind(6, swarm.created_by.str());
  insert.bind(7, ToMillis(swarm.created_at));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::optional<Swarm> SwarmRepository::FindByIncident(std::int64_t incident) {
  return FindOne(db_, "incident_id = ?", incident);
}

std::optional<Swarm> SwarmRepository::FindByChannel(const ChannelId& channel) {
  if (channel.empty()) {
    return std::nullopt;
  }
  return FindOne(db_, "channel_id = ?", channel.str());
}

void SwarmRepository::SetChannel(std::int64_t swarm, const ChannelId& channel,
                                 std::string_view name) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE swarms SET channel_id = ?, channel_name = ? WHERE id = ?");
  update.bind(1, channel.str());
  update.bind(2, std::string(name));
  update.bind(3, swarm);
  update.exec();
}

void SwarmRepository::SetSummaryTs(std::int64_t swarm, const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(), "UPDATE swarms SET summary_ts = ? WHERE id = ?");
  update.bind(1, ts.str());
  update.bind(2, swarm);
  update.exec();
}

void SwarmRepository::SetState(std::int64_t swarm, SwarmState state, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE swarms SET state = ?, archived_at = CASE WHEN ? THEN ? ELSE archived_at END "
      "WHERE id = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, state == SwarmState::kArchived ? 1 : 0);
  update.bind(3, ToMillis(now));
  update.bind(4, swarm);
  update.exec();
}

void SwarmRepository::MarkInvited(std::int64_t swarm, const UserId& user, Clock::TimePoint now) {
  Touch(db_, swarm, user, "invited_at = COALESCE(invited_at, ?)", now);
}

void SwarmRepository::MarkJoined(std::int64_t swarm, const UserId& user, Clock::TimePoint at) {
  // Slack doesn't keep its events in order (retries, reconnects), so `at` is
  // the event's own time and the latest event decides. A join older than
  // the recorded leave arrived late: the leave stands, and the join only
  // fills in when they first came. A later join is a return: present again
  // from then (two joins without a leave between mean a leave is still on
  // its way, so the later join starts the current stay). At the same time,
  // a leave before any join means the join is the late one.
  // (SQLite reads the old row in every SET expression.)
  constexpr const char* kStale =
      "(left_at IS NOT NULL AND (left_at > ?1 OR (left_at = ?1 AND joined_at IS NULL)))";
  Touch(db_, swarm, user,
        (std::string("joined_at = CASE WHEN ") + kStale +
         " THEN coalesce(joined_at, ?1) WHEN joined_at IS NULL OR left_at IS NOT NULL THEN ?1 "
         "ELSE max(joined_at, ?1) END, left_at = CASE WHEN " +
         kStale + " THEN left_at ELSE NULL END")
            .c_str(),
        at);
}

void SwarmRepository::MarkLeft(std::int64_t swarm, const UserId& user, Clock::TimePoint at) {
  // A leave older than the current stay (they came back after it) arrived
  // late and changes nothing; otherwise the latest leave counts.
  Touch(db_, swarm, user,
        "left_at = CASE WHEN left_at IS NULL AND joined_at IS NOT NULL AND joined_at > ?1 "
        "THEN NULL WHEN left_at IS NOT NULL AND left_at > ?1 THEN left_at ELSE ?1 END",
        at);
}

void SwarmRepository::CountMessage(std::int64_t swarm, const UserId& user) {
  SQLite::Statement upsert(
      db_.Sql(),
      "INSERT INTO swarm_members (swarm_id, user_id, messages) VALUES (?, ?, 1) "
      "ON CONFLICT (swarm_id, user_id) DO UPDATE SET messages = messages + 1");
  upsert.bind(1, swarm);
  upsert.bind(2, user.str());
  upsert.exec();
}

void SwarmRepository::MarkAllLeft(std::int64_t swarm, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE swarm_members SET left_at = ? "
                           "WHERE swarm_id = ? AND joined_at IS NOT NULL AND left_at IS NULL");
  update.bind(1, ToMillis(now));
  update.bind(2, swarm);
  update.exec();
}

void SwarmRepository::StartAgain(std::int64_t swarm, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE swarms SET state = 'starting', created_at = ?, "
                           "archived_at = NULL WHERE id = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, swarm);
  update.exec();
}

void SwarmRepository::Restart(std::int64_t swarm, std::string_view name, Clock::TimePoint now,
                              const std::vector<UserId>& invited) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE swarms SET previous_channel_id = channel_id, previous_channel_name = channel_name, "
      "channel_id = '', channel_name = ?, state = 'starting', summary_ts = '', created_at = ?, "
      "archived_at = NULL WHERE id = ?");
  update.bind(1, std::string(name));
  update.bind(2, ToMillis(now));
  update.bind(3, swarm);
  update.exec();
  // Only whoever the new channel invites stays a member: someone who left
  // the earlier channel on their own must not come back with a later restart.
  SQLite::Statement drop(db_.Sql(), "DELETE FROM swarm_members WHERE swarm_id = ?");
  drop.bind(1, swarm);
  drop.exec();
  SQLite::Statement keep(db_.Sql(),
                         "INSERT INTO swarm_members (swarm_id, user_id) VALUES (?, ?) "
                         "ON CONFLICT DO NOTHING");
  for (const UserId& user : invited) {
    keep.bind(1, swarm);
    keep.bind(2, user.str());
    keep.exec();
    keep.reset();
  }
}

std::vector<SwarmMember> SwarmRepository::Members(std::int64_t swarm) {
  SQLite::Statement select(
      db_.Sql(),
      "SELECT user_id, invited_at, joined_at, left_at, messages FROM swarm_members "
      "WHERE swarm_id = ? ORDER BY rowid");
  select.bind(1, swarm);
  std::vector<SwarmMember> members;
  while (select.executeStep()) {
    SwarmMember m;
    m.swarm = swarm;
    m.user = UserId(select.getColumn(0).getString());
    m.invited_at = detail::OptionalTime(select.getColumn(1));
    m.joined_at = detail::OptionalTime(select.getColumn(2));
    m.left_at = detail::OptionalTime(select.getColumn(3));
    m.messages = select.getColumn(4).getInt64();
    members.push_back(std::move(m));
  }
  return members;
}

}  // namespace swarmbot::store
