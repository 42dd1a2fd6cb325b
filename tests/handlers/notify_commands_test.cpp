// /notify customers and its Send and Cancel buttons, through the router as
// Slack delivers them; what the sender does is tested in tests/mailer.
#include "handlers/notify_commands.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/router.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

Settings NotifySettings() {
  Settings s;
  s.incident_managers = {UserId("UMARA")};
  s.broadcast.enabled = true;
  s.broadcast.from = "support@takeout.example";
  s.broadcast.subject_template = "{incident} is fixed";
  s.broadcast.body_template = "Hello {contact_name}";
  return s;
}

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    lifecycle::CaseService cases(*db_, clock_);
    std::vector<std::int64_t> linked;
    for (const char* email : {"ana@example.com", "ben@example.com", "Ana@example.com"}) {
      lifecycle::CaseInput c{.contact_name = "Ana",
                             .contact_email = email,
                             .channel = "email",
                             .territory = "North",
                             .subject = "FEAST25",
                             .description = "",
                             .owner = "UREP"};
      linked.push_back(cases.IntakeCase(c, {}).value().record.number);
    }
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).LinkCases(1, linked, UserId("UMARA")));
  }

  json::object Command(std::string_view text, std::string_view user = "UMARA") {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", "CHERE"},
                         {"user_id", user},
                         {"command", "/notify"},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return json::parse(reply.body_json).as_object();
  }

  std::string Text(std::string_view text, std::string_view user = "UMARA") {
    return std::string(Command(text, user).at("text").as_string());
  }

  void Click(std::string_view action, std::string_view value, std::string_view user = "UMARA") {
    json::object payload{{"type", "block_actions"},
                         {"user", {{"id", user}}},
                         {"response_url", "https://hooks.slack.com/actions/T1/1/y"},
                         {"actions", json::array{{{"action_id", action}, {"value", value}}}}};
    router_.Handle({InboundKind::kInteractive, json::serialize(payload), "d2"});
  }

  // The texts of the queued response_url answers, oldest first.
  std::vector<std::string> Answers() {
    std::vector<std::string> texts;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind != lifecycle::effect::kRespond) {
        continue;
      }
      for (const auto& [name, value] : item.args) {
        if (name == lifecycle::effect::kArgBody) {
          texts.emplace_back(json::parse(value).at("text").as_string());
        }
      }
    }
    return texts;
  }

  int Pending(std::string_view kind) {
    int n = 0;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      n += item.kind == kind ? 1 : 0;
    }
    return n;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Router router_{*db_, clock_, NotifySettings()};
};

TEST_F(NotifyTest, PreviewShowsRecipientsMaskedSubjectAndSendAndCancelButtons) {
  const json::object reply = Command("customers INC-1");
  EXPECT_EQ(reply.at("response_type"), "ephemeral");
  const std::string blocks = json::serialize(reply.at("blocks"));
  EXPECT_NE(blocks.find("2 customers"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("a***@example.com, b***@example.com"), std::string::npos) << blocks;
  EXPECT_EQ(blocks.find("ana@example.com"), std::string::npos) << "addresses are masked";
  EXPECT_NE(blocks.find("INC-1 is fixed"), std::string::npos);
  EXPECT_NE(blocks.find("\"action_id\":\"notify.send\",\"value\":\"BC-1\""), std::string::npos)
      << blocks;
  EXPECT_NE(blocks.find("\"action_id\":\"notify.cancel\""), std::string::npos);
  EXPECT_EQ(Pending(lifecycle::effect::kPostBroadcastProgress), 0) << "nothing starts yet";
}

TEST_F(NotifyTest, BadRequestsAreAnsweredAndPrepareNothing) {
  EXPECT_NE(Text("customers INC-9").find("INC-9"), std::string::npos);
  EXPECT_NE(Text("customers").find("/notify customers INC-3"), std::string::npos)
      << "outside a swarm channel the incident must be named";
  EXPECT_NE(Text("customers INC-1 please").find("takes only the incident"), std::string::npos);
  EXPECT_NE(Text("everyone INC-1").find("/notify help"), std::string::npos);
  EXPECT_NE(Text("customers INC-1", "UPRIYA").find("Only incident managers"), std::string::npos);
  EXPECT_NE(Text("help").find("/notify customers [INC-n]"), std::string::npos);
  EXPECT_EQ(db_->Sql().execAndGet("SELECT COUNT(*) FROM broadcasts").getInt(), 0);
}

TEST_F(NotifyTest, SendStartsOnceAndASecondClickIsAnsweredNotRepeated) {
  Command("customers INC-1");
  Click(kNotifySendActionId, "BC-1");
  Click(kNotifySendActionId, "BC-1");
  EXPECT_EQ(Answers(),
            (std::vector<std::string>{"Sending BC-1 to 2 customers; progress shows in <#CHERE>.",
                                      "BC-1 is sending already; nothing more was sent."}));
  EXPECT_EQ(Pending(lifecycle::effect::kPostBroadcastProgress), 1);
}

TEST_F(NotifyTest, CancelDropsTheDraftAndALaterSendDoesNothing) {
  Command("customers INC-1");
  Click(kNotifyCancelActionId, "BC-1");
  Click(kNotifySendActionId, "BC-1");
  EXPECT_EQ(Answers(), (std::vector<std::string>{"Cancelled BC-1; no e-mail was sent.",
                                                 "BC-1 was cancelled; nothing more was sent."}));
  EXPECT_EQ(Pending(lifecycle::effect::kPostBroadcastProgress), 0);
}

TEST_F(NotifyTest, ForgedOrForeignClicksSendNothing) {
  Command("customers INC-1");
  Click(kNotifySendActionId, "BC-1", "UPRIYA");
  Click(kNotifySendActionId, "nonsense");
  Click(kNotifySendActionId, "BC-77");
  const auto answers = Answers();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_NE(answers[0].find("Only incident managers"), std::string::npos);
  EXPECT_EQ(answers[1], "That button is out of date; nothing was sent.");
  EXPECT_EQ(answers[2], "BC-77 doesn't exist.");
  EXPECT_EQ(Pending(lifecycle::effect::kPostBroadcastProgress), 0);
}

// BC-2 for INC-1, sent by Mara, in `state`.
lifecycle::BroadcastStatus MaraBroadcast(store::BroadcastState state) {
  lifecycle::BroadcastStatus status;
  status.broadcast.number = 2;
  status.broadcast.incident = 1;
  status.broadcast.state = state;
  status.broadcast.requested_by = UserId("UMARA");
  return status;
}

// Check 11: an interrupted mail was counted as failed, though it may have
// arrived, and the masked addresses alone told nobody whom to follow up with.
TEST(BroadcastProgress, TheFinalMessageCountsTheUncertainApartAndNamesWhoWasNotReached) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kDone);
  status.counts = {.pending = 0, .sent = 3, .refused = 1, .uncertain = 1};
  store::Delivery gone;
  gone.email = "Gone@example.org";
  gone.contact_name = "Gus Gone";
  gone.state = store::DeliveryState::kRefused;
  gone.reply = "550 5.1.1 No such mailbox";
  store::Delivery cut;
  cut.email = "cut@example.org";
  cut.contact_name = "cut@example.org";
  cut.state = store::DeliveryState::kUncertain;
  cut.reply = "not confirmed after 3 attempts: the mail server hung up";
  status.refused = {gone, cut};
  status.cases_by_address = {{"gone@example.org", {12, 14}}, {"cut@example.org", {3}}};
  const BlockMessage message = BroadcastProgress(status);
  EXPECT_EQ(message.Text(),
            "BC-2 e-mail to the customers of INC-1: 3 sent · 1 failed · 1 uncertain · 0 remaining");
  const std::string blocks = json::serialize(message.Blocks());
  EXPECT_NE(blocks.find(":warning: *BC-2*"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("Sent to 3 of 5 customers."), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("Not delivered (1):\\n• G***@example.org (Gus Gone, CASE-12, CASE-14) — "
                        "550 5.1.1 No such mailbox"),
            std::string::npos)
      << blocks;
  EXPECT_NE(blocks.find("1 uncertain: may have arrived, but the mail server never confirmed it:"),
            std::string::npos)
      << blocks;
  // Check 20 #5: it blamed an interruption of swarmbot that never happened.
  EXPECT_EQ(blocks.find("interrupted"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("• c***@example.org (CASE-3) — not confirmed after 3 attempts: the mail "
                        "server hung up"),
            std::string::npos)
      << blocks;
}

// Check 20 #6: "1 contact address isn't usable" named nobody.
TEST_F(NotifyTest, PreviewAndSendAnswerNameTheAddressThatCanNotBeMailedWithItsCase) {
  lifecycle::CaseInput c{.contact_name = "Kai Kunde",
                         .contact_email = "kunde@\u2603.example",
                         .channel = "email",
                         .territory = "North",
                         .subject = "FEAST25",
                         .description = "",
                         .owner = "UREP"};
  const auto kai = lifecycle::CaseService(*db_, clock_).IntakeCase(c, {}).value().record.number;
  ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).LinkCases(1, {kai}, UserId("UMARA")));
  const std::string blocks = json::serialize(Command("customers INC-1").at("blocks"));
  EXPECT_NE(blocks.find("1 contact address can't be e-mailed and will be left out: "
                        "k***@\u2603.example (Kai Kunde, CASE-4) — not sent: the domain is not a "
                        "valid internationalised domain name"),
            std::string::npos)
      << blocks;
  EXPECT_NE(blocks.find("2 customers"), std::string::npos) << blocks;
  Click(kNotifySendActionId, "BC-1");
  EXPECT_EQ(Answers(), (std::vector<std::string>{
                           "Sending BC-1 to 2 customers (1 contact address can't be e-mailed: the "
                           "result names it); progress shows in <#CHERE>."}));
}

// Check 20 #4: a server answering 421 is there, but takes no mail for now.
TEST(BroadcastProgress, AServerAnswering421IsSaidToTurnSwarmbotAwayNotToBeUnreachable) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kSending);
  status.broadcast.unreachable_since = Clock::TimePoint(std::chrono::hours(24 * 365 * 56));
  status.broadcast.unreachable_reason = "421 4.3.2 Too busy";
  status.give_up_at = *status.broadcast.unreachable_since + std::chrono::minutes(30);
  status.counts = {.pending = 3, .sent = 0, .refused = 0, .uncertain = 0};
  const std::string blocks = json::serialize(BroadcastProgress(status).Blocks());
  EXPECT_NE(blocks.find("The mail server is turning swarmbot away for now (since 2025-12-18 00:00 "
                        "UTC: 421 4.3.2 Too busy); no customer is counted as failed for it. "
                        "Retrying until 2025-12-18 00:30 UTC"),
            std::string::npos)
      << blocks;
}

// Check 11: "0 sent · 3 failed" came with a green check mark.
TEST(BroadcastProgress, ABroadcastThatReachedNobodyDoesNotLookLikeASuccess) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kDone);
  status.counts = {.pending = 0, .sent = 0, .refused = 2, .uncertain = 0};
  const std::string blocks = json::serialize(BroadcastProgress(status).Blocks());
  EXPECT_EQ(blocks.find("white_check_mark"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find(":x: *BC-2* e-mail to the customers of *INC-1* is done and reached nobody"),
            std::string::npos)
      << blocks;
  EXPECT_NE(blocks.find("• and 2 more"), std::string::npos) << "refusals not loaded still count";

  status.counts = {.pending = 0, .sent = 2, .refused = 0, .uncertain = 0};
  EXPECT_NE(json::serialize(BroadcastProgress(status).Blocks()).find(":white_check_mark: *BC-2*"),
            std::string::npos);
}

TEST_F(NotifyTest, TheSendAnswerSaysWhoWasLeftOutSinceThePreview) {
  Command("customers INC-1");
  ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).UnlinkCases(1, {2}, UserId("UMARA")));
  Click(kNotifySendActionId, "BC-1");
  EXPECT_EQ(Answers(), (std::vector<std::string>{
                           "Sending BC-1 to 1 customer (changed since the preview: 1 left out: its "
                           "case is no longer linked); progress shows in <#CHERE>."}));
}

TEST_F(NotifyTest, StopByCommandOrButtonSparesTheRestAndOutsidersCanNotStop) {
  Command("customers INC-1");
  Click(kNotifySendActionId, "BC-1");
  Click(kNotifyStopActionId, "BC-1", "UPRIYA");
  EXPECT_EQ(Text("stop BC-1", "UPRIYA"),
            "Only incident managers, the incident's owner and whoever sent it can stop e-mail to "
            "the incident's customers. Ask an incident manager. The e-mail goes on.");
  EXPECT_NE(Text("stop").find("/notify stop BC-3"), std::string::npos);
  EXPECT_EQ(Text("stop BC-1"),
            "Stopped BC-1: 2 customers not yet e-mailed won't be (0 had been sent).");
  EXPECT_EQ(Pending(lifecycle::effect::kPostBroadcastStopped), 1) << "the channel is told";
  Click(kNotifyStopActionId, "BC-1");
  const auto answers = Answers();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_NE(answers[1].find("Only incident managers"), std::string::npos) << answers[1];
  EXPECT_EQ(answers[2], "BC-1 is stopped; there is nothing to stop.");
  EXPECT_NE(Text("customers INC-1").find("Preview of the e-mail"), std::string::npos)
      << "a stopped broadcast doesn't block a new one";
}

TEST(BroadcastProgress, WhileTheServerCanNotBeReachedItSaysSinceWhenAndUntilWhen) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kSending);
  status.broadcast.unreachable_since = Clock::TimePoint(std::chrono::hours(24 * 365 * 56));
  status.broadcast.unreachable_reason = "Couldn't connect to server";
  status.give_up_at = *status.broadcast.unreachable_since + std::chrono::minutes(30);
  status.counts = {.pending = 3, .sent = 0, .refused = 0, .uncertain = 0};
  const std::string blocks = json::serialize(BroadcastProgress(status).Blocks());
  EXPECT_NE(blocks.find("The mail server can't be reached (since 2025-12-18 00:00 UTC: Couldn't "
                        "connect to server). Retrying until 2025-12-18 00:30 UTC"),
            std::string::npos)
      << blocks;
  EXPECT_NE(blocks.find("\"action_id\":\"notify.stop\",\"value\":\"BC-2\""), std::string::npos)
      << blocks;
}

TEST(BroadcastProgress, ARefusedLoginSaysSoAndWhatToCheck) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kSending);
  status.broadcast.unreachable_since = Clock::TimePoint(std::chrono::hours(24 * 365 * 56));
  status.broadcast.unreachable_reason = "535 5.7.8 Authentication credentials invalid";
  status.broadcast.login_refused = true;
  status.give_up_at = *status.broadcast.unreachable_since + std::chrono::minutes(30);
  status.counts = {.pending = 3, .sent = 0, .refused = 0, .uncertain = 0};
  const std::string blocks = json::serialize(BroadcastProgress(status).Blocks());
  EXPECT_NE(blocks.find("The mail server refused swarmbot's login (since 2025-12-18 00:00 UTC: "
                        "535 5.7.8 Authentication credentials invalid). Check `[smtp] username` "
                        "and `SWARMBOT_SMTP_PASSWORD`, then restart swarmbot: the customers not "
                        "yet e-mailed stay queued. Retrying until 2025-12-18 00:30 UTC"),
            std::string::npos)
      << blocks;
  EXPECT_EQ(blocks.find("can't be reached"), std::string::npos) << blocks;
}

TEST(BroadcastProgress, AStoppedBroadcastSaysWhoStoppedItAndHowManyWereNotMailed) {
  lifecycle::BroadcastStatus status = MaraBroadcast(store::BroadcastState::kStopped);
  status.broadcast.stop_reason = "the mail server couldn't be reached: refused";
  status.broadcast.unreachable_since = Clock::TimePoint(std::chrono::hours(24 * 365 * 56));
  status.counts = {.pending = 0, .sent = 1, .refused = 0, .uncertain = 0, .withheld = 2};
  const BlockMessage message = BroadcastProgress(status);
  EXPECT_EQ(message.Text(),
            "BC-2 e-mail to the customers of INC-1: 1 sent · 0 failed · 0 remaining · 2 not sent");
  const std::string blocks = json::serialize(message.Blocks());
  EXPECT_NE(blocks.find("was stopped"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("2 customers were not e-mailed: stopped by swarmbot: the mail server "
                        "couldn't be reached: refused (trying since 2025-12-18 00:00 UTC)"),
            std::string::npos)
      << blocks;
  EXPECT_EQ(blocks.find("notify.stop"), std::string::npos) << "no Stop button once stopped";
  status.broadcast.stopped_by = UserId("UMARA");
  EXPECT_NE(BroadcastStoppedNotice(status).find("was stopped by <@UMARA>. 1 sent, 2 customers "
                                                "not e-mailed"),
            std::string::npos)
      << BroadcastStoppedNotice(status);
}

}  // namespace
}  // namespace swarmbot::handlers
