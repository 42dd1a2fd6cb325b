// Check 7, B3: a member_joined_channel that arrived while another process
// held the store's write lock was acknowledged, failed with "database busy"
// and was never handled again. Now it is handed to the handlers again once
// the store is free, in Socket Mode and in request-URL mode alike.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

constexpr std::chrono::milliseconds kLockWait{10'000};

class LostEvents : public EndToEnd, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override { Start(/*request_url_mode=*/GetParam()); }

  ChannelId StartSwarm() {
    EXPECT_EQ(DeclareFeast25(), "INC-1");
    Type(people().priya, people().incidents, "/swarm", "start INC-1");
    return SwarmChannelWith({people().priya}, "the swarm channel with Priya in it");
  }

  // How many lines of swarmbot's log say `part`.
  std::size_t LogCount(const std::string& part) {
    const std::string log = testing::ReadFile(stack_->LogFile());
    std::size_t count = 0;
    for (auto at = log.find(part); at != std::string::npos; at = log.find(part, at + 1)) {
      ++count;
    }
    return count;
  }

  // Every side effect queued so far has been performed and recorded: the
  // outbox worker won't touch the store until something wakes it.
  bool OutboxIdle() {
    return Polled([&] {
      SQLite::Database reader(stack_->DatabaseFile().string(), SQLite::OPEN_READONLY,
                              static_cast<int>(kLockWait.count()));
      return reader.execAndGet("SELECT count(*) FROM outbox WHERE state = 'pending'").getInt() == 0;
    });
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
    // Queued while the store is held, and tried later.
    ASSERT_TRUE(LogSays("event=event.retry_queued"));
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

// #4: each event that came while the store was busy held swarmbot for the
// busy timeout twice (its delivery record, then its handler), so a command
// sent behind a handful of them missed Slack's 3 s.
TEST_P(LostEvents, ABurstOfJoinsWhileTheStoreIsBusyLeavesACommandAnsweredInTime) {
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());
  // Four, so that all of them show among the status's latest five entries.
  const std::vector<UserId> joiners = {people().ravi, people().lena, people().omar, people().chen};
  ASSERT_TRUE(OutboxIdle());
  {
    SQLite::Database other(stack_->DatabaseFile().string(), SQLite::OPEN_READWRITE,
                           static_cast<int>(kLockWait.count()));
    SQLite::Transaction held(other, SQLite::TransactionBehavior::IMMEDIATE);
    for (const UserId& joiner : joiners) {
      ASSERT_TRUE(slack().JoinChannel(joiner, swarm));
    }
    // Scenario::Type fails the test if Slack's 3 s pass without an answer.
    const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
    EXPECT_NE(status.find("INC-1"), std::string::npos) << status;
  }
  ASSERT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + joiners.back().str()));
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  std::size_t previous = 0;
  for (const UserId& joiner : joiners) {
    const std::string joined = "<@" + joiner.str() + "> · Joined the swarm channel";
    const auto at = status.find(joined);
    ASSERT_NE(at, std::string::npos) << joiner.str() << "\n" << status;
    EXPECT_GT(at, previous) << "in the order they joined\n" << status;
    EXPECT_EQ(status.find(joined, at + 1), std::string::npos) << "once\n" << status;
    previous = at;
  }
}

// check 10, 2: swarmbot was killed while events waited for a busy store; all
// of them had been acknowledged, so Slack never sent them again, and they were
// lost. Now they wait in a spool beside the database and are handled, once
// each, after the restart.
TEST_P(LostEvents, JoinsWaitingOnABusyStoreWhenSwarmbotIsKilledAreRecordedOnceAfterARestart) {
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());
  const std::vector<UserId> joiners = {people().ravi, people().lena, people().omar};
  ASSERT_TRUE(OutboxIdle());
  {
    SQLite::Database other(stack_->DatabaseFile().string(), SQLite::OPEN_READWRITE,
                           static_cast<int>(kLockWait.count()));
    SQLite::Transaction held(other, SQLite::TransactionBehavior::IMMEDIATE);
    const int sent_before = slack().DeliveryCount("events_api");
    for (const UserId& joiner : joiners) {
      ASSERT_TRUE(slack().JoinChannel(joiner, swarm));
    }
    // Slack sends in order: once a command is answered, every event the joins
    // brought (the join, its channel message) has been sent. Each is on disk
    // before it is logged as queued, and before Slack's acknowledgement.
    Type(people().mara, people().incidents, "/incident", "status INC-1");
    const auto sent = static_cast<std::size_t>(slack().DeliveryCount("events_api") - sent_before);
    ASSERT_GE(sent, joiners.size());
    ASSERT_TRUE(Polled([&] {
      return LogCount("event=event.retry_queued") + LogCount("event=event.retry_duplicate") >= sent;
    }));
    stack_->KillSwarmbot();
    // What the killed process left on disk is what the next one must replay:
    // the log may trail it (an event that came just before the kill), and
    // Slack may redeliver to the next process what this one never answered.
    const std::string spool = stack_->DatabaseFile().string() + ".event-spool";
    ASSERT_TRUE(std::filesystem::exists(spool));
    const std::string spooled = testing::ReadFile(spool);
    std::size_t queued = 0;
    for (auto at = spooled.find("\"kind\":\"event\""); at != std::string::npos;
         at = spooled.find("\"kind\":\"event\"", at + 1)) {
      ++queued;
    }
    ASSERT_GE(queued, joiners.size());

    stack_->StartSwarmbot();
    ASSERT_TRUE(LogSays("event=event.replayed waiting=" + std::to_string(queued)));
  }
  for (const UserId& joiner : joiners) {
    ASSERT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + joiner.str()));
  }
  ASSERT_TRUE(Polled([&] {
    return !std::filesystem::exists(stack_->DatabaseFile().string() + ".event-spool");
  })) << "the spool is emptied once every event was handled";

  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  SQLite::Database reader(stack_->DatabaseFile().string(), SQLite::OPEN_READONLY,
                          static_cast<int>(kLockWait.count()));
  for (const UserId& joiner : joiners) {
    const std::string joined = "<@" + joiner.str() + "> · Joined the swarm channel";
    const auto at = status.find(joined);
    ASSERT_NE(at, std::string::npos) << joiner.str() << "\n" << status;
    EXPECT_EQ(status.find(joined, at + 1), std::string::npos) << "once\n" << status;
    EXPECT_EQ(
        reader
            .execAndGet("SELECT count(*) FROM swarm_members WHERE user_id = '" + joiner.str() + "'")
            .getInt(),
        1)
        << joiner.str() << " recorded once";
  }
}

INSTANTIATE_TEST_SUITE_P(BothTransports, LostEvents, ::testing::Values(false, true),
                         [](const auto& test) { return test.param ? "RequestUrl" : "SocketMode"; });

}  // namespace
}  // namespace swarmbot::e2e
