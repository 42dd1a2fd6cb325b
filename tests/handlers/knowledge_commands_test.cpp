#include "handlers/knowledge_commands.hpp"

#include <filesystem>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/form.hpp"
#include "handlers/router.hpp"
#include "lifecycle/effects.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/knowledge_service.hpp"
#include "lifecycle/swarm_service.hpp"
#include "store/knowledge_repository.hpp"
#include "store/outbox.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

constexpr std::string_view kResponseUrl = "https://hooks.slack.com/actions/T1/1/secret";

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

class KnowledgeCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lifecycle::KnowledgeService(*db_, clock_)
                    .ImportFolder(std::filesystem::path(SWARMBOT_SOURCE_DIR) / "samples/kb"));
  }

  // The whole reply object of a command.
  json::object Command(std::string_view command, std::string_view text,
                       std::string_view channel = "CGENERAL") {
    json::object payload{{"team_id", "T1"},      {"channel_id", channel},
                         {"user_id", "UPRIYA"},  {"command", command},
                         {"text", text},         {"response_url", "https://hooks.slack.com/c/1"},
                         {"trigger_id", "1.2.3"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d"});
    auto parsed = json::parse(reply.body_json).as_object();
    EXPECT_EQ(parsed.at("response_type"), "ephemeral");
    return parsed;
  }

  std::string Text(std::string_view text, std::string_view channel = "CGENERAL") {
    return std::string(Command("/kb", text, channel).at("text").as_string());
  }

  // A block_actions click on a kb.attach button with `value`.
  void Click(std::string_view value, std::string_view user = "UPRIYA") {
    json::object payload{
        {"type", "block_actions"},
        {"user", {{"id", user}}},
        {"container", {{"type", "message"}, {"message_ts", "1.2"}, {"is_ephemeral", true}}},
        {"response_url", kResponseUrl},
        {"actions", json::array{{{"action_id", kAttachActionId},
                                 {"block_id", "b"},
                                 {"type", "button"},
                                 {"value", value}}}}};
    EXPECT_EQ(router_.Handle({InboundKind::kInteractive, json::serialize(payload), "d"}).body_json,
              "");
  }

  // The texts of queued response_url answers, oldest first.
  std::vector<std::string> Answers() {
    std::vector<std::string> texts;
    for (const auto& item : store::Outbox(*db_).Pending()) {
      if (item.kind == lifecycle::effect::kRespond) {
        EXPECT_EQ(FormValue(item.args, lifecycle::effect::kArgResponseUrl), kResponseUrl);
        const auto body = json::parse(*FormValue(item.args, lifecycle::effect::kArgBody));
        texts.emplace_back(body.at("text").as_string());
      }
    }
    return texts;
  }

  void DeclareAndSwarm() {
    lifecycle::DeclareInput declare;
    declare.subject = "FEAST25 fails at checkout";
    declare.impact = store::Level::kHigh;
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(declare, UserId("UPRIYA")));
    Command("/swarm", "start INC-1");
    ASSERT_TRUE(lifecycle::SwarmService(*db_, clock_)
                    .RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  std::int64_t Count(const std::string& sql) { return db_->Sql().execAndGet(sql).getInt64(); }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Router router_{*db_, clock_, Settings{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"}};
};

TEST(RenderSnippet, BoldsMatchesAndEscapesArticleText) {
  EXPECT_EQ(RenderSnippet("a <b> & \x02"
                          "code\x03 here\nnext"),
            "a &lt;b&gt; &amp; *code* here next");
}

TEST(AttachValue, RoundTripsAndRefusesAnythingElse) {
  const auto target = ParseAttachValue(AttachValue(7, 3));
  ASSERT_TRUE(target);
  EXPECT_EQ(target->article, 7);
  EXPECT_EQ(target->incident, 3);
  for (std::string_view bad : {"", "7", "/INC-3", "x/INC-3", "7/3", "-7/INC-3", "7/INC-3x"}) {
    EXPECT_FALSE(ParseAttachValue(bad)) << bad;
  }
}

TEST_F(KnowledgeCommandsTest, AnswersHelp) {
  EXPECT_TRUE(Contains(Text("help"), "/kb INC-n <words>"));
  EXPECT_TRUE(Contains(Text(""), "/kb <words>"));
}

TEST_F(KnowledgeCommandsTest, ShowsRankedResultsWithSnippetsAndNoButtonsOutsideAnIncident) {
  const auto reply = Command("/kb", "refund cancelled");
  const std::string blocks = json::serialize(reply.at("blocks"));
  EXPECT_TRUE(Contains(blocks, "*Refunding a cancelled order*")) << blocks;
  EXPECT_TRUE(Contains(blocks, "*cancelled*")) << blocks;
  EXPECT_FALSE(Contains(blocks, "kb.attach"));
  // Best first: the article matching both words leads.
  EXPECT_LT(blocks.find("Refunding a cancelled order"), blocks.find("Refunds for missing"));
}

TEST_F(KnowledgeCommandsTest, HostileInputGetsNoResultsOrAClearMessage) {
  for (std::string_view text : {"\"", "*", "NEAR(", "title:x", "-", "\" OR 1=1 --", "^^^ :"}) {
    const std::string reply = Text(text);
    EXPECT_TRUE(Contains(reply, "No knowledge articles match") ||
                Contains(reply, "nothing to search for") || Contains(reply, " article"))
        << text << " → " << reply;
  }
  EXPECT_TRUE(Contains(Text("* - \""), "nothing to search for"));
  EXPECT_TRUE(Contains(Text(std::string(11'000, 'x') + " refund"), "article"));
}

TEST_F(KnowledgeCommandsTest, SearchInASwarmChannelIsRecordedAndOffersAttachButtons) {
  DeclareAndSwarm();
  const auto reply = Command("/kb", "discount code checkout", "CSWARM");
  const std::string blocks = json::serialize(reply.at("blocks"));
  EXPECT_TRUE(Contains(blocks, "\"action_id\":\"kb.attach\"")) << blocks;
  EXPECT_TRUE(Contains(blocks, "Attach to INC-1"));
  EXPECT_EQ(Count("SELECT count(*) FROM timeline WHERE kind = 'kb_search'"), 1);
  // Naming the incident works anywhere.
  Command("/kb", "INC-1 refund");
  EXPECT_EQ(Count("SELECT count(*) FROM timeline WHERE kind = 'kb_search'"), 2);
  EXPECT_TRUE(Contains(Text("INC-9 refund"), "INC-9 doesn't exist"));
}

TEST_F(KnowledgeCommandsTest, AttachClickAttachesOnceAndAnswersEveryClick) {
  DeclareAndSwarm();
  const std::string value = AttachValue(1, 1);
  Click(value);
  Click(value);
  EXPECT_EQ(Count("SELECT count(*) FROM incident_articles"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM timeline WHERE kind = 'article_attached'"), 1);
  const auto answers = Answers();
  ASSERT_EQ(answers.size(), 2U);
  EXPECT_TRUE(Contains(answers[0], "Attached *")) << answers[0];
  EXPECT_TRUE(Contains(answers[1], "is already attached to INC-1")) << answers[1];
}

TEST_F(KnowledgeCommandsTest, AttachClickOnUnknownThingsAnswersAndChangesNothing) {
  DeclareAndSwarm();
  Click(AttachValue(999, 1));
  Click(AttachValue(1, 42));
  Click("garbage");
  EXPECT_EQ(Count("SELECT count(*) FROM incident_articles"), 0);
  const auto answers = Answers();
  ASSERT_EQ(answers.size(), 3U);
  EXPECT_EQ(answers[0], "That article isn't in the knowledge base any more.");
  EXPECT_EQ(answers[1], "INC-42 doesn't exist.");
  EXPECT_TRUE(Contains(answers[2], "out of date"));
}

TEST_F(KnowledgeCommandsTest, MalformedInteractivePayloadIsIgnored) {
  EXPECT_EQ(router_.Handle({InboundKind::kInteractive, "{not json", "d"}).body_json, "");
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE kind = 'slack.respond'"), 0);
}

}  // namespace
}  // namespace swarmbot::handlers
