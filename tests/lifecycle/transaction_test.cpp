#include "lifecycle/transaction.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "tests/support/testing.hpp"

namespace swarmbot::lifecycle {
namespace {

using swarmbot::testing::TempDir;

// Another process (an import) holds the write lock longer than this
// connection waits: the operation changes nothing and says to try again, and
// the outbox, seeing a retryable error, tries the effect again later.
TEST(Transaction, AWriteLockHeldElsewhereIsReportedAsWorthRetrying) {
  TempDir dir;
  const std::string path = (dir.path() / "swarmbot.db").string();
  auto holder = store::Database::Open(path).value();
  auto waiter = store::Database::Open(path).value();
  waiter->Sql().setBusyTimeout(20);
  holder->Sql().exec("BEGIN IMMEDIATE");

  int runs = 0;
  const auto body = [&]() -> Result<int> {
    ++runs;
    return 1;
  };
  const auto refused = InTransaction(*waiter, "test_write", body);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  EXPECT_TRUE(refused.error().Retryable());
  EXPECT_EQ(refused.error().user_message,
            "swarmbot's database is busy (an import may be writing); nothing was changed. Try "
            "again in a moment.");
  EXPECT_EQ(runs, 0);

  holder->Sql().exec("COMMIT");
  const auto done = InTransaction(*waiter, "test_write", body);
  ASSERT_TRUE(done);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace swarmbot::lifecycle
