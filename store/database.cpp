#include "store/database.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/detail/migrations.hpp"

namespace swarmbot::store {
namespace {

// Long enough to ride out another process's checkpoint, short enough that a
// stuck writer shows up as an error instead of a hung bot.
constexpr int kBusyTimeoutMs = 5000;

int ReadUserVersion(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

Error DescribeOpenFailure(const std::string& path, const SQLite::Exception& e) {
  if (e.getErrorCode() == SQLITE_NOTADB) {
    const std::string message = "database file " + path + " is not a SQLite database";
    return MakeError(Errc::kInvalidInput, message, message);
  }
  const std::string message = "cannot open database file " + path + ": " + e.what();
  return MakeError(Errc::kUnavailable, message, message);
}

void ApplyMigrations(SQLite::Database& db, int from) {
  const auto migrations = detail::Migrations();
  const int to = static_cast<int>(migrations.size());
  bool ran = false;
  for (int version = from + 1; version <= to; ++version) {
    // The write lock comes before the version is read again: another process
    // opening the same file (an import started beside serve on a new store)
    // may have applied this step since `from` was read.
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (ReadUserVersion(db) >= version) {
      continue;
    }
    db.exec(std::string(migrations[static_cast<std::size_t>(version - 1)]));
    // user_version lives in the file header, which is written as part of the
    // transaction: a crash leaves either the old schema or the new one.
    db.exec("PRAGMA user_version = " + std::to_string(version));
    transaction.commit();
    ran = true;
  }
  // One line however many ran: a new file runs them all.
  if (ran) {
    spdlog::info("event=store.migrated from_version={} to_version={}", from, to);
  }
}

// Turning a new file to WAL needs it to itself, and while another connection
// is opening it too SQLite answers "locked" at once rather than through the
// busy handler; so this waits as the busy timeout would.
std::string SwitchToWriteAheadLog(SQLite::Database& db) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      return db.execAndGet("PRAGMA journal_mode = WAL").getString();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) {
        throw;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void UseWriteAheadLog(SQLite::Database& db, const std::string& path) {
  const std::string mode = SwitchToWriteAheadLog(db);
  // An in-memory database answers "memory"; anything else means the file
  // system refused WAL, which works but blocks readers during writes.
  if (mode != "wal" && mode != "memory") {
    spdlog::warn("event=store.no_wal path={} journal_mode={}", path, mode);
  }
  db.exec("PRAGMA synchronous = NORMAL");
}

// The database holds customers' names and addresses, so it is for swarmbot's
// user alone. SQLite creates a new file 0644 (less the umask) and gives its
// -wal and -shm files the database's own mode, so creating the file 0600
// before SQLite does covers every file it makes later; files left wider by an
// older swarmbot, or copied in, are narrowed here, with one line saying so.
void KeepFilesPrivate(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return;
  }
  // Only a file that isn't there yet is opened here: closing a descriptor of
  // a file drops every POSIX lock this process holds on it, including those
  // of a connection already open (the mail worker opens a second one). A
  // failure (no such folder, no permission) is left to SQLite to report.
  struct stat existing {};
  if (::stat(path.c_str(), &existing) != 0 && errno == ENOENT) {
    if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
      ::close(fd);
    }
  }
  std::string narrowed;
  for (const std::string& file : {path, path + "-wal", path + "-shm", path + "-journal"}) {
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0 || (status.st_mode & 077) == 0) {
      continue;
    }
    if (::chmod(file.c_str(), status.st_mode & 0700) != 0) {
      spdlog::warn("event=store.mode_not_narrowed file={} error=\"{}\"", file,
                   std::strerror(errno));
      continue;
    }
    narrowed += (narrowed.empty() ? "" : ",") + file;
  }
  if (!narrowed.empty()) {
    spdlog::warn("event=store.mode_narrowed files={} mode=0600 reason=\"readable by others\"",
                 narrowed);
  }
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  try {
    KeepFilesPrivate(path);
    auto db =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->setBusyTimeout(kBusyTimeoutMs);

    // Reading the header is the first access, so a file that isn't a
    // database fails here, before anything is written to it.
    const int version = ReadUserVersion(*db);
    if (version > LatestSchemaVersion()) {
      const std::string message = "database file " + path + " has schema version " +
                                  std::to_string(version) + ", newer than the " +
                                  std::to_string(LatestSchemaVersion()) +
                                  " this swarmbot knows; run a newer swarmbot or use another file";
      return MakeError(Errc::kConflict, message, message);
    }

    UseWriteAheadLog(*db, path);
    // Must be set outside a transaction, and per connection.
    db->exec("PRAGMA foreign_keys = ON");
    ApplyMigrations(*db, version);
    return std::make_unique<Database>(std::move(db));
  } catch (const SQLite::Exception& e) {
    return DescribeOpenFailure(path, e);
  }
}

int Database::SchemaVersion() const {
  return ReadUserVersion(*db_);
}

int Database::LatestSchemaVersion() noexcept {
  return static_cast<int>(detail::Migrations().size());
}

bool IsBusy(const std::exception& e) noexcept {
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  return sql != nullptr && (sql->getErrorCode() & 0xFF) == SQLITE_BUSY;
}

bool InTransaction(Database& db) noexcept {
  return sqlite3_get_autocommit(db.Sql().getHandle()) == 0;
}

namespace {
// One name serves every level: SQLite releases or rolls back the innermost
// savepoint of that name.
constexpr const char* kSavepoint = "swarmbot_nested";
}  // namespace

NestedTransaction::NestedTransaction(Database& db, bool immediate)
    : db_(db), savepoint_(InTransaction(db)) {
  if (savepoint_) {
    db_.Sql().exec(std::string("SAVEPOINT ") + kSavepoint);
  } else {
    db_.Sql().exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  }
}

NestedTransaction::~NestedTransaction() {
  if (!open_) {
    return;
  }
  try {
    if (savepoint_) {
      db_.Sql().exec(std::string("ROLLBACK TO ") + kSavepoint);
      db_.Sql().exec(std::string("RELEASE ") + kSavepoint);
    } else {
      db_.Sql().exec("ROLLBACK");
    }
  } catch (const std::exception& e) {
    // SQLite may have rolled back already (a full disk, say); nothing is left to undo.
    spdlog::warn("event=store.rollback_failed error=\"{}\"", e.what());
  }
}

void NestedTransaction::Commit() {
  db_.Sql().exec(savepoint_ ? std::string("RELEASE ") + kSavepoint : std::string("COMMIT"));
  open_ = false;
}

ShorterBusyTimeout::ShorterBusyTimeout(Database& db, std::chrono::milliseconds timeout) : db_(db) {
  // SQLite reports 0 when the timeout is off or a custom handler is set.
  const int current = db_.Sql().execAndGet("PRAGMA busy_timeout").getInt();
  const auto shorter = static_cast<int>(timeout.count());
  if (current > shorter) {
    db_.Sql().setBusyTimeout(shorter);
    previous_ms_ = current;
  }
}

ShorterBusyTimeout::~ShorterBusyTimeout() {
  if (previous_ms_ > 0) {
    db_.Sql().setBusyTimeout(previous_ms_);
  }
}

}  // namespace swarmbot::store
