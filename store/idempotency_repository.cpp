#include "store/idempotency_repository.hpp"

#include <SQLiteCpp/Statement.h>

#include "store/records.hpp"

namespace swarmbot::store {

std::optional<IdempotencyRecord> IdempotencyRepository::Find(std::string_view key) {
  SQLite::Statement select(db_.Sql(),
                           "SELECT request_hash, case_number FROM idempotency_keys WHERE key = ?");
  select.bind(1, std::string(key));
  if (!select.executeStep()) {
    return std::nullopt;
  }
  return IdempotencyRecord{select.getColumn(0).getString(), select.getColumn(1).getInt64()};
}

void IdempotencyRepository::Insert(std::string_view key, std::string_view request_hash,
                                   std::int64_t case_number, Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO idempotency_keys (key, request_hash, case_number, "
                           "created_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, std::string(key));
  insert.bind(2, std::string(request_hash));
  insert.bind(3, case_number);
  insert.bind(4, ToMillis(now));
  insert.exec();
}

}  // namespace swarmbot::store
