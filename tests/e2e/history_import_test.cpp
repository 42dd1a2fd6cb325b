// `swarmbot import history` beside a running swarmbot, and as a command on
// its own.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string Record(int i, const std::string& expert) {
  return "{\"id\": \"H-" + std::to_string(i) +
         "\", \"time\": \"2025-01-01T00:00:00Z\", \"title\": \"promo code rejected\", \"text\": "
         "\"checkout discount basket promo code rejected at the payment step\", "
         "\"components\": [\"checkout\"], \"expert\": \"" +
         expert + "\"}\n";
}

int CountRows(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
  return reader.execAndGet(sql).getInt();
}

class HistoryImportBesideTheBot : public EndToEnd {
 protected:
  int NotesLike(const std::string& pattern) {
    return CountRows(stack_->DatabaseFile(),
                     "SELECT count(*) FROM timeline WHERE text LIKE '" + pattern + "'");
  }
};

// Breaker round 3: one transaction for the whole file held the write lock
// for seconds; a note typed meanwhile timed out in Slack yet was written.
TEST_F(HistoryImportBesideTheBot, CommandsTypedDuringABigImportAreAnsweredAndKept) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const auto file = stack_->work_dir() / "big.jsonl";
  {
    std::ofstream out(file);
    for (int i = 0; i < 60'000; ++i) {
      out << Record(i, "U0NOBODY");
    }
  }
  std::atomic<bool> finished{false};
  demo::Stack::CommandResult imported;
  std::thread importer([&] {
    imported = stack_->RunSwarmbotCommand({"import", "history", file.string()});
    finished = true;
  });
  std::vector<std::string> replies;
  while (!finished) {
    const std::string text = "note INC-1 during import " + std::to_string(replies.size());
    try {
      replies.push_back(Type(people().mara, people().incidents, "/swarm", text));
    } catch (const std::exception& e) {
      replies.push_back(std::string("threw: ") + e.what());
    }
  }
  importer.join();
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_TRUE(Has(imported.output,
                  "imported big.jsonl: 60000 records (60000 added, 0 updated); "
                  "60000 records name someone not on swarmbot's people list (U0NOBODY)"))
      << imported.output;
  EXPECT_GE(replies.size(), 3u) << "notes typed while the import ran";
  for (const std::string& reply : replies) {
    EXPECT_EQ(reply, "Noted on the timeline of INC-1.");
  }
  EXPECT_EQ(NotesLike("%during import%"), static_cast<int>(replies.size()));
}

TEST_F(HistoryImportBesideTheBot, ACommandThatCannotGetTheWriteLockSaysSoInTimeAndChangesNothing) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  SQLite::Database holder(stack_->DatabaseFile().string(), SQLite::OPEN_READWRITE);
  holder.setBusyTimeout(5000);
  holder.exec("BEGIN IMMEDIATE");
  const auto started = std::chrono::steady_clock::now();
  const std::string reply =
      Type(people().mara, people().incidents, "/swarm", "note INC-1 while locked");
  const auto took = std::chrono::steady_clock::now() - started;
  holder.exec("ROLLBACK");
  EXPECT_EQ(reply,
            "swarmbot's database is busy (an import may be writing); nothing was changed. Try "
            "again in a moment.");
  EXPECT_LT(took, slack().options().ack_deadline) << "answered before Slack gave up";
  EXPECT_EQ(NotesLike("%while locked%"), 0);
  EXPECT_EQ(Type(people().mara, people().incidents, "/swarm", "note INC-1 once free"),
            "Noted on the timeline of INC-1.");
}

// The command alone: no Slack, no serving secrets.
struct CommandRun {
  int status = -1;
  std::string output;
};

CommandRun RunImport(const std::filesystem::path& config, const std::filesystem::path& file) {
  const std::string command = "env -i PATH=/usr/bin:/bin '" + testing::SwarmbotBinary().string() +
                              "' import history --config '" + config.string() + "' '" +
                              file.string() + "' 2>&1";
  CommandRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    run.output.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

int Occurrences(std::string_view text, std::string_view part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

TEST(HistoryImportCommand, NeedsNoServingSecretsAndLogsOneLineForANewDatabase) {
  testing::TempDir dir;
  const auto db = dir / "swarmbot.db";
  testing::WriteFile(dir / "swarmbot.toml", "[store]\npath = \"" + db.string() + "\"\n");
  testing::WriteFile(dir / "h.jsonl", Record(1, "U0SOFIA"));
  const CommandRun first = RunImport(dir / "swarmbot.toml", dir / "h.jsonl");
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(Has(first.output, "imported h.jsonl: 1 record (1 added, 0 updated)")) << first.output;
  EXPECT_EQ(Occurrences(first.output, "store.migrated"), 1) << first.output;

  // A bad file changes nothing, and says where and why.
  testing::WriteFile(dir / "bad.jsonl", Record(2, "U0SOFIA") + "\n" + Record(2, "U0DEV"));
  const CommandRun bad = RunImport(dir / "swarmbot.toml", dir / "bad.jsonl");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.output,
            "swarmbot: import history: bad.jsonl:3: the id \"H-2\" is on line 1 too; each id may "
            "appear once in a file\n");
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM expert_history"), 1);
}

}  // namespace
}  // namespace swarmbot::e2e
