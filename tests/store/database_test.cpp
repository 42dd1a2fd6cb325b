#include "store/database.hpp"

#include <chrono>
#include <latch>
#include <string>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/testing.hpp"

namespace swarmbot::store {
namespace {

using swarmbot::testing::TempDir;

bool HasTable(Database& db, const std::string& name) {
  SQLite::Statement q(db.Sql(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.bind(1, name);
  return q.executeStep();
}

TEST(Database, OpensInMemoryAtTheLatestSchemaVersion) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->SchemaVersion(), Database::LatestSchemaVersion());
  EXPECT_GE(Database::LatestSchemaVersion(), 1);
}

TEST(Database, CreatesEveryTableOfTheDomain) {
  auto db = Database::Open(":memory:").value();
  for (const char* table : {"cases", "incidents", "case_links", "swarms", "swarm_members", "outbox",
                            "seen_deliveries", "timeline", "idempotency_keys", "sequences"}) {
    EXPECT_TRUE(HasTable(*db, table)) << table;
  }
}

TEST(Database, UsesWriteAheadLoggingAndForeignKeysForAFile) {
  TempDir dir;
  auto db = Database::Open((dir / "swarmbot.db").string()).value();
  EXPECT_EQ(db->Sql().execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db->Sql().execAndGet("PRAGMA foreign_keys").getInt(), 1);
  EXPECT_GT(db->Sql().execAndGet("PRAGMA busy_timeout").getInt(), 0);
}

mode_t PermissionsOf(const std::string& file) {
  struct stat status {};
  EXPECT_EQ(::stat(file.c_str(), &status), 0) << file;
  return status.st_mode & 0777;
}

// Check 11: the database and its -wal/-shm were 0644 though they hold
// customers' names and addresses.
TEST(Database, CreatesTheFileAndItsSideFilesForItsOwnerOnly) {
  TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  const mode_t previous = ::umask(022);
  auto db = Database::Open(path).value();
  ::umask(previous);
  db->Sql().exec("INSERT INTO sequences (kind, last_value) VALUES ('CASE', 1)");
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    EXPECT_EQ(PermissionsOf(file), 0600u) << file;
  }
}

TEST(Database, NarrowsAFileThatOthersCanRead) {
  TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  // An older swarmbot's connection, still open, keeps its -wal and -shm.
  SQLite::Database older(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  older.exec("PRAGMA journal_mode = WAL");
  older.exec("CREATE TABLE unrelated (x INTEGER)");
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0) << file;
  }
  auto db = Database::Open(path).value();
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    EXPECT_EQ(PermissionsOf(file), 0600u) << file;
  }
}

TEST(Database, ForeignKeysRejectATimelineEntryForAMissingIncident) {
  auto db = Database::Open(":memory:").value();
  EXPECT_THROW(db->Sql().exec("INSERT INTO timeline (incident_id, at, actor, kind, text) "
                              "VALUES (99, 0, 'U1', 'x', 'y')"),
               SQLite::Exception);
}

TEST(Database, ReopeningAFileKeepsItsDataAndVersion) {
  TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  {
    auto db = Database::Open(path).value();
    db->Sql().exec("INSERT INTO sequences (kind, last_value) VALUES ('CASE', 7)");
  }
  auto db = Database::Open(path).value();
  EXPECT_EQ(db->SchemaVersion(), Database::LatestSchemaVersion());
  EXPECT_EQ(db->Sql().execAndGet("SELECT last_value FROM sequences").getInt(), 7);
}

TEST(Database, MigratesAnEmptyFileFromVersionZero) {
  TempDir dir;
  const std::string path = (dir / "old.db").string();
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE unrelated (x INTEGER)");
  }
  auto db = Database::Open(path);
  ASSERT_TRUE(db) << db.error().detail;
  EXPECT_EQ((*db)->SchemaVersion(), Database::LatestSchemaVersion());
  EXPECT_TRUE(HasTable(**db, "unrelated"));
}

// Check 20's kit started an import beside serve on a new store: both read
// version 0 and the second failed with "table case_comments already exists".
TEST(Database, TwoOpeningANewFileAtOnceMigrateItOnce) {
  TempDir dir;
  for (int round = 0; round < 30; ++round) {
    const std::string path = (dir / ("new" + std::to_string(round) + ".db")).string();
    std::latch start(2);
    std::string failures[2];
    auto open = [&](int who) {
      start.arrive_and_wait();
      if (auto db = Database::Open(path); !db) {
        failures[who] = db.error().detail;
      }
    };
    std::thread first(open, 0);
    std::thread second(open, 1);
    first.join();
    second.join();
    ASSERT_EQ(failures[0], "") << "round " << round;
    ASSERT_EQ(failures[1], "") << "round " << round;
    EXPECT_EQ(Database::Open(path).value()->SchemaVersion(), Database::LatestSchemaVersion());
  }
}

TEST(Database, RefusesAFileWrittenByANewerVersion) {
  TempDir dir;
  const std::string path = (dir / "newer.db").string();
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = " + std::to_string(Database::LatestSchemaVersion() + 1));
  }
  auto db = Database::Open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::kConflict);
  EXPECT_NE(db.error().user_message.find("newer"), std::string::npos);
  EXPECT_NE(db.error().user_message.find(path), std::string::npos);

  // Nothing was changed: the version is still the newer one.
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), Database::LatestSchemaVersion() + 1);
}

TEST(Database, ReportsAFileThatIsNotADatabaseWithoutThrowing) {
  TempDir dir;
  const auto path = dir / "notes.txt";
  swarmbot::testing::WriteFile(path, std::string(4096, 'x'));
  Result<std::unique_ptr<Database>> db = MakeError(Errc::kInternal, "unset");
  EXPECT_NO_THROW(db = Database::Open(path.string()));
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::kInvalidInput);
  EXPECT_NE(db.error().user_message.find("not a SQLite database"), std::string::npos);
}

TEST(Database, AShorterBusyTimeoutLastsForItsScopeOnly) {
  auto db = Database::Open(":memory:").value();
  const auto timeout = [&] { return db->Sql().execAndGet("PRAGMA busy_timeout").getInt(); };
  db->Sql().setBusyTimeout(500);
  {
    const ShorterBusyTimeout shorter(*db, std::chrono::milliseconds(100));
    EXPECT_EQ(timeout(), 100);
    const ShorterBusyTimeout longer(*db, std::chrono::milliseconds(300));
    EXPECT_EQ(timeout(), 100);
  }
  EXPECT_EQ(timeout(), 500);
}

TEST(Database, ReportsAPathThatCannotBeOpened) {
  TempDir dir;
  auto db = Database::Open((dir / "missing-folder" / "x.db").string());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::kUnavailable);
  EXPECT_NE(db.error().user_message.find("cannot open"), std::string::npos);
}

TEST(NestedTransaction, NestsAsASavepointThatTheOuterOneDecides) {
  auto db = Database::Open(":memory:").value();
  db->Sql().exec("CREATE TABLE t (v INTEGER)");
  const auto count = [&] { return db->Sql().execAndGet("SELECT count(*) FROM t").getInt(); };
  {
    NestedTransaction outer(*db);
    EXPECT_TRUE(InTransaction(*db));
    {
      NestedTransaction inner(*db);
      db->Sql().exec("INSERT INTO t VALUES (1)");
      inner.Commit();
    }
    {
      NestedTransaction undone(*db);
      db->Sql().exec("INSERT INTO t VALUES (2)");
    }  // rolled back alone
    EXPECT_EQ(count(), 1);
  }  // the outer one rolls back the inner commit too
  EXPECT_FALSE(InTransaction(*db));
  EXPECT_EQ(count(), 0);
  {
    NestedTransaction outer(*db);
    NestedTransaction inner(*db);
    db->Sql().exec("INSERT INTO t VALUES (3)");
    inner.Commit();
    outer.Commit();
  }
  EXPECT_EQ(count(), 1);
}

}  // namespace
}  // namespace swarmbot::store
