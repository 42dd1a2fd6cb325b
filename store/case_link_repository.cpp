#include "store/case_link_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"

namespace swarmbot::store {

void CaseLinkRepository::Link(std::int64_t incident, std::int64_t case_number, const UserId& by,
                              Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO case_links (incident_id, case_number, linked_at, "
                           "linked_by) VALUES (?, ?, ?, ?)");
  insert.bind(1, incident);
  insert.bind(2, case_number);
  insert.bind(3, ToMillis(now));
  insert.bind(4, by.str());
  insert.exec();
}

void CaseLinkRepository::Unlink(std::int64_t case_number, const UserId& by, Clock::TimePoint now) {
  SQLite::Statement update(db_.Sql(),
                           "UPDATE case_links SET unlinked_at = ?, unlinked_by = ? "
                           "WHERE case_number = ? AND unlinked_at IS NULL");
  update.bind(1, ToMillis(now));
  update.bind(2, by.str());
  update.bind(3, case_number);
  update.exec();
}

std::optional<CaseLink> CaseLinkRepository::LiveLink(std::int64_t case_number) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT incident_id, case_number, linked_at, linked_by, unlinked_at "
                           "FROM case_links WHERE case_number = ? AND unlinked_at IS NULL");
  select.bind(1, case_number);
  if (!select.executeStep()) {
    return std::nullopt;
  }
  CaseLink link;
  link.incident = select.getColumn(0).getInt64();
  link.case_number = select.getColumn(1).getInt64();
  link.linked_at = detail::Time(select.getColumn(2));
  link.linked_by = UserId(select.getColumn(3).getString());
  link.unlinked_at = detail::OptionalTime(select.getColumn(4));
  return link;
}

std::optional<std::int64_t> CaseLinkRepository::LastEndedBy(std::int64_t case_number,
                                                            const UserId& by) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT incident_id, unlinked_at IS NOT NULL AND unlinked_by = ? "
                           "FROM case_links WHERE case_number = ? ORDER BY id DESC LIMIT 1");
  select.bind(1, by.str());
  select.bind(2, case_number);
  if (!select.executeStep() || select.getColumn(1).getInt() == 0) {
    return std::nullopt;
  }
  return select.getColumn(0).getInt64();
}

std::vector<std::int64_t> CaseLinkRepository::LinkedCases(std::int64_t incident) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT case_number FROM case_links WHERE incident_id = ? AND "
                           "unlinked_at IS NULL ORDER BY case_number");
  select.bind(1, incident);
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

std::vector<std::int64_t> CaseLinkRepository::CasesWithContact(std::int64_t incident,
                                                               std::string_view email) {
  // SQLite's lower() folds ASCII letters only, as FoldAddress does.
  SQLite::Statement select(db_.Sql(),
                           "SELECT DISTINCT l.case_number FROM case_links l "
                           "JOIN cases c ON c.number = l.case_number "
                           "WHERE l.incident_id = ? AND lower(c.contact_email) = lower(?) "
                           "ORDER BY l.case_number");
  select.bind(1, incident);
  select.bind(2, std::string(email));
  std::vector<std::int64_t> numbers;
  while (select.executeStep()) {
    numbers.push_back(select.getColumn(0).getInt64());
  }
  return numbers;
}

}  // namespace swarmbot::store
