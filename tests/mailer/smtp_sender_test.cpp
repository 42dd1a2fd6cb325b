// The libcurl SMTP sender against a real SMTP server on loopback
// (python3-aiosmtpd, started and stopped by each test).
#include "mailer/smtp_sender.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "lifecycle/broadcast_runner.hpp"
#include "lifecycle/broadcast_service.hpp"
#include "lifecycle/case_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "store/broadcast_repository.hpp"
#include "store/database.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::mailer {
namespace {

using lifecycle::SendVerdict;

lifecycle::OutgoingMail MailTo(std::string to) {
  lifecycle::OutgoingMail mail;
  mail.from = "support@takeout.example";
  mail.from_name = "Take-Out Support";
  mail.to = std::move(to);
  mail.to_name = "Chloé Dubois";
  mail.subject = "Votre code de réduction fonctionne à nouveau";
  mail.body = "Bonjour Chloé,\n.\nle code FEAST25 fonctionne.\n";
  mail.message_id = "swarmbot.BC-1.7@takeout.example";
  mail.date = Clock::TimePoint{std::chrono::seconds{1'796'510'729}};
  mail.unsubscribe_url = "https://takeout.example/u?e=x";
  return mail;
}

lifecycle::BroadcastSettings MailSettings() {
  lifecycle::BroadcastSettings settings;
  settings.enabled = true;
  settings.from = "support@takeout.example";
  settings.subject_template = "{incident} is fixed";
  settings.body_template = "Hello {contact_name}\n";
  return settings;
}

class SmtpSenderTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  // For the tests of the whole sending path: one store that outlives a restart.
  const std::string path_ = (dir_ / "swarmbot.db").string();
  FakeClock clock_;
  const lifecycle::BroadcastSettings settings_ = MailSettings();
};

TEST_F(SmtpSenderTest, DeliversAMessageAReaderDecodesToTheSameText) {
  testing::SmtpSink sink(dir_ / "mail");
  SmtpSender sender({.url = sink.Url()});
  const auto result = sender.Send(MailTo("chloe@example.fr"));
  EXPECT_EQ(result.verdict, SendVerdict::kAccepted) << result.reply;
  ASSERT_TRUE(sink.WaitForCount(1));
  const auto mail = sink.Received().at(0);
  EXPECT_EQ(mail.mail_from, "support@takeout.example");
  EXPECT_EQ(mail.rcpt_tos, (std::vector<std::string>{"chloe@example.fr"}));
  EXPECT_EQ(mail.subject, "Votre code de réduction fonctionne à nouveau");
  EXPECT_EQ(mail.body, "Bonjour Chloé,\n.\nle code FEAST25 fonctionne.\n")
      << "the lone dot survives dot-stuffing";
  EXPECT_EQ(mail.Header("To"), "Chloé Dubois <chloe@example.fr>");
  EXPECT_EQ(mail.Header("Message-ID"), "<swarmbot.BC-1.7@takeout.example>");
  EXPECT_EQ(mail.Header("List-Unsubscribe"), "<https://takeout.example/u?e=x>");
  EXPECT_EQ(mail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
}

TEST_F(SmtpSenderTest, ReusesOneConnectionForManyMessages) {
  testing::SmtpSink sink(dir_ / "mail");
  SmtpSender sender({.url = sink.Url()});
  for (const char* to : {"a@example.com", "b@example.com", "c@example.com"}) {
    EXPECT_EQ(sender.Send(MailTo(to)).verdict, SendVerdict::kAccepted);
  }
  ASSERT_TRUE(sink.WaitForCount(3));
  const auto mails = sink.Received();
  EXPECT_EQ(mails[0].peer_port, mails[1].peer_port);
  EXPECT_EQ(mails[1].peer_port, mails[2].peer_port);
}

TEST_F(SmtpSenderTest, ARecipientTheServerRefusesIsReportedWithItsReply) {
  testing::SmtpSink sink(dir_ / "mail",
                         {.refuse = {"gone@example.com"}, .defer = {"busy@example.com"}});
  SmtpSender sender({.url = sink.Url()});
  const auto refused = sender.Send(MailTo("gone@example.com"));
  EXPECT_EQ(refused.verdict, SendVerdict::kRefused);
  EXPECT_EQ(refused.code, 550);
  EXPECT_NE(refused.reply.find("No such mailbox"), std::string::npos) << refused.reply;
  const auto deferred = sender.Send(MailTo("busy@example.com"));
  EXPECT_EQ(deferred.verdict, SendVerdict::kDeferred);
  EXPECT_EQ(deferred.code, 451);
  EXPECT_EQ(sender.Send(MailTo("fine@example.com")).verdict, SendVerdict::kAccepted)
      << "a refusal doesn't spoil the next message";
  ASSERT_TRUE(sink.WaitForCount(1));
  EXPECT_EQ(sink.Received().size(), 1u);
}

TEST_F(SmtpSenderTest, NoServerMeansNothingWasSent) {
  std::uint16_t port = 0;
  {
    testing::SmtpSink gone(dir_ / "gone");
    port = gone.Port();
  }
  SmtpSender sender(
      {.url = "smtp://127.0.0.1:" + std::to_string(port), .timeout = std::chrono::seconds(5)});
  EXPECT_EQ(sender.Send(MailTo("a@example.com")).verdict, SendVerdict::kNotSent);
}

// A server that refuses swarmbot's login is no unreachable server: the
// verdict says what it is, with the server's answer and never the password.
TEST_F(SmtpSenderTest, ARefusedLoginIsToldApartFromAnUnreachableServer) {
  testing::SmtpSink sink(dir_ / "mail", {.user = "swarmbot", .password = "right-horse"});
  SmtpSender wrong({.url = sink.Url(), .username = "swarmbot", .password = Secret("wrong-horse")});
  const auto refused = wrong.Send(MailTo("a@example.com"));
  EXPECT_EQ(refused.verdict, SendVerdict::kLoginRefused) << refused.reply;
  EXPECT_NE(refused.reply.find("535"), std::string::npos) << refused.reply;
  EXPECT_EQ(refused.reply.find("wrong-horse"), std::string::npos) << refused.reply;
  SmtpSender anonymous({.url = sink.Url()});
  const auto unauthenticated = anonymous.Send(MailTo("b@example.com"));
  EXPECT_EQ(unauthenticated.verdict, SendVerdict::kLoginRefused) << unauthenticated.reply;
  EXPECT_NE(unauthenticated.reply.find("530"), std::string::npos) << unauthenticated.reply;
  SmtpSender right({.url = sink.Url(), .username = "swarmbot", .password = Secret("right-horse")});
  EXPECT_EQ(right.Send(MailTo("c@example.com")).verdict, SendVerdict::kAccepted);
  ASSERT_TRUE(sink.WaitForCount(1));
  EXPECT_EQ(sink.Received().size(), 1u);
}

// Check 20 #4: a 421 (the server closing: busy, shutting down) was charged to
// the customer as a deferral. It is the server being unavailable, whether it
// comes with the greeting or in answer to MAIL FROM.
TEST_F(SmtpSenderTest, A421IsTheServerBeingUnavailableNotTheCustomersProblem) {
  testing::SmtpSink sink(dir_ / "mail");
  SmtpSender sender({.url = sink.Url(), .timeout = std::chrono::seconds(10)});
  sink.SetFaults({.greet = "421 4.3.2 Too busy, come back later"});
  const auto greeted = sender.Send(MailTo("a@example.com"));
  EXPECT_EQ(greeted.verdict, SendVerdict::kNotSent) << greeted.reply;
  EXPECT_EQ(greeted.code, 421);
  EXPECT_NE(greeted.reply.find("Too busy"), std::string::npos) << greeted.reply;
  sink.SetFaults({.mail = "421 4.3.2 Shutting down"});
  const auto closing = sender.Send(MailTo("a@example.com"));
  EXPECT_EQ(closing.verdict, SendVerdict::kNotSent) << closing.reply;
  EXPECT_NE(closing.reply.find("Shutting down"), std::string::npos) << closing.reply;
  sink.SetFaults();
  EXPECT_EQ(sender.Send(MailTo("a@example.com")).verdict, SendVerdict::kAccepted);
  ASSERT_TRUE(sink.WaitForCount(1));
  EXPECT_EQ(sink.Received().size(), 1u);
}

// Check 20 #5: a server that hung up after taking the message, before
// answering it, was reported as swarmbot being interrupted. The verdict says
// the server never confirmed it, and the reply says what happened.
TEST_F(SmtpSenderTest, AServerHangingUpBeforeConfirmingTheMessageLeavesItUnconfirmed) {
  testing::SmtpSink sink(dir_ / "mail");
  SmtpSender sender({.url = sink.Url(), .timeout = std::chrono::seconds(10)});
  sink.SetFaults({.hang_up_after_data = true});
  const auto cut = sender.Send(MailTo("a@example.com"));
  EXPECT_EQ(cut.verdict, SendVerdict::kUnknown) << cut.reply;
  EXPECT_EQ(cut.code, 354);
  EXPECT_NE(cut.reply.find("the mail server hung up"), std::string::npos) << cut.reply;
  sink.SetFaults();
  EXPECT_EQ(sender.Send(MailTo("b@example.com")).verdict, SendVerdict::kAccepted);
  ASSERT_TRUE(sink.WaitForCount(1));
  EXPECT_EQ(sink.Received().size(), 1u);
}

// An incident whose cases have the contacts a@… d@…, and its broadcast started.
std::int64_t StartBroadcast(store::Database& db, const FakeClock& clock,
                            lifecycle::BroadcastService& service) {
  lifecycle::CaseService cases(db, clock);
  lifecycle::IncidentService incidents(db, clock);
  lifecycle::DeclareInput declare;
  declare.subject = "FEAST25 fails";
  const auto incident = incidents.Declare(declare, UserId("UMARA")).value().number;
  std::vector<std::int64_t> linked;
  for (const char* who : {"a", "b", "c", "d"}) {
    lifecycle::CaseInput in{.contact_name = who,
                            .contact_email = std::string(who) + "@example.com",
                            .channel = "email",
                            .territory = "North",
                            .subject = "FEAST25",
                            .description = "",
                            .owner = "UREP"};
    linked.push_back(cases.IntakeCase(in, {}).value().record.number);
  }
  EXPECT_TRUE(incidents.LinkCases(incident, linked, UserId("UMARA")));
  const auto broadcast =
      service.Prepare(incident, UserId("UMARA"), ChannelId("C1")).value().broadcast;
  EXPECT_TRUE(service.Start(broadcast, UserId("UMARA")));
  return broadcast;
}

// The whole sending path on a real server: a crash after one message was
// handed over but before its answer was recorded, then a restart.
TEST_F(SmtpSenderTest, ResumesAfterACrashWithoutSendingAnyoneASecondCopy) {
  testing::SmtpSink sink(dir_ / "mail");
  std::int64_t broadcast = 0;
  {
    auto db = store::Database::Open(path_).value();
    lifecycle::BroadcastService service(*db, clock_, settings_);
    broadcast = StartBroadcast(*db, clock_, service);
    SmtpSender sender({.url = sink.Url()});
    lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
    ASSERT_TRUE(runner.RunOnce().sent);
    // b is claimed and handed to the server; the process dies before the
    // answer is recorded.
    auto claimed = service.ClaimNext().value();
    ASSERT_TRUE(claimed);
    EXPECT_EQ(sender.Send(claimed->mail).verdict, SendVerdict::kAccepted);
  }
  auto db = store::Database::Open(path_).value();
  lifecycle::BroadcastService service(*db, clock_, settings_);
  EXPECT_EQ(service.RecoverInterrupted().value(), 1);
  SmtpSender sender({.url = sink.Url()});
  lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
  while (runner.RunOnce().sent) {
    clock_.Advance(std::chrono::seconds(1));
  }
  ASSERT_TRUE(sink.WaitForCount(4));
  std::vector<std::string> to;
  for (const auto& mail : sink.Received()) {
    to.push_back(mail.rcpt_tos.at(0));
  }
  EXPECT_EQ(to, (std::vector<std::string>{"a@example.com", "b@example.com", "c@example.com",
                                          "d@example.com"}));
  const auto status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.counts.sent, 3);
  EXPECT_EQ(status.counts.uncertain, 1) << "b got one copy; the record says it may have";
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

// A wrong password: the broadcast records a refused login (not an unreachable
// server) and keeps everyone queued; a restart with the right one carries on
// and mails them all, once.
TEST_F(SmtpSenderTest, ARefusedLoginKeepsTheQueueForARestartWithTheRightPassword) {
  testing::SmtpSink sink(dir_ / "mail", {.user = "swarmbot", .password = "right-horse"});
  std::int64_t broadcast = 0;
  {
    auto db = store::Database::Open(path_).value();
    lifecycle::BroadcastService service(*db, clock_, settings_);
    broadcast = StartBroadcast(*db, clock_, service);
    SmtpSender sender(
        {.url = sink.Url(), .username = "swarmbot", .password = Secret("wrong-horse")});
    lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
    ASSERT_TRUE(runner.RunOnce().sent);
    const auto status = service.StatusOf(broadcast).value();
    EXPECT_EQ(status.broadcast.state, store::BroadcastState::kSending);
    ASSERT_TRUE(status.broadcast.unreachable_since);
    EXPECT_TRUE(status.broadcast.login_refused);
    EXPECT_NE(status.broadcast.unreachable_reason.find("535"), std::string::npos)
        << status.broadcast.unreachable_reason;
    EXPECT_EQ(status.broadcast.unreachable_reason.find("wrong-horse"), std::string::npos);
    EXPECT_EQ(status.counts.pending, 4) << "nobody is given up on for a refused login";
  }
  auto db = store::Database::Open(path_).value();
  lifecycle::BroadcastService service(*db, clock_, settings_);
  EXPECT_EQ(service.RecoverInterrupted().value(), 0);
  SmtpSender sender({.url = sink.Url(), .username = "swarmbot", .password = Secret("right-horse")});
  lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
  while (runner.RunOnce().sent) {
    clock_.Advance(std::chrono::seconds(1));
  }
  ASSERT_TRUE(sink.WaitForCount(4));
  const auto status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.counts.sent, 4);
  EXPECT_EQ(sink.Received().size(), 4u);
  EXPECT_FALSE(status.broadcast.unreachable_since);
  EXPECT_FALSE(status.broadcast.login_refused);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

// Sends until the broadcast is over, following the runner's wake-ups on the
// fake clock; at most `steps` tries.
void RunToTheEnd(lifecycle::BroadcastRunner& runner, lifecycle::BroadcastService& service,
                 FakeClock& clock, std::int64_t broadcast, int steps = 40) {
  for (int i = 0; i < steps; ++i) {
    if (service.StatusOf(broadcast).value().broadcast.state != store::BroadcastState::kSending) {
      return;
    }
    const auto step = runner.RunOnce();
    if (!step.sent && step.wake_at && *step.wake_at > clock.Now()) {
      clock.Set(*step.wake_at);
    }
  }
}

// Check 20 #4 on the whole path: with defaults every customer "gave up after
// 2 attempts: 421" within minutes. Nobody is charged; the broadcast waits as
// for an unreachable server, and carries on once the server takes mail.
TEST_F(SmtpSenderTest, A421ChargesNobodyAndTheBroadcastCarriesOnWhenTheServerTakesMailAgain) {
  testing::SmtpSink sink(dir_ / "mail");
  auto db = store::Database::Open(path_).value();
  lifecycle::BroadcastService service(*db, clock_, settings_);
  const std::int64_t broadcast = StartBroadcast(*db, clock_, service);
  SmtpSender sender({.url = sink.Url(), .timeout = std::chrono::seconds(10)});
  lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
  for (const char* fault : {"greet", "mail", "greet", "mail"}) {
    sink.SetFaults(std::string(fault) == "greet"
                       ? testing::SmtpSinkFaults{.greet = "421 4.3.2 Too busy"}
                       : testing::SmtpSinkFaults{.mail = "421 4.3.2 Shutting down"});
    clock_.Advance(std::chrono::minutes(1));
    ASSERT_TRUE(runner.RunOnce().sent);
  }
  auto status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kSending);
  EXPECT_EQ(status.counts.pending, 4) << "nobody is charged for a closing server";
  EXPECT_EQ(status.counts.refused, 0);
  ASSERT_TRUE(status.broadcast.unreachable_since);
  EXPECT_FALSE(status.broadcast.login_refused);
  EXPECT_NE(status.broadcast.unreachable_reason.find("421"), std::string::npos)
      << status.broadcast.unreachable_reason;
  sink.SetFaults();
  RunToTheEnd(runner, service, clock_, broadcast);
  ASSERT_TRUE(sink.WaitForCount(4));
  status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.counts.sent, 4);
  EXPECT_FALSE(status.broadcast.unreachable_since);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
  EXPECT_EQ(sink.Received().size(), 4u);
}

// Check 20 #5 on the whole path: "Sent to 0 of 4", everyone uncertain after a
// server hung up mid-message. The message the server never confirmed is sent
// again, and each customer ends with one copy.
TEST_F(SmtpSenderTest, AMessageTheServerHungUpOnIsSentAgainAndArrivesOnce) {
  testing::SmtpSink sink(dir_ / "mail");
  auto db = store::Database::Open(path_).value();
  lifecycle::BroadcastService service(*db, clock_, settings_);
  const std::int64_t broadcast = StartBroadcast(*db, clock_, service);
  SmtpSender sender({.url = sink.Url(), .timeout = std::chrono::seconds(10)});
  lifecycle::BroadcastRunner runner(service, sender, clock_, {.rate_per_second = 1000});
  sink.SetFaults({.hang_up_after_data = true});
  ASSERT_TRUE(runner.RunOnce().sent);
  auto status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.counts.uncertain, 0);
  EXPECT_EQ(status.counts.pending, 4);
  EXPECT_FALSE(status.broadcast.unreachable_since) << "the server answered; it isn't away";
  sink.SetFaults();
  RunToTheEnd(runner, service, clock_, broadcast);
  ASSERT_TRUE(sink.WaitForCount(4));
  std::vector<std::string> to;
  for (const auto& mail : sink.Received()) {
    to.push_back(mail.rcpt_tos.at(0));
  }
  std::sort(to.begin(), to.end());
  EXPECT_EQ(to, (std::vector<std::string>{"a@example.com", "b@example.com", "c@example.com",
                                          "d@example.com"}));
  status = service.StatusOf(broadcast).value();
  EXPECT_EQ(status.counts.sent, 4);
  EXPECT_EQ(status.counts.uncertain, 0);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

}  // namespace
}  // namespace swarmbot::mailer
