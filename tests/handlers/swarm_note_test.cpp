// /swarm note and the events that put swarm-channel messages on the timeline,
// through the router as Slack delivers them.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "handlers/router.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/swarm_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

class SwarmNoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lifecycle::DeclareInput in;
    in.subject = "FEAST25 fails at checkout";
    in.impact = store::Level::kHigh;
    in.urgency = store::Level::kMedium;
    ASSERT_TRUE(lifecycle::IncidentService(*db_, clock_).Declare(in, UserId("UMARA")));
    lifecycle::SwarmService swarms(*db_, clock_);
    ASSERT_TRUE(swarms.Start({1, {}, {}}, UserId("UMARA")));
    ASSERT_TRUE(swarms.RecordChannel(1, ChannelId("CSWARM"), "inc-1-feast25"));
  }

  // The raw body of the reply to `command text`, typed by `user` in `channel`.
  std::string Command(std::string_view user, std::string_view channel, std::string_view command,
                      std::string_view text) {
    json::object payload{{"team_id", "T1"},
                         {"channel_id", channel},
                         {"user_id", user},
                         {"command", command},
                         {"text", text},
                         {"trigger_id", "1.2.abc"},
                         {"response_url", "https://hooks.slack.com/commands/T1/1/x"}};
    return router_.Handle({InboundKind::kSlashCommand, json::serialize(payload), "d1"}).body_json;
  }

  std::string Note(std::string_view text, std::string_view channel = "CSWARM") {
    const std::string reply = Command("UPRIYA", channel, "/swarm", text);
    return std::string(json::parse(reply).at("text").as_string());
  }

  // What /incident status shows Mara for INC-1.
  std::string Status() { return Command("UMARA", "CSWARM", "/incident", "status INC-1"); }

  void Deliver(json::object event) {
    json::object payload{{"type", "event_callback"}, {"event_id", "Ev1"}, {"event", event}};
    EXPECT_EQ(router_.Handle({InboundKind::kEvent, json::serialize(payload), "Ev1"}).body_json, "");
  }

  void React(std::string_view user, std::string_view reaction, std::string_view channel) {
    Deliver({{"type", "reaction_added"},
             {"user", user},
             {"reaction", reaction},
             {"item_user", "USOFIA"},
             {"item", {{"type", "message"}, {"channel", channel}, {"ts", "1700000000.000100"}}},
             {"event_ts", "1700000001.000000"}});
  }

  void Pin(std::string_view user, std::string_view channel, std::string_view text) {
    Deliver({{"type", "pin_added"},
             {"user", user},
             {"channel_id", channel},
             {"item",
              {{"type", "message"},
               {"channel", channel},
               {"message", {{"type", "message"}, {"ts", "1700000000.000300"}, {"text", text}}}}},
             {"event_ts", "1700000002.000000"}});
  }

  // "actor|kind|text" of the newest timeline entry.
  std::string LatestEntry() {
    return db_->Sql()
        .execAndGet("SELECT actor || '|' || kind || '|' || text FROM timeline ORDER BY id DESC")
        .getString();
  }

  std::int64_t TimelineRows() {
    return db_->Sql().execAndGet("SELECT COUNT(*) FROM timeline").getInt64();
  }

  FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::Database::Open(":memory:").value();
  Settings settings_{ChannelId("CIM"), {}, "swarmbot", UserId("UBOT"), "BBOT"};
  Router router_{*db_, clock_, settings_};
};

TEST_F(SwarmNoteTest, NotesInTheSwarmChannelWithoutNamingTheIncident) {
  EXPECT_EQ(Note("note Rolled back  the release"), "Noted on the timeline of INC-1.");
  EXPECT_EQ(LatestEntry(), "UPRIYA|note|Rolled back  the release");
}

TEST_F(SwarmNoteTest, NotesElsewhereByNamingTheIncident) {
  EXPECT_EQ(Note("note inc-1 Customer care told", "CGENERAL"), "Noted on the timeline of INC-1.");
  EXPECT_EQ(LatestEntry(), "UPRIYA|note|Customer care told");
}

TEST_F(SwarmNoteTest, AnswersBadNotesClearlyAndChangesNothing) {
  const auto before = TimelineRows();
  EXPECT_EQ(Note("note"),
            "Usage: `/swarm note text` in a swarm channel, or `/swarm note INC-n text` anywhere.");
  EXPECT_EQ(Note("note INC-1", "CGENERAL"),
            "Usage: `/swarm note text` in a swarm channel, or `/swarm note INC-n text` anywhere; "
            "the note itself is missing.");
  EXPECT_NE(Note("note hello", "CGENERAL").find("Which incident?"), std::string::npos);
  EXPECT_EQ(Note("note INC-9 hello"), "INC-9 doesn't exist.");
  EXPECT_EQ(Note("note " + std::string(2001, 'x')),
            "Note is too long (at most 2000 characters).\nUsage: `/swarm note text` in a swarm "
            "channel, or `/swarm note INC-n text` anywhere");
  EXPECT_EQ(TimelineRows(), before);
}

// Issue #19 of check9: refusals read "note contains control characters"
// without saying which, nor as a sentence.
TEST_F(SwarmNoteTest, NamesTheCharacterItRefusesInASentence) {
  const auto before = TimelineRows();
  EXPECT_TRUE(Note("note ding\a dong")
                  .starts_with("Note contains the control character U+0007; only tabs and line "
                               "breaks are allowed.\n"));
  EXPECT_EQ(TimelineRows(), before);
}

// Issue #22 of check9: a right-to-left override in a note flipped the rest of
// its line on the timeline.
TEST_F(SwarmNoteTest, RefusesADirectionOverrideThatWouldFlipTheTimeline) {
  const auto before = TimelineRows();
  EXPECT_TRUE(Note("note fixed by \u202Eesaeler")
                  .starts_with("Note contains U+202E, a direction control that would reorder the "
                               "text around it; remove "
                               "it.\n"));
  EXPECT_TRUE(Note("note fixed by \u2067esaeler\u2069").starts_with("Note contains U+2067,"));
  EXPECT_EQ(TimelineRows(), before);
  EXPECT_EQ(Note("note \u05E9\u05DC\u05D5\u05DD \u200F(1) \U0001F468\u200D\U0001F469"),
            "Noted on the timeline of INC-1.");
}

// Issue #4 of check9: Slack's escapes reached the timeline, so a note or a
// pinned message's quote showed "R&amp;D" (escaped twice on the way out),
// and a mention in a note showed as its raw code.
TEST_F(SwarmNoteTest, KeepsTextAsTypedAndShowsItEscapedOnceWithItsMentions) {
  EXPECT_EQ(Note("note R&amp;D &lt;x&gt; asked <@USOFIA|sofia> in <#CSWARM|inc-1>"),
            "Noted on the timeline of INC-1.");
  EXPECT_EQ(LatestEntry(), "UPRIYA|note|R&D <x> asked <@USOFIA|sofia> in <#CSWARM|inc-1>");
  Pin("USOFIA", "CSWARM", "Q&amp;A &lt;b&gt; for <@UPRIYA>");
  EXPECT_EQ(LatestEntry(),
            "USOFIA|message_pinned|Pinned the message of 2023-11-14 22:13:20 UTC in <#CSWARM>: "
            "\"Q&A <b> for <@UPRIYA>\"");

  const std::string status = Status();
  EXPECT_NE(status.find("R&amp;D &lt;x&gt; asked <@USOFIA> in <#CSWARM>"), std::string::npos)
      << status;
  EXPECT_NE(status.find("Q&amp;A &lt;b&gt; for <@UPRIYA>"), std::string::npos) << status;
  EXPECT_EQ(status.find("&amp;amp;"), std::string::npos) << status;
  EXPECT_EQ(status.find("&lt;@"), std::string::npos) << status;
}

// Check10 #10: links in a note showed as escaped text. A group named in a
// note shows as its handle: the timeline is shown again in later messages,
// and a group's mention there would page the whole group each time.
TEST_F(SwarmNoteTest, ShowsLinksAsLinksAndNeitherBroadcastsNorPagesAGroup) {
  ASSERT_EQ(Note("note see <https://status.example> now, <https://x.example/a?b=1&amp;c=2|y> "
                 "or <mailto:ops@example.com|ops>; <!here> <!channel> <!everyone> "
                 "<!subteam^SDEVOPS|@devops>"),
            "Noted on the timeline of INC-1.");
  const std::string status = Status();
  EXPECT_NE(status.find("see <https://status.example> now, <https://x.example/a?b=1&amp;c=2|y> "
                        "or <mailto:ops@example.com|ops>; &lt;!here&gt; &lt;!channel&gt; "
                        "&lt;!everyone&gt; @devops"),
            std::string::npos)
      << status;
  EXPECT_EQ(status.find("<!subteam^"), std::string::npos) << status;
}

TEST_F(SwarmNoteTest, PutsAMessageMarkedWithTheConfiguredReactionOnTheTimeline) {
  React("USOFIA", "pushpin", "CSWARM");
  EXPECT_EQ(LatestEntry(),
            "USOFIA|message_marked|Marked the message of 2023-11-14 22:13:20 UTC in <#CSWARM>");
}

TEST_F(SwarmNoteTest, IgnoresOtherReactionsOtherChannelsTheBotAndRepeats) {
  React("USOFIA", "pushpin", "CSWARM");
  const auto before = TimelineRows();
  React("USOFIA", "pushpin", "CSWARM");  // delivered again under another event id
  React("USOFIA", "thumbsup", "CSWARM");
  React("USOFIA", "pushpin", "CRANDOM");
  React("UBOT", "pushpin", "CSWARM");
  Deliver({{"type", "reaction_added"}, {"user", "USOFIA"}, {"reaction", "pushpin"}});
  Deliver({{"type", "reaction_added"},
           {"user", "USOFIA"},
           {"reaction", "pushpin"},
           {"item", {{"type", "file"}, {"channel", "CSWARM"}, {"ts", "1.2"}}}});
  EXPECT_EQ(TimelineRows(), before);
}

TEST_F(SwarmNoteTest, FollowsTheReactionInTheSettings) {
  settings_.timeline_reaction = "eyes";
  Router router{*db_, clock_, settings_};
  json::object event{{"type", "reaction_added"},
                     {"user", "USOFIA"},
                     {"reaction", "eyes"},
                     {"item", {{"type", "message"}, {"channel", "CSWARM"}, {"ts", "1.5"}}}};
  json::object payload{{"type", "event_callback"}, {"event", event}};
  router.Handle({InboundKind::kEvent, json::serialize(payload), "Ev2"});
  EXPECT_EQ(LatestEntry(),
            "USOFIA|message_marked|Marked the message of 1970-01-01 00:00:01 UTC in <#CSWARM>");
}

TEST_F(SwarmNoteTest, PutsAPinnedMessageOnTheTimelineWithItsText) {
  Pin("USOFIA", "CSWARM", "Workaround: use FEAST26");
  EXPECT_EQ(LatestEntry(),
            "USOFIA|message_pinned|Pinned the message of 2023-11-14 22:13:20 UTC in <#CSWARM>: "
            "\"Workaround: use FEAST26\"");
}

TEST_F(SwarmNoteTest, IgnoresTheBotsOwnPinAndPinsElsewhere) {
  const auto before = TimelineRows();
  Pin("UBOT", "CSWARM", "INC-1 summary");
  Pin("USOFIA", "CRANDOM", "Lunch?");
  EXPECT_EQ(
      router_.Handle({InboundKind::kEvent, R"({"event":{"type":"pin_added",)", "Ev3"}).body_json,
      "");
  EXPECT_EQ(TimelineRows(), before);
}

}  // namespace
}  // namespace swarmbot::handlers
