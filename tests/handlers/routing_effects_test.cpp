#include <algorithm>
#include <map>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/effect_runner.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/routing_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

// Just what routing's effects use of Slack: presence, DMs, posts, history;
// with a post whose reply is lost after Slack took it, and a presence call
// that fails as a 5xx would.
class PresenceSlack final : public SlackApi {
 public:
  awaitable<Result<ApiReply>> Call(std::string method, std::string args_json) override {
    const json::object args = json::parse(args_json).as_object();
    calls.push_back(method);
    auto arg = [&](const char* key) {
      const auto* value = args.if_contains(key);
      return value && value->is_string() ? std::string(value->as_string()) : std::string();
    };
    json::object reply{{"ok", true}};
    if (method == "users.getPresence") {
      if (unavailable_presence > 0) {
        --unavailable_presence;
        co_return MakeError(Errc::kUnavailable, "503");
      }
      reply["presence"] = away.contains(arg("user")) ? "away" : "active";
    } else if (method == "conversations.open") {
      reply["channel"] = json::object{{"id", "D" + arg("users")}};
    } else if (method == "chat.postMessage") {
      posts[arg("channel")].push_back(args);
      if (arg("channel") == lose_reply_in) {
        lose_reply_in.clear();
        co_return MakeError(Errc::kUnavailable, "connection reset after the post was sent");
      }
      reply["ts"] = std::to_string(posts.size()) + ".000100";
    } else if (method == "conversations.history") {
      json::array messages;
      for (const auto& post : posts[arg("channel")]) {
        json::object message{{"text", post.at("text")}};
        if (const auto* metadata = post.if_contains("metadata")) {
          message["metadata"] = *metadata;
        }
        messages.push_back(std::move(message));
      }
      reply["messages"] = std::move(messages);
    } else if (method != "chat.update") {
      co_return MakeError(Errc::kSlackError, "unexpected " + method);
    }
    co_return ApiReply{json::serialize(reply), ""};
  }

  awaitable<Status> Respond(std::string, std::string) override { co_return Status{}; }

  std::size_t Count(const std::string& method) const {
    return static_cast<std::size_t>(std::count(calls.begin(), calls.end(), method));
  }

  std::set<std::string> away;
  std::map<std::string, std::vector<json::object>> posts;  // by channel, oldest first
  std::vector<std::string> calls;
  std::string lose_reply_in;  // the next post in this channel loses its reply
  int unavailable_presence = 0;
};

Settings RoutingSettings() {
  Settings settings;
  settings.managers_channel = ChannelId("CIM");
  settings.routing.assign_on_declare = true;
  settings.routing.rules = {{"promotions", {"discount", "code"}}, {"payments", {"refund"}}};
  return settings;
}

class RoutingEffectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto person = [](const char* id, const char* name, std::map<std::string, int> skills) {
      store::Person p;
      p.user = UserId(id);
      p.display_name = name;
      p.capacity = 3;
      p.skills = std::move(skills);
      return p;
    };
    ASSERT_TRUE(routing_.ImportPeople({person("UPRIYA", "Priya", {{"promotions", 5}}),
                                       person("UOMAR", "Omar", {{"promotions", 4}}),
                                       person("UCHEN", "Chen", {{"payments", 5}})}));
    incidents_.SetAssignOnDeclare(true);
  }

  Status RunOne(const store::OutboxItem& item) {
    boost::asio::io_context io;
    std::optional<Status> result;
    boost::asio::co_spawn(io, runner_.Run(item, slack_),
                          [&](std::exception_ptr error, Status status) {
                            if (error) {
                              std::rethrow_exception(error);
                            }
                            result = std::move(status);
                          });
    io.run();
    return result.value();
  }

  // As the OutboxWorker does, retrying at once; returns how many retries.
  int Drain() {
    store::Outbox outbox(*db_);
    int retries = 0;
    for (int guard = 0; guard < 100; ++guard) {
      auto item = outbox.ClaimNext(clock_.Now());
      if (!item) {
        return retries;
      }
      Status status = RunOne(*item);
      if (status) {
        outbox.MarkDone(item->id, clock_.Now());
      } else if (status.error().Retryable()) {
        ++retries;
        outbox.Retry(item->id, clock_.Now(), status.error().detail);
      } else {
        outbox.MarkFailed(item->id, status.error().detail, clock_.Now());
        ADD_FAILURE() << item->kind << " failed: " << status.error().detail;
      }
    }
    ADD_FAILURE() << "the outbox never drained";
    return retries;
  }

  std::int64_t Declare(const std::string& subject) {
    lifecycle::DeclareInput in;
    in.subject = subject;
    return incidents_.Declare(in, UserId("UMARA")).value().number;
  }

  std::string Owner(std::int64_t incident) {
    return incidents_.FindIncident(incident).value().owner.str();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  lifecycle::IncidentService incidents_{*db_, clock_};
  lifecycle::RoutingService routing_{*db_, clock_, RoutingSettings().routing};
  EffectRunner runner_{*db_, clock_, RoutingSettings()};
  PresenceSlack slack_;
};

TEST_F(RoutingEffectsTest, AsksSlackForPresenceAndSendsTheOwnerOneDirectMessage) {
  slack_.away.insert("UPRIYA");
  const auto incident = Declare("Discount code rejected");
  Drain();
  EXPECT_EQ(Owner(incident), "UOMAR") << "Slack shows Priya away";
  EXPECT_EQ(slack_.Count("users.getPresence"), 2u) << "Chen's skills aren't needed";
  ASSERT_EQ(slack_.posts["DUOMAR"].size(), 1u);
  EXPECT_NE(json::serialize(slack_.posts["DUOMAR"][0]).find("You now own *INC-1*"),
            std::string::npos);
}

// Check10 #7: a new owner during a live swarm was pointed at `/swarm start`
// instead of the channel they were being added to.
TEST_F(RoutingEffectsTest, ANewOwnerDuringASwarmIsToldWhichChannelTheyAreAddedTo) {
  const auto incident = Declare("Discount code rejected");
  Drain();
  lifecycle::SwarmService swarms(*db_, clock_);
  ASSERT_TRUE(swarms.Start({incident, {}, {}}, UserId("UMARA")));
  ASSERT_TRUE(swarms.RecordChannel(incident, ChannelId("CSWARM"), "inc-1-discount-code"));
  ASSERT_TRUE(routing_.AssignTo(incident, UserId("UCHEN"), UserId("UMARA")));
  // Only the message; this Slack knows nothing of swarm channels.
  for (const store::OutboxItem& item : store::Outbox(*db_).Pending()) {
    if (item.kind == "routing.notify_owner") {
      ASSERT_TRUE(RunOne(item));
    }
  }
  ASSERT_EQ(slack_.posts["DUCHEN"].size(), 1u);
  const std::string told = json::serialize(slack_.posts["DUCHEN"][0]);
  EXPECT_NE(told.find("You now own *INC-1*. Its swarm gathers in <#CSWARM>, and you're being "
                      "added to it."),
            std::string::npos)
      << told;
  EXPECT_EQ(told.find("/swarm start"), std::string::npos) << told;
}

TEST_F(RoutingEffectsTest, APostWhoseReplyWasLostIsFoundInTheHistoryNotPostedAgain) {
  slack_.lose_reply_in = "DUPRIYA";
  Declare("Discount code rejected");
  EXPECT_EQ(Drain(), 1);
  EXPECT_EQ(slack_.posts["DUPRIYA"].size(), 1u);
  EXPECT_EQ(slack_.Count("conversations.history"), 1u);
}

TEST_F(RoutingEffectsTest, PresenceThatCannotBeReadCommitsNothingUntilTheRetry) {
  slack_.unavailable_presence = 1;
  const auto incident = Declare("Discount code rejected");
  store::Outbox outbox(*db_);
  auto announce = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(announce);
  outbox.MarkDone(announce->id, clock_.Now());
  auto assign = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(assign);
  ASSERT_EQ(assign->kind, "routing.assign");
  EXPECT_FALSE(RunOne(*assign));
  EXPECT_EQ(Owner(incident), "");
  outbox.Retry(assign->id, clock_.Now(), "503");
  Drain();
  EXPECT_EQ(Owner(incident), "UPRIYA");
  EXPECT_EQ(slack_.posts["DUPRIYA"].size(), 1u);
}

TEST_F(RoutingEffectsTest, NobodyAvailableTellsTheManagersChannelWhy) {
  slack_.away.insert("UCHEN");
  const auto incident = Declare("Refund missing");
  Drain();
  EXPECT_EQ(Owner(incident), "");
  ASSERT_EQ(slack_.posts["CIM"].size(), 2u);  // the announcement, then the notice
  const std::string notice = json::serialize(slack_.posts["CIM"][1]);
  EXPECT_NE(notice.find("Nobody can take *INC-1* yet"), std::string::npos) << notice;
  EXPECT_NE(notice.find("away Chen"), std::string::npos) << notice;
}

TEST_F(RoutingEffectsTest, PreviousOwnersAreToldWhichCasesMoved) {
  ASSERT_TRUE(
      routing_.AssignTo(Declare("Discount code rejected"), UserId("UPRIYA"), UserId("UMARA")));
  // Cases are linked in the store directly: intake is another service's job.
  db_->Sql().exec(
      "INSERT INTO cases (number, contact_name, contact_email, channel, subject, owner, status, "
      "created_at, updated_at) VALUES (7, 'A', 'a@x.example', 'email', 'FEAST25 refused', "
      "'URAVI', 'held', 0, 0)");
  db_->Sql().exec(
      "INSERT INTO case_links (incident_id, case_number, linked_at, linked_by) "
      "VALUES (1, 7, 0, 'UMARA')");
  ASSERT_TRUE(routing_.TakeCases(1, UserId("UPRIYA"), false));
  Drain();
  ASSERT_EQ(slack_.posts["DURAVI"].size(), 1u);
  const std::string text(slack_.posts["DURAVI"][0].at("text").as_string());
  EXPECT_NE(text.find("1 case of yours moved to <@UPRIYA>"), std::string::npos) << text;
  EXPECT_NE(text.find("CASE-7 FEAST25 refused"), std::string::npos) << text;
}

}  // namespace
}  // namespace swarmbot::handlers
