// /change and the work plan's buttons, through the router as Slack delivers
// them (issue #5).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/change_modal.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/router.hpp"
#include "handlers/work_plan_view.hpp"
#include "lifecycle/change_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "tests/handlers/modal_testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class ChangeCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    lifecycle::SwarmService swarms(*db_, clock_);
    ASSERT_TRUE(swarms.Start({1, {UserId("UDEV"), UserId("UINES")}, {}}, UserId("UMARA")));
    ASSERT_TRUE(swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
    ASSERT_TRUE(swarms.MemberJoined(ChannelId("CSWARM"), UserId("UDEV")));
    ASSERT_TRUE(swarms.MemberJoined(ChannelId("CSWARM"), UserId("UINES")));
    // Responders on the people list: their place in the swarm counts.
    db_->Sql().exec(
        "INSERT INTO people (user_id, display_name, capacity, updated_at) VALUES "
        "('UDEV', 'Dev', 3, 0), ('UINES', 'Ines', 3, 0)");
  }

  std::string Type(std::string_view user, std::string_view text,
                   std::string_view channel = "CSWARM") {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", channel},
                         {"user_id", user},
                         {"command", "/change"},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  // Opens the change form as Dev and submits it with `given`; returns the ack.
  std::string SubmitForm(const testing::FormInput& given, std::string_view view_id = "V1",
                         std::string_view text = "new") {
    Type("UDEV", text);
    const std::string view = testing::QueuedView(*db_);
    EXPECT_NE(view.find(kChangeCallbackId), std::string::npos) << view;
    return router_
        .Handle({InboundKind::kInteractive, testing::ViewSubmission(view, view_id, "UDEV", given),
                 "d2"})
        .body_json;
  }

  // Dev's emergency change with three steps, each done by Dev and verified by Ines.
  void VerifiedChange() {
    ASSERT_EQ(SubmitForm({{"change_title", {"Fix FEAST25 validation"}},
                          {"change_type", {"emergency"}},
                          {"change_risk", {"high"}}}),
              "");
    for (const char* step : {"Fix validation", "Deploy", "Verify checkout"}) {
      Type("UDEV", std::string("step add ") + step);
    }
    for (const char* n : {"1", "2", "3"}) {
      Type("UDEV", std::string("step done ") + n);
      Type("UINES", std::string("step verify ") + n);
    }
  }

  // Clicks a button of CHG-1's plan message (recorded as posted in the swarm
  // channel, as the outbox would); returns the ephemeral answer queued.
  std::string Click(std::string_view user, std::string_view action_id, std::string_view value) {
    store::ChangeRepository(*db_).SetPlanMessage(1, ChannelId("CSWARM"),
                                                 MessageTs(std::string(kPlanTs)));
    json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"trigger_id", "3.4.ghi"},
        {"container", {{"type", "message"}, {"message_ts", kPlanTs}, {"channel_id", "CSWARM"}}},
        {"channel", {{"id", "CSWARM"}}},
        {"response_url", "https://hooks.slack.com/actions/T1/2/y"},
        {"actions", json::array{json::object{{"action_id", action_id}, {"value", value}}}}};
    router_.Handle({InboundKind::kInteractive, json::serialize(payload), "d3"});
    std::string body;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kRespond) {
        body = FormValue(item.args, lifecycle::effect::kArgBody).value_or("");
      }
    }
    return body.empty() ? "" : std::string(json::parse(body).at("text").as_string());
  }

  static constexpr std::string_view kPlanTs = "1700000000.000100";

  std::string State() {
    return db_->Sql().execAndGet("SELECT state FROM changes WHERE number = 1").getString();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  // Emergency changes go to @ecab (Kofi and Ana) in #cab: any one of them approves.
  static Settings WithCab() {
    Settings settings{ChannelId("CIM"), {UserId("UMARA")}, "swarmbot", UserId("UBOT"), "BBOT"};
    settings.cab.channel = ChannelId("CCAB");
    lifecycle::ApprovalPolicy emergency;
    emergency.groups = {UserGroupId("S0ECAB")};
    emergency.rule = lifecycle::ApprovalRule::kAny;
    settings.cab.policies["emergency"] = emergency;
    return settings;
  }

  Settings settings_ = WithCab();
  Router router_{*db_, clock_, settings_};
};

TEST_F(ChangeCommandsTest, TheFormOpensAChangeThatFixesTheSwarmsIncident) {
  // Check10 #11: "…; the change will fix INC-1…" wasn't a sentence.
  EXPECT_EQ(Type("UDEV", "new"), "Opening the change form for a fix to INC-1…");
  EXPECT_EQ(SubmitForm({{"change_title", {"Fix FEAST25 validation"}},
                        {"change_type", {"emergency"}},
                        {"change_risk", {"high"}},
                        {"change_start", {"2026-03-01 14:00"}},
                        {"change_end", {"2026-03-01 15:00"}}}),
            "");
  EXPECT_EQ(State(), "draft");
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT target_kind || ' ' || target_number || ' ' || relation "
                            "FROM change_links")
                .getString(),
            "incident 1 fixes");
  const std::string shown = Type("UMARA", "show CHG-1", "CIM");
  EXPECT_EQ(shown, "CHG-1: Fix FEAST25 validation");
}

TEST_F(ChangeCommandsTest, TheFormShowsInlineErrorsAndASecondSubmissionOpensNothing) {
  const std::string bad = SubmitForm({{"change_title", {""}},
                                      {"change_start", {"tomorrow"}},
                                      {"change_end", {"2026-03-01 15:00"}}});
  EXPECT_NE(bad.find("A title is required."), std::string::npos) << bad;
  EXPECT_NE(bad.find("YYYY-MM-DD HH:MM"), std::string::npos) << bad;
  const std::string backwards = SubmitForm({{"change_title", {"Fix"}},
                                            {"change_start", {"2026-03-01 15:00"}},
                                            {"change_end", {"2026-03-01 14:00"}}});
  EXPECT_NE(backwards.find("The planned window must end after it starts."), std::string::npos)
      << backwards;
  EXPECT_EQ(SubmitForm({{"change_title", {"Fix"}}}, "V9"), "");
  const std::string again = SubmitForm({{"change_title", {"Fix"}}}, "V9");
  EXPECT_NE(again.find("This form was submitted already: it opened CHG-1."), std::string::npos)
      << again;
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM changes").getInt(), 1);
}

TEST_F(ChangeCommandsTest, AStandardChangeNeedsATemplateFromTheCatalogue) {
  const std::string refused =
      SubmitForm({{"change_type", {"standard"}}, {"change_title", {"Restart things"}}});
  EXPECT_NE(refused.find("A standard change needs a template from the catalogue."),
            std::string::npos)
      << refused;
}

TEST_F(ChangeCommandsTest, TheDoerCantVerifyAndSubmittingWaitsForEveryVerification) {
  ASSERT_EQ(SubmitForm({{"change_title", {"Fix FEAST25 validation"}}}), "");
  EXPECT_EQ(Type("UDEV", "step add CHG-1 Fix validation"), "Added step 1 to CHG-1.");
  EXPECT_EQ(Type("UDEV", "step add Deploy"), "Added step 2 to CHG-1.");
  EXPECT_EQ(Type("UDEV", "done 1"), "Step 1 of CHG-1 is done; someone else verifies it.");
  EXPECT_EQ(Type("UDEV", "verify 1"),
            "Step 1 of CHG-1 must be verified by someone other than whoever did it.");
  EXPECT_EQ(Type("UINES", "step done 1"), "Step 1 of CHG-1 was done already by <@UDEV>.");
  EXPECT_EQ(Type("UINES", "step verify CHG-1 1"), "Step 1 of CHG-1 is verified.");
  EXPECT_EQ(Type("UDEV", "submit"), "CHG-1 can't be submitted yet: step 2 isn't done.");
  EXPECT_EQ(Type("UKOFI", "step add CHG-1 Sneak in"),
            "Only the requester of CHG-1 and incident managers can change its plan. Ask "
            "<@UDEV> or an incident manager in <#CIM>.");
  EXPECT_EQ(Type("UKOFI", "step done CHG-1 2"),
            "Only the requester of CHG-1, incident managers and the members of its incident's "
            "swarm on the people list can mark step 2 "
            "done (or whoever it is assigned to).");
  EXPECT_EQ(State(), "draft");
}

TEST_F(ChangeCommandsTest, UnknownChangesAndBadWordsGetClearAnswers) {
  EXPECT_EQ(Type("UDEV", "show CHG-9"), "CHG-9 doesn't exist.");
  EXPECT_EQ(Type("UDEV", "submit", "CIM").rfind("Which change?", 0), 0u);
  for (const char* bad : {"CHG-0", "CHG-x", "chg-99999999999999999999"}) {
    EXPECT_EQ(Type("UDEV", std::string("show ") + bad),
              "`" + std::string(bad) + "` isn't a change number; they look like `CHG-3`.");
  }
  EXPECT_EQ(Type("UDEV", "link CHG-9 fixes INC-1"), "CHG-9 doesn't exist.");
  ASSERT_EQ(SubmitForm({{"change_title", {"Fix"}}}), "");
  EXPECT_NE(Type("UDEV", "link CHG-1 breaks INC-1").find("`fixes` or `caused-by`"),
            std::string::npos);
  EXPECT_EQ(Type("UDEV", "link CHG-1 fixes INC-7"), "INC-7 doesn't exist.");
  EXPECT_EQ(Type("UDEV", "link CHG-1 caused-by PRB-2"), "PRB-2 doesn't exist.");
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM change_links").getInt(), 1);
  // The form linked CHG-1 as fixing the swarm's INC-1: not silently retyped.
  EXPECT_EQ(Type("UDEV", "link CHG-1 caused-by INC-1"),
            "CHG-1 already fixes INC-1; unlink it first (`/change unlink CHG-1 INC-1`), then link "
            "it again.");
  EXPECT_EQ(db_->Sql().execAndGet("SELECT relation FROM change_links").getString(), "fixes");
  EXPECT_EQ(Type("UDEV", "step add CHG-1 " + std::string(501, 'x')).rfind("Step ", 0), 0u);
  EXPECT_NE(Type("UDEV", "step done CHG-1 two").find("Which step?"), std::string::npos);
  EXPECT_NE(Type("UDEV", "frobnicate").find("frobnicate"), std::string::npos);
}

TEST_F(ChangeCommandsTest, AChangeFixesARealProblemOpenedInTheSwarm) {
  const json::object problem{{"team_id", "T1"},
                             {"channel_id", "CSWARM"},
                             {"user_id", "UDEV"},
                             {"command", "/problem"},
                             {"text", "new"},
                             {"trigger_id", "1.2.abc"},
                             {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
  router_.Handle({InboundKind::kSlashCommand, json::serialize(problem), "d0"});
  ASSERT_EQ(SubmitForm({{"change_title", {"Fix"}}}), "");
  EXPECT_EQ(Type("UDEV", "link CHG-1 fixes PRB-1").rfind("CHG-1", 0), 0u);
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT COUNT(*) FROM change_links WHERE target_kind = 'problem' "
                            "AND target_number = 1 AND relation = 'fixes'")
                .getInt(),
            1);
}

TEST_F(ChangeCommandsTest, ASecondClickOnDoneIsAnsweredNotCounted) {
  ASSERT_EQ(SubmitForm({{"change_title", {"Fix"}}}), "");
  Type("UDEV", "step add Deploy");
  EXPECT_EQ(Click("UDEV", "change.done.1", "CHG-1:1"),
            "Step 1 of CHG-1 is done; someone else verifies it.");
  EXPECT_EQ(Click("UINES", "change.done.1", "CHG-1:1"),
            "Step 1 of CHG-1 was done already by <@UDEV>.");
  EXPECT_EQ(Click("UDEV", "change.verify.1", "CHG-1:1"),
            "Step 1 of CHG-1 must be verified by someone other than whoever did it.");
  EXPECT_EQ(Click("UINES", "change.verify.1", "CHG-1:1"), "Step 1 of CHG-1 is verified.");
  EXPECT_EQ(Click("UINES", "change.verify.1", "CHG-1:x"),
            "That button is out of date; nothing was changed.");
  EXPECT_EQ(db_->Sql()
                .execAndGet("SELECT COUNT(*) FROM change_events WHERE kind IN ('step_done', "
                            "'step_verified')")
                .getInt(),
            2);
}

TEST_F(ChangeCommandsTest, ClosingAnApprovedChangeClosesTheIncidentAndSaysSo) {
  VerifiedChange();
  EXPECT_EQ(Type("UDEV", "close"), "CHG-1 is a draft; only an approved change can be closed.");
  EXPECT_EQ(Type("UDEV", "submit"), "CHG-1 was submitted for approval (plan version 4).");
  lifecycle::IncidentService incidents(*db_, clock_);
  lifecycle::ChangeService changes(*db_, clock_, incidents);
  ASSERT_TRUE(changes.RecordDecision(1, true, 4, "Kofi and Ana approved"));
  EXPECT_EQ(Type("UDEV", "close Validation fixed"), "Closed CHG-1; incidents closed: INC-1.");
  EXPECT_EQ(State(), "closed");
  EXPECT_FALSE(incidents.FindIncident(1)->Open());
  EXPECT_EQ(Type("UDEV", "close CHG-1"),
            "CHG-1 is closed; closing it again is no longer possible.");
}

TEST_F(ChangeCommandsTest, AStepAddedAfterApprovalSaysTheChangeNeedsApprovalAgain) {
  VerifiedChange();
  Type("UDEV", "submit");
  lifecycle::IncidentService incidents(*db_, clock_);
  ASSERT_TRUE(lifecycle::ChangeService(*db_, clock_, incidents).RecordDecision(1, true, 4, ""));
  EXPECT_EQ(Type("UDEV", "step add Purge the CDN"),
            "Added step 4 to CHG-1. CHG-1 is a draft again: its plan changed after approval, so "
            "it needs the CAB's approval again once every step is done and verified.");
  EXPECT_EQ(State(), "draft");
  // Once sent back, further edits say only what they did; a done step is to do again.
  EXPECT_EQ(Type("UDEV", "step edit 2 Deploy behind a flag"),
            "Changed step 2 of CHG-1. It is to do again: the changed step needs doing and "
            "verifying anew.");
  EXPECT_EQ(Type("UDEV", "step edit 4 Purge the CDN of EU"), "Changed step 4 of CHG-1.");
  // Check12 #6: the same text again changes nothing and says so.
  EXPECT_EQ(Type("UDEV", "step edit 4 Purge the CDN of EU"),
            "Step 4 of CHG-1 says that already; nothing changed.");
}

// Check20 #3: a title's <@U123> and disguised link stayed live in the
// "opened" news, the incident's timeline and the work plan's message text.
TEST_F(ChangeCommandsTest, AHostileTitleShowsAsTypedInTheNewsTheTimelineAndThePlan) {
  const std::string hostile = "Fix <!channel> <@U123> <https://evil.example|click>";
  ASSERT_EQ(
      SubmitForm(
          {{"change_title", {hostile}}, {"change_type", {"emergency"}}, {"change_risk", {"high"}}}),
      "");
  std::string news;
  for (const auto& item : store::Outbox(*db_).Pending()) {
    if (item.kind == lifecycle::effect::kChangeNews) {
      news = FormValue(item.args, lifecycle::effect::kArgText).value_or("");
    }
  }
  ASSERT_NE(news.find("CHG-1 (emergency) opened"), std::string::npos) << news;
  auto status = lifecycle::IncidentService(*db_, clock_).StatusOf(1).value();
  const std::string summary = json::serialize(IncidentSummary(status).ToObject());
  lifecycle::ChangeDetails details;
  details.change.number = 1;
  details.change.title = hostile;
  const BlockMessage plan = WorkPlanMessage(details);
  // The plan's header is plain_text, which Slack shows as typed: only its mrkdwn counts.
  for (const std::string& shown : {EscapeMrkdwnKeepingMentions(news), summary, plan.Text()}) {
    for (const char* live : {"<!channel", "<@U123", "<https://evil"}) {
      EXPECT_EQ(shown.find(live), std::string::npos) << live << " in " << shown;
    }
  }
  EXPECT_NE(EscapeMrkdwnKeepingMentions(news).find("&lt;\u2060@U123&gt;"), std::string::npos)
      << "shown as typed (a word joiner, invisible, after the '<')";
  EXPECT_NE(
      plan.Text().find("Fix &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;"),
      std::string::npos)
      << plan.Text();
}

TEST(WorkPlanMessage, ShowsTheButtonEachStepCallsForAndCloseOnceApproved) {
  lifecycle::ChangeDetails details;
  details.change.number = 3;
  details.change.title = "Fix FEAST25";
  details.change.type = store::ChangeType::kEmergency;
  details.change.state = store::ChangeState::kApproved;
  details.change.requester = UserId("UDEV");
  store::ChangeStep done;
  done.position = 1;
  done.text = "Deploy";
  done.done_by = UserId("UDEV");
  done.done_at = Clock::TimePoint{};
  store::ChangeStep todo;
  todo.position = 2;
  todo.text = "Verify checkout";
  details.steps = {done, todo};
  std::string blocks = json::serialize(WorkPlanMessage(details).Blocks());
  EXPECT_NE(blocks.find("change.verify.1"), std::string::npos);
  EXPECT_NE(blocks.find("change.done.2"), std::string::npos);
  EXPECT_EQ(blocks.find("change.close"), std::string::npos);  // not verified yet
  details.steps[0].verified_by = UserId("UINES");
  details.steps[0].verified_at = Clock::TimePoint{};
  details.steps.pop_back();
  blocks = json::serialize(WorkPlanMessage(details).Blocks());
  EXPECT_NE(blocks.find("change.close"), std::string::npos);
  EXPECT_NE(blocks.find("verified by <@UINES>"), std::string::npos);
}

}  // namespace
}  // namespace swarmbot::handlers
