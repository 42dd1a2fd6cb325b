// /banner and /incident public-title through the router, as Slack delivers
// them, and the summary line while a banner is up.
#include "handlers/banner_commands.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/incident_view.hpp"
#include "handlers/router.hpp"
#include "lifecycle/banner_service.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class BannerCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    in.territories = {"North", "East"};
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    db_->Sql().exec("UPDATE incidents SET owner = 'UPRIYA' WHERE number = 1");
    lifecycle::SwarmService swarms(*db_, clock_);
    ASSERT_TRUE(swarms.Start({1, {}, {}}, UserId("UPRIYA")));
    ASSERT_TRUE(swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  std::string Type(std::string_view user, std::string_view command, std::string_view text,
                   std::string_view channel = "CSWARM") {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", channel},
                         {"user_id", user},
                         {"command", command},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    const auto reply = router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"});
    return std::string(json::parse(reply.body_json).at("text").as_string());
  }

  std::int64_t Banners(std::string_view where = "1 = 1") {
    return db_->Sql()
        .execAndGet("SELECT COUNT(*) FROM banners WHERE " + std::string(where))
        .getInt64();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {UserId("UMARA")}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, settings_};
};

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(BannerCommandsTest, TheOwnerSetsABannerForSignedInCustomersInTheSwarmChannel) {
  const std::string reply =
      Type("UPRIYA", "/banner",
           "set --audience signed-in --severity warning Use code FEAST25B &amp; save 25%");
  EXPECT_TRUE(Contains(reply, "Site banner up for INC-1")) << reply;
  EXPECT_TRUE(Contains(reply, "Only signed-in customers see it")) << reply;
  EXPECT_EQ(Banners("incident_id = 1 AND audience = 'signed-in' AND severity = 'warning' AND "
                    "text = 'Use code FEAST25B & save 25%' AND cleared_at IS NULL"),
            1);
}

TEST_F(BannerCommandsTest, TakesTheLinkAsSlackSendsItAndRefusesABadOne) {
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner",
                            "set --link <https://take-out.example/feast?a=1&amp;b=2> Use FEAST25B"),
                       "Site banner up"));
  EXPECT_EQ(Banners("link = 'https://take-out.example/feast?a=1&b=2'"), 1);
  const auto before = Banners();
  const std::string reply = Type("UPRIYA", "/banner", "set --link javascript:alert(1) Hi");
  EXPECT_TRUE(Contains(reply, "must start with https://")) << reply;
  EXPECT_EQ(Banners(), before);
}

TEST_F(BannerCommandsTest, AnswersBadInputClearlyAndChangesNothing) {
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set"), "text is missing"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set --audience staff Hi"), "`staff`"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set --severity Hi"), "`info`, `warning`"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set --colour red Hi"), "`--colour`"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set " + std::string(281, 'x')),
                       "at most 280 characters"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set INC-9 Hi"), "INC-9 doesn't exist"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "wave"), "/banner help"));
  EXPECT_EQ(Banners(), 0);
}

TEST_F(BannerCommandsTest, AnIncidentNumberThatIsNotOneIsRefusedNotPutUpAsText) {
  for (const char* text : {"set INC-0 hello", "set INC-1x x", "set inc-x x", "set INC- x"}) {
    const std::string reply = Type("UMARA", "/banner", text);
    EXPECT_TRUE(Contains(reply, "doesn't exist")) << text << ": " << reply;
    EXPECT_TRUE(Contains(reply, "Usage: `/banner set")) << text << ": " << reply;
  }
  EXPECT_TRUE(Contains(Type("UMARA", "/banner", "clear INC-0"), "doesn't exist"));
  EXPECT_EQ(Banners(), 0);
  const std::string lower = Type("UPRIYA", "/banner", "set inc-1 Use FEAST25B");
  EXPECT_TRUE(Contains(lower, "Site banner up for INC-1")) << lower;
  EXPECT_EQ(Banners("text = 'Use FEAST25B'"), 1);
}

TEST_F(BannerCommandsTest, OptionsTypedWithTheDashesSlackSubstitutesAreReadAsOptions) {
  const std::string em = Type("UPRIYA", "/banner", "set \u2014audience everyone Use FEAST25B");
  EXPECT_TRUE(Contains(em, "Site banner up for INC-1")) << em;
  EXPECT_EQ(Banners("audience = 'everyone' AND text = 'Use FEAST25B' AND cleared_at IS NULL"), 1);
  const std::string en =
      Type("UPRIYA", "/banner", "set \u2013severity=critical \u2014audience signed-in Down");
  EXPECT_TRUE(Contains(en, "Site banner up for INC-1")) << en;
  EXPECT_EQ(Banners("audience = 'signed-in' AND severity = 'critical' AND text = 'Down'"), 1);
}

TEST_F(BannerCommandsTest, ARepeatedOptionOrAnOptionAfterTheTextIsRefusedWithTheUsage) {
  for (const char* text : {"set --audience everyone --audience signed-in x",
                           "set x --severity critical", "set Use FEAST25B \u2014audience everyone",
                           "set --audience --severity critical x", "set --link"}) {
    const std::string reply = Type("UPRIYA", "/banner", text);
    EXPECT_TRUE(Contains(reply, "Usage: `/banner set")) << text << ": " << reply;
    EXPECT_FALSE(Contains(reply, "Site banner up")) << text << ": " << reply;
  }
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "set --audience everyone --audience signed-in x"),
                       "given twice"));
  EXPECT_TRUE(
      Contains(Type("UPRIYA", "/banner", "set x --severity critical"), "comes after the text"));
  EXPECT_EQ(Banners(), 0);
}

TEST_F(BannerCommandsTest, AnIncidentNamedAfterTheOptionsBelongsToItAndASecondOneIsRefused) {
  const std::string after =
      Type("UPRIYA", "/banner", "set --audience everyone INC-1 Slow checkout");
  EXPECT_TRUE(Contains(after, "Site banner up for INC-1")) << after;
  EXPECT_EQ(Banners("text = 'Slow checkout' AND incident_id = 1 AND cleared_at IS NULL"), 1);
  const std::string twice = Type("UPRIYA", "/banner", "set INC-1 INC-1 twice");
  EXPECT_TRUE(Contains(twice, "Name the incident once")) << twice;
  EXPECT_EQ(Banners("text LIKE '%twice%'"), 0);
}

TEST_F(BannerCommandsTest, MentionsNeverReachCustomers) {
  for (const char* text : {"set INC-1 Ask <@U123|bob> for help", "set INC-1 See <#C42|ops>",
                           "set INC-1 <!here> checkout is down"}) {
    const std::string reply = Type("UPRIYA", "/banner", text);
    EXPECT_TRUE(Contains(reply, "without @mentions")) << text << ": " << reply;
  }
  EXPECT_EQ(Banners(), 0);
  const std::string escaped = Type("UPRIYA", "/banner", "set INC-1 Prices &lt; 5 &amp; up");
  EXPECT_TRUE(Contains(escaped, "Site banner up")) << escaped;
  EXPECT_EQ(Banners("text = 'Prices < 5 & up'"), 1);
}

TEST_F(BannerCommandsTest, ABareDoubleDashEndsTheOptionsAndDashesInProseStayText) {
  const std::string ended = Type("UPRIYA", "/banner", "set -- --severity is what we call it");
  EXPECT_TRUE(Contains(ended, "Site banner up")) << ended;
  EXPECT_EQ(Banners("text = '--severity is what we call it' AND cleared_at IS NULL"), 1);
  const std::string prose = Type("UPRIYA", "/banner", "set Checkout is slow -- we're on it");
  EXPECT_TRUE(Contains(prose, "Site banner up")) << prose;
  EXPECT_EQ(Banners("text = 'Checkout is slow -- we''re on it' AND cleared_at IS NULL"), 1);
}

TEST_F(BannerCommandsTest, RefusesPeopleWithoutTheRole) {
  const std::string outsider = Type("USOFIA", "/banner", "set Use FEAST25B");
  EXPECT_TRUE(Contains(outsider, "Only incident managers and the incident's owner")) << outsider;
  const std::string alone = Type("UPRIYA", "/banner", "set Site maintenance tonight", "CGENERAL");
  EXPECT_TRUE(Contains(alone, "Only incident managers")) << alone;
  EXPECT_EQ(Banners(), 0);

  EXPECT_TRUE(Contains(Type("UMARA", "/banner", "set --audience signed-in Maintenance", "CIM"),
                       "on its own"));
  const std::string replace = Type("UPRIYA", "/banner", "set Use FEAST25B");
  EXPECT_TRUE(Contains(replace, "replace a site banner")) << replace;
  EXPECT_EQ(Banners("text = 'Maintenance' AND cleared_at IS NULL"), 1);
}

TEST_F(BannerCommandsTest, SettingAgainReplacesAndSaysWhat) {
  Type("UPRIYA", "/banner", "set Use FEAST25B");
  const std::string reply = Type("UPRIYA", "/banner", "set Use FEAST25C");
  EXPECT_TRUE(Contains(reply,
                       "It replaced the earlier banner for signed-in customers: \"Use "
                       "FEAST25B\""))
      << reply;
  EXPECT_EQ(Banners("cleared_at IS NULL"), 1);
}

TEST_F(BannerCommandsTest, ShowsAndClearsTheIncidentsBanner) {
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "show"), "No site banner is up"));
  Type("UPRIYA", "/banner", "set Use FEAST25B");
  EXPECT_TRUE(Contains(Type("USOFIA", "/banner", "show"), "Use FEAST25B"));

  EXPECT_TRUE(Contains(Type("USOFIA", "/banner", "clear"), "Only incident managers"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "clear extra"), "isn't one of its options"));
  EXPECT_EQ(Banners("cleared_at IS NULL"), 1);
  const std::string cleared = Type("UPRIYA", "/banner", "clear");
  EXPECT_TRUE(Contains(cleared, "Site banner taken down")) << cleared;
  EXPECT_EQ(Banners("cleared_at IS NULL"), 0);
  EXPECT_TRUE(Contains(Type("UPRIYA", "/banner", "clear"), "There is no site banner up for INC-1"));
}

TEST_F(BannerCommandsTest, TheSummaryShowsTheBannerWhileItIsUp) {
  Type("UPRIYA", "/banner", "set --severity warning Use <FEAST25B>");
  auto status = lifecycle::IncidentService(*db_, clock_).StatusOf(1).value();
  const std::string blocks = json::serialize(IncidentSummary(status).ToObject());
  EXPECT_TRUE(Contains(blocks, "Site banner* for signed-in customers (warning)")) << blocks;
  EXPECT_TRUE(Contains(blocks, "Use &lt;FEAST25B&gt;")) << "user text is escaped: " << blocks;
}

TEST_F(BannerCommandsTest, SetsAndShowsThePublicTitle) {
  EXPECT_TRUE(Contains(Type("UPRIYA", "/incident", "public-title"), "has no public title"));
  EXPECT_TRUE(Contains(Type("USOFIA", "/incident", "public-title Checkout trouble"),
                       "Only incident managers"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/incident", "public-title Discount codes fail"),
                       "now shows INC-1 as \"Discount codes fail\""));
  EXPECT_TRUE(
      Contains(Type("UMARA", "/incident", "public-title INC-1", "CIM"), "\"Discount codes fail\""));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/incident", "public-title --clear"), "generic title"));
  EXPECT_TRUE(Contains(Type("UPRIYA", "/incident", "public-title"), "has no public title"));
}

// Check20 #2: the public title took mentions the banner refuses, and showed
// them on the status page and in every broadcast e-mail's subject.
TEST_F(BannerCommandsTest, APublicTitleRefusesMentionsAsTheBannerDoes) {
  for (const char* text : {"public-title INC-1 <!channel> <@U123> <https://evil.example|click>",
                           "public-title Ask <@U123|bob>", "public-title See <#C42|ops>",
                           "public-title INC-1 <!here> checkout is down"}) {
    const std::string reply = Type("UPRIYA", "/incident", text);
    EXPECT_TRUE(Contains(reply, "The public title is for customers: write names in words, "
                                "without @mentions, #channels or @here. Nothing was changed."))
        << text << ": " << reply;
  }
  EXPECT_EQ(lifecycle::BannerService(*db_, clock_).PublicTitle(1).value(), "");
  const std::string link =
      Type("UPRIYA", "/incident", "public-title Checkout &lt;fixed&gt; <https://a.example|details>");
  EXPECT_TRUE(Contains(link, "now shows INC-1 as \"Checkout &lt;fixed&gt; details\"")) << link;
  EXPECT_EQ(lifecycle::BannerService(*db_, clock_).PublicTitle(1).value(), "Checkout <fixed> details");
}

TEST(PlainCommandText, UnwrapsLinksAndUnescapesSlacksEntities) {
  EXPECT_EQ(PlainCommandText("See <https://a.example/x|the page> &amp; <https://b.example>"),
            "See the page & https://b.example");
  EXPECT_EQ(PlainCommandText("1 &lt; 2 &gt; 0 <@U1> <unclosed"), "1 < 2 > 0 <@U1> <unclosed");
}

}  // namespace
}  // namespace swarmbot::handlers
