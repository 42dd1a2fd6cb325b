#pragma once

#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>

#include "common/result.hpp"

namespace swarmbot::store {

// The SQLite file, opened in WAL mode with foreign keys on and every migration
// applied. A file written by a newer swarmbot (schema version above ours) is
// refused with Errc::kConflict and a message saying so. Not thread-safe: one
// Database belongs to one thread (swarmbot's io thread).
class Database {
 public:
  // `path` may be ":memory:" for tests.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);

  SQLite::Database& Sql() noexcept { return *db_; }
  int SchemaVersion() const;

  // The highest schema version this build knows.
  static int LatestSchemaVersion() noexcept;

  explicit Database(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace swarmbot::store
