// Migration 3 (issue #3): incidents move to the guarded states and keep
// every row that refers to them.
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/detail/migrations.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::store {
namespace {

// A file as swarmbot left it at schema version 2, with incidents in the old
// states and rows in every table that refers to them.
void WriteVersion2File(const std::string& path) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  raw.exec("PRAGMA foreign_keys = ON");
  for (std::size_t i = 0; i < 2; ++i) {
    raw.exec(std::string(detail::Migrations()[i]));
  }
  raw.exec("PRAGMA user_version = 2");
  raw.exec(R"sql(
    INSERT INTO incidents (number, subject, impact, urgency, priority, state, declared_by,
                           created_at, closed_at)
    VALUES (1, 'one', 'high', 'high', 1, 'declared', 'U1', 10, NULL),
           (2, 'two', 'medium', 'high', 2, 'investigating', 'U1', 20, NULL),
           (3, 'three', 'low', 'low', 4, 'closed', 'U1', 30, 40);
    INSERT INTO cases (number, contact_name, contact_email, channel, subject, status,
                       incident_id, created_at, updated_at)
    VALUES (1, 'Ana', 'ana@example.com', 'chat', 's', 'held', 2, 1, 1);
    INSERT INTO case_links (incident_id, case_number, linked_at, linked_by)
    VALUES (2, 1, 5, 'U1');
    INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (3, 40, 'U1', 'closed', 'x');
  )sql");
}

TEST(IncidentStatesMigration, MapsTheOldStatesAndKeepsEveryReference) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "v2.db").string();
  WriteVersion2File(path);

  auto db = Database::Open(path);
  ASSERT_TRUE(db) << db.error().detail;
  auto& sql = (*db)->Sql();
  EXPECT_EQ(sql.execAndGet("SELECT group_concat(state, ',') FROM (SELECT state FROM incidents "
                           "ORDER BY number)")
                .getString(),
            "new,in_progress,closed");
  EXPECT_EQ(sql.execAndGet("SELECT matrix_priority FROM incidents WHERE number = 2").getInt(), 2);
  EXPECT_EQ(sql.execAndGet("SELECT closed_at FROM incidents WHERE number = 3").getInt(), 40);
  EXPECT_EQ(sql.execAndGet("SELECT COUNT(*) FROM case_links").getInt(), 1);
  SQLite::Statement check(sql, "PRAGMA foreign_key_check");
  EXPECT_FALSE(check.executeStep()) << "a row lost its incident";
  // The references point at the new table.
  EXPECT_THROW(sql.exec("INSERT INTO timeline (incident_id, at, actor, kind, text) "
                        "VALUES (99, 0, 'U1', 'x', 'y')"),
               SQLite::Exception);
  EXPECT_THROW(sql.exec("UPDATE incidents SET state = 'investigating' WHERE number = 1"),
               SQLite::Exception);
}

}  // namespace
}  // namespace swarmbot::store
