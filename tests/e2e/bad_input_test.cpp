// Bad input gets a clear answer and changes nothing; the process keeps serving.

#include <cstdlib>
#include <map>

#include <boost/json.hpp>
#include <sys/wait.h>

#include "common/crypto.hpp"
#include "demo/swarmbot_process.hpp"
#include "store/database.hpp"
#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ValidCase() {
  return R"({"contact_name":"Ada","contact_email":"ada@mail.example","channel":"email",)"
         R"("territory":"North","subject":"FEAST25 fails","description":"Code rejected",)"
         R"("owner":"U0REP"})";
}

using BadInput = EndToEnd;

TEST_F(BadInput, UnknownCommandsAndSubcommandsGetAClearReply) {
  EXPECT_TRUE(
      Contains(Type(people().mara, people().incidents, "/incident", "explode"), "/incident help"));
  EXPECT_TRUE(Contains(Type(people().mara, people().incidents, "/incident", "help"), "declare"));
  EXPECT_TRUE(
      Contains(Type(people().mara, people().incidents, "/incident", "link INC-1 CASE-1"), "INC-1"));
  EXPECT_EQ(slack().CallCount("conversations.create"), 0);
}

// A mistake on the command line exits 2, as a bad config or import file does,
// so scripts can tell it from a failure to run.
TEST_F(BadInput, AMistakeOnTheCommandLineExitsTwoAndSaysWhatIsMissing) {
  const auto missing = stack_->RunSwarmbotCommand({"import", "people"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(Contains(
      missing.output, "swarmbot: import people: missing the people file, e.g. samples/people.toml"))
      << missing.output;
  const auto no_dir = stack_->RunSwarmbotCommand({"import", "kb"});
  EXPECT_EQ(no_dir.status, 2);
  EXPECT_TRUE(
      Contains(no_dir.output, "swarmbot: import kb: missing --dir (the folder of *.md articles)"))
      << no_dir.output;
  const auto not_a_file = stack_->RunSwarmbotCommand({"import", "people", "/dev/null"});
  EXPECT_EQ(not_a_file.status, 2);
  EXPECT_TRUE(Contains(not_a_file.output,
                       "swarmbot: import people: cannot read /dev/null: not a regular file"))
      << not_a_file.output;
  EXPECT_EQ(stack_->RunSwarmbotCommand({"import", "people", "--help"}).status, 0);
}

// CLI11 alone answered "swarmbot serv" with "A subcommand is required".
TEST_F(BadInput, AMisspeltCommandIsNamedWithTheNearestOne) {
  const auto top = stack_->RunSwarmbotCommand({"serv"});
  EXPECT_EQ(top.status, 2);
  EXPECT_TRUE(Contains(top.output,
                       "swarmbot: unknown command 'serv'; did you mean 'serve'? "
                       "Commands: serve, check-config, import, version, eval."))
      << top.output;
  const auto nested = stack_->RunSwarmbotCommand({"import", "peple", "people.toml"});
  EXPECT_EQ(nested.status, 2);
  EXPECT_TRUE(Contains(nested.output,
                       "swarmbot import: unknown command 'peple'; did you mean "
                       "'people'?"))
      << nested.output;
  const auto far = stack_->RunSwarmbotCommand({"frobnicate"});
  EXPECT_TRUE(Contains(far.output, "unknown command 'frobnicate'. Commands:")) << far.output;
}

TEST_F(BadInput, UnknownCaseNumbersAreNamedAndNothingIsLinked) {
  ASSERT_EQ(stack_->PostCase(ValidCase()).status, 201);
  DeclareFeast25();
  const std::string reply =
      Type(people().mara, people().incidents, "/incident", "link INC-1 CASE-1 CASE-999");
  EXPECT_TRUE(Contains(reply, "CASE-999")) << reply;
  EXPECT_FALSE(Contains(Type(people().mara, people().incidents, "/case", "show CASE-1"), "INC-1"));
}

TEST_F(BadInput, OnlyIncidentManagersMayDeclare) {
  const std::string reply =
      Type(people().ravi, people().support, "/incident", "declare Something is broken");
  EXPECT_FALSE(Contains(reply, "INC-1")) << reply;
  EXPECT_EQ(DeclareFeast25(), "INC-1");  // the refused one took no number
}

TEST_F(BadInput, TheIntakeApiAnswersBadRequestsWithoutCreatingCases) {
  EXPECT_EQ(stack_->PostCase("{not json").status, 400);
  EXPECT_EQ(stack_->PostCase("[]").status, 400);
  auto no_subject = boost::json::parse(ValidCase()).as_object();
  no_subject.erase("subject");
  const auto missing = stack_->PostCase(boost::json::serialize(no_subject));
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(Contains(missing.body, "subject")) << missing.body;
  auto huge = boost::json::parse(ValidCase()).as_object();
  huge["subject"] = std::string(5000, 'x');
  EXPECT_EQ(stack_->PostCase(boost::json::serialize(huge)).status, 400);
  auto bad_channel = boost::json::parse(ValidCase()).as_object();
  bad_channel["channel"] = "pigeon";
  EXPECT_EQ(stack_->PostCase(boost::json::serialize(bad_channel)).status, 400);
  // Two Idempotency-Key headers: which one counts would be a guess.
  const auto two_keys = stack_->PostCaseWithKeys(ValidCase(), {"key-a", "key-b"});
  EXPECT_EQ(two_keys.status, 400);
  EXPECT_TRUE(Contains(two_keys.body, "the Idempotency-Key header must be sent once"))
      << two_keys.body;

  const auto wrong_key = stack_->Request(
      "POST", "/api/cases",
      {{"Authorization", "Bearer not-the-key"}, {"Content-Type", "application/json"}}, ValidCase());
  EXPECT_EQ(wrong_key.status, 401);
  EXPECT_EQ(stack_->Request("POST", "/api/cases", {}, ValidCase()).status, 401);

  // None of that made a case: the first good one is CASE-1.
  const auto created = stack_->PostCase(ValidCase());
  EXPECT_EQ(created.status, 201);
  EXPECT_TRUE(Contains(created.body, "CASE-1")) << created.body;
}

TEST_F(BadInput, ARetriedIntakeWithTheSameIdempotencyKeyGivesTheFirstCase) {
  const auto first = stack_->PostCase(ValidCase(), "key-1");
  const auto again = stack_->PostCase(ValidCase(), "key-1");
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(Contains(again.body, "CASE-1"));
  EXPECT_TRUE(Contains(stack_->PostCase(ValidCase()).body, "CASE-2"));
}

class RequestUrlMode : public EndToEnd {
 protected:
  void SetUp() override { Start(/*request_url_mode=*/true); }

  // A slash command signed with `secret` at `timestamp`, sent straight to swarmbot.
  int SendSigned(const std::string& secret, std::int64_t timestamp, const std::string& text) {
    const std::string body = "command=%2Fincident&user_id=" + people().mara.str() +
                             "&channel_id=" + people().incidents.str() + "&text=" + text +
                             "&team_id=T0EMU0TEAM&trigger_id=1.2.abc";
    const std::string ts = std::to_string(timestamp);
    const std::string signature = "v0=" + HmacSha256Hex(secret, "v0:" + ts + ":" + body);
    return stack_
        ->Request("POST", "/slack/commands",
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"X-Slack-Request-Timestamp", ts},
                   {"X-Slack-Signature", signature}},
                  body)
        .status;
  }

  std::int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(RequestUrlMode, SignedCommandsFromSlackWork) {
  EXPECT_EQ(DeclareFeast25(), "INC-1");
}

TEST_F(RequestUrlMode, ForgedOrStaleSignaturesAreRefusedAndChangeNothing) {
  const std::string secret = slack().options().signing_secret.Reveal();
  EXPECT_EQ(SendSigned("not-the-secret", Now(), "declare+Forged"), 401);
  EXPECT_EQ(SendSigned(secret, Now() - 301, "declare+Stale"), 401);
  EXPECT_EQ(SendSigned(secret, Now() + 301, "declare+Future"), 401);
  EXPECT_EQ(stack_->Request("POST", "/slack/commands", {}, "command=%2Fincident").status, 401);

  // The emulator's own clock running six minutes behind: Slack's request is stale too.
  slack().SetSigningTimeOffset(std::chrono::seconds(-360));
  EXPECT_FALSE(slack().SlashCommand(people().mara, people().incidents, "/incident",
                                    "declare Stale from Slack"));
  slack().SetSigningTimeOffset(std::chrono::seconds(0));

  // None of those declared anything.
  EXPECT_EQ(DeclareFeast25(), "INC-1");
}

TEST(Startup, AWrongConfigStopsWithOneLineNamingTheKeyAndStatusTwo) {
  testing::TempDir dir;
  testing::WriteFile(dir / "swarmbot.toml", "[slack]\nmode = \"socket\"\nmodee = 1\n");
  const std::string command = testing::SwarmbotBinary().string() + " check-config --config " +
                              (dir / "swarmbot.toml").string() + " 2>" + (dir / "err").string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string error = testing::ReadFile(dir / "err");
  EXPECT_EQ(error, "swarmbot: config: " + (dir / "swarmbot.toml").string() +
                       ": slack.modee: unknown key\n");
}

// Incidents and spike alerts are posted in slack.incident_channel; serving
// without it would drop them without a word. The imports don't need it.
TEST(Startup, ServingNeedsTheIncidentChannel) {
  testing::TempDir dir;
  testing::WriteFile(dir / "swarmbot.toml",
                     "[store]\npath = \"" + (dir / "swarmbot.db").string() + "\"\n");
  testing::WriteFile(dir / "people.toml", "[[person]]\nuser = \"U0ANN0001\"\nname = \"Ann\"\n");
  const std::string secrets =
      "SWARMBOT_BOT_TOKEN=xoxb-test SWARMBOT_APP_TOKEN=xapp-test SWARMBOT_INTAKE_API_KEY=k ";
  const auto run = [&](const std::string& args) {
    const std::string command = secrets + testing::SwarmbotBinary().string() + " " + args +
                                " --config " + (dir / "swarmbot.toml").string() + " >" +
                                (dir / "out").string() + " 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run("check-config"), 2);
  EXPECT_EQ(testing::ReadFile(dir / "out"),
            "swarmbot: config: " + (dir / "swarmbot.toml").string() +
                ": slack.incident_channel: missing or blank; name the channel where incidents "
                "and spike alerts are announced, by its id such as C0123456789\n");
  EXPECT_EQ(run("serve"), 2);
  testing::WriteFile(dir / "swarmbot.toml",
                     "[slack]\nincident_channel = \"  \"\n[store]\npath = \"" +
                         (dir / "swarmbot.db").string() + "\"\n");
  EXPECT_EQ(run("check-config"), 2);
  EXPECT_NE(testing::ReadFile(dir / "out").find("missing or blank"), std::string::npos)
      << testing::ReadFile(dir / "out");
  EXPECT_EQ(run("import people " + (dir / "people.toml").string()), 0)
      << testing::ReadFile(dir / "out");
}

}  // namespace
}  // namespace swarmbot::e2e

namespace swarmbot::e2e {
namespace {

using SecondInstance = EndToEnd;

TEST_F(SecondInstance, IsRefusedWhileTheFirstServesTheDatabase) {
  const auto secrets = stack_->Secrets();
  const std::string command =
      "SWARMBOT_BOT_TOKEN=" + secrets[0] + " SWARMBOT_APP_TOKEN=" + secrets[1] +
      " SWARMBOT_INTAKE_API_KEY=" + secrets[3] + " " + testing::SwarmbotBinary().string() +
      " serve --config " + (stack_->work_dir() / "swarmbot.toml").string() + " 2>" +
      (dir_ / "second.err").string();
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string error = testing::ReadFile(dir_ / "second.err");
  EXPECT_NE(error.find("in use by another swarmbot"), std::string::npos) << error;
  // The first one still serves.
  EXPECT_EQ(DeclareFeast25(), "INC-1");
}

// Check 21 #3: a JSON body sent as text, as a form, with no type or in
// latin-1 was taken as a case. Only application/json (in UTF-8) is read; the
// rest gets 415 in the documented error shape, whatever the case's channel.
TEST_F(BadInput, ACaseNotSentAsJsonInUtf8IsRefusedWith415) {
  const std::string key = "Bearer " + stack_->IntakeApiKey();
  const auto post = [&](const std::string& body, const std::string& type) {
    std::map<std::string, std::string> headers{{"Authorization", key}};
    if (!type.empty()) {
      headers["Content-Type"] = type;
    }
    return stack_->Request("POST", "/api/cases", headers, body);
  };
  for (const std::string channel : {"email", "chat", "messaging", "phone", "web"}) {
    auto json = boost::json::parse(ValidCase()).as_object();
    json["channel"] = channel;
    const std::string body = boost::json::serialize(json);
    for (const std::string type :
         {"text/plain", "application/x-www-form-urlencoded", "",
          "application/json; charset=latin-1", "application/jsonp", "text/json"}) {
      const auto refused = post(body, type);
      EXPECT_EQ(refused.status, 415) << channel << " as " << type << ": " << refused.body;
      const auto error = boost::json::parse(refused.body).as_object();
      EXPECT_EQ(error.at("error"), "unsupported_media_type") << refused.body;
      EXPECT_TRUE(Contains(
          std::string(error.at("message").as_string()),
          type.empty() ? "this request has no Content-Type" : "this request says \"" + type + "\""))
          << refused.body;
    }
  }
  const auto first = post(ValidCase(), "application/json; charset=UTF-8");
  EXPECT_EQ(first.status, 201) << first.body;
  EXPECT_TRUE(Contains(first.body, "\"CASE-1\"")) << "none of the refused ones made a case";
  EXPECT_EQ(post(ValidCase(), "Application/JSON").status, 201);
  EXPECT_EQ(post(ValidCase(), "application/json;charset=\"utf-8\"").status, 201);
}

// Check 21 #4: `/case list status=held status=new` used the last one without
// a word, while `/banner set` refuses an option given twice.
TEST_F(BadInput, ACaseFilterGivenTwiceIsRefusedInEveryListCommand) {
  const UserId& ravi = people().ravi;
  const ChannelId& support = people().support;
  ASSERT_EQ(stack_->PostCase(ValidCase()).status, 201);
  const std::string twice = Type(ravi, support, "/case", "list status=held status=new");
  EXPECT_TRUE(Contains(twice,
                       "The status filter is given twice (`status=held` and `status=new`); "
                       "give it once, with commas for several statuses: status=new,held."))
      << twice;
  EXPECT_TRUE(Contains(Type(ravi, support, "/case", "list held new"), "given twice"));
  EXPECT_TRUE(Contains(Type(ravi, support, "/case", "mine channel=email channel=chat"),
                       "The channel filter is given twice"));
  EXPECT_TRUE(Contains(Type(ravi, support, "/case", "queue <@" + ravi.str() + "> page=1 page=2"),
                       "The page filter is given twice"));
  const std::string mine = Type(ravi, support, "/case", "mine owner=none");
  EXPECT_TRUE(Contains(mine, "`/case mine` is your own queue, so it takes no `owner=` filter"))
      << mine;
  const std::string both = Type(ravi, support, "/case", "list status=held,new");
  EXPECT_TRUE(Contains(both, "*Cases (held, new)*, newest first · 1 case\n`CASE-1`"))
      << "statuses combine in one filter: " << both;
}

// Check18 #4: a name holding BEL or U+202E was imported, and since an import
// replaces the list, everyone left out of that file was deactivated.
TEST(Startup, APeopleFileWithAControlCharacterInANameExitsTwoAndChangesNothing) {
  testing::TempDir dir;
  const std::string db_path = (dir / "swarmbot.db").string();
  testing::WriteFile(dir / "swarmbot.toml", "[store]\npath = \"" + db_path + "\"\n");
  testing::WriteFile(dir / "people.toml",
                     "[[person]]\nuser = \"U0ANN0001\"\nname = \"Ann\"\n\n"
                     "[[person]]\nuser = \"U0BOB0001\"\nname = \"Bob\"\n");
  testing::WriteFile(dir / "bad.toml",
                     "[[person]]\nuser = \"U0EVE0001\"\nname = \"Eve\\u0007\\u202Eevil\"\n");
  const auto run = [&](const std::string& file) {
    const std::string command =
        testing::SwarmbotBinary().string() + " import people " + (dir / file).string() +
        " --config " + (dir / "swarmbot.toml").string() + " >" + (dir / "out").string() + " 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(run("people.toml"), 0) << testing::ReadFile(dir / "out");
  EXPECT_EQ(run("bad.toml"), 2);
  EXPECT_EQ(testing::ReadFile(dir / "out"),
            "swarmbot: import people: bad.toml:3: person[1].name: contains U+0007, a control "
            "character; a name is one line of plain text\n");
  auto db = store::Database::Open(db_path).value();
  EXPECT_EQ(db->Sql()
                .execAndGet("SELECT group_concat(user_id || ':' || active, ' ') FROM "
                            "(SELECT user_id, active FROM people ORDER BY user_id)")
                .getString(),
            "U0ANN0001:1 U0BOB0001:1");
}

}  // namespace
}  // namespace swarmbot::e2e
