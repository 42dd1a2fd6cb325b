#include "app/history_import.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "app/app.hpp"
#include "app/instance_lock.hpp"
#include "store/people_repository.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::app {
namespace {

using namespace std::chrono_literals;

std::vector<store::HistoryRow> Rows(std::size_t n, const std::string& resolver = "U0SOFIA") {
  std::vector<store::HistoryRow> rows;
  for (std::size_t i = 0; i < n; ++i) {
    store::HistoryRow row;
    row.id = "H-" + std::to_string(10'000 + i);
    row.at = Clock::TimePoint{std::chrono::seconds{1'700'000'000}};
    row.title = "FEAST25 rejected";
    row.text = "the discount code fails at checkout";
    row.components = {"checkout"};
    row.resolver = resolver;
    rows.push_back(std::move(row));
  }
  return rows;
}

class HistoryImport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Database::Open(path_);
    ASSERT_TRUE(opened) << opened.error().detail;
    db_ = std::move(*opened);
  }

  int StoredRows() { return db_->Sql().execAndGet("SELECT count(*) FROM expert_history").getInt(); }

  testing::TempDir dir_;
  std::string path_ = (dir_ / "swarmbot.db").string();
  std::unique_ptr<store::Database> db_;
  FakeClock clock_;
};

TEST_F(HistoryImport, WritesEveryRowInBatchesAndCountsAddedThenUpdated) {
  const HistoryWriteOptions options{.batch_rows = 64, .pause_share = 0};
  const auto first = WriteHistoryInBatches(*db_, clock_, Rows(1000), options);
  ASSERT_FALSE(first.failure) << first.failure->detail;
  EXPECT_EQ(first.written, 1000u);
  EXPECT_EQ(first.added, 1000);
  EXPECT_EQ(first.updated, 0);
  EXPECT_EQ(HistorySummary("h.jsonl", 1000, first, {}),
            "imported h.jsonl: 1000 records (1000 added, 0 updated)");

  const auto again = WriteHistoryInBatches(*db_, clock_, Rows(1000), options);
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.updated, 1000);
  EXPECT_EQ(StoredRows(), 1000) << "ids replace";
}

TEST_F(HistoryImport, AFailingBatchKeepsTheEarlierOnesAndSaysHowFarItGot) {
  db_->Sql().exec(
      "CREATE TRIGGER refuse_one BEFORE INSERT ON expert_history WHEN NEW.id = 'H-10250' "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  const HistoryWriteOptions options{.batch_rows = 100, .pause_share = 0};
  const auto outcome = WriteHistoryInBatches(*db_, clock_, Rows(1000), options);
  ASSERT_TRUE(outcome.failure);
  EXPECT_EQ(outcome.written, 200u);
  EXPECT_EQ(StoredRows(), 200) << "the failed batch left nothing behind";
  EXPECT_EQ(HistorySummary("h.jsonl", 1000, outcome, {}),
            "import history stopped: h.jsonl: the store failed after 200 of 1000 records were "
            "written (200 added, 0 updated); the other 800 were not. Records replace by id, so "
            "importing the same file again completes it.");

  db_->Sql().exec("DROP TRIGGER refuse_one");
  const auto rerun = WriteHistoryInBatches(*db_, clock_, Rows(1000), options);
  ASSERT_FALSE(rerun.failure);
  EXPECT_EQ(rerun.updated, 200);
  EXPECT_EQ(rerun.added, 800);
  EXPECT_EQ(StoredRows(), 1000);
}

// The bug this guards against: one transaction for the whole file kept a
// running swarmbot's writes waiting past Slack's deadline for seconds.
TEST_F(HistoryImport, AnotherWriterGetsTheLockWithinItsBusyTimeoutThroughoutABigImport) {
  // Opened as swarmbot opens it (WAL, synchronous=NORMAL), with a short wait.
  auto opened = store::Database::Open(path_);
  ASSERT_TRUE(opened);
  SQLite::Database& bot = (*opened)->Sql();
  bot.exec("CREATE TABLE bot_writes (n INTEGER)");
  bot.setBusyTimeout(250);
  std::atomic<bool> done{false};
  HistoryWriteOutcome outcome;
  std::thread importer([&] {
    outcome = WriteHistoryInBatches(*db_, clock_, Rows(30'000), {});
    done = true;
  });
  int writes = 0;
  int refused = 0;
  auto longest = std::chrono::steady_clock::duration::zero();
  while (!done) {
    const auto started = std::chrono::steady_clock::now();
    try {
      SQLite::Transaction transaction(bot, SQLite::TransactionBehavior::IMMEDIATE);
      bot.exec("INSERT INTO bot_writes VALUES (1)");
      transaction.commit();
      ++writes;
    } catch (const SQLite::Exception&) {
      ++refused;
    }
    longest = std::max(longest, std::chrono::steady_clock::now() - started);
    // Like the bot, it reads between writes (WAL: without the lock), which
    // leaves the importer its turns.
    bot.execAndGet("SELECT count(*) FROM expert_history");
  }
  importer.join();
  ASSERT_FALSE(outcome.failure);
  EXPECT_EQ(outcome.written, 30'000u);
  EXPECT_EQ(refused, 0) << "longest wait "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(longest).count()
                        << " ms";
  EXPECT_GT(writes, 10) << "the writes overlapped the import";
}

// Breaker round 7: a stop for a busy database read "the store failed", as if
// something were broken, and didn't say whether running it again was safe.
TEST_F(HistoryImport, AStopForABusyDatabaseSaysSoAndThatARerunIsSafe) {
  const HistoryWriteOptions options{.batch_rows = 100, .pause_share = 0};
  ASSERT_FALSE(WriteHistoryInBatches(*db_, clock_, Rows(100), options).failure);
  auto opened = store::Database::Open(path_);
  ASSERT_TRUE(opened);
  SQLite::Database& holder = (*opened)->Sql();
  holder.exec("BEGIN IMMEDIATE");
  db_->Sql().setBusyTimeout(50);
  const auto outcome = WriteHistoryInBatches(*db_, clock_, Rows(1000), options);
  holder.exec("ROLLBACK");
  ASSERT_TRUE(outcome.failure);
  EXPECT_EQ(outcome.written, 0u);
  EXPECT_EQ(HistorySummary("h.jsonl", 1000, outcome, {}),
            "import history stopped: h.jsonl: the database was busy (another process held its "
            "write lock for longer than the import waits) after 0 of 1000 records were written "
            "(0 added, 0 updated); the other 1000 were not. Records replace by id, so it is safe "
            "to run again: importing the same file again completes it.");
}

// Breaker round 7 (B6): two imports of files sharing ids ran at once, both
// exited 0, and the store held a mix of the two.
TEST_F(HistoryImport, ASecondImportRefusesAtOnceWhileAnotherHoldsTheLock) {
  config::Config config;
  config.store_path = path_;
  const auto file = dir_ / "h.jsonl";
  testing::WriteFile(file,
                     R"({"id": "H-1", "time": "2025-01-01T00:00:00Z", "title": "promo code", )"
                     R"("text": "rejected", "components": ["checkout"], "expert": "U0SOFIA"})"
                     "\n");
  {
    auto first = InstanceLock::Acquire(ImportLockFile(config), "held by the test");
    ASSERT_TRUE(first) << first.error().user_message;
    ::testing::internal::CaptureStderr();
    const int status = ImportHistory(config, file);
    const std::string said = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(status, kExitFailure);
    EXPECT_NE(said.find("swarmbot: import history: another import of history into this "
                        "database is running; wait for it to finish, then run this one (pid "),
              std::string::npos)
        << said;
    EXPECT_EQ(StoredRows(), 0);
  }
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(ImportHistory(config, file), kExitOk);
  EXPECT_NE(::testing::internal::GetCapturedStdout().find("imported h.jsonl: 1 record"),
            std::string::npos);
  EXPECT_EQ(StoredRows(), 1) << "the lock is free once its holder is done";
}

// check 8: a second spelling of the same database (a symbolic link) took a
// lock of its own, and two imports wrote at once.
TEST_F(HistoryImport, TwoSpellingsOfOneDatabaseShareTheImportLock) {
  config::Config direct;
  direct.store_path = path_;
  config::Config aliased;
  aliased.store_path = (dir_ / "alias.db").string();
  std::filesystem::create_symlink(path_, aliased.store_path);
  EXPECT_EQ(ImportLockFile(aliased), ImportLockFile(direct));
  auto first = InstanceLock::Acquire(ImportLockFile(direct), "held by the test");
  ASSERT_TRUE(first) << first.error().user_message;
  EXPECT_FALSE(InstanceLock::Acquire(ImportLockFile(aliased), "held by the test"));
}

TEST_F(HistoryImport, NamesTheResolversNobodyInThePeopleListMatches) {
  store::PeopleRepository people(*db_);
  for (const auto& [user, name] : {std::pair{"U0SOFIA", "Sofia"}, {"U0OLD", "Olga"}}) {
    store::Person person;
    person.user = UserId(user);
    person.display_name = name;
    people.Upsert(person, clock_.Now());
  }
  people.DeactivateAllExcept({UserId("U0SOFIA")}, clock_.Now());
  std::vector<store::HistoryRow> rows;
  for (const std::string resolver :
       {"U0SOFIA", "sofia", "SOFIA", "Olga", "U0NOBODY", "U0NOBODY", "u0sofia"}) {
    rows.push_back(Rows(1, resolver).front());
  }
  auto unknown = UnknownResolvers(*db_, rows);
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->size(), 3u);
  EXPECT_EQ((*unknown)[0].name, "Olga") << "no longer in the people list";
  EXPECT_EQ((*unknown)[1].name, "U0NOBODY");
  EXPECT_EQ((*unknown)[1].rows, 2u);
  EXPECT_EQ((*unknown)[2].name, "u0sofia") << "user ids match exactly, as the Expert Finder does";
  HistoryWriteOutcome outcome;
  outcome.added = 7;
  outcome.written = 7;
  EXPECT_EQ(HistorySummary("h.jsonl", 7, outcome, *unknown),
            "imported h.jsonl: 7 records (7 added, 0 updated); 4 records name someone not on "
            "swarmbot's people list (Olga, U0NOBODY, u0sofia): they count once that person "
            "is in the people list (swarmbot import people FILE, by Slack user id or name)");
}

TEST_F(HistoryImport, TheSummaryNamesFiveUnknownResolversAndCountsTheRest) {
  std::vector<UnknownResolver> unknown;
  for (const std::string name : {"a", "b", "c", "d", "e", "f", "g"}) {
    unknown.push_back({name, 1});
  }
  HistoryWriteOutcome outcome;
  outcome.added = 1;
  outcome.updated = 6;
  outcome.written = 7;
  EXPECT_EQ(HistorySummary("h.jsonl", 7, outcome, unknown),
            "imported h.jsonl: 7 records (1 added, 6 updated); 7 records name someone not on "
            "swarmbot's people list (a, b, c, d, e and 2 more): they count once that person "
            "is in the people list (swarmbot import people FILE, by Slack user id or name)");
  outcome.added = 1;
  outcome.updated = 0;
  outcome.written = 1;
  EXPECT_EQ(HistorySummary("h.jsonl", 1, outcome, {{"U0X", 1}}),
            "imported h.jsonl: 1 record (1 added, 0 updated); 1 record names someone not on "
            "swarmbot's people list (U0X): they count once that person is in the people "
            "list (swarmbot import people FILE, by Slack user id or name)");
}

}  // namespace
}  // namespace swarmbot::app
