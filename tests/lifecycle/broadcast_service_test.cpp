// E-mail to an incident's customers: who gets it, double clicks, refusals,
// retries, pacing and recovery after a crash, with a fake sender and a
// FakeClock (the SMTP side has its own tests in tests/mailer).
#include "lifecycle/broadcast_service.hpp"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "common/mail_address.hpp"
#include "lifecycle/broadcast_runner.hpp"
#include "lifecycle/contact_preferences.hpp"
#include "lifecycle/effects.hpp"
#include "store/banner_repository.hpp"
#include "store/broadcast_repository.hpp"
#include "store/timeline_repository.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

// Answers each recipient as told (accepted by default) and keeps what it got.
class FakeSender : public MailSender {
 public:
  SendResult Send(const OutgoingMail& mail) override {
    sent.push_back(mail);
    const auto answer = answers.find(mail.to);
    return answer == answers.end() ? SendResult{SendVerdict::kAccepted, 250, "250 OK"}
                                   : answer->second;
  }
  std::vector<OutgoingMail> sent;
  std::map<std::string, SendResult> answers;
};

BroadcastSettings Settings() {
  BroadcastSettings s;
  s.enabled = true;
  s.from = "support@takeout.example";
  s.from_name = "Take-Out Support";
  s.subject_template = "{incident}: {public_title} is fixed";
  s.body_template = "Hello {contact_name},\nit works again.\nUnsubscribe: {unsubscribe_url}\n";
  s.unsubscribe_url = "https://takeout.example/unsubscribe?e={email}";
  s.progress_every = 2;
  return s;
}

class BroadcastTest : public testing::LifecycleTest {
 protected:
  std::int64_t CaseFrom(std::string name, std::string email) {
    CaseInput in = ValidCase();
    in.contact_name = std::move(name);
    in.contact_email = std::move(email);
    return cases_.IntakeCase(in, {}).value().record.number;
  }

  // INC-1 with cases from Ana (twice, once in capitals), Ben and Chloé;
  // INC-2 with a case from Dan, who must hear nothing about INC-1.
  void SetUpIncidents() {
    incident_ = NewIncident();
    const std::vector<std::int64_t> linked{
        CaseFrom("Ana Silva", "ana@example.com"), CaseFrom("Ana Silva", "ANA@Example.com"),
        CaseFrom("Ben Okafor", "ben@example.com"), CaseFrom("Chloé Dubois", "chloe@example.fr")};
    ASSERT_TRUE(incidents_.LinkCases(incident_, linked, mara_));
    // What customers may read; the internal subject never reaches them.
    store::BannerRepository(*db_).SetPublicTitle(incident_, "Discount codes at checkout", mara_,
                                                 clock_.Now());
    other_ = NewIncident("Card payments time out");
    ASSERT_TRUE(incidents_.LinkCases(other_, {CaseFrom("Dan Ito", "dan@example.com")}, mara_));
    DrainOutbox();
  }

  // Sends everything due, advancing the fake clock to each wake-up.
  int Drain(BroadcastRunner& runner) {
    int steps = 0;
    for (int i = 0; i < 100; ++i) {
      const auto step = runner.RunOnce();
      steps += step.sent ? 1 : 0;
      if (!step.sent && !step.wake_at) {
        break;
      }
      if (!step.sent && step.wake_at && *step.wake_at > clock_.Now()) {
        clock_.Set(*step.wake_at);
      }
    }
    return steps;
  }

  // Starts a broadcast to INC-1's customers whose first send can't reach the server.
  void StartWhileTheServerIsDown(std::int64_t& broadcast) {
    SetUpIncidents();
    sender_.answers["ana@example.com"] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
    broadcast = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value().broadcast;
    ASSERT_TRUE(service_.Start(broadcast, mara_));
    ASSERT_TRUE(runner_.RunOnce().sent);
  }

  std::vector<std::string> Recipients() const {
    std::vector<std::string> to;
    for (const auto& mail : sender_.sent) {
      to.push_back(mail.to);
    }
    return to;
  }

  BroadcastService service_{*db_, clock_, Settings()};
  FakeSender sender_;
  BroadcastRunner runner_{service_, sender_, clock_, {.rate_per_second = 2}};
  std::int64_t incident_ = 0;
  std::int64_t other_ = 0;
};

TEST_F(BroadcastTest, WithoutAPublicTitleTheMailNamesTheTerritoriesNotTheInternalSubject) {
  SetUpIncidents();
  auto preview = service_.Prepare(other_, mara_, ChannelId("CHERE"));
  ASSERT_TRUE(preview) << preview.error().detail;
  EXPECT_EQ(preview->subject.find("Card payments"), std::string::npos) << preview->subject;
  EXPECT_NE(preview->subject.find("An issue affecting"), std::string::npos) << preview->subject;
}

TEST_F(BroadcastTest, PreviewCountsOneRecipientPerDistinctAddressIgnoringCase) {
  SetUpIncidents();
  auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE"));
  ASSERT_TRUE(preview) << preview.error().detail;
  EXPECT_EQ(preview->recipients, 3);
  EXPECT_EQ(preview->samples,
            (std::vector<std::string>{"ana@example.com", "ben@example.com", "chloe@example.fr"}));
  EXPECT_EQ(preview->subject, "INC-1: Discount codes at checkout is fixed");
  EXPECT_EQ(preview->body,
            "Hello Ana Silva,\nit works again.\nUnsubscribe: "
            "https://takeout.example/unsubscribe?e=ana%40example.com\n");
  EXPECT_TRUE(sender_.sent.empty()) << "a preview sends nothing";
}

TEST_F(BroadcastTest, CustomersWhoUnsubscribedAreLeftOutAndCounted) {
  SetUpIncidents();
  ContactPreferences preferences(*db_, clock_);
  EXPECT_TRUE(preferences.Unsubscribe("Ana@EXAMPLE.com").value());
  EXPECT_FALSE(preferences.Unsubscribe("ana@example.com").value()) << "a second click is no error";
  const auto not_address = preferences.Unsubscribe("ana at example");
  ASSERT_FALSE(not_address);
  EXPECT_EQ(not_address.error().code, Errc::kInvalidInput);

  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  EXPECT_EQ(preview.recipients, 2);
  EXPECT_EQ(preview.unsubscribed, 1) << "Ana's two cases are one customer";
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  Drain(runner_);
  EXPECT_EQ(Recipients(), (std::vector<std::string>{"ben@example.com", "chloe@example.fr"}));
}

TEST_F(BroadcastTest, ACustomerWhoUnsubscribesWhileItIsGoingOutGetsNoMore) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  EXPECT_TRUE(runner_.RunOnce().sent);  // Ana's
  ASSERT_TRUE(ContactPreferences(*db_, clock_).Unsubscribe("BEN@example.com"));
  Drain(runner_);
  EXPECT_EQ(Recipients(), (std::vector<std::string>{"ana@example.com", "chloe@example.fr"}));
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 2);
  EXPECT_EQ(status.counts.withheld, 1);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

TEST_F(BroadcastTest, AnIncidentWhoseCustomersAllUnsubscribedSendsNothingAndSaysWhy) {
  const std::int64_t incident = NewIncident();
  ASSERT_TRUE(incidents_.LinkCases(incident, {CaseFrom("Dan Ito", "dan@example.com")}, mara_));
  ASSERT_TRUE(ContactPreferences(*db_, clock_).Unsubscribe("dan@example.com"));
  const auto preview = service_.Prepare(incident, mara_, ChannelId("CHERE"));
  ASSERT_FALSE(preview);
  EXPECT_NE(preview.error().user_message.find("all unsubscribed"), std::string::npos)
      << preview.error().user_message;
}

TEST_F(BroadcastTest, SendsExactlyOneMessagePerContactAndNoneToOtherIncidentsCustomers) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_).value().started);
  EXPECT_EQ(Drain(runner_), 3);
  EXPECT_EQ(Recipients(),
            (std::vector<std::string>{"ana@example.com", "ben@example.com", "chloe@example.fr"}));
  EXPECT_EQ(sender_.sent[2].to_name, "Chloé Dubois");
  EXPECT_EQ(sender_.sent[2].subject, "INC-1: Discount codes at checkout is fixed");
  EXPECT_EQ(sender_.sent[0].message_id, "swarmbot.BC-1." + std::to_string(1) + "@takeout.example");
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
  EXPECT_EQ(status.counts.sent, 3);
}

TEST_F(BroadcastTest, NothingIsSentBeforeSendIsPressed) {
  SetUpIncidents();
  ASSERT_TRUE(service_.Prepare(incident_, mara_, ChannelId("CHERE")));
  EXPECT_EQ(Drain(runner_), 0);
}

TEST_F(BroadcastTest, ASecondSendClickStartsNothingMore) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_).value().started);
  const auto again = service_.Start(preview.broadcast, mara_);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->started);
  EXPECT_EQ(Drain(runner_), 3);
  EXPECT_EQ(PendingKinds(),
            (std::vector<std::string>{std::string(effect::kPostBroadcastProgress),
                                      std::string(effect::kUpdateBroadcastProgress),
                                      std::string(effect::kUpdateBroadcastProgress)}));
}

TEST_F(BroadcastTest, ASecondNotifyWhileOneIsSendingIsRefused) {
  SetUpIncidents();
  const auto first = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  const auto second = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(first.broadcast, mara_));
  auto third = service_.Prepare(incident_, mara_, ChannelId("CHERE"));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, Errc::kConflict);
  EXPECT_NE(third.error().user_message.find("BC-1 is already e-mailing"), std::string::npos);
  EXPECT_FALSE(service_.Start(second.broadcast, mara_).value().started)
      << "starting one cancels the other previews of the incident";
}

TEST_F(BroadcastTest, CancelledDraftCanNotBeSent) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Cancel(preview.broadcast, mara_));
  EXPECT_FALSE(service_.Start(preview.broadcast, mara_).value().started);
  EXPECT_EQ(Drain(runner_), 0);
}

TEST_F(BroadcastTest, AnIncidentWithoutLinkedContactsIsRefusedWithAReason) {
  const auto incident = NewIncident();
  auto preview = service_.Prepare(incident, mara_, ChannelId("CHERE"));
  ASSERT_FALSE(preview);
  EXPECT_EQ(preview.error().user_message,
            "INC-1 has no linked case with a contact e-mail address; nothing to send.");
  EXPECT_FALSE(service_.Prepare(99, mara_, ChannelId("CHERE")));
}

TEST_F(BroadcastTest, WithoutSmtpConfiguredNothingIsPrepared) {
  SetUpIncidents();
  BroadcastSettings off = Settings();
  off.enabled = false;
  auto preview = BroadcastService(*db_, clock_, off).Prepare(incident_, mara_, ChannelId("C"));
  ASSERT_FALSE(preview);
  EXPECT_NE(preview.error().user_message.find("[smtp] url"), std::string::npos);
}

TEST_F(BroadcastTest, ARefusedRecipientIsRecordedOnceAndNotRetried) {
  SetUpIncidents();
  sender_.answers["ben@example.com"] = {SendVerdict::kRefused, 550, "550 5.1.1 No such mailbox"};
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  EXPECT_EQ(Drain(runner_), 3);
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 2);
  EXPECT_EQ(status.counts.refused, 1);
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].email, "ben@example.com");
  EXPECT_EQ(status.refused[0].reply, "550 5.1.1 No such mailbox");
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

TEST_F(BroadcastTest, ADeferredRecipientIsRetriedWithBackoffThenRecordedAsRefused) {
  SetUpIncidents();
  sender_.answers["ben@example.com"] = {SendVerdict::kDeferred, 451, "451 4.3.0 Try later"};
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  const auto start = clock_.Now();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  EXPECT_EQ(Drain(runner_), 5) << "three recipients, Ben three times";
  const auto to = Recipients();
  EXPECT_EQ(std::count(to.begin(), to.end(), "ben@example.com"), 3);
  // 60 s, then 120 s between Ben's attempts.
  EXPECT_GE(clock_.Now() - start, std::chrono::seconds(180));
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.refused, 1);
  EXPECT_EQ(status.refused[0].reply, "gave up after 3 attempts: 451 4.3.0 Try later");
}

// Check 20 #5: a server that hung up while taking the message left the
// customer "uncertain" at once, as if swarmbot had been interrupted, and
// nobody was tried again. A message the server never confirmed is sent again,
// like a deferred one, and stays uncertain, saying why, only after the last try.
TEST_F(BroadcastTest, AMessageTheServerNeverConfirmedIsSentAgainThenLeftUncertainSayingWhy) {
  SetUpIncidents();
  const std::string hung_up =
      "the mail server hung up or went silent before confirming the message";
  sender_.answers["ben@example.com"] = {SendVerdict::kUnknown, 354, hung_up};
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  EXPECT_EQ(Drain(runner_), 5) << "three recipients, Ben three times";
  const auto to = Recipients();
  EXPECT_EQ(std::count(to.begin(), to.end(), "ben@example.com"), 3);
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 2);
  EXPECT_EQ(status.counts.refused, 0);
  EXPECT_EQ(status.counts.uncertain, 1);
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].reply, "not confirmed after 3 attempts: " + hung_up);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

TEST_F(BroadcastTest, AMessageConfirmedOnTheSecondTryIsSentOnce) {
  SetUpIncidents();
  sender_.answers["ben@example.com"] = {SendVerdict::kUnknown, 354, "hung up"};
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  ASSERT_TRUE(runner_.RunOnce().sent);  // Ana
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(runner_.RunOnce().sent);  // Ben, unconfirmed
  EXPECT_EQ(service_.StatusOf(preview.broadcast).value().counts.uncertain, 0);
  sender_.answers.clear();
  Drain(runner_);
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 3);
  EXPECT_EQ(status.counts.uncertain, 0);
}

TEST_F(BroadcastTest, SendingKeepsToTheConfiguredRateWithoutSleeping) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  const auto start = clock_.Now();
  EXPECT_TRUE(runner_.RunOnce().sent);
  const auto held = runner_.RunOnce();
  EXPECT_FALSE(held.sent) << "two a second: the second waits half a second";
  ASSERT_TRUE(held.wake_at);
  EXPECT_EQ(*held.wake_at - start, std::chrono::milliseconds(500));
  clock_.Advance(std::chrono::milliseconds(499));
  EXPECT_FALSE(runner_.RunOnce().sent);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(runner_.RunOnce().sent);
}

TEST_F(BroadcastTest, AServerThatCanNotBeReachedPausesWithoutUsingUpAttempts) {
  SetUpIncidents();
  sender_.answers["ana@example.com"] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  const auto start = clock_.Now();
  EXPECT_TRUE(runner_.RunOnce().sent);
  const auto paused = runner_.RunOnce();
  EXPECT_FALSE(paused.sent);
  EXPECT_EQ(*paused.wake_at - start, std::chrono::seconds(5));
  sender_.answers.clear();
  EXPECT_EQ(Drain(runner_), 3);
  const auto deliveries = store::BroadcastRepository(*db_).Deliveries(preview.broadcast);
  EXPECT_EQ(deliveries[0].state, store::DeliveryState::kSent);
  EXPECT_EQ(deliveries[0].attempts, 1) << "the failed connection didn't count";
}

TEST_F(BroadcastTest, AfterACrashMidSendTheInterruptedRecipientIsNotSentASecondCopy) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  ASSERT_TRUE(runner_.RunOnce().sent);  // Ana: sent and recorded
  // Ben is claimed and handed over; the process dies before the answer is
  // recorded.
  auto claimed = service_.ClaimNext().value();
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->mail.to, "ben@example.com");

  BroadcastService restarted(*db_, clock_, Settings());
  EXPECT_EQ(restarted.RecoverInterrupted().value(), 1);
  FakeSender after;
  BroadcastRunner runner(restarted, after, clock_, {.rate_per_second = 100});
  for (int i = 0; i < 5 && runner.RunOnce().sent; ++i) {
    clock_.Advance(std::chrono::seconds(1));
  }
  ASSERT_EQ(after.sent.size(), 1u);
  EXPECT_EQ(after.sent[0].to, "chloe@example.fr");
  const auto status = restarted.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 2);
  EXPECT_EQ(status.counts.uncertain, 1);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
  // Check 11: the interrupted one was reported as failed, and by its masked
  // address only.
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].contact_name, "Ben Okafor");
  EXPECT_EQ(status.cases_by_address.at("ben@example.com"), std::vector<std::int64_t>{3});
  const auto timeline = store::TimelineRepository(*db_).Recent(incident_, 1);
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].text,
            "E-mail BC-1: 2 sent, 0 not delivered, 1 uncertain (may have arrived)");
  // An answer that arrives for the recovered delivery changes nothing.
  ASSERT_TRUE(restarted.RecordOutcome(*claimed, {SendVerdict::kAccepted, 250, "250 OK"}));
  EXPECT_EQ(restarted.StatusOf(preview.broadcast).value().counts.uncertain, 1);
}

TEST_F(BroadcastTest, ProgressIsReportedEveryFewMessagesAndAtTheEnd) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  DrainOutbox();
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(runner_.RunOnce().sent);
  EXPECT_TRUE(PendingKinds().empty()) << "one outcome, one second: not yet";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(runner_.RunOnce().sent);
  EXPECT_EQ(PendingKinds().size(), 1u) << "every second outcome";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(runner_.RunOnce().sent);
  EXPECT_EQ(PendingKinds().size(), 2u) << "and the last";
  const auto timeline = store::TimelineRepository(*db_).Recent(incident_, 2);
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].kind, "broadcast_started");
  EXPECT_EQ(timeline[1].kind, "broadcast_done");
  EXPECT_EQ(timeline[1].text, "E-mail BC-1: 3 sent, 0 not delivered");
}

TEST_F(BroadcastTest, ProgressGoesToTheSwarmChannelWhenThereIsOne) {
  SetUpIncidents();
  ASSERT_TRUE(swarms_.Start({incident_, {}, {}}, mara_));
  ASSERT_TRUE(swarms_.RecordChannel(incident_, ChannelId("CSWARM"), "inc-1-feast25"));
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  EXPECT_EQ(service_.StatusOf(preview.broadcast).value().broadcast.report_channel,
            ChannelId("CSWARM"));
}

TEST_F(BroadcastTest, SendMailsTheCustomersOfTheCasesLinkedWhenSendIsPressedNotAtThePreview) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_EQ(preview.recipients, 3);
  // Between the preview and Send: Ben's case is unlinked, Chloé unsubscribes,
  // and Eve's case is linked.
  ASSERT_TRUE(incidents_.UnlinkCases(incident_, {3}, mara_));
  ASSERT_TRUE(ContactPreferences(*db_, clock_).Unsubscribe("chloe@example.fr"));
  ASSERT_TRUE(incidents_.LinkCases(incident_, {CaseFrom("Eve Stone", "eve@example.com")}, mara_));
  const auto started = service_.Start(preview.broadcast, mara_);
  ASSERT_TRUE(started) << started.error().detail;
  EXPECT_EQ(started->recipients, 2);
  EXPECT_EQ(started->left_out_unlinked, 1);
  EXPECT_EQ(started->left_out_unsubscribed, 1);
  EXPECT_EQ(started->added, 1);
  EXPECT_EQ(Drain(runner_), 2);
  EXPECT_EQ(Recipients(), (std::vector<std::string>{"ana@example.com", "eve@example.com"}));
  EXPECT_EQ(service_.StatusOf(preview.broadcast).value().broadcast.state,
            store::BroadcastState::kDone);
}

TEST_F(BroadcastTest, SendIsRefusedWhenNobodyIsLeftToMailSinceThePreview) {
  SetUpIncidents();
  const auto preview = service_.Prepare(other_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(incidents_.UnlinkCases(other_, {5}, mara_));
  const auto started = service_.Start(preview.broadcast, mara_);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::kInvalidInput);
  EXPECT_NE(started.error().user_message.find("Nothing was sent"), std::string::npos)
      << started.error().user_message;
  EXPECT_EQ(Drain(runner_), 0);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(BroadcastTest, AnUnreachableServerIsShownUntilItAnswersAgain) {
  SetUpIncidents();
  for (const char* to : {"ana@example.com", "ben@example.com", "chloe@example.fr"}) {
    sender_.answers[to] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  }
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  DrainOutbox();
  const auto since = clock_.Now();
  EXPECT_TRUE(runner_.RunOnce().sent);
  auto status = service_.StatusOf(preview.broadcast).value();
  ASSERT_TRUE(status.broadcast.unreachable_since);
  EXPECT_EQ(*status.broadcast.unreachable_since, since);
  EXPECT_EQ(status.broadcast.unreachable_reason, "Couldn't connect to server");
  ASSERT_TRUE(status.give_up_at);
  EXPECT_EQ(*status.give_up_at, since + std::chrono::minutes(30));
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{std::string(effect::kUpdateBroadcastProgress),
                                                      std::string(effect::kCheckBroadcastGiveUp)}))
      << "the progress message says so at once, and the give-up is timed";
  sender_.answers.clear();
  EXPECT_EQ(Drain(runner_), 3);
  status = service_.StatusOf(preview.broadcast).value();
  EXPECT_FALSE(status.broadcast.unreachable_since);
  EXPECT_EQ(status.counts.sent, 3);
}

TEST_F(BroadcastTest, AServerUnreachableForLongerThanTheLimitStopsTheBroadcastAndSaysSo) {
  SetUpIncidents();
  for (const char* to : {"ana@example.com", "ben@example.com", "chloe@example.fr"}) {
    sender_.answers[to] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  }
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  const auto start = clock_.Now();
  Drain(runner_);
  EXPECT_GE(clock_.Now() - start, std::chrono::minutes(30));
  EXPECT_LT(clock_.Now() - start, std::chrono::minutes(36)) << "retries stop at the limit";
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kStopped);
  EXPECT_EQ(status.counts.sent, 0);
  EXPECT_EQ(status.counts.pending, 0);
  EXPECT_EQ(status.counts.withheld, 3);
  EXPECT_TRUE(status.broadcast.stopped_by.empty());
  EXPECT_NE(status.broadcast.stop_reason.find("couldn't be reached"), std::string::npos)
      << status.broadcast.stop_reason;
  const auto kinds = PendingKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), effect::kPostBroadcastStopped), kinds.end())
      << "the channel is told";
  EXPECT_EQ(store::TimelineRepository(*db_).Recent(incident_, 1).at(0).kind, "broadcast_stopped");
  EXPECT_TRUE(service_.Prepare(incident_, mara_, ChannelId("CHERE")))
      << "a new /notify is no longer refused as already e-mailing";
}

TEST_F(BroadcastTest, AServerUnreachableUntilTheLimitStopsTheBroadcastAtTheLimitExactly) {
  std::int64_t broadcast = 0;
  ASSERT_NO_FATAL_FAILURE(StartWhileTheServerIsDown(broadcast));
  const auto since = clock_.Now();
  store::Outbox outbox(*db_);
  while (auto due = outbox.ClaimNext(clock_.Now())) {
    outbox.MarkDone(due->id, clock_.Now());  // progress updates; the timer is not due yet
  }
  EXPECT_FALSE(outbox.ClaimNext(since + std::chrono::minutes(30) - std::chrono::milliseconds(1)));

  // No send is tried at the limit (the worker waits between tries): the timer acts alone.
  clock_.Set(since + std::chrono::minutes(30));
  const auto timer = outbox.ClaimNext(clock_.Now());
  ASSERT_TRUE(timer) << "nothing is due at the limit";
  EXPECT_EQ(timer->kind, effect::kCheckBroadcastGiveUp);
  EXPECT_EQ(timer->stream, "BC-" + std::to_string(broadcast) + ".give_up");
  ASSERT_TRUE(service_.GiveUpIfStillUnreachable(broadcast));
  outbox.MarkDone(timer->id, clock_.Now());
  EXPECT_EQ(sender_.sent.size(), 1u);
  const auto status = service_.StatusOf(broadcast).value();
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kStopped);
  EXPECT_EQ(status.counts.withheld, 3);
  EXPECT_EQ(PendingKinds(), (std::vector<std::string>{std::string(effect::kUpdateBroadcastProgress),
                                                      std::string(effect::kPostBroadcastStopped)}))
      << "the channel is told at the limit";
}

TEST_F(BroadcastTest, TheGiveUpTimerChangesNothingWhenTheServerCameBackOrTheBroadcastEnded) {
  std::int64_t broadcast = 0;
  ASSERT_NO_FATAL_FAILURE(StartWhileTheServerIsDown(broadcast));
  const auto since = clock_.Now();
  // Back after ten minutes for one message, then gone again: a new outage, a new limit.
  sender_.answers.clear();
  clock_.Set(since + std::chrono::minutes(10));
  EXPECT_TRUE(runner_.RunOnce().sent);
  sender_.answers["ben@example.com"] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  sender_.answers["chloe@example.fr"] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  clock_.Set(since + std::chrono::minutes(11));
  EXPECT_TRUE(runner_.RunOnce().sent);
  DrainOutbox();

  clock_.Set(since + std::chrono::minutes(30));
  ASSERT_TRUE(service_.GiveUpIfStillUnreachable(broadcast));
  EXPECT_EQ(service_.StatusOf(broadcast).value().broadcast.state, store::BroadcastState::kSending)
      << "the first outage's timer doesn't end the second one early";
  EXPECT_TRUE(PendingKinds().empty());

  ASSERT_TRUE(service_.Stop(broadcast, mara_));
  DrainOutbox();
  clock_.Set(since + std::chrono::minutes(41));
  ASSERT_TRUE(service_.GiveUpIfStillUnreachable(broadcast));
  EXPECT_EQ(service_.StatusOf(broadcast).value().broadcast.stopped_by, mara_)
      << "a broadcast stopped by hand stays stopped by its stopper";
  EXPECT_TRUE(PendingKinds().empty()) << "the channel isn't told twice";
  EXPECT_FALSE(service_.GiveUpIfStillUnreachable(999)) << "an unknown broadcast is an error";
}

TEST_F(BroadcastTest, GivingUpAfterZeroMinutesStopsAtTheFirstFailedConnection) {
  SetUpIncidents();
  BroadcastSettings settings = Settings();
  settings.give_up_after = std::chrono::minutes(0);
  BroadcastService service(*db_, clock_, settings);
  BroadcastRunner runner(service, sender_, clock_, {.rate_per_second = 2});
  sender_.answers["ana@example.com"] = {SendVerdict::kNotSent, 0, "Couldn't connect to server"};
  const auto preview = service.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service.Start(preview.broadcast, mara_));
  EXPECT_TRUE(runner.RunOnce().sent);
  EXPECT_EQ(Drain(runner), 0);
  const auto status = service.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kStopped);
  EXPECT_EQ(status.counts.withheld, 3);
}

TEST_F(BroadcastTest, StopWithholdsEveryoneNotYetMailedAndASecondStopIsAnswered) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  ASSERT_TRUE(runner_.RunOnce().sent);
  const auto stopped = service_.Stop(preview.broadcast, mara_);
  ASSERT_TRUE(stopped) << stopped.error().detail;
  EXPECT_EQ(stopped->state, store::BroadcastState::kStopped);
  EXPECT_EQ(stopped->stopped_by, mara_);
  EXPECT_EQ(Drain(runner_), 0) << "nothing more goes out";
  EXPECT_EQ(Recipients(), (std::vector<std::string>{"ana@example.com"}));
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 1);
  EXPECT_EQ(status.counts.withheld, 2);
  for (const auto& d : store::BroadcastRepository(*db_).Deliveries(preview.broadcast)) {
    if (d.state == store::DeliveryState::kWithheld) {
      EXPECT_EQ(d.reply, "not sent: the broadcast was stopped first");
    }
  }
  const auto again = service_.Stop(preview.broadcast, mara_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kConflict);
  EXPECT_NE(again.error().user_message.find("stopped"), std::string::npos);
}

TEST_F(BroadcastTest, AMessageWithTheServerWhenStopIsPressedKeepsItsOutcome) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  auto claimed = service_.ClaimNext().value();
  ASSERT_TRUE(claimed);
  ASSERT_TRUE(service_.Stop(preview.broadcast, mara_));
  ASSERT_TRUE(service_.RecordOutcome(*claimed, {SendVerdict::kAccepted, 250, "250 OK"}));
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 1);
  EXPECT_EQ(status.counts.withheld, 2);
  EXPECT_EQ(status.counts.pending, 0);
}

// Check 20 #6: an address that can't be mailed was only counted; nobody could
// tell which customer never heard. It is named with its cases, in the preview
// and in the outcome, among those not delivered.
TEST_F(BroadcastTest, AnAddressThatNeedsSmtpUtf8IsNamedWithItsCasesAndNotMailed) {
  SetUpIncidents();
  const std::int64_t jose = CaseFrom("José", "jos\u00e9@example.com");
  const std::int64_t again = CaseFrom("José", "JOS\u00e9@example.com");
  ASSERT_TRUE(incidents_.LinkCases(incident_, {jose, again}, mara_));
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  EXPECT_EQ(preview.recipients, 3);
  EXPECT_EQ(preview.skipped, 1);
  ASSERT_EQ(preview.unusable.size(), 1u);
  EXPECT_EQ(preview.unusable[0].email, "jos\u00e9@example.com");
  EXPECT_EQ(preview.unusable[0].name, "José");
  EXPECT_EQ(preview.unusable[0].cases, (std::vector<std::int64_t>{jose, again}));
  EXPECT_NE(preview.unusable[0].reason.find("needs SMTPUTF8"), std::string::npos);
  const auto started = service_.Start(preview.broadcast, mara_).value();
  EXPECT_EQ(started.recipients, 3);
  EXPECT_EQ(started.unusable, 1);
  EXPECT_EQ(Drain(runner_), 3);
  for (const auto& to : Recipients()) {
    EXPECT_EQ(to.find("jos"), std::string::npos);
  }
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 3);
  EXPECT_EQ(status.counts.refused, 1);
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].email, "jos\u00e9@example.com");
  EXPECT_EQ(status.refused[0].reply, preview.unusable[0].reason);
  EXPECT_EQ(status.cases_by_address.at(FoldAddress("jos\u00e9@example.com")),
            (std::vector<std::int64_t>{jose, again}));
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

// An internationalised domain was named as unusable and its customer never
// heard. It goes to the server in its A-label form, once however the cases
// wrote it; one IDNA2008 refuses is named as before.
TEST_F(BroadcastTest, AnInternationalisedDomainIsMailedOnceInItsALabelForm) {
  SetUpIncidents();
  const std::int64_t kai = CaseFrom("Kai Kunde", "kunde@b\u00fccher.example");
  const std::int64_t again = CaseFrom("Kai Kunde", "KUNDE@B\u00dcCHER.example");
  const std::int64_t sam = CaseFrom("Sam Snow", "sam@\u2603.example");
  ASSERT_TRUE(incidents_.LinkCases(incident_, {kai, again, sam}, mara_));
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  EXPECT_EQ(preview.recipients, 4);
  ASSERT_EQ(preview.unusable.size(), 1u);
  EXPECT_EQ(preview.unusable[0].email, "sam@\u2603.example");
  EXPECT_EQ(preview.unusable[0].cases, (std::vector<std::int64_t>{sam}));
  EXPECT_NE(preview.unusable[0].reason.find("not a valid internationalised domain name"),
            std::string::npos)
      << preview.unusable[0].reason;
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  EXPECT_EQ(Drain(runner_), 4);
  const auto to = Recipients();
  EXPECT_EQ(std::count(to.begin(), to.end(), "kunde@xn--bcher-kva.example"), 1);
  const auto kunde = std::find_if(sender_.sent.begin(), sender_.sent.end(), [](const auto& m) {
    return m.to == "kunde@xn--bcher-kva.example";
  });
  ASSERT_NE(kunde, sender_.sent.end());
  EXPECT_EQ(kunde->unsubscribe_url,
            "https://takeout.example/unsubscribe?e=kunde%40b%C3%BCcher.example")
      << "the customer's own address, which unsubscribing takes too";
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 4);
  EXPECT_EQ(status.counts.refused, 1);
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].email, "sam@\u2603.example");
}

// Only a store written by hand (or a libidn2 that changed its mind since the
// preview) can hold one; it is refused with why, not handed to the server.
TEST_F(BroadcastTest, APendingAddressWithoutAnSmtpFormIsRefusedWhenItsTurnComes) {
  SetUpIncidents();
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  ASSERT_TRUE(service_.Start(preview.broadcast, mara_));
  ASSERT_TRUE(store::BroadcastRepository(*db_).AddDelivery(preview.broadcast, "sam@\u2603.example",
                                                           "Sam Snow", clock_.Now()));
  EXPECT_EQ(Drain(runner_), 3);
  for (const auto& to : Recipients()) {
    EXPECT_EQ(to.find("sam"), std::string::npos) << to;
  }
  const auto status = service_.StatusOf(preview.broadcast).value();
  EXPECT_EQ(status.counts.sent, 3);
  ASSERT_EQ(status.refused.size(), 1u);
  EXPECT_EQ(status.refused[0].email, "sam@\u2603.example");
  EXPECT_NE(status.refused[0].reply.find("not a valid internationalised domain name"),
            std::string::npos);
  EXPECT_EQ(status.broadcast.state, store::BroadcastState::kDone);
}

TEST_F(BroadcastTest, UnsubscribingWithAnInternationalisedDomainCoversEveryWayOfWritingIt) {
  SetUpIncidents();
  ContactPreferences preferences(*db_, clock_);
  EXPECT_TRUE(preferences.Unsubscribe("kunde@b\u00fccher.example").value());
  EXPECT_FALSE(preferences.Unsubscribe("kunde@xn--bcher-kva.example").value());
  EXPECT_FALSE(preferences.Unsubscribe("j\u00f6rg@example.de"));
  ASSERT_TRUE(
      incidents_.LinkCases(incident_, {CaseFrom("Kai Kunde", "KUNDE@B\u00dcCHER.example")}, mara_));
  const auto preview = service_.Prepare(incident_, mara_, ChannelId("CHERE")).value();
  EXPECT_EQ(preview.recipients, 3);
  EXPECT_EQ(preview.unsubscribed, 1);
}

}  // namespace
}  // namespace swarmbot::lifecycle
