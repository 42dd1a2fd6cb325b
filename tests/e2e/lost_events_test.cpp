// Check 7, B3: a member_joined_channel that arrived while another process
// held the store's write lock was acknowledged, failed with "database busy"
// and was never handled again. Now it is handed to the handlers again once
// the store is free, in Socket Mode and in request-URL mode alike.
#include <chrono>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

constexpr std::chrono::milliseconds kLockWait{10'000};

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class LostEvents : public EndToEnd, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override { Start(/*request_url_mode=*/GetParam()); }

  ChannelId StartSwarm() {
    EXPECT_EQ(DeclareFeast25(), "INC-1");
    Type(people().priya, people().incidents, "/swarm", "start INC-1");
    return SwarmChannelWith({people().priya}, "the swarm channel with Priya in it");
  }

  // swarmbot's log says so. The log is the only sign that an attempt failed,
  // and writing it changes nothing in the workspace, so this re-reads it
  // whenever the workspace changes and at least every 50 ms.
  bool LogSays(const std::string& part) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kTestTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (slack().WaitFor([&] { return Has(testing::ReadFile(stack_->LogFile()), part); },
                          std::chrono::milliseconds(50))) {
        return true;
      }
    }
    return false;
  }
};

TEST_P(LostEvents, AJoinThatFoundTheStoreBusyIsRecordedOnceTheStoreIsFree) {
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());
  {
    // Another process (an import, say) holds the write lock for a while. It
    // waits its turn first: the bot may be writing right now.
    SQLite::Database other(stack_->DatabaseFile().string(), SQLite::OPEN_READWRITE,
                           static_cast<int>(kLockWait.count()));
    SQLite::Transaction held(other, SQLite::TransactionBehavior::IMMEDIATE);
    ASSERT_TRUE(slack().JoinChannel(people().sofia, swarm));
    ASSERT_TRUE(LogSays("event=event.failed type=member_joined_channel"));
  }
  ASSERT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + people().sofia.str()));
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  const std::string joined = "<@" + people().sofia.str() + "> · Joined the swarm channel";
  const auto first = status.find(joined);
  EXPECT_NE(first, std::string::npos) << status;
  EXPECT_EQ(status.find(joined, first + 1), std::string::npos) << "on the timeline once\n"
                                                               << status;
  SQLite::Database reader(stack_->DatabaseFile().string(), SQLite::OPEN_READONLY,
                          static_cast<int>(kLockWait.count()));
  EXPECT_EQ(reader
                .execAndGet("SELECT count(*) FROM swarm_members WHERE user_id = '" +
                            people().sofia.str() + "'")
                .getInt(),
            1)
      << "recorded once";
}

INSTANTIATE_TEST_SUITE_P(BothTransports, LostEvents, ::testing::Values(false, true),
                         [](const auto& test) { return test.param ? "RequestUrl" : "SocketMode"; });

}  // namespace
}  // namespace swarmbot::e2e
