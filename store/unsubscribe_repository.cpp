#include "store/unsubscribe_repository.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

#include "store/records.hpp"

namespace swarmbot::store {

bool UnsubscribeRepository::Add(std::string_view folded_address, Clock::TimePoint now) {
  SQLite::Statement insert(db_.Sql(),
                           "INSERT INTO unsubscribed (address, unsubscribed_at) VALUES (?, ?) "
                           "ON CONFLICT (address) DO NOTHING");
  insert.bind(1, std::string(folded_address));
  insert.bind(2, ToMillis(now));
  return insert.exec() == 1;
}

bool UnsubscribeRepository::Contains(std::string_view folded_address) {
  SQLite::Statement query(db_.Sql(), "SELECT 1 FROM unsubscribed WHERE address = ?");
  query.bind(1, std::string(folded_address));
  return query.executeStep();
}

}  // namespace swarmbot::store
