#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>

#include "common/result.hpp"

namespace swarmbot::store {

// The SQLite file, opened in WAL mode with foreign keys on and every migration
// applied. A file written by a newer swarmbot (schema version above ours) is
// refused with Errc::kConflict and a message saying so. Not thread-safe: one
// Database belongs to one thread (swarmbot's io thread).
//
// The schema version is SQLite's `PRAGMA user_version`; migrations live in
// store/detail/migrations.cpp and each runs in its own transaction.
class Database {
 public:
  // `path` may be ":memory:" for tests. Errors (never exceptions): kConflict for
  // a newer schema, kInvalidInput for a file that isn't a SQLite database,
  // kUnavailable when the file can't be opened or created. The Error's
  // user_message is one line fit for a person at start-up. A file is created
  // mode 0600 (its -wal and -shm files follow), and an existing one readable
  // by others is narrowed to 0600 with a warning.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);

  SQLite::Database& Sql() noexcept { return *db_; }
  int SchemaVersion() const;

  // The highest schema version this build knows.
  static int LatestSchemaVersion() noexcept;

  explicit Database(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

 private:
  std::unique_ptr<SQLite::Database> db_;
};

// Whether `e` is SQLite's SQLITE_BUSY (any extended code): another
// connection kept the write lock past the busy timeout, so trying again
// later may succeed.
bool IsBusy(const std::exception& e) noexcept;

// Whether the connection is inside a transaction now.
bool InTransaction(Database& db) noexcept;

// One transaction that nests: on a connection outside any, BEGIN (IMMEDIATE
// takes the write lock up front); inside one, a savepoint of it. So a caller
// can make several writers' work, each with a transaction of its own, one
// unit that commits or rolls back whole. Rolled back when destroyed
// uncommitted; the constructor throws SQLite::Exception (busy included).
class NestedTransaction {
 public:
  explicit NestedTransaction(Database& db, bool immediate = true);
  ~NestedTransaction();
  NestedTransaction(const NestedTransaction&) = delete;
  NestedTransaction& operator=(const NestedTransaction&) = delete;

  void Commit();

 private:
  Database& db_;
  bool savepoint_ = false;
  bool open_ = true;
};

// Shortens the connection's busy timeout while it lives, then puts the old one
// back. For writes that are tried again soon anyway (the outbox's claim): they
// shouldn't hold the io thread as long as a person's command may. A timeout
// already as short, or a busy handler of the caller's own, is left alone.
class ShorterBusyTimeout {
 public:
  ShorterBusyTimeout(Database& db, std::chrono::milliseconds timeout);
  ~ShorterBusyTimeout();
  ShorterBusyTimeout(const ShorterBusyTimeout&) = delete;
  ShorterBusyTimeout& operator=(const ShorterBusyTimeout&) = delete;

 private:
  Database& db_;
  int previous_ms_ = 0;  // 0: nothing was changed
};

}  // namespace swarmbot::store
