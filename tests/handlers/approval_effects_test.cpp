#include "handlers/approval_effects.hpp"

#include <map>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/effect_runner.hpp"
#include "lifecycle/approval_effects.hpp"
#include "lifecycle/transaction.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using namespace std::chrono_literals;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The Web API calls the CAB effects make, with a workspace of two groups.
class FakeSlack final : public SlackApi {
 public:
  awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override {
    json::object args = json::parse(args_json).as_object();
    calls.push_back(method);
    if (unavailable > 0) {
      --unavailable;
      co_return MakeError(Errc::kUnavailable, "slack is down");
    }
    json::object reply{{"ok", true}};
    if (method == "usergroups.list") {
      reply["usergroups"] = json::array{json::object{{"id", "S0ECAB"}, {"handle", "ecab"}}};
    } else if (method == "usergroups.users.list") {
      const auto group = args.at("usergroup").as_string();
      if (group == "S0ECAB") {
        reply["users"] = json::array{"UKOFI", "ULENA"};
      } else if (group == "S0MGRS") {
        reply["users"] = json::array{"UMARA"};
      } else {
        co_return SlackError("no_such_subteam");
      }
    } else if (method == "chat.postMessage") {
      args["ts"] = "1700000000." + std::to_string(100 + posts.size());
      reply["ts"] = args["ts"];
      posts.push_back(args);
    } else if (method == "chat.update") {
      updates.push_back(args);
    } else if (method == "chat.getPermalink") {
      reply["permalink"] = "https://takeout.slack.com/archives/C0CAB/p1";
    } else if (method == "conversations.history") {
      json::array messages;
      for (const auto& post : posts) {
        messages.push_back(post);
      }
      reply["messages"] = messages;
    }
    co_return ApiReply{json::serialize(reply), ""};
  }
  awaitable<Status> Respond(std::string, std::string) override { co_return Status{}; }

  static Error SlackError(std::string code) {
    Error e = MakeError(Errc::kSlackError, "slack said " + code);
    e.slack_error = std::move(code);
    return e;
  }

  std::size_t Count(std::string_view method) const {
    return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), method));
  }

  std::vector<std::string> calls;
  std::vector<json::object> posts;
  std::vector<json::object> updates;
  int unavailable = 0;
};

lifecycle::CabSettings Cab(std::vector<UserGroupId> groups = {UserGroupId("S0ECAB")}) {
  lifecycle::CabSettings cab;
  cab.channel = ChannelId("C0CAB");
  cab.escalation_channel = ChannelId("C0MGR");
  lifecycle::ApprovalPolicy emergency;
  emergency.groups = std::move(groups);
  emergency.rule = lifecycle::ApprovalRule::kNOfM;
  emergency.n = 2;
  emergency.deadline = 2h;
  cab.policies["emergency"] = emergency;
  return cab;
}

Settings BotSettings() {
  Settings settings;
  settings.bot_user_id = UserId("UBOT");
  return settings;
}

class ApprovalEffectsTest : public ::testing::Test {
 protected:
  void Open(lifecycle::CabSettings cab = Cab()) {
    settings_.cab = std::move(cab);
    runner_ = std::make_unique<EffectRunner>(*db_, clock_, settings_);
    lifecycle::ApprovalService service(*db_, clock_, settings_.cab);
    lifecycle::ApprovalSubject s;
    s.subject = "CHG-3";
    s.type = "emergency";
    s.requester = UserId("UDEV");
    s.title = "Restore FEAST25 validation";
    s.risk = "high";
    s.plan_version = 1;
    ASSERT_TRUE(
        lifecycle::InTransaction(*db_, "open", [&] { return service.OpenInTransaction(s); }));
  }

  // Runs every due item in order, as the outbox worker does; returns the
  // first failure, if any.
  Status RunDue() {
    store::Outbox outbox(*db_);
    while (auto item = outbox.ClaimNext(clock_.Now())) {
      boost::asio::io_context io;
      auto done = boost::asio::co_spawn(io, runner_->Run(*item, slack_), boost::asio::use_future);
      io.run();
      Status status = done.get();
      if (!status) {
        outbox.Retry(item->id, clock_.Now(), status.error().detail);
        return status;
      }
      outbox.MarkDone(item->id, clock_.Now());
    }
    return {};
  }

  lifecycle::ApprovalRecord Record() {
    return lifecycle::ApprovalService(*db_, clock_, settings_.cab).Find(1).value();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_ = BotSettings();
  std::unique_ptr<EffectRunner> runner_;
  FakeSlack slack_;
};

TEST_F(ApprovalEffectsTest, PostingResolvesTheGroupsAndKeepsTheSnapshot) {
  Open();
  ASSERT_TRUE(RunDue());
  ASSERT_EQ(slack_.posts.size(), 1u);
  EXPECT_EQ(std::string(slack_.posts[0].at("channel").as_string()), "C0CAB");
  const std::string blocks = json::serialize(slack_.posts[0].at("blocks"));
  EXPECT_TRUE(Contains(blocks, "2 of @ecab"));
  EXPECT_TRUE(Contains(blocks, "cab.approve"));
  const auto record = Record();
  EXPECT_EQ(record.request.message_ts.str(), "1700000000.100");
  ASSERT_EQ(record.request.groups.size(), 1u);
  EXPECT_EQ(record.request.groups[0].handle, "ecab");
  EXPECT_EQ(record.request.groups[0].members,
            (std::vector<UserId>{UserId("UKOFI"), UserId("ULENA")}));
}

TEST_F(ApprovalEffectsTest, AnUnknownGroupApprovesNothingAndTheMessageSaysSo) {
  Open(Cab({UserGroupId("S0GONE")}));
  ASSERT_TRUE(RunDue());
  ASSERT_EQ(slack_.posts.size(), 1u);
  EXPECT_TRUE(Contains(json::serialize(slack_.posts[0]), "can't be met"));
}

TEST_F(ApprovalEffectsTest, SlackDownIsRetriedWithoutRecordingAnEmptyElectorate) {
  Open();
  slack_.unavailable = 1;
  const Status failed = RunDue();
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().Retryable());
  EXPECT_FALSE(Record().request.members_resolved);
}

TEST_F(ApprovalEffectsTest, TheDeadlineEscalatesOnceWithALink) {
  Open();
  ASSERT_TRUE(RunDue());
  clock_.Advance(2h);
  ASSERT_TRUE(RunDue());
  ASSERT_EQ(slack_.posts.size(), 2u);
  EXPECT_EQ(std::string(slack_.posts[1].at("channel").as_string()), "C0MGR");
  const std::string text = json::serialize(slack_.posts[1]);
  EXPECT_TRUE(Contains(text, "CHG-3"));
  EXPECT_TRUE(Contains(text, "2 h"));
  EXPECT_TRUE(Contains(text, "https://takeout.slack.com/archives/C0CAB/p1"));
  EXPECT_TRUE(Record().request.escalated_at);
  EXPECT_TRUE(Contains(json::serialize(slack_.updates.back()), "Escalated"));
  // The effect re-checks: a second firing (a retry) posts nothing more.
  store::Outbox(*db_).Enqueue("CAB-1.deadline", lifecycle::effect::kCabDeadline, {{"request", "1"}},
                              clock_.Now());
  ASSERT_TRUE(RunDue());
  EXPECT_EQ(slack_.posts.size(), 2u);
}

TEST_F(ApprovalEffectsTest, ADecisionBeforeTheDeadlineMeansNoEscalation) {
  Open();
  ASSERT_TRUE(RunDue());
  lifecycle::ApprovalService service(*db_, clock_, settings_.cab);
  ASSERT_TRUE(service.Vote(1, UserId("UKOFI"), false, "Not tonight"));
  ASSERT_TRUE(RunDue());
  EXPECT_TRUE(Contains(json::serialize(slack_.updates.back()), "Rejected: CHG-3"));
  clock_.Advance(3h);
  ASSERT_TRUE(RunDue());
  EXPECT_EQ(slack_.posts.size(), 1u);
}

TEST_F(ApprovalEffectsTest, RoleGroupsAreReadIntoTheStore) {
  Open();
  lifecycle::ApprovalService service(*db_, clock_, settings_.cab);
  ASSERT_TRUE(service.QueueRoleRefresh({UserGroupId("S0MGRS")}));
  ASSERT_TRUE(RunDue());
  EXPECT_TRUE(service.InAnyGroup({UserGroupId("S0MGRS")}, UserId("UMARA")));
}

}  // namespace
}  // namespace swarmbot::handlers
