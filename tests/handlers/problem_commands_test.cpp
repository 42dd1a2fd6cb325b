// /problem through the router as Slack delivers it (issue #5): the swarm
// channel implies the incident and the problem, replies say what happened,
// and bad input is answered without changing anything.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/router.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class ProblemCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    in.subject = "Pricing page slow";
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    lifecycle::SwarmService swarms(*db_, clock_);
    ASSERT_TRUE(swarms.Start({1, {}, {}}, UserId("UMARA")));
    ASSERT_TRUE(swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
    // UDEV works on both incidents: in INC-1's swarm, owner of INC-2.
    ASSERT_TRUE(swarms.MemberJoined(ChannelId("CSWARM"), UserId("UDEV")));
    db_->Sql().exec("UPDATE incidents SET owner = 'UDEV' WHERE number = 2");
    // A responder on the people list: his place in the swarm counts.
    db_->Sql().exec(
        "INSERT INTO people (user_id, display_name, capacity, updated_at) VALUES "
        "('UDEV', 'Dev', 3, 0)");
    db_->Sql().exec(
        "INSERT INTO assets (name, owner_team, description, updated_at) VALUES "
        "('checkout-service', 'payments', '', 0), ('pricing-service', 'promotions', '', 0)");
  }

  std::string Problem(std::string_view text, std::string_view user = "UDEV",
                      std::string_view channel = "CSWARM") {
    json::object payload{{"team_id", "T1"}, {"channel_id", channel},
                         {"user_id", user}, {"command", "/problem"},
                         {"text", text},    {"trigger_id", "1.2.abc"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  std::int64_t Count(const std::string& sql) { return db_->Sql().execAndGet(sql).getInt64(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {UserId("UMARA")}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, settings_};
};

TEST_F(ProblemCommandsTest, TheSwarmChannelImpliesTheIncidentAndThenTheProblem) {
  EXPECT_EQ(Problem("new"),
            "PRB-1 opened and linked to INC-1: FEAST25 fails at checkout. Next: `/problem cause "
            "PRB-1 …` for root-cause notes, `/problem asset PRB-1 NAME …` for impacted assets.");
  EXPECT_EQ(Problem("cause The FEAST25 rule expired at midnight"),
            "Root-cause note added to PRB-1.");
  EXPECT_EQ(Problem("asset checkout-service, pricing-service"),
            "Impacted assets added to PRB-1: checkout-service, pricing-service.");
  EXPECT_EQ(Problem("link INC-2"), "PRB-1 is linked to INC-2.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_incidents"), 2);
  // One announcement per change in the one live swarm channel.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE kind = 'problem.announce'"), 4);
}

TEST_F(ProblemCommandsTest, ElsewhereTheProblemMustBeNamed) {
  EXPECT_EQ(Problem("new INC-2 Slow price lookups", "UDEV", "CGENERAL"),
            "PRB-1 opened and linked to INC-2: Slow price lookups. Next: `/problem cause PRB-1 "
            "…` for root-cause notes, `/problem asset PRB-1 NAME …` for impacted assets.");
  EXPECT_EQ(Problem("cause it is slow", "UDEV", "CGENERAL"),
            "Which problem? Name it, e.g. `/problem cause PRB-2 the rule expired`.\nUsage: "
            "`/problem cause [PRB-n] text`");
  EXPECT_EQ(Problem("new", "UDEV", "CGENERAL"),
            "Usage: `/problem new [title]` in a swarm channel (links its incident), `/problem "
            "new INC-n [title]` or `/problem new title`; a standalone problem needs a title.");
}

TEST_F(ProblemCommandsTest, BadInputIsAnsweredAndChangesNothing) {
  EXPECT_EQ(Problem("cause PRB-9 something"), "PRB-9 doesn't exist.");
  ASSERT_EQ(Problem("new Rule cache").substr(0, 6), "PRB-1 ");
  EXPECT_EQ(Problem("link PRB-1 INC-1"), "PRB-1 is already linked to INC-1; nothing changed.");
  EXPECT_EQ(Problem("link PRB-1 INC-44"), "INC-44 doesn't exist.");
  EXPECT_EQ(Problem("asset PRB-1 checkout-servise"),
            "`checkout-servise` isn't in the asset catalogue; did you mean checkout-service? "
            "Nothing was added.");
  EXPECT_EQ(Problem("close PRB-1"), "PRB-1 is new; `close` works from resolved.");
  EXPECT_NE(Problem("cause PRB-1 " + std::string(3001, 'x')).find("too long (at most 3000"),
            std::string::npos);
  EXPECT_NE(Problem("explode").find("/problem help"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_causes"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_assets"), 0);
}

TEST_F(ProblemCommandsTest, SomeoneWithoutTheRoleIsToldWhoMay) {
  ASSERT_EQ(Problem("new").substr(0, 6), "PRB-1 ");
  EXPECT_EQ(Problem("cause a guess", "USTRANGER"),
            "Only incident managers, PRB-1's owner and the owners of its incidents can change "
            "it. Ask <@UDEV> or an incident manager in <#CIM>.");
  EXPECT_EQ(Problem("cause confirmed", "UMARA"), "Root-cause note added to PRB-1.");
}

// Check18 #2: anyone could tie a problem to someone else's incident, though
// the problem's fix closes it.
TEST_F(ProblemCommandsTest, OnlyThoseWhoWorkOnAnIncidentTieAProblemToIt) {
  ASSERT_EQ(Problem("new Rule cache", "USTRANGER", "CGENERAL").substr(0, 6), "PRB-1 ");
  const std::string not_inc1 =
      "Only incident managers, INC-1's owner and the members of its swarm on the people list "
      "can tie a problem to INC-1, since the problem's fix closes it. Ask an incident manager in "
      "<#CIM>.";
  const std::string not_inc2 =
      "Only incident managers, INC-2's owner and the members of its swarm on the people list "
      "can tie a problem to INC-2, since the problem's fix closes it. Ask <@UDEV> or an incident "
      "manager in <#CIM>.";
  EXPECT_EQ(Problem("link PRB-1 INC-1", "USTRANGER", "CGENERAL"), not_inc1);
  EXPECT_EQ(Problem("new INC-1 Rule cache again", "USTRANGER", "CGENERAL"), not_inc1);
  EXPECT_EQ(Problem("new INC-2", "USTRANGER", "CGENERAL"), not_inc2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problems"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_incidents"), 0);

  // A manager ties it; its owner, a stranger to INC-2, can't untie it, but
  // INC-2's owner can.
  EXPECT_EQ(Problem("link PRB-1 INC-2", "UMARA", "CGENERAL"), "PRB-1 is linked to INC-2.");
  EXPECT_EQ(Problem("unlink PRB-1 INC-2", "USTRANGER", "CGENERAL"), not_inc2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problem_incidents"), 1);
  EXPECT_EQ(Problem("unlink PRB-1 INC-2", "UDEV", "CGENERAL"),
            "PRB-1 is no longer linked to INC-2.");
  // A member of INC-1's swarm ties a new problem to it.
  EXPECT_EQ(Problem("new INC-1 Rule cache again", "UDEV", "CGENERAL").substr(0, 26),
            "PRB-2 opened and linked to");

  // Once INC-2 is closed its owner still may (a problem found afterwards).
  json::object close{{"team_id", "T1"},       {"channel_id", "CGENERAL"},
                     {"user_id", "UMARA"},    {"command", "/incident"},
                     {"text", "close INC-2"}, {"trigger_id", "1.2.abc"}};
  ASSERT_NE(router_.Handle({InboundKind::kSlashCommand, json::serialize(close), "d2"})
                .body_json.find("INC-2 closed"),
            std::string::npos);
  EXPECT_EQ(Problem("new INC-2 Found later", "USTRANGER", "CGENERAL"), not_inc2);
  EXPECT_EQ(Problem("new INC-2 Found later", "UDEV", "CGENERAL").substr(0, 26),
            "PRB-3 opened and linked to");
}

TEST_F(ProblemCommandsTest, ShowAndListDescribeTheProblem) {
  ASSERT_EQ(Problem("new").substr(0, 6), "PRB-1 ");
  ASSERT_EQ(Problem("asset checkout-service"), "Impacted assets added to PRB-1: checkout-service.");
  EXPECT_EQ(Problem("known-error Apply FEAST25B instead"),
            "PRB-1 is a known error now, with its workaround.");
  EXPECT_EQ(Problem("show"), "PRB-1 · FEAST25 fails at checkout · known error");
  EXPECT_EQ(Problem("list", "UDEV", "CGENERAL"),
            "*Open problems*\n• *PRB-1* · known error · FEAST25 fails at checkout · <@UDEV>");
  EXPECT_EQ(Problem("resolve patched"), "PRB-1 is resolved now.");
  EXPECT_EQ(Problem("list all", "UDEV", "CGENERAL"),
            "*Problems*\n• *PRB-1* · resolved · FEAST25 fails at checkout · <@UDEV>");
}

TEST_F(ProblemCommandsTest, ReopeningAnIncidentSoonAfterClosingReopensItsProblem) {
  ASSERT_EQ(Problem("new").substr(0, 6), "PRB-1 ");
  ASSERT_EQ(Problem("resolve PRB-1 rule fixed"), "PRB-1 is resolved now.");
  ASSERT_EQ(Problem("close PRB-1", "UDEV", "CGENERAL"),
            "PRB-1 stays open while INC-1 is open; close the incident first.");
  json::object close{{"team_id", "T1"},       {"channel_id", "CGENERAL"},
                     {"user_id", "UMARA"},    {"command", "/incident"},
                     {"text", "close INC-1"}, {"trigger_id", "1.2.abc"}};
  ASSERT_TRUE(router_.Handle({InboundKind::kSlashCommand, json::serialize(close), "d2"})
                  .body_json.find("INC-1 closed") != std::string::npos);
  ASSERT_EQ(Problem("close PRB-1 verified", "UDEV", "CGENERAL"), "PRB-1 is closed now.");
  clock_.Advance(std::chrono::hours(24));
  json::object reopen = close;
  reopen["text"] = "reopen INC-1";
  const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(reopen), "d3"});
  EXPECT_EQ(std::string(json::parse(reply.body_json).at("text").as_string()),
            "INC-1 is in progress now; the swarm gathers again in "
            "#inc-1-feast25-fails-at-checkout-reopened, which is on its way. PRB-1 is reopened "
            "too: the incident closed only recently.");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM problems WHERE state = 'investigating'"), 1);
}

}  // namespace
}  // namespace swarmbot::handlers
