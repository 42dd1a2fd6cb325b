// Raw e-mails through the real binary's POST /api/cases/email.

#include <boost/json.hpp>

#include "tests/e2e/e2e_fixture.hpp"
#include "tests/support/smtp_sink.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class EmailIntake : public EndToEnd {
 protected:
  // The cases arrive, and the first (an e-mail) is linked to INC-1, which
  // Mara closes; its number.
  std::string FirstCaseClosedWithAnIncident() {
    const auto numbers = scenario_->CasesArrive();
    EXPECT_EQ(scenario_->cases().front().channel, "email");
    EXPECT_EQ(DeclareFeast25(), "INC-1");
    const UserId& mara = people().mara;
    EXPECT_TRUE(Contains(Type(mara, people().incidents, "/incident", "link INC-1 " + numbers[0]),
                         "Linked 1"));
    EXPECT_TRUE(Contains(Type(mara, people().incidents, "/incident", "close INC-1 Code restored"),
                         "INC-1 closed"));
    return numbers[0];
  }
};

TEST_F(EmailIntake, RawMailsOpenCasesRepeatsAreIgnoredAndRepliesBecomeComments) {
  const auto numbers = scenario_->CasesArrive();
  ASSERT_EQ(numbers.size(), 46u);

  // The 12 FEAST25 e-mails arrived in four MIME shapes and read the same.
  const std::string emails = Type(people().ravi, people().support, "/case", "list channel=email");
  EXPECT_TRUE(Contains(emails, "12 cases")) << emails;
  EXPECT_TRUE(Contains(emails, "· email · North")) << emails;
  const demo::CaseSpec& first = scenario_->cases().front();
  ASSERT_EQ(first.channel, "email");
  const std::string shown = Type(people().ravi, people().support, "/case", "show " + numbers[0]);
  EXPECT_TRUE(Contains(shown, first.description)) << shown;
  EXPECT_TRUE(Contains(shown, first.contact_email)) << shown;

  // The gateway delivers the first mail again: the same case, nothing new.
  const auto again = stack_->PostEmail(demo::CaseEmail(first, 0), demo::CaseEmailQuery(first));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(Contains(again.body, "\"number\":\"" + numbers[0] + "\"")) << again.body;

  // The customer answers: a comment on their case, the quote left out.
  EXPECT_EQ(scenario_->CustomerReplies(), numbers[0]);
  const std::string with_comment =
      Type(people().ravi, people().support, "/case", "show " + numbers[0]);
  EXPECT_TRUE(Contains(with_comment, "Comments* (1)")) << with_comment;
  EXPECT_TRUE(Contains(with_comment, "FEAST25 still fails")) << with_comment;
  EXPECT_FALSE(Contains(with_comment, "wrote:")) << with_comment;

  const std::string all = Type(people().ravi, people().support, "/case", "list all");
  EXPECT_TRUE(Contains(all, "46 cases")) << all;
}

// Issue #4: a customer's answer reopens their case after its incident
// closed, and the case's owner was never told it was theirs again.
TEST_F(EmailIntake, ACaseReopenedByTheCustomerAfterItsIncidentClosedIsToldToItsOwner) {
  const std::string number = FirstCaseClosedWithAnIncident();
  ASSERT_FALSE(HasFailure());
  const demo::CaseSpec& first = scenario_->cases().front();
  ASSERT_TRUE(Eventually("the owner told the case closed", [&] {
    return DirectMessagesWith(slack(), first.owner, "closed with *INC-1*") == 1;
  }));

  EXPECT_EQ(scenario_->CustomerReplies(), number);
  const std::string told = "*" + number + "* (" + first.subject +
                           ") was reopened by a new e-mail from " + first.contact_name +
                           ". It is no longer linked to *INC-1*";
  EXPECT_TRUE(Eventually("the owner told the case is theirs again", [&] {
    return DirectMessagesWith(slack(), first.owner, told) == 1;
  })) << slack().DirectMessage(first.owner)->messages.back().text;
  EXPECT_TRUE(DirectMessagesWith(slack(), first.owner, "back in your open queue"));
  const std::string shown = Type(people().ravi, people().support, "/case", "show " + number);
  EXPECT_TRUE(Contains(shown, "open")) << shown;
}

// Check 17 #7: when the owner's account is deactivated, the managers hear
// of the reopened case instead of nobody.
TEST_F(EmailIntake, ACaseReopenedIntoADeactivatedOwnersQueueIsToldToTheManagers) {
  const std::string number = FirstCaseClosedWithAnIncident();
  ASSERT_FALSE(HasFailure());
  const demo::CaseSpec& first = scenario_->cases().front();
  slack().DeactivateUser(first.owner);

  EXPECT_EQ(scenario_->CustomerReplies(), number);
  EXPECT_TRUE(Eventually("the managers told", [&] {
    return ChannelHasMessageWith(slack(), people().incidents,
                                 "*" + number + "* was reopened by a new e-mail from " +
                                     first.contact_name +
                                     " after *INC-1* closed. It is back in "
                                     "the queue of <@" +
                                     first.owner.str() + ">, whose Slack account is deactivated");
  }));
}

// Check 22 #3: the reopened case's link to the closed incident stayed live,
// so the incident's status, announcement and /notify recipients still
// counted it while its owner was told it was no longer linked.
class EmailIntakeAndNotify : public EmailIntake {
 protected:
  void SetUp() override {
    sink_ = std::make_unique<testing::SmtpSink>(dir_ / "mail", testing::SmtpSink::Options{});
    EmailIntake::SetUp();
  }
  std::string ExtraConfig() const override {
    return "[smtp]\nurl = \"" + sink_->Url() +
           "\"\n[broadcast]\nfrom = \"support@takeout.example\"\n"
           "subject = \"{incident}: fixed\"\n"
           "body = \"Hello {contact_name}\\nUnsubscribe: {unsubscribe_url}\\n\"\n"
           "unsubscribe_url = \"https://takeout.example/unsubscribe?e={email}\"\n";
  }
  std::unique_ptr<testing::SmtpSink> sink_;
};

TEST_F(EmailIntakeAndNotify, ACaseTheCustomerReopensLeavesItsClosedIncidentEverywhere) {
  const auto numbers = scenario_->CasesArrive();
  const demo::CaseSpec& first = scenario_->cases()[0];
  const demo::CaseSpec& second = scenario_->cases()[1];
  ASSERT_EQ(first.channel, "email");
  ASSERT_NE(first.contact_email, second.contact_email);
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const UserId& mara = people().mara;
  const ChannelId& managers = people().incidents;
  ASSERT_TRUE(Contains(
      Type(mara, managers, "/incident", "link INC-1 " + numbers[0] + " " + numbers[1]),
      "Linked 2"));
  ASSERT_TRUE(Contains(Type(mara, managers, "/incident", "close INC-1 Code restored"),
                       "INC-1 closed"));

  EXPECT_EQ(scenario_->CustomerReplies(), numbers[0]);
  const std::string status = Type(mara, managers, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, "*Linked cases*\n1 (")) << status;
  EXPECT_TRUE(Contains(status, numbers[0] +
                                   " was reopened by the customer's e-mail reply and is no "
                                   "longer linked"))
      << status;
  EXPECT_TRUE(Eventually("the announcement counts one case", [&] {
    const auto channel = slack().Channel(managers);
    return channel && std::any_of(channel->messages.begin(), channel->messages.end(),
                                  [](const auto& m) {
                                    return m.text.starts_with("INC-1 · ") &&
                                           Contains(m.blocks_json, "*Linked cases*\\n1 (");
                                  });
  }));
  const std::string shown = Type(people().ravi, people().support, "/case", "show " + numbers[0]);
  EXPECT_TRUE(Contains(shown, "none now; reopened after INC-1")) << shown;

  // Only the customer whose case is still linked hears that it is resolved.
  Type(mara, managers, "/notify", "customers INC-1");
  std::optional<emulator::EphemeralSnapshot> preview;
  for (const auto& e : slack().Ephemerals(mara)) {
    if (Contains(e.blocks_json, "notify.send")) {
      preview = e;
    }
  }
  ASSERT_TRUE(preview) << "no preview with a Send button";
  EXPECT_TRUE(Contains(preview->blocks_json, "*To:* 1 customer")) << preview->blocks_json;
  ASSERT_TRUE(slack().ClickEphemeralButton(mara, preview->ts, "notify.send"));
  ASSERT_TRUE(sink_->WaitForCount(1));
  ASSERT_TRUE(Eventually("the sending finished", [&] {
    return std::ranges::any_of(slack().Channel(managers)->messages, [](const auto& m) {
      return Contains(m.blocks_json, "Sent to 1 of 1 customer");
    });
  }));
  std::vector<std::string> mailed;
  for (const auto& mail : sink_->Received()) {
    mailed.insert(mailed.end(), mail.rcpt_tos.begin(), mail.rcpt_tos.end());
  }
  EXPECT_EQ(mailed, std::vector<std::string>{second.contact_email});
}

// Check 22 #5a: a reply reopening a case nobody owns told nobody.
TEST_F(EmailIntake, AnUnownedCaseReopenedByTheCustomerIsToldToTheManagers) {
  auto opened = stack_->PostEmail(
      "From: Nia Diner <nia@mail.example>\r\nSubject: FEAST25 discount code fails\r\n"
      "Message-ID: <nia-1@mail.example>\r\n\r\nThe FEAST25 code fails at checkout.\r\n",
      "territory=North");
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string number(boost::json::parse(opened.body)
                               .as_object()
                               .at("case")
                               .as_object()
                               .at("number")
                               .as_string());
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const UserId& mara = people().mara;
  ASSERT_TRUE(Contains(Type(mara, people().incidents, "/incident", "link INC-1 " + number),
                       "Linked 1"));
  ASSERT_TRUE(Contains(Type(mara, people().incidents, "/incident", "close INC-1 Code restored"),
                       "INC-1 closed"));

  auto reply = stack_->PostEmail(
      "From: Nia Diner <nia@mail.example>\r\nSubject: Re: FEAST25\r\n"
      "Message-ID: <nia-2@mail.example>\r\nIn-Reply-To: <nia-1@mail.example>\r\n\r\n"
      "Still failing.\r\n");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_TRUE(Contains(reply.body, "\"reopened\":true")) << reply.body;
  EXPECT_TRUE(Eventually("the managers told", [&] {
    return ChannelHasMessageWith(slack(), people().incidents,
                                 "*" + number +
                                     "* (FEAST25 discount code fails) was reopened by a new e-mail "
                                     "from Nia Diner after *INC-1* closed and is no longer linked "
                                     "to it. It has no owner");
  }));
}

// Check 22 #5: anyone who knew a Message-ID could reopen the case, and their
// comment showed like the customer's own.
TEST_F(EmailIntake, AReplyFromAnotherAddressIsMarkedAndReopensNothing) {
  const std::string number = FirstCaseClosedWithAnIncident();
  ASSERT_FALSE(HasFailure());
  const demo::CaseSpec& first = scenario_->cases().front();
  auto answer = stack_->PostEmail(
      "From: Mallory <mal@evil.example>\r\nSubject: Re: " + first.subject +
      "\r\nMessage-ID: <mal-1@evil.example>\r\nReferences: <" +
      demo::CaseEmailMessageId(first) + ">\r\n\r\nPlease refund me instead.\r\n");
  ASSERT_EQ(answer.status, 201) << answer.body;
  EXPECT_TRUE(Contains(answer.body, "\"comment\":true")) << answer.body;
  EXPECT_TRUE(Contains(answer.body, "\"reopened\":false")) << answer.body;

  const std::string shown = Type(people().ravi, people().support, "/case", "show " + number);
  EXPECT_TRUE(Contains(shown, "from mal@evil.example, not the case's contact")) << shown;
  EXPECT_TRUE(Contains(shown, "Please refund me instead.")) << shown;
  EXPECT_FALSE(Contains(shown, "*Mallory*")) << shown;
  EXPECT_TRUE(Contains(shown, "*Status*\nclosed")) << shown;
  const std::string status = Type(people().mara, people().incidents, "/incident", "status INC-1");
  EXPECT_TRUE(Contains(status, "*Linked cases*\n1 (")) << status;

  // The customer's own reply, from their address in another case, still reopens it.
  EXPECT_EQ(scenario_->CustomerReplies(), number);
  const std::string reopened = Type(people().ravi, people().support, "/case", "show " + number);
  EXPECT_TRUE(Contains(reopened, "*Status*\nopen")) << reopened;
  EXPECT_TRUE(Contains(reopened, "*" + first.contact_name + "*")) << reopened;
  EXPECT_TRUE(Eventually("the owner told of the customer's reopening", [&] {
    return DirectMessagesWith(slack(), first.owner,
                              "was reopened by a new e-mail from " + first.contact_name) == 1;
  }));
  EXPECT_EQ(DirectMessagesWith(slack(), first.owner, "Mallory"), 0u);
}

TEST_F(EmailIntake, BadMailIsRefusedWithTheReasonAndChangesNothing) {
  auto answer = stack_->PostEmail("Subject: who sent this?\r\n\r\nNo sender here.\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_TRUE(Contains(answer.body, "the message has no From address")) << answer.body;

  answer = stack_->PostEmail("From: ada@mail.example\r\n\r\n\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_TRUE(Contains(answer.body, "neither a subject nor any text")) << answer.body;

  answer =
      stack_->PostEmail("From: ada@mail.example\r\nSubject: hi\r\n\r\nhello\r\n", "priority=high");
  EXPECT_EQ(answer.status, 400);
  EXPECT_TRUE(Contains(answer.body, "unknown query parameter priority")) << answer.body;

  const std::string mail = "From: ada@mail.example\r\nSubject: hi\r\n\r\nhello\r\n";
  EXPECT_EQ(
      stack_->Request("POST", "/api/cases/email", {{"Authorization", "Bearer wrong"}}, mail).status,
      401);
  // Check 11: the server's own size refusal was text/plain, unlike every other one.
  answer = stack_->PostEmail(mail + std::string(1 << 20, 'x'));
  EXPECT_EQ(answer.status, 413);
  const auto too_large = boost::json::parse(answer.body).as_object();
  EXPECT_EQ(too_large.at("error"), "too_large") << answer.body;
  EXPECT_TRUE(Contains(std::string(too_large.at("message").as_string()), "1 MiB")) << answer.body;

  EXPECT_TRUE(Contains(Type(people().ravi, people().support, "/case", "list all"), "No cases"));
}

// Check 11: a right-to-left override in the sender's name lost the customer's
// mail (400), and a line break with an address smuggled into an encoded word
// became the contact name "_victim@example.com?=".
TEST_F(EmailIntake, MailWithTrickyNamesStillOpensACaseWithASafeName) {
  auto answer = stack_->PostEmail(
      "From: =?UTF-8?Q?Ev=E2=80=AEil?= <bidi@mail.example>\r\n"
      "Subject: =?UTF-8?Q?FEAST25_=E2=80=AEkcehc?=\r\nMessage-ID: <bidi@mail.example>\r\n\r\n"
      "The code fails \u202Eat checkout.\r\n");
  ASSERT_EQ(answer.status, 201) << answer.body;
  auto opened = boost::json::parse(answer.body).at("case").as_object();
  EXPECT_EQ(opened.at("contact_name"), "Evil");
  EXPECT_EQ(opened.at("subject"), "FEAST25 kcehc");

  answer = stack_->PostEmail(
      "From: =?UTF-8?Q?Evil=0D=0ABcc:_victim@example.com?= <inj@mail.example>\r\n"
      "Subject: FEAST25 rejected\r\nMessage-ID: <inj@mail.example>\r\n\r\n"
      "The code fails at checkout.\r\n");
  ASSERT_EQ(answer.status, 201) << answer.body;
  opened = boost::json::parse(answer.body).at("case").as_object();
  EXPECT_EQ(opened.at("contact_email"), "inj@mail.example");
  EXPECT_EQ(opened.at("contact_name"), "inj@mail.example") << "no name, so the address stands in";

  const std::string listed = Type(people().ravi, people().support, "/case", "list channel=email");
  EXPECT_TRUE(Contains(listed, "2 cases")) << listed;
}

}  // namespace
}  // namespace swarmbot::e2e
