#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

// Helpers for tests of a store another process keeps busy.
namespace swarmbot::testing {

// Another process holding the store's write lock, as an import does: a
// second connection inside BEGIN IMMEDIATE until Release.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) : db_(path, SQLite::OPEN_READWRITE) {
    db_.exec("BEGIN IMMEDIATE");
  }
  void Release() { db_.exec("ROLLBACK"); }

 private:
  SQLite::Database db_;
};

// Counts how often a connection starts waiting for another's write lock. It
// replaces the connection's busy timeout with its own of about `limit`
// (SQLite calls the handler once per try), so every wait is seen as it begins.
class BusyWaitCounter {
 public:
  BusyWaitCounter(SQLite::Database& db, std::chrono::milliseconds limit)
      : db_(db.getHandle()), tries_(static_cast<int>(limit / kTryPause)) {
    sqlite3_busy_handler(db_, &BusyWaitCounter::OnBusy, this);
  }
  ~BusyWaitCounter() { sqlite3_busy_handler(db_, nullptr, nullptr); }
  BusyWaitCounter(const BusyWaitCounter&) = delete;
  BusyWaitCounter& operator=(const BusyWaitCounter&) = delete;

  int waits() const { return waits_.load(); }

 private:
  static constexpr std::chrono::milliseconds kTryPause{10};

  static int OnBusy(void* self, int tried) {
    auto& counter = *static_cast<BusyWaitCounter*>(self);
    if (tried == 0) {
      ++counter.waits_;
    }
    if (tried >= counter.tries_) {
      return 0;  // give up: the statement fails with SQLITE_BUSY
    }
    sqlite3_sleep(static_cast<int>(kTryPause.count()));
    return 1;
  }

  sqlite3* db_;
  int tries_;
  std::atomic<int> waits_{0};
};

}  // namespace swarmbot::testing
