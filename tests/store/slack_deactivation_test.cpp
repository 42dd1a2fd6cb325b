// Migration 19: what Slack said of people's accounts is kept apart from the
// people list, in the database file, so a restart or an import keeps it.
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/detail/migrations.hpp"
#include "store/people_repository.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::store {
namespace {

const UserId kPriya("UPRIYA");
const UserId kSofia("USOFIA");

Person Listed(const UserId& user, const std::string& name) {
  Person person;
  person.user = user;
  person.display_name = name;
  person.capacity = 3;
  person.skills = {{"promotions", 5}};
  return person;
}

// A version 18 file whose people list names Priya and Sofia.
void WriteVersion18File(const std::string& path) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (std::size_t i = 0; i < 18; ++i) {
    raw.exec(std::string(detail::Migrations()[i]));
  }
  raw.exec("PRAGMA user_version = 18");
  raw.exec(R"sql(
    INSERT INTO people (user_id, display_name, capacity, updated_at)
    VALUES ('UPRIYA', 'Priya', 3, 10), ('USOFIA', 'Sofia', 1, 10);
  )sql");
}

TEST(SlackDeactivation, AnUpgradedFileKeepsItsPeopleActiveInSlack) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "v18.db").string();
  WriteVersion18File(path);

  auto db = Database::Open(path);
  ASSERT_TRUE(db) << db.error().detail;
  PeopleRepository people(**db);
  const auto priya = people.Find(kPriya);
  ASSERT_TRUE(priya);
  EXPECT_TRUE(priya->active);
  EXPECT_FALSE(priya->slack_deactivated);
  EXPECT_EQ(people.Active().size(), 2u);
}

TEST(SlackDeactivation, SurvivesReopeningAndAnImportUntilSlackSaysItIsBack) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "swarmbot.db").string();
  const Clock::TimePoint now{};
  {
    auto db = Database::Open(path).value();
    PeopleRepository people(*db);
    people.Upsert(Listed(kSofia, "Sofia"), now);
    EXPECT_TRUE(people.SetSlackDeactivated(kPriya, true, "user_change", now))
        << "kept before the people file names her";
    EXPECT_FALSE(people.SetSlackDeactivated(kPriya, true, "user_change", now)) << "no change";
  }
  {
    auto db = Database::Open(path).value();
    PeopleRepository people(*db);
    people.Upsert(Listed(kPriya, "Priya"), now);  // the import lists her
    const auto priya = people.Find(kPriya).value();
    EXPECT_TRUE(priya.active);
    EXPECT_TRUE(priya.slack_deactivated);
    EXPECT_FALSE(people.Find(kSofia).value().slack_deactivated);
    EXPECT_TRUE(people.SetSlackDeactivated(kPriya, false, "user_change", now));
  }
  auto db = Database::Open(path).value();
  PeopleRepository people(*db);
  EXPECT_FALSE(people.Find(kPriya).value().slack_deactivated);
  EXPECT_FALSE(people.SetSlackDeactivated(kPriya, false, "user_change", now)) << "no change";
}

}  // namespace
}  // namespace swarmbot::store
