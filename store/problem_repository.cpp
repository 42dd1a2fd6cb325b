#include "store/problem_repository.hpp"

#include <array>
#include <string>
#include <utility>

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr std::array<std::pair<ProblemState, std::string_view>, 5> kStates{
    {{ProblemState::kNew, "new"},
     {ProblemState::kInvestigating, "investigating"},
     {ProblemState::kKnownError, "known_error"},
     {ProblemState::kResolved, "resolved"},
     {ProblemState::kClosed, "closed"}}};

constexpr std::string_view kColumns =
    "number, title, state, owner, created_by, known_error, workaround, workaround_article, "
    "close_note, created_at, updated_at, closed_at";

Problem ReadProblem(SQLite::Statement& row) {
  Problem p;
  p.number = row.getColumn(0).getInt64();
  p.title = row.getColumn(1).getString();
  p.state = ParseProblemState(row.getColumn(2).getString()).value_or(ProblemState::kNew);
  p.owner = UserId(row.getColumn(3).getString());
  p.created_by = UserId(row.getColumn(4).getString());
  p.known_error = row.getColumn(5).getInt() != 0;
  p.workaround = row.getColumn(6).getString();
  p.workaround_article = detail::OptionalInt64(row.getColumn(7));
  p.close_note = row.getColumn(8).getString();
  p.created_at = detail::Time(row.getColumn(9));
  p.updated_at = detail::Time(row.getColumn(10));
  p.closed_at = detail::OptionalTime(row.getColumn(11));
  return p;
}

std::vector<std::int64_t> Numbers(SQLite::Statement& select) {
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

}  // namespace

std::string_view Name(ProblemState state) noexcept {
  for (const auto& [value, name] : kStates) {
    if (value == state) {
      return name;
    }
  }
  return "unknown";
}

std::optional<ProblemState> ParseProblemState(std::string_view text) noexcept {
  for (const auto& [value, name] : kStates) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::int64_t ProblemRepository::Insert(const Problem& problem) {
  const std::int64_t number = Sequences(db_).Next("PRB");
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO problems (number, title, state, owner, created_by, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, problem.title);
  insert.bind(3, std::string(Name(problem.state)));
  insert.bind(4, problem.owner.str());
  insert.bind(5, problem.created_by.str());
  insert.bind(6, ToMillis(problem.created_at));
  insert.bind(7, ToMillis(problem.created_at));
  insert.exec();
  return number;
}

std::optional<Problem> ProblemRepository::Find(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT " + std::string(kColumns) + " FROM problems WHERE number = ?");
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadProblem(select);
}

std::vector<Problem> ProblemRepository::List(bool open_only, int limit) {
  SQLite::Statement select(db_.Sql(), "SELECT " + std::string(kColumns) + " FROM problems" +
                                          (open_only ? " WHERE state <> 'closed'" : "") +
                                          " ORDER BY number DESC LIMIT ?");
  select.bind(1, limit);
  std::vector<Problem> problems;
  while (select.executeStep()) {
    problems.push_back(ReadProblem(select));
  }
  return problems;
}

void ProblemRepository::SetState(std::int64_t number, ProblemState state, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE problems SET state = ?, updated_at = ?, closed_at = ? "
                           "WHERE number = ?");
  update.bind(1, std::string(Name(state)));
  update.bind(2, ToMillis(now));
  detail::BindOptionalTime(update, 3,
                           state == ProblemState::kClosed ? std::optional(now) : std::nullopt);
  update.bind(4, number);
  update.exec();
}

void ProblemRepository::SetCloseNote(std::int64_t number, std::string_view note) {
  SQLite::Statement update(db_.Sql(), "UPDATE problems SET close_note = ? WHERE number = ?");
  update.bind(1, std::string(note));
  update.bind(2, number);
  update.exec();
}

void ProblemRepository::SetKnownError(std::int64_t number, std::string_view workaround,
                                      std::optional<std::int64_t> article, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE problems SET known_error = 1, workaround = ?, "
                           "workaround_article = ?, updated_at = ? WHERE number = ?");
  update.bind(1, std::string(workaround));
  if (article) {
    update.bind(2, *article);
  } else {
    update.bind(2);
  }
  update.bind(3, ToMillis(now));
  update.bind(4, number);
  update.exec();
}

bool ProblemRepository::Link(std::int64_t problem, std::int64_t incident, const UserId& by,
                             Clock::TimePoint at) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO problem_incidents (problem_id, incident_id, "
                           "linked_at, linked_by) VALUES (?, ?, ?, ?)");
  insert.bind(1, problem);
  insert.bind(2, incident);
  insert.bind(3, ToMillis(at));
  insert.bind(4, by.str());
  return insert.exec() == 1;
}

bool ProblemRepository::Unlink(std::int64_t problem, std::int64_t incident) {
  SQLite::Statement remove(
      db_.Sql(), "DELETE FROM problem_incidents WHERE problem_id = ? AND incident_id = ?");
  remove.bind(1, problem);
  remove.bind(2, incident);
  return remove.exec() == 1;
}

std::vector<std::int64_t> ProblemRepository::IncidentsOf(std::int64_t problem) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT incident_id FROM problem_incidents WHERE problem_id = ? "
                           "ORDER BY incident_id");
  select.bind(1, problem);
  return Numbers(select);
}

std::vector<std::int64_t> ProblemRepository::ProblemsOf(std::int64_t incident) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT problem_id FROM problem_incidents WHERE incident_id = ? "
                           "ORDER BY problem_id");
  select.bind(1, incident);
  return Numbers(select);
}

void ProblemRepository::AddCause(std::int64_t problem, const UserId& author, std::string_view text,
                                 Clock::TimePoint at) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO problem_causes (problem_id, at, author, text) "
                           "VALUES (?, ?, ?, ?)");
  insert.bind(1, problem);
  insert.bind(2, ToMillis(at));
  insert.bind(3, author.str());
  insert.bind(4, std::string(text));
  insert.exec();
}

std::vector<ProblemCause> ProblemRepository::Causes(std::int64_t problem) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT at, author, text FROM problem_causes WHERE problem_id = ? "
                           "ORDER BY id");
  select.bind(1, problem);
  std::vector<ProblemCause> causes;
  while (select.executeStep()) {
    causes.push_back(ProblemCause{detail::Time(select.getColumn(0)),
                                  UserId(select.getColumn(1).getString()),
                                  select.getColumn(2).getString()});
  }
  return causes;
}

bool ProblemRepository::AddAsset(std::int64_t problem, std::string_view asset, const UserId& by,
                                 Clock::TimePoint at) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO problem_assets (problem_id, asset, added_at, "
                           "added_by) VALUES (?, ?, ?, ?)");
  insert.bind(1, problem);
  insert.bind(2, std::string(asset));
  insert.bind(3, ToMillis(at));
  insert.bind(4, by.str());
  return insert.exec() == 1;
}

std::vector<std::string> ProblemRepository::Assets(std::int64_t problem) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT asset FROM problem_assets WHERE problem_id = ? ORDER BY asset");
  select.bind(1, problem);
  std::vector<std::string> assets;
  while (select.executeStep()) {
    assets.push_back(select.getColumn(0).getString());
  }
  return assets;
}

std::int64_t ProblemRepository::AppendEvent(std::int64_t problem, Clock::TimePoint at,
                                            std::string_view actor, std::string_view kind,
                                            std::string_view text) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO problem_events (problem_id, at, actor, kind, text) "
                           "VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, problem);
  insert.bind(2, ToMillis(at));
  insert.bind(3, std::string(actor));
  insert.bind(4, std::string(kind));
  insert.bind(5, std::string(text));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::optional<ProblemEvent> ProblemRepository::FindEvent(std::int64_t id) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT id, problem_id, at, actor, kind, text FROM problem_events "
                           "WHERE id = ?");
  select.bind(1, id);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  ProblemEvent event;
  event.id = select.getColumn(0).getInt64();
  event.problem = select.getColumn(1).getInt64();
  event.at = detail::Time(select.getColumn(2));
  event.actor = select.getColumn(3).getString();
  event.kind = select.getColumn(4).getString();
  event.text = select.getColumn(5).getString();
  return event;
}

std::optional<Clock::TimePoint> ProblemRepository::FixWaitEndedAt(std::int64_t problem) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT MAX(at) FROM problem_events WHERE problem_id = ? AND "
                           "((kind = 'state' AND text LIKE ? || '%') OR kind = ?)");
  select.bind(1, problem);
  select.bind(2, std::string(kProblemReopenedText));
  select.bind(3, std::string(kProblemWaitEndedKind));
  select.executeStep();
  return detail::OptionalTime(select.getColumn(0));
}

}  // namespace swarmbot::store
