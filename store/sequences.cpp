#include "store/sequences.hpp"

#include <string>

#include <SQLiteCpp/Statement.h>

namespace swarmbot::store {

std::int64_t Sequences::Next(std::string_view kind) {
  SQLite::Statement next(db_.Sql(),
                         "INSERT INTO sequences (kind, last_value) VALUES (?, 1) "
                         "ON CONFLICT (kind) DO UPDATE SET last_value = last_value + 1 "
                         "RETURNING last_value");
  next.bind(1, std::string(kind));
  next.executeStep();
  const std::int64_t value = next.getColumn(0).getInt64();
  // RETURNING reports the row before the statement finishes; stepping to the
  // end completes it.
  while (next.executeStep()) {
  }
  return value;
}

}  // namespace swarmbot::store
