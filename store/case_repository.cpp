#include "store/case_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/sequences.hpp"

namespace swarmbot::store {
namespace {

constexpr const char* kColumns =
    "number, contact_name, contact_email, channel, territory, subject, description, owner, "
    "status, incident_id, resolution, created_at, updated_at";

Case ReadCase(SQLite::Statement& row) {
  Case c;
  c.number = row.getColumn(0).getInt64();
  c.contact_name = row.getColumn(1).getString();
  c.contact_email = row.getColumn(2).getString();
  c.channel = ParseCaseChannel(row.getColumn(3).getString()).value_or(CaseChannel::kWeb);
  c.territory = row.getColumn(4).getString();
  c.subject = row.getColumn(5).getString();
  c.description = row.getColumn(6).getString();
  c.owner = UserId(row.getColumn(7).getString());
  c.status = ParseCaseStatus(row.getColumn(8).getString()).value_or(CaseStatus::kNew);
  c.incident = detail::OptionalInt64(row.getColumn(9));
  c.resolution = row.getColumn(10).getString();
  c.created_at = detail::Time(row.getColumn(11));
  c.updated_at = detail::Time(row.getColumn(12));
  return c;
}

// The WHERE clause for `filter`; the parameters are bound by BindFilter.
std::string Where(const CaseFilter& filter) {
  std::string where = " WHERE 1";
  if (!filter.statuses.empty()) {
    where += " AND status IN (";
    for (std::size_t i = 0; i < filter.statuses.size(); ++i) {
      where += i == 0 ? "?" : ", ?";
    }
    where += ")";
  }
  if (filter.incident) {
    where += " AND incident_id = ?";
  }
  if (filter.channel) {
    where += " AND channel = ?";
  }
  if (filter.territory) {
    where += " AND territory = ? COLLATE NOCASE";
  }
  if (filter.owner) {
    where += " AND owner = ?";
  }
  return where;
}

int BindFilter(SQLite::Statement& statement, const CaseFilter& filter) {
  int index = 1;
  for (CaseStatus status : filter.statuses) {
    statement.bind(index++, std::string(Name(status)));
  }
  if (filter.incident) {
    statement.bind(index++, *filter.incident);
  }
  if (filter.channel) {
    statement.bind(index++, std::string(Name(*filter.channel)));
  }
  if (filter.territory) {
    statement.bind(index++, *filter.territory);
  }
  if (filter.owner) {
    statement.bind(index++, filter.owner->str());
  }
  return index;
}

}  // namespace

std::int64_t CaseRepository::Insert(const Case& c) {
  const std::int64_t number = Sequences(db_).Next("CASE");
  SQLite::Statement insert(db_.Sql(), std::string("INSERT INTO cases (") + kColumns +
                                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, c.contact_name);
  insert.bind(3, c.contact_email);
  insert.bind(4, std::string(Name(c.channel)));
  insert.bind(5, c.territory);
  insert.bind(6, c.subject);
  insert.bind(7, c.description);
  insert.bind(8, c.owner.str());
  insert.bind(9, std::string(Name(c.status)));
  if (c.incident) {
    insert.bind(10, *c.incident);
  } else {
    insert.bind(10);
  }
  insert.bind(11, c.resolution);
  insert.bind(12, ToMillis(c.created_at));
  insert.bind(13, ToMillis(c.updated_at));
  insert.exec();
  return number;
}

std::optional<Case> CaseRepository::Find(std::int64_t number) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kColumns + " FROM cases WHERE number = ?");
  select.bind(1, number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return ReadCase(select);
}

std::vector<Case> CaseRepository::List(const CaseFilter& filter) {
  SQLite::Statement select(db_.Sql(),
                           std::string("SELECT ") + kColumns + " FROM cases" + Where(filter) +
                               " ORDER BY created_at DESC, number DESC LIMIT ? OFFSET ?");
  const int next = BindFilter(select, filter);
  select.bind(next, filter.limit);
  select.bind(next + 1, filter.offset);
  std::vector<Case> cases;
  while (select.executeStep()) {
    cases.push_back(ReadCase(select));
  }
  return cases;
}

std::int64_t CaseRepository::Count(const CaseFilter& filter) {
  SQLite::Statement select(db_.Sql(), "SELECT COUNT(*) FROM cases" + Where(filter));
  BindFilter(select, filter);
  select.executeStep();
  return select.getColumn(0).getInt64();
}

std::vector<std::string> CaseRepository::Territories() {
  SQLite::Statement select(db_.Sql(),
                           "SELECT DISTINCT territory FROM cases WHERE territory != '' "
                           "ORDER BY territory COLLATE NOCASE");
  std::vector<std::string> territories;
  while (select.executeStep()) {
    territories.push_back(select.getColumn(0).getString());
  }
  return territories;
}

void CaseRepository::Hold(std::int64_t number, std::int64_t incident, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      // A held case is live again: a resolution from an earlier close no
      // longer applies (an incident reopened).
      "UPDATE cases SET status = 'held', incident_id = ?, resolution = '', updated_at = ? "
      "WHERE number = ?");
  update.bind(1, incident);
  update.bind(2, ToMillis(now));
  update.bind(3, number);
  update.exec();
}

void CaseRepository::Release(std::int64_t number, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE cases SET status = 'open', incident_id = NULL, updated_at = ? WHERE number = ?");
  update.bind(1, ToMillis(now));
  update.bind(2, number);
  update.exec();
}

void CaseRepository::Reopen(std::int64_t number, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE cases SET status = 'open', incident_id = NULL, resolution = '', "
                           "updated_at = ? WHERE number = ? AND status = 'closed'");
  update.bind(1, ToMillis(now));
  update.bind(2, number);
  update.exec();
}

std::vector<std::int64_t> CaseRepository::FindUnheldMatching(const std::vector<std::string>& words,
                                                             int limit) {
  std::string sql = "SELECT number FROM cases WHERE status IN ('new', 'open')";
  for (std::size_t i = 0; i < words.size(); ++i) {
    sql += " AND (subject || ' ' || description) LIKE ? ESCAPE '\\'";
  }
  sql += " ORDER BY number LIMIT ?";
  SQLite::Statement select(db_.Sql(), sql);
  int index = 1;
  for (const std::string& word : words) {
    // The user's % and _ are letters here, not LIKE's wildcards.
    std::string pattern = "%";
    for (char c : word) {
      if (c == '%' || c == '_' || c == '\\') {
        pattern += '\\';
      }
      pattern += c;
    }
    select.bind(index++, pattern + "%");
  }
  select.bind(index, limit);
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

void CaseRepository::Close(std::int64_t number, std::string_view resolution, Clock::TimePoint now) {
  SQLite::Statement update(
      db_.Sql(),
      "UPDATE cases SET status = 'closed', resolution = ?, updated_at = ? WHERE number = ?");
  update.bind(1, std::string(resolution));
  update.bind(2, ToMillis(now));
  update.bind(3, number);
  update.exec();
}

LabelCounts CaseRepository::CountByChannel(std::int64_t incident) {
  return CountBy("channel", incident);
}

LabelCounts CaseRepository::CountByTerritory(std::int64_t incident) {
  return CountBy("territory", incident);
}

LabelCounts CaseRepository::CountBy(const char* column, std::int64_t incident) {
  SQLite::Statement select(db_.Sql(), std::string("SELECT ") + column +
                                          ", COUNT(*) AS n FROM cases WHERE incident_id = ? "
                                          "GROUP BY 1 ORDER BY n DESC, 1");
  select.bind(1, incident);
  LabelCounts counts;
  while (select.executeStep()) {
    counts.emplace_back(select.getColumn(0).getString(), select.getColumn(1).getInt64());
  }
  return counts;
}

}  // namespace swarmbot::store
