#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace swarmbot::store {

// A note on a case: for now a customer's e-mailed reply.
struct CaseComment {
  std::int64_t id = 0;
  std::int64_t case_number = 0;
  std::string author_name;
  std::string author_email;
  std::string body;
  std::string message_id;  // the e-mail's Message-ID; empty when it came another way
  Clock::TimePoint created_at{};
};

// Where a Message-ID was seen: the case it opened or the comment it added.
struct MessageOwner {
  std::int64_t case_number = 0;
  std::optional<std::int64_t> comment;  // set when the message was a comment
};

// The `case_comments` and `case_emails` tables. Calls run inside the caller's
// transaction, if any.
class CaseCommentRepository {
 public:
  explicit CaseCommentRepository(Database& db) : db_(db) {}

  // Stores `comment` (its id is ignored) and returns the new id. A message_id
  // already stored on another comment violates a unique index (throws).
  std::int64_t Insert(const CaseComment& comment);
  // The newest `limit` comments of the case, newest first.
  std::vector<CaseComment> Latest(std::int64_t case_number, int limit);
  std::int64_t Count(std::int64_t case_number);

  // Remembers that the e-mail `message_id` opened the case; a second call
  // with the same id keeps the first.
  void RecordCaseEmail(std::string_view message_id, std::int64_t case_number, Clock::TimePoint now);
  // The case (and comment) a Message-ID belongs to, if swarmbot has seen it.
  std::optional<MessageOwner> FindMessage(std::string_view message_id);

 private:
  Database& db_;
};

}  // namespace swarmbot::store
