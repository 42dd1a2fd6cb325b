// Check 22, 1: swarmbot answered an Events API request 200 and was killed
// before it had handled it; Slack never sends an answered event again, and
// the restart replayed nothing (event.replayed waiting=0). Now the event is in
// the spool before the 200, so the next process handles it, once.
//
// This test plays Slack itself: it posts each signed event, and the moment
// the 200 is read it sends SIGKILL. Whether the handling had begun by then
// varies; either way the join must be recorded exactly once after a restart.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sys/types.h>

#include "common/crypto.hpp"
#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

class AckedEventKill : public EndToEnd {
 protected:
  void SetUp() override { Start(/*request_url_mode=*/true); }

  // A member_joined_channel for `user` in `channel`, as Slack would post it.
  demo::Stack::HttpResult PostJoin(const UserId& user, const ChannelId& channel,
                                   const std::string& event_id) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto now = micros / 1'000'000;
    char event_ts[32];
    std::snprintf(event_ts, sizeof event_ts, "%lld.%06lld", static_cast<long long>(now),
                  static_cast<long long>(micros % 1'000'000));
    const emulator::Options& o = slack().options();
    const boost::json::object body{{"token", o.verification_token},
                                   {"team_id", o.team_id},
                                   {"api_app_id", o.app_id},
                                   {"type", "event_callback"},
                                   {"event_id", event_id},
                                   {"event_time", now},
                                   {"event", boost::json::object{{"type", "member_joined_channel"},
                                                                 {"user", user.str()},
                                                                 {"channel", channel.str()},
                                                                 {"channel_type", "C"},
                                                                 {"team", o.team_id},
                                                                 {"event_ts", event_ts}}}};
    const std::string text = boost::json::serialize(body);
    const std::string timestamp = std::to_string(now);
    const std::string signature =
        "v0=" + HmacSha256Hex(o.signing_secret.Reveal(), "v0:" + timestamp + ":" + text);
    return stack_->Request("POST", "/slack/events",
                           {{"Content-Type", "application/json"},
                            {"X-Slack-Request-Timestamp", timestamp},
                            {"X-Slack-Signature", signature}},
                           text);
  }
};

TEST_F(AckedEventKill, AJoinAnsweredJustBeforeSwarmbotIsKilledIsRecordedOnceAfterTheRestart) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  Type(people().priya, people().incidents, "/swarm", "start INC-1");
  const ChannelId swarm = SwarmChannelWith({people().priya}, "the swarm channel with Priya in it");
  ASSERT_FALSE(swarm.empty());

  const std::vector<UserId> joiners = {people().ravi, people().lena, people().omar};
  int round = 0;
  for (const UserId& joiner : joiners) {
    const pid_t pid = stack_->SwarmbotPid();
    const auto answer = PostJoin(joiner, swarm, "EvKILL" + std::to_string(++round) + "A0");
    ::kill(pid, SIGKILL);  // at once: no wait between the answer and the crash
    ASSERT_EQ(answer.status, 200) << answer.body;
    stack_->KillSwarmbot();  // reaps it
    stack_->StartSwarmbot();
    ASSERT_TRUE(LogSays("event=swarm.member_joined incident=INC-1 user=" + joiner.str()))
        << "the answered join was never handled";
  }

  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  SQLite::Database reader(stack_->DatabaseFile().string(), SQLite::OPEN_READONLY, 10'000);
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

}  // namespace
}  // namespace swarmbot::e2e
