#include "store/case_comment_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/detail/columns.hpp"
#include "store/records.hpp"

namespace swarmbot::store {

std::int64_t CaseCommentRepository::Insert(const CaseComment& comment) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO case_comments (case_number, author_name, author_email, "
                           "body, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  insert.bind(1, comment.case_number);
  insert.bind(2, comment.author_name);
  insert.bind(3, comment.author_email);
  insert.bind(4, comment.body);
  insert.bind(5, comment.message_id);
  insert.bind(6, ToMillis(comment.created_at));
  insert.exec();
  return db_.Sql().getLastInsertRowid();
}

std::vector<CaseComment> CaseCommentRepository::Latest(std::int64_t case_number, int limit) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT id, case_number, author_name, author_email, body, message_id, "
                           "created_at FROM case_comments WHERE case_number = ? "
                           "ORDER BY id DESC LIMIT ?");
  select.bind(1, case_number);
  select.bind(2, limit);
  std::vector<CaseComment> comments;
  while (select.executeStep()) {
    CaseComment c;
    c.id = select.getColumn(0).getInt64();
    c.case_number = select.getColumn(1).getInt64();
    c.author_name = select.getColumn(2).getString();
    c.author_email = select.getColumn(3).getString();
    c.body = select.getColumn(4).getString();
    c.message_id = select.getColumn(5).getString();
    c.created_at = detail::Time(select.getColumn(6));
    comments.push_back(std::move(c));
  }
  return comments;
}

std::int64_t CaseCommentRepository::Count(std::int64_t case_number) {
  SQLite::Statement select(db_.Sql(), "SELECT COUNT(*) FROM case_comments WHERE case_number = ?");
  select.bind(1, case_number);
  select.executeStep();
  return select.getColumn(0).getInt64();
}

void CaseCommentRepository::RecordCaseEmail(std::string_view message_id, std::int64_t case_number,
                                            Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT OR IGNORE INTO case_emails (message_id, case_number, "
                           "received_at) VALUES (?, ?, ?)");
  insert.bind(1, std::string(message_id));
  insert.bind(2, case_number);
  insert.bind(3, ToMillis(now));
  insert.exec();
}

std::optional<MessageOwner> CaseCommentRepository::FindMessage(std::string_view message_id) {
  if (message_id.empty()) {
    return std::nullopt;
  }
  SQLite::Statement opened(db_.Sql(), "SELECT case_number FROM case_emails WHERE message_id = ?");
  opened.bind(1, std::string(message_id));
  if (opened.executeStep()) {
    return MessageOwner{opened.getColumn(0).getInt64(), std::nullopt};
  }
  SQLite::Statement commented(db_.Sql(),
                              "SELECT case_number, id FROM case_comments WHERE message_id = ?");
  commented.bind(1, std::string(message_id));
  if (commented.executeStep()) {
    return MessageOwner{commented.getColumn(0).getInt64(), commented.getColumn(1).getInt64()};
  }
  return std::nullopt;
}

}  // namespace swarmbot::store
