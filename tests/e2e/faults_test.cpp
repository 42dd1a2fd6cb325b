// Slack failing and swarmbot crashing mid-way: every effect still happens, and
// happens once.

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

using emulator::Fault;

class Faults : public EndToEnd {
 protected:
  int ChannelsNamedLike(const std::string& prefix) {
    int n = 0;
    for (const auto& channel : slack().Channels()) {
      n += channel.name.rfind(prefix, 0) == 0 ? 1 : 0;
    }
    return n;
  }

  std::optional<emulator::ChannelSnapshot> SwarmChannel() {
    for (const auto& channel : slack().Channels()) {
      if (channel.name.rfind("inc-1-", 0) == 0) {
        return channel;
      }
    }
    return std::nullopt;
  }

  // The swarm is up when its summary is pinned.
  bool SwarmReady() {
    const auto channel = SwarmChannel();
    return channel && !channel->pins.empty() && channel->HasMember(people().sofia);
  }

  void StartSwarm() {
    Type(people().mara, people().incidents, "/swarm",
         "start INC-1 <@" + people().sofia.str() + "|sofia>");
  }

  // Waits (bounded by kTestTimeout) until swarmbot has exited without being
  // told to; the exit status is left for StopSwarmbot() to collect.
  bool ExitsByItself() {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, stack_->SwarmbotPid(), 0));
    if (pidfd < 0) {
      return false;
    }
    pollfd exited{pidfd, POLLIN, 0};
    const auto timeout = std::chrono::milliseconds(testing::kTestTimeout).count();
    const bool done = ::poll(&exited, 1, static_cast<int>(timeout)) == 1;
    ::close(pidfd);
    return done;
  }

  int SummaryPosts() {
    const auto channel = SwarmChannel();
    int n = 0;
    for (const auto& m : channel ? channel->messages : std::vector<emulator::MessageSnapshot>{}) {
      n += !m.bot_id.empty() && m.text.find("INC-1") != std::string::npos && m.subtype.empty();
    }
    return n;
  }
};

TEST_F(Faults, ARateLimitedCallIsRetriedAfterRetryAfterAndHappensOnce) {
  DeclareFeast25();
  slack().FailNext("conversations.create", 1, Fault::RateLimited(std::chrono::seconds(1)));
  StartSwarm();
  ASSERT_TRUE(Eventually("the swarm after a 429", [&] { return SwarmReady(); }));
  EXPECT_EQ(slack().CallCount("conversations.create"), 2);
  EXPECT_EQ(ChannelsNamedLike("inc-1-"), 1);
}

TEST_F(Faults, AServerErrorIsRetriedAndTheEffectHappensOnce) {
  DeclareFeast25();
  slack().FailNext("pins.add", 2, Fault::HttpError(503));
  StartSwarm();
  ASSERT_TRUE(Eventually("the summary pinned after two 503s", [&] { return SwarmReady(); }));
  EXPECT_EQ(slack().CallCount("pins.add"), 3);
  EXPECT_EQ(SwarmChannel()->pins.size(), 1u);
}

TEST_F(Faults, APostWhoseAnswerWasLostIsNotPostedTwice) {
  DeclareFeast25();
  // Slack posts the summary, then the connection drops before the answer.
  slack().FailNext("chat.postMessage", 1, Fault::PerformThenDrop());
  StartSwarm();
  ASSERT_TRUE(Eventually("the swarm", [&] { return SwarmReady(); }));
  EXPECT_EQ(SummaryPosts(), 1);
}

TEST_F(Faults, KilledBeforeTheEffectRanItHappensExactlyOnceAfterRestart) {
  DeclareFeast25();
  slack().FailNext("conversations.create", 1, Fault::Hold());
  StartSwarm();  // committed: the swarm and its effects are in the store
  ASSERT_TRUE(slack().WaitForHeld("conversations.create", testing::kTestTimeout));
  stack_->KillSwarmbot();
  slack().ReleaseHeld(/*drop_connection=*/true);  // Slack never saw it through
  EXPECT_EQ(ChannelsNamedLike("inc-1-"), 0);

  stack_->StartSwarmbot();
  ASSERT_TRUE(Eventually("the swarm after the restart", [&] { return SwarmReady(); }));
  EXPECT_EQ(ChannelsNamedLike("inc-1-"), 1);
  EXPECT_EQ(SummaryPosts(), 1);
}

TEST_F(Faults, KilledAfterSlackActedButBeforeItHeardTheEffectHappensOnce) {
  DeclareFeast25();
  slack().FailNext("conversations.create", 1, Fault::Hold());
  StartSwarm();
  ASSERT_TRUE(slack().WaitForHeld("conversations.create", testing::kTestTimeout));
  stack_->KillSwarmbot();
  slack().ReleaseHeld(/*drop_connection=*/false);  // Slack creates it; nobody hears
  ASSERT_TRUE(
      Eventually("Slack to create the channel", [&] { return ChannelsNamedLike("inc-1-") == 1; }));

  stack_->StartSwarmbot();
  ASSERT_TRUE(Eventually("the swarm after the restart", [&] { return SwarmReady(); }));
  EXPECT_EQ(ChannelsNamedLike("inc-1-"), 1);
  EXPECT_EQ(SummaryPosts(), 1);
}

TEST_F(Faults, ADroppedSocketIsReopenedAndCommandsKeepWorking) {
  slack().DropSockets();
  ASSERT_TRUE(Eventually("a new socket", [&] {
    return slack().CallCount("apps.connections.open") >= 2 && slack().OpenSocketCount() >= 1;
  }));
  EXPECT_EQ(DeclareFeast25(), "INC-1");
}

TEST_F(Faults, SocketModeTurnedOffInTheAppsSettingsStopsSwarmbotWithAFailure) {
  slack().SendDisconnect("link_disabled");
  ASSERT_TRUE(ExitsByItself());
  EXPECT_TRUE(LogSays("event=socket_mode.stopped error=slack_error"));
  EXPECT_TRUE(LogSays("Socket Mode was turned off"));
  EXPECT_EQ(slack().CallCount("apps.connections.open"), 1);
  EXPECT_EQ(stack_->StopSwarmbot(), 1);  // only collects the exit status
}

TEST_F(Faults, ARefreshRequestedDisconnectMovesToANewSocket) {
  slack().SendDisconnect("refresh_requested");
  // Done when the old socket is gone and the new one is up.
  ASSERT_TRUE(Eventually("the move to a new socket", [&] {
    return slack().CallCount("apps.connections.open") >= 2 && slack().OpenSocketCount() == 1;
  }));
  EXPECT_EQ(DeclareFeast25(), "INC-1");
}

}  // namespace
}  // namespace swarmbot::e2e

namespace swarmbot::e2e {
namespace {

class SlowStartup : public EndToEnd {
 protected:
  void SetUp() override {}  // each test starts swarmbot its own way
};

TEST_F(SlowStartup, StopsAtOnceWhenTerminatedWhileSlackIsUnreachable) {
  Start(/*request_url_mode=*/false, /*launch_only=*/true);
  ASSERT_TRUE(
      Eventually("a retried auth.test", [&] { return slack().CallCount("auth.test") >= 2; }));
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(stack_->StopSwarmbot(), 0);
  // Well inside the 5 s bound that in-flight work gets at shutdown.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(3));
}

}  // namespace
}  // namespace swarmbot::e2e
