#include "handlers/email_intake.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "lifecycle/case_mail_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

std::string Mail(std::string_view message_id, std::string_view subject, std::string_view body,
                 std::string_view extra_headers = "") {
  return "From: =?UTF-8?Q?Ana_S=C3=A1?= <ana@example.com>\r\n"
         "Subject: " +
         std::string(subject) + "\r\nMessage-ID: <" + std::string(message_id) + ">\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body) + "\r\n";
}

class EmailIntakeTest : public ::testing::Test {
 protected:
  IntakeAnswer Post(const std::string& message, std::string query = "",
                    std::string key = "intake-key") {
    return intake_.Handle({message, std::move(query), Secret(std::move(key))});
  }

  static json::value Body(const IntakeAnswer& answer) { return json::parse(answer.body_json); }
  static std::string Message(const IntakeAnswer& answer) {
    return std::string(Body(answer).at("message").as_string());
  }

  std::string Sql(const std::string& query) { return db_->Sql().execAndGet(query).getString(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  EmailIntake intake_{*db_, clock_, Secret("intake-key"), {.territory = "West", .owner = ""}};
};

TEST_F(EmailIntakeTest, OpensAnEmailCaseFromTheMessage) {
  const auto answer =
      Post(Mail("m1@x", "FEAST25 rejected", "It says invalid."), "territory=North&owner=URAVI");
  ASSERT_EQ(answer.status, 201) << answer.body_json;
  const auto body = Body(answer);
  EXPECT_EQ(body.at("case").at("number"), "CASE-1");
  EXPECT_EQ(body.at("case").at("channel"), "email");
  EXPECT_EQ(body.at("case").at("contact_name"), "Ana S\u00e1");
  EXPECT_EQ(body.at("case").at("contact_email"), "ana@example.com");
  EXPECT_EQ(body.at("case").at("subject"), "FEAST25 rejected");
  EXPECT_EQ(body.at("case").at("description"), "It says invalid.");
  EXPECT_EQ(body.at("case").at("territory"), "North");
  EXPECT_EQ(body.at("case").at("owner"), "URAVI");
  EXPECT_EQ(body.at("comment"), false);
  EXPECT_EQ(Sql("SELECT message_id FROM case_emails"), "m1@x");
}

// Check20 #1: the description ended at the NUL and the answer said nothing was cut.
TEST_F(EmailIntakeTest, ANulByteInTheTextLosesNothingAfterIt) {
  const std::string body = std::string("First line fine.\r\nSecond line has a NUL here:") + '\0' +
                           " and text after it.\r\nThird line: my order number is 123456.";
  const auto answer = Post(Mail("nul@x", "Parcel lost", body));
  ASSERT_EQ(answer.status, 201) << answer.body_json;
  EXPECT_EQ(Body(answer).at("case").at("description"),
            "First line fine.\nSecond line has a NUL here:\uFFFD and text after it.\n"
            "Third line: my order number is 123456.");
  EXPECT_TRUE(Body(answer).at("truncated").as_array().empty());
  const auto qp = Post(Mail("nul-qp@x", "Parcel lost",
                            "A NUL:=00 then the order number 123456.",
                            "Content-Transfer-Encoding: quoted-printable\r\n"));
  ASSERT_EQ(qp.status, 201) << qp.body_json;
  EXPECT_EQ(Body(qp).at("case").at("description"), "A NUL:\uFFFD then the order number 123456.");
}

// A NUL in an encoded-word subject cut the subject there (GMime hands it back
// as a C string); it is kept whole with U+FFFD where the NUL was, as in the text.
TEST_F(EmailIntakeTest, ANulInAnEncodedWordSubjectLosesNothingAfterIt) {
  const auto answer = Post(Mail("nul-subject@x", "=?utf-8?q?a=00b?=", "Order 123456."));
  ASSERT_EQ(answer.status, 201) << answer.body_json;
  EXPECT_EQ(Body(answer).at("case").at("subject"), "a\uFFFDb");
}

// Replaced control characters went unmentioned: the answer names each field
// whose text isn't the mail's as written, apart from those cut ("truncated").
TEST_F(EmailIntakeTest, TheAnswerNamesTheFieldsWhoseCharactersWereReplaced) {
  const auto clean = Post(Mail("clean@x", "Parcel lost", "Order 123456."));
  ASSERT_EQ(clean.status, 201) << clean.body_json;
  EXPECT_EQ(Body(clean).at("altered"), json::array());

  const auto both = Post(Mail("both@x", "=?utf-8?q?a=00b?=", "bell\x07 rang"));
  ASSERT_EQ(both.status, 201) << both.body_json;
  EXPECT_EQ(Body(both).at("altered"), json::parse(R"(["subject","description"])"));
  EXPECT_EQ(Body(both).at("truncated"), json::array());

  const auto subject_only = Post(Mail("subject@x", "one\x01two", "fine"));
  ASSERT_EQ(subject_only.status, 201) << subject_only.body_json;
  EXPECT_EQ(Body(subject_only).at("case").at("subject"), "one two");
  EXPECT_EQ(Body(subject_only).at("altered"), json::parse(R"(["subject"])"));

  const auto name = Post(
      "From: =?UTF-8?Q?Ana=0ASilva?= <ana@example.com>\r\n"
      "Subject: hello\r\nMessage-ID: <name@x>\r\n\r\nfine\r\n");
  ASSERT_EQ(name.status, 201) << name.body_json;
  EXPECT_EQ(Body(name).at("case").at("contact_name"), "ana@example.com");
  EXPECT_EQ(Body(name).at("altered"), json::parse(R"(["contact_name"])"));

  const auto reply = Post(Mail("reply@x", "Re: Parcel lost", std::string("still") + '\0' + " lost",
                               "In-Reply-To: <clean@x>\r\n"));
  ASSERT_EQ(reply.status, 201) << reply.body_json;
  EXPECT_EQ(Body(reply).at("comment"), true);
  EXPECT_EQ(Body(reply).at("altered"), json::parse(R"(["comment"])"));
}

TEST_F(EmailIntakeTest, TakesTerritoryAndOwnerDefaultsWhenTheQueryHasNone) {
  const auto answer = Post(Mail("m1@x", "Late order", "Where is it?"));
  ASSERT_EQ(answer.status, 201) << answer.body_json;
  EXPECT_EQ(Body(answer).at("case").at("territory"), "West");
  EXPECT_EQ(Body(answer).at("case").at("owner"), "");
}

TEST_F(EmailIntakeTest, ARepeatedMessageIdReturnsTheFirstCase) {
  ASSERT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first")).status, 201);
  const auto again = Post(Mail("m1@x", "FEAST25 rejected", "first"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Body(again).at("case").at("number"), "CASE-1");
  EXPECT_EQ(Body(again).at("replayed"), true);
  // A gateway that resends with other query parameters still gets the first case.
  EXPECT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first"), "territory=East").status, 200);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM cases"), "1");
}

TEST_F(EmailIntakeTest, ARepeatedMessageIdWithABadOwnerIsRefusedNotReplayed) {
  ASSERT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first")).status, 201);
  const auto again = Post(Mail("m1@x", "FEAST25 rejected", "first"), "owner=bob");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(Message(again), "owner must be a Slack user id such as U012AB3CD");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM cases"), "1");
}

TEST_F(EmailIntakeTest, AReplyBecomesACommentOnTheCase) {
  ASSERT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first")).status, 201);
  ASSERT_EQ(Post(Mail("other@x", "Late order", "unrelated")).status, 201);
  const auto reply = Post(Mail("m2@x", "Re: FEAST25 rejected",
                               "Still broken.\r\n\r\nOn Fri, Ana wrote:\r\n> first",
                               "In-Reply-To: <m1@x>\r\nReferences: <m1@x>\r\n"));
  ASSERT_EQ(reply.status, 201) << reply.body_json;
  EXPECT_EQ(Body(reply).at("comment"), true);
  EXPECT_EQ(Body(reply).at("case").at("number"), "CASE-1");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM cases"), "2");
  EXPECT_EQ(Sql("SELECT body FROM case_comments"), "Still broken.");

  // A reply to the reply finds the case through the comment's Message-ID.
  const auto second = Post(
      Mail("m3@x", "Re: Re: FEAST25 rejected", "Any news?", "References: <unknown@x> <m2@x>\r\n"));
  EXPECT_EQ(Body(second).at("case").at("number"), "CASE-1");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM case_comments WHERE case_number = 1"), "2");

  // The reply arriving twice adds one comment.
  const auto repeated = Post(
      Mail("m3@x", "Re: Re: FEAST25 rejected", "Any news?", "References: <unknown@x> <m2@x>\r\n"));
  EXPECT_EQ(repeated.status, 200);
  EXPECT_EQ(Body(repeated).at("comment"), true);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM case_comments"), "2");
}

TEST_F(EmailIntakeTest, AReplyToAClosedCaseOpensItAgainInTheOwnersQueue) {
  ASSERT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first"), "owner=URAVI").status, 201);
  db_->Sql().exec("UPDATE cases SET status = 'closed', resolution = 'code fixed'");
  const auto reply = Post(
      Mail("m2@x", "Re: FEAST25 rejected", "It fails again today.", "In-Reply-To: <m1@x>\r\n"));
  ASSERT_EQ(reply.status, 201) << reply.body_json;
  EXPECT_EQ(Body(reply).at("comment"), true);
  EXPECT_EQ(Body(reply).at("reopened"), true);
  EXPECT_EQ(Sql("SELECT status || '|' || resolution || '|' || owner FROM cases"), "open||URAVI");

  const auto again =
      Post(Mail("m3@x", "Re: FEAST25 rejected", "Any news?", "In-Reply-To: <m2@x>\r\n"));
  EXPECT_EQ(Body(again).at("reopened"), false) << "an open case stays as it is";
}

// Check 22 #5: knowing a Message-ID was enough to reopen someone's case.
TEST_F(EmailIntakeTest, AReplyFromAnotherAddressIsKeptButReopensNothing) {
  ASSERT_EQ(Post(Mail("m1@x", "FEAST25 rejected", "first"), "owner=URAVI").status, 201);
  db_->Sql().exec("UPDATE cases SET status = 'closed', resolution = 'code fixed'");
  const auto stranger =
      Post("From: Mallory <mal@evil.example>\r\nSubject: Re: FEAST25 rejected\r\n"
           "Message-ID: <mal@x>\r\nReferences: <m1@x>\r\n\r\nRefund me.\r\n");
  ASSERT_EQ(stranger.status, 201) << stranger.body_json;
  EXPECT_EQ(Body(stranger).at("comment"), true);
  EXPECT_EQ(Body(stranger).at("reopened"), false);
  EXPECT_EQ(Sql("SELECT status FROM cases"), "closed");
  EXPECT_EQ(Sql("SELECT author_email FROM case_comments"), "mal@evil.example");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM outbox"), "0");

  // The contact's own address, in another case, is still theirs.
  const auto customer =
      Post("From: Ana <ANA@Example.COM>\r\nSubject: Re: FEAST25 rejected\r\n"
           "Message-ID: <m2@x>\r\nIn-Reply-To: <mal@x>\r\n\r\nStill failing.\r\n");
  ASSERT_EQ(customer.status, 201) << customer.body_json;
  EXPECT_EQ(Body(customer).at("reopened"), true);
  EXPECT_EQ(Sql("SELECT status FROM cases"), "open");
}

TEST_F(EmailIntakeTest, AReplyToAnUnknownMessageOpensACase) {
  const auto answer = Post(Mail("m9@x", "Re: something", "hello", "In-Reply-To: <gone@x>\r\n"));
  EXPECT_EQ(answer.status, 201);
  EXPECT_EQ(Body(answer).at("comment"), false);
}

TEST_F(EmailIntakeTest, KeepsALongEmailUpToTheLimitAndSaysItWasCut) {
  const std::string long_text(12'000, 'x');
  const auto answer = Post(Mail("m1@x", std::string(300, 's'), long_text));
  ASSERT_EQ(answer.status, 201) << answer.body_json.substr(0, 300);
  const auto body = Body(answer);
  EXPECT_EQ(body.at("truncated"), json::parse(R"(["subject","description"])"));
  const std::string description(body.at("case").at("description").as_string());
  EXPECT_EQ(description.size(), lifecycle::CaseMailService::kMaxComment);
  EXPECT_NE(description.find("the rest was cut"), std::string::npos);
  EXPECT_EQ(body.at("case").at("subject").as_string().size(), 250u);
}

TEST_F(EmailIntakeTest, RefusesABadMailNamingTheProblem) {
  auto answer = Post("Subject: no sender\r\n\r\nhello\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "the message has no From address");

  answer = Post("From: Ana <not-an-address>\r\nSubject: x\r\n\r\nhello\r\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "the From address not-an-address is not a usable e-mail address");

  answer = Post("From: ana@example.com\r\n\r\n\r\n");
  EXPECT_EQ(Message(answer), "the message has neither a subject nor any text");

  answer = Post(Mail("m1@x", "s", "t"), "colour=red");
  EXPECT_EQ(Message(answer), "unknown query parameter colour (allowed: territory, owner)");

  answer = Post(Mail("m1@x", "s", "t"), "territory=DE&territory=FR");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "query parameter territory appears twice");

  answer = Post(Mail("m1@x", "s", "t"), "owner=ravi");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(Message(answer), "owner must be a Slack user id such as U012AB3CD");

  answer = Post(Mail("m1@x", "s", "t"), "territory=" + std::string(101, 't'));
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(Message(answer).find("territory"), std::string::npos);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM cases"), "0");
}

TEST_F(EmailIntakeTest, RefusesAWrongKeyAndAnOversizedMessage) {
  EXPECT_EQ(Post(Mail("m1@x", "s", "t"), "", "wrong").status, 401);
  EXPECT_EQ(Post(Mail("m1@x", "s", std::string(EmailIntake::kMaxMessage, 'x'))).status, 413);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM cases"), "0");
}

}  // namespace
}  // namespace swarmbot::handlers
