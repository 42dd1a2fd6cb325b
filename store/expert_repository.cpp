#include "store/expert_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {
namespace {

std::string JoinComponents(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    joined += (joined.empty() ? "" : "\n") + item;
  }
  return joined;
}

std::vector<std::string> SplitComponents(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end != 0) {
      items.emplace_back(text.substr(0, end));
    }
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return items;
}

// Rows of (number, at, title, text, components, resolver), named by `id`.
std::vector<HistoryRow> ReadRows(SQLite::Statement& query, std::string (*id)(std::int64_t)) {
  std::vector<HistoryRow> rows;
  while (query.executeStep()) {
    HistoryRow row;
    row.id = id(query.getColumn(0).getInt64());
    row.at = detail::Time(query.getColumn(1));
    row.title = query.getColumn(2).getString();
    row.text = query.getColumn(3).getString();
    row.components = SplitComponents(query.getColumn(4).getString());
    row.resolver = query.getColumn(5).getString();
    rows.push_back(std::move(row));
  }
  return rows;
}

InvitationState ParseState(const std::string& text) {
  if (text == "accepted") {
    return InvitationState::kAccepted;
  }
  if (text == "declined") {
    return InvitationState::kDeclined;
  }
  if (text == "expired") {
    return InvitationState::kExpired;
  }
  if (text == "unreachable") {
    return InvitationState::kUnreachable;
  }
  if (text == "withdrawn") {
    return InvitationState::kWithdrawn;
  }
  return InvitationState::kOpen;
}

Withdrawal ParseWithdrawal(const std::string& text) {
  for (const Withdrawal why :
       {Withdrawal::kIncidentClosed, Withdrawal::kSwarmClosed, Withdrawal::kSwarmArchived,
        Withdrawal::kLeftPeopleList, Withdrawal::kJoinedAnyway}) {
    if (text == Name(why)) {
      return why;
    }
  }
  return Withdrawal::kNone;
}

constexpr const char* kInvitationColumns =
    "id, incident_id, invitee, asked_by, reasons, state, asked_at, due_at, answered_at, "
    "dm_channel, dm_ts, next_invitation, withdrawal, unreachable_deactivated, passed_over";

Invitation ReadInvitation(SQLite::Statement& row) {
  Invitation i;
  i.id = row.getColumn(0).getInt64();
  i.incident = row.getColumn(1).getInt64();
  i.invitee = UserId(row.getColumn(2).getString());
  i.asked_by = row.getColumn(3).getString();
  i.reasons = row.getColumn(4).getString();
  i.state = ParseState(row.getColumn(5).getString());
  i.asked_at = detail::Time(row.getColumn(6));
  i.due_at = detail::Time(row.getColumn(7));
  i.answered_at = detail::OptionalTime(row.getColumn(8));
  i.dm_channel = ChannelId(row.getColumn(9).getString());
  i.dm_ts = MessageTs(row.getColumn(10).getString());
  if (!row.getColumn(11).isNull()) {
    i.next_invitation = row.getColumn(11).getInt64();
  }
  i.withdrawal = ParseWithdrawal(row.getColumn(12).getString());
  i.deactivated = row.getColumn(13).getInt() != 0;
  if (!row.getColumn(14).isNull()) {
    i.passed_over = row.getColumn(14).getString();
  }
  return i;
}

}  // namespace

std::string_view Name(InvitationState state) noexcept {
  switch (state) {
    case InvitationState::kOpen:
      return "open";
    case InvitationState::kAccepted:
      return "accepted";
    case InvitationState::kDeclined:
      return "declined";
    case InvitationState::kExpired:
      return "expired";
    case InvitationState::kUnreachable:
      return "unreachable";
    case InvitationState::kWithdrawn:
      return "withdrawn";
  }
  return "open";
}

std::string_view Name(Withdrawal why) noexcept {
  switch (why) {
    case Withdrawal::kNone:
      return "";
    case Withdrawal::kIncidentClosed:
      return "incident_closed";
    case Withdrawal::kSwarmClosed:
      return "swarm_closed";
    case Withdrawal::kSwarmArchived:
      return "swarm_archived";
    case Withdrawal::kLeftPeopleList:
      return "left_people_list";
    case Withdrawal::kJoinedAnyway:
      return "joined_anyway";
  }
  return "";
}

bool ExpertRepository::UpsertHistory(const HistoryRow& row, Clock::TimePoint now) {
  SQLite::Statement exists(db_.Sql(), "SELECT 1 FROM expert_history WHERE id = ?");
  exists.bind(1, row.id);
  const bool is_new = !exists.executeStep();
  SQLite::Statement upsert(db_.Sql(),
                           "INSERT OR REPLACE INTO expert_history (id, at, title, text, "
                           "components, resolver, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  upsert.bind(1, row.id);
  upsert.bind(2, ToMillis(row.at));
  upsert.bind(3, row.title);
  upsert.bind(4, row.text);
  upsert.bind(5, JoinComponents(row.components));
  upsert.bind(6, row.resolver);
  upsert.bind(7, ToMillis(now));
  upsert.exec();
  return is_new;
}

std::vector<HistoryRow> ExpertRepository::ImportedHistory() {
  SQLite::Statement query(db_.Sql(),
                          "SELECT id, at, title, text, components, resolver FROM expert_history "
                          "ORDER BY at, id");
  std::vector<HistoryRow> rows;
  while (query.executeStep()) {
    HistoryRow row;
    row.id = query.getColumn(0).getString();
    row.at = detail::Time(query.getColumn(1));
    row.title = query.getColumn(2).getString();
    row.text = query.getColumn(3).getString();
    row.components = SplitComponents(query.getColumn(4).getString());
    row.resolver = query.getColumn(5).getString();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<HistoryRow> ExpertRepository::ResolvedIncidents() {
  SQLite::Statement query(db_.Sql(),
                          "SELECT number, coalesce(resolved_at, closed_at, created_at), subject, "
                          "description, territories, owner FROM incidents "
                          "WHERE state IN ('resolved', 'closed') AND owner <> '' ORDER BY number");
  return ReadRows(query, IncidentNumberText);
}

std::vector<HistoryRow> ExpertRepository::ClosedCases() {
  // One territory is a one-line component list.
  SQLite::Statement query(db_.Sql(),
                          "SELECT number, updated_at, subject, description, territory, owner "
                          "FROM cases WHERE status = 'closed' AND owner <> '' ORDER BY number");
  return ReadRows(query, CaseNumberText);
}

std::vector<HistoryRow> ExpertRepository::ResolvedProblems() {
  // Text: the title, every root cause noted and the workaround. Components:
  // the impacted assets. Resolver: whoever moved it to resolved, else its
  // owner (a problem closed by a change's cascade was closed by whoever
  // closed the change, who need not know the problem).
  SQLite::Statement query(
      db_.Sql(),
      "SELECT p.number, coalesce(p.closed_at, p.updated_at), p.title, "
      " coalesce((SELECT group_concat(c.text, char(10)) FROM problem_causes c "
      "  WHERE c.problem_id = p.number), '') || "
      " CASE WHEN p.workaround <> '' THEN char(10) || p.workaround ELSE '' END, "
      " coalesce((SELECT group_concat(a.asset, char(10)) FROM problem_assets a "
      "  WHERE a.problem_id = p.number), ''), "
      " coalesce((SELECT e.actor FROM problem_events e WHERE e.problem_id = p.number "
      "  AND e.kind = 'state' AND e.text LIKE 'Resolved%' ORDER BY e.id DESC LIMIT 1), p.owner) "
      "FROM problems p WHERE p.state IN ('resolved', 'closed') ORDER BY p.number");
  std::vector<HistoryRow> rows = ReadRows(query, ProblemNumberText);
  std::erase_if(rows, [](const HistoryRow& row) { return row.resolver.empty(); });
  return rows;
}

std::vector<std::string> ExpertRepository::IncidentAssets(std::int64_t incident) {
  SQLite::Statement query(
      db_.Sql(),
      "SELECT DISTINCT a.asset FROM problem_assets a JOIN problem_incidents l "
      "ON l.problem_id = a.problem_id WHERE l.incident_id = ? ORDER BY a.asset");
  query.bind(1, incident);
  std::vector<std::string> assets;
  while (query.executeStep()) {
    assets.push_back(query.getColumn(0).getString());
  }
  return assets;
}

std::string ExpertRepository::HistoryFingerprint() {
  // Counts and latest stamps: any insert, resolution, closing or people
  // import moves one of them.
  SQLite::Statement query(
      db_.Sql(),
      // Two subqueries, not one: each is then answered from an index alone.
      "SELECT (SELECT count(*) FROM expert_history) || ':' || "
      "(SELECT coalesce(max(imported_at), 0) FROM expert_history), "
      "(SELECT count(*) || ':' || coalesce(sum(coalesce(resolved_at, 0) + coalesce(closed_at, "
      "0)), 0) || ':' || coalesce(group_concat(owner), '') FROM incidents WHERE state IN "
      "('resolved', 'closed') AND owner <> ''), "
      "(SELECT count(*) || ':' || coalesce(max(updated_at), 0) FROM cases WHERE status = "
      "'closed'), "
      "(SELECT count(*) || ':' || coalesce(max(updated_at), 0) FROM people), "
      "(SELECT count(*) || ':' || coalesce(max(updated_at), 0) || ':' || "
      " coalesce(sum(coalesce(closed_at, 0)), 0) FROM problems WHERE state IN ('resolved', "
      "'closed')), "
      "(SELECT count(*) FROM problem_assets), (SELECT count(*) FROM problem_causes)");
  query.executeStep();
  std::string fingerprint;
  for (int i = 0; i < 7; ++i) {
    fingerprint += query.getColumn(i).getString() + "|";
  }
  return fingerprint;
}

std::int64_t ExpertRepository::ActivePeople() {
  return db_.Sql().execAndGet("SELECT count(*) FROM people WHERE active = 1").getInt64();
}

std::map<UserId, int> ExpertRepository::OpenLoad() {
  SQLite::Statement query(
      db_.Sql(),
      "SELECT user_id, count(*) FROM ("
      " SELECT owner AS user_id, number AS incident FROM incidents"
      "  WHERE owner <> '' AND state IN ('new', 'triaged', 'in_progress')"
      " UNION"
      " SELECT m.user_id, s.incident_id FROM swarm_members m JOIN swarms s ON s.id = m.swarm_id"
      "  JOIN incidents i ON i.number = s.incident_id"
      "  WHERE m.joined_at IS NOT NULL AND m.left_at IS NULL"
      "  AND s.state IN ('starting', 'active') AND i.state <> 'closed'"
      ") GROUP BY user_id");
  std::map<UserId, int> load;
  while (query.executeStep()) {
    load[UserId(query.getColumn(0).getString())] = query.getColumn(1).getInt();
  }
  return load;
}

void ExpertRepository::ReplaceProposal(std::int64_t incident,
                                       const std::vector<ProposedExpert>& experts,
                                       Clock::TimePoint now) {
  SQLite::Statement clear(db_.Sql(), "DELETE FROM expert_proposals WHERE incident_id = ?");
  clear.bind(1, incident);
  clear.exec();
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO expert_proposals (incident_id, position, user_id, reasons, "
                           "proposed_at) VALUES (?, ?, ?, ?, ?)");
  int position = 0;
  for (const ProposedExpert& expert : experts) {
    insert.bind(1, incident);
    insert.bind(2, ++position);
    insert.bind(3, expert.user.str());
    insert.bind(4, expert.reasons);
    insert.bind(5, ToMillis(now));
    insert.exec();
    insert.reset();
  }
}

std::vector<ProposedExpert> ExpertRepository::Proposal(std::int64_t incident) {
  SQLite::Statement query(db_.Sql(),
                          "SELECT user_id, reasons FROM expert_proposals WHERE incident_id = ? "
                          "ORDER BY position");
  query.bind(1, incident);
  std::vector<ProposedExpert> experts;
  while (query.executeStep()) {
    experts.push_back({UserId(query.getColumn(0).getString()), query.getColumn(1).getString()});
  }
  return experts;
}

std::int64_t ExpertRepository::InsertInvitation(const Invitation& invitation) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO expert_invitations (incident_id, invitee, asked_by, "
                           "reasons, state, asked_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, invitation.incident);
  insert.bind(2, invitation.invitee.str());
  insert.bind(3, invitation.asked_by);
  insert.bind(4, invitation.reasons);
  insert.bind(5, std::string(Name(invitation.state)));
  insert.bind(6, ToMillis(invitation.asked_at));
  insert.bind(7, ToMillis(invitation.due_at));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::optional<Invitation> ExpertRepository::FindInvitation(std::int64_t id) {
  SQLite::Statement query(db_.Sql(), std::string("SELECT ") + kInvitationColumns +
                                         " FROM expert_invitations WHERE id = ?");
  query.bind(1, id);
  if (!query.executeStep()) {
    return std::nullopt;
  }
  return ReadInvitation(query);
}

std::vector<Invitation> ExpertRepository::InvitationsFor(std::int64_t incident) {
  SQLite::Statement query(db_.Sql(), std::string("SELECT ") + kInvitationColumns +
                                         " FROM expert_invitations WHERE incident_id = ? "
                                         "ORDER BY id");
  query.bind(1, incident);
  std::vector<Invitation> invitations;
  while (query.executeStep()) {
    invitations.push_back(ReadInvitation(query));
  }
  return invitations;
}

std::vector<std::int64_t> ExpertRepository::OpenInvitationsOf(const UserId& invitee) {
  SQLite::Statement query(db_.Sql(),
                          "SELECT id FROM expert_invitations WHERE invitee = ? AND state = ? "
                          "ORDER BY id");
  query.bind(1, invitee.str());
  query.bind(2, std::string(Name(InvitationState::kOpen)));
  std::vector<std::int64_t> ids;
  while (query.executeStep()) {
    ids.push_back(query.getColumn(0).getInt64());
  }
  return ids;
}

void ExpertRepository::SetInvitationState(std::int64_t id, InvitationState state,
                                          Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE expert_invitations SET state = ?, answered_at = ? WHERE id = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, ToMillis(now));
  update.bind(3, id);
  update.exec();
}

void ExpertRepository::WithdrawInvitation(std::int64_t id, Withdrawal why, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE expert_invitations SET state = 'withdrawn', withdrawal = ?, "
                           "answered_at = ? WHERE id = ?");
  update.bind(1, std::string(Name(why)));
  update.bind(2, ToMillis(now));
  update.bind(3, id);
  update.exec();
}

void ExpertRepository::SetInvitationMessage(std::int64_t id, const ChannelId& channel,
                                            const MessageTs& ts) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE expert_invitations SET dm_channel = ?, dm_ts = ? WHERE id = ?");
  update.bind(1, channel.str());
  update.bind(2, ts.str());
  update.bind(3, id);
  update.exec();
}

void ExpertRepository::SetUnreachableDeactivated(std::int64_t id) {
  SQLite::Statement update(
      db_.Sql(), "UPDATE expert_invitations SET unreachable_deactivated = 1 WHERE id = ?");
  update.bind(1, id);
  update.exec();
}

void ExpertRepository::SetPassedOver(std::int64_t id, std::string_view passed_over) {
  SQLite::Statement update(db_.Sql(), "UPDATE expert_invitations SET passed_over = ? WHERE id = ?");
  update.bind(1, std::string(passed_over));
  update.bind(2, id);
  update.exec();
}

void ExpertRepository::SetNextInvitation(std::int64_t id, std::int64_t next) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE expert_invitations SET next_invitation = ? WHERE id = ?");
  update.bind(1, next);
  update.bind(2, id);
  update.exec();
}

}  // namespace swarmbot::store
