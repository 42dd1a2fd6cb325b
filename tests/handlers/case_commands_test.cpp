#include "handlers/case_commands.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/case_list_query.hpp"
#include "lifecycle/case_mail_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CaseCommandsTest : public ::testing::Test {
 protected:
  // Everything a person reads in the reply: its text and its blocks' texts.
  std::string Type(const std::string& text, const std::string& user = "URAVI") {
    SlashCommand command;
    command.command = "/case";
    command.text = text;
    command.user = UserId(user);
    command.channel = ChannelId("CSUPPORT");
    const json::value reply = json::parse(commands_.Handle(command));
    std::string out(reply.at("text").as_string());
    if (const auto* blocks = reply.as_object().if_contains("blocks")) {
      out += "\n" + json::serialize(*blocks);
    }
    return out;
  }

  std::int64_t NewCase(const std::string& channel, const std::string& territory,
                       const std::string& owner, const std::string& subject = "FEAST25") {
    lifecycle::CaseInput in{.contact_name = "Ana",
                            .contact_email = "ana@example.com",
                            .channel = channel,
                            .territory = territory,
                            .subject = subject,
                            .description = "",
                            .owner = owner};
    auto made = services_.cases.IntakeCase(in, {}).value();
    clock_.Advance(std::chrono::seconds(1));
    return made.record.number;
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  detail::Services services_{*db_, clock_, Settings{}};
  CaseCommands commands_{services_};
};

TEST_F(CaseCommandsTest, FiltersByChannelTerritoryOwnerAndStatus) {
  NewCase("email", "North", "URAVI", "first");
  NewCase("chat", "North", "ULENA", "second");
  NewCase("email", "East", "ULENA", "third");
  NewCase("phone", "north", "", "fourth");

  std::string reply = Type("list channel=email");
  EXPECT_TRUE(Contains(reply, "CASE-1") && Contains(reply, "CASE-3")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-2") || Contains(reply, "CASE-4")) << reply;

  reply = Type("list territory:NORTH owner=<@ULENA|lena>");
  EXPECT_TRUE(Contains(reply, "CASE-2")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-1") || Contains(reply, "CASE-3")) << reply;

  reply = Type("list owner=me");
  EXPECT_TRUE(Contains(reply, "CASE-1")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-2")) << reply;

  reply = Type("list owner=none territory=north");
  EXPECT_TRUE(Contains(reply, "CASE-4")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-1")) << reply;

  EXPECT_TRUE(Contains(Type("list status=held"), "No cases (held)."));
  EXPECT_TRUE(Contains(Type("list closed channel=chat"), "No cases (closed · chat)."));
}

TEST_F(CaseCommandsTest, NamesTheAllowedValuesOfAnUnknownFilter) {
  NewCase("email", "North", "URAVI");
  NewCase("email", "East", "URAVI");
  EXPECT_TRUE(Contains(Type("list channel=fax"),
                       "Unknown channel `fax`; use email, chat, messaging, phone or web."));
  EXPECT_TRUE(Contains(Type("list status=pending"),
                       "Unknown status `pending`; use new, open, held, closed or all"));
  EXPECT_TRUE(Contains(Type("list territory=Mars"),
                       "No case has territory `Mars`; the territories are East, North."));
  EXPECT_TRUE(Contains(Type("list colour=red"), "Unknown filter `colour`"));
  EXPECT_TRUE(Contains(Type("list sideways"), "Unknown filter `sideways`"));
  EXPECT_TRUE(Contains(Type("list owner=ravi"), "Unknown owner `ravi`"));
  EXPECT_TRUE(Contains(Type("list page=0"), "isn't a page number"));
  EXPECT_TRUE(Contains(Type("list channel="), "has no value"));
}

TEST_F(CaseCommandsTest, PagesTwentyCasesAtATime) {
  for (int i = 0; i < 45; ++i) {
    NewCase("email", "North", "URAVI");
  }
  std::string reply = Type("list channel=email");
  EXPECT_TRUE(Contains(reply, "45 cases · page 1 of 3")) << reply;
  EXPECT_TRUE(Contains(reply, "CASE-45") && Contains(reply, "CASE-26")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-25`")) << reply;
  EXPECT_TRUE(Contains(reply, "Next page: `/case list channel=email page=2`")) << reply;

  reply = Type("list channel=email page=3");
  EXPECT_TRUE(Contains(reply, "page 3 of 3")) << reply;
  EXPECT_TRUE(Contains(reply, "CASE-5`") && Contains(reply, "CASE-1`")) << reply;
  EXPECT_FALSE(Contains(reply, "Next page")) << reply;

  EXPECT_TRUE(Contains(Type("list page=4"), "There are only 3 pages of cases"));
}

TEST_F(CaseCommandsTest, QueuesShowARepsOpenCasesButNotHeldOnes) {
  NewCase("email", "North", "URAVI", "ravi's first");
  NewCase("chat", "North", "ULENA", "lena's");
  NewCase("phone", "East", "URAVI", "ravi's held");
  db_->Sql().exec("UPDATE cases SET status = 'held' WHERE number = 3");

  std::string reply = Type("mine");
  EXPECT_TRUE(Contains(reply, "Your queue")) << reply;
  EXPECT_TRUE(Contains(reply, "CASE-1")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-2") || Contains(reply, "CASE-3")) << reply;

  reply = Type("queue <@ULENA|lena>");
  EXPECT_TRUE(Contains(reply, "CASE-2")) << reply;
  EXPECT_FALSE(Contains(reply, "CASE-1")) << reply;

  EXPECT_TRUE(Contains(Type("queue lena"), "Whose queue?"));
  EXPECT_TRUE(Contains(Type("mine", "UTOM"), "No cases (new, open · owner <@UTOM>)."));
}

TEST_F(CaseCommandsTest, ShowsACaseWithItsLatestComments) {
  NewCase("email", "North", "URAVI");
  lifecycle::MailInput mail{.from_name = "Ana",
                            .from_address = "ana@example.com",
                            .subject = "FEAST25",
                            .text = "first mail",
                            .reply_text = "first mail",
                            .message_id = "m1@x"};
  ASSERT_TRUE(services_.mail.Receive(mail));
  for (int i = 2; i <= 5; ++i) {
    mail.reply_text = "reply number " + std::to_string(i);
    mail.message_id = "m" + std::to_string(i) + "@x";
    mail.answers = {"m1@x"};
    ASSERT_TRUE(services_.mail.Receive(mail));
  }
  const std::string reply = Type("show CASE-2");
  EXPECT_TRUE(Contains(reply, "Comments* (4), the latest 3")) << reply;
  EXPECT_TRUE(Contains(reply, "reply number 5") && Contains(reply, "reply number 3")) << reply;
  EXPECT_FALSE(Contains(reply, "reply number 2")) << reply;
  EXPECT_FALSE(Contains(Type("show CASE-1"), "Comments"));
}

// Check18 #7: CASE-0 is a case number of no case, not a missing one.
TEST_F(CaseCommandsTest, CaseZeroIsAnsweredAsACaseThatDoesNotExist) {
  EXPECT_EQ(Type("show CASE-0"), "CASE-0 doesn't exist.");
  EXPECT_EQ(Type("show case-000"), "CASE-0 doesn't exist.");
  EXPECT_EQ(Type("show CASE-99"), "CASE-99 doesn't exist.");
  EXPECT_EQ(Type("show CASE-x"), "Which case? Usage: `/case show CASE-n`");
  EXPECT_EQ(Type("show"), "Which case? Usage: `/case show CASE-n`");
}

// Check 15: a case the customer reopened after its incident closed showed
// "Incident: none", as if it had never been part of one.
TEST_F(CaseCommandsTest, AReopenedCaseNamesTheIncidentItWasClosedWith) {
  lifecycle::MailInput mail{.from_name = "Ana",
                            .from_address = "ana@example.com",
                            .subject = "FEAST25 rejected",
                            .text = "The code fails",
                            .reply_text = "The code fails",
                            .message_id = "m1@x"};
  ASSERT_TRUE(services_.mail.Receive(mail));
  lifecycle::DeclareInput declare;
  declare.subject = "FEAST25 fails at checkout";
  const auto incident = services_.incidents.Declare(declare, UserId("UMARA")).value().number;
  ASSERT_TRUE(services_.incidents.LinkCases(incident, {1}, UserId("UMARA")));
  EXPECT_TRUE(Contains(Type("show CASE-1"), "held by INC-1 · FEAST25 fails at checkout"));
  ASSERT_TRUE(services_.incidents.Close(incident, UserId("UMARA"), "fixed"));

  mail.reply_text = "It fails again today.";
  mail.message_id = "m2@x";
  mail.answers = {"m1@x"};
  ASSERT_TRUE(services_.mail.Receive(mail)->reopened);

  const std::string reply = Type("show CASE-1");
  EXPECT_TRUE(
      Contains(reply, "none now; reopened after INC-1 · FEAST25 fails at checkout (closed)"))
      << reply;
}

}  // namespace
}  // namespace swarmbot::handlers
