#include "handlers/mrkdwn.hpp"

#include <gtest/gtest.h>

namespace swarmbot::handlers {
namespace {

TEST(EscapeMrkdwn, EscapesOnlySlacksThreeControlCharacters) {
  EXPECT_EQ(EscapeMrkdwn("a & b <@U1> \"q\" 'x' *y*"), "a &amp; b &lt;@U1&gt; \"q\" 'x' *y*");
  EXPECT_EQ(EscapeMrkdwn("<!channel>"), "&lt;!channel&gt;");
}

TEST(QuietSpecialMentions, ShowsBroadcastsAndGroupPagesAsTyped) {
  EXPECT_EQ(QuietSpecialMentions("Rejected by <@U1>: clash with <!channel> and <!subteam^S1>"),
            "Rejected by <@U1>: clash with &lt;!channel> and &lt;!subteam^S1>");
  EXPECT_EQ(QuietSpecialMentions("<!here|here> <#C1> <https://x|y> a < b"),
            "&lt;!here|here> <#C1> <https://x|y> a < b");
}

TEST(UnescapeSlackText, ReversesTheEscaping) {
  EXPECT_EQ(UnescapeSlackText("FEAST25 &lt;checkout&gt; &amp; pay &amp;amp;"),
            "FEAST25 <checkout> & pay &amp;");
  EXPECT_EQ(UnescapeSlackText(EscapeMrkdwn("x < y & z")), "x < y & z");
}

TEST(Truncate, KeepsShortTextAndCutsLongTextWithAnEllipsis) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("0123456789", 10), "0123456789");
  EXPECT_EQ(Truncate("0123456789A", 10), "012345678…");
}

TEST(Truncate, NeverSplitsAUtf8Sequence) {
  const std::string text = "ééééé";  // 5 code points, 10 bytes
  EXPECT_EQ(Truncate(text, 3), "éé…");
}

TEST(Truncate, NeverSplitsAnEntityOrAMentionInMrkdwn) {
  EXPECT_EQ(Truncate("abc &amp; def", 7, true), "abc …");
  EXPECT_EQ(Truncate("hi <@U12345> there", 8, true), "hi …");
  EXPECT_EQ(Truncate("hi <@U1> there", 10, true), "hi <@U1> …");
}

TEST(Mentions, RenderSlackIdsAndEscapeAnythingElse) {
  EXPECT_EQ(UserMention(UserId("U012AB3CD")), "<@U012AB3CD>");
  EXPECT_EQ(ChannelMention(ChannelId("C1")), "<#C1>");
  EXPECT_EQ(UserMention(UserId("U1> <!channel")), "U1&gt; &lt;!channel");
  EXPECT_FALSE(IsSlackId("u1"));
  EXPECT_FALSE(IsSlackId(""));
}

TEST(FormatTime, IsUtc) {
  EXPECT_EQ(FormatTime(Clock::TimePoint{std::chrono::seconds{1'700'000'000}}),
            "2023-11-14 22:13 UTC");
}

TEST(Mrkdwn, OnlyWellFormedMentionsSurviveEscaping) {
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("Rejected by <@ULENA>: no <rollback> & <!channel>"),
            "Rejected by <@ULENA>: no &lt;rollback&gt; &amp; &lt;!channel&gt;");
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("<@bad id> <@U1|x> <#C2> <!subteam^S3|devops> <@",
                                        GroupMentions::kNotify),
            "&lt;@bad id&gt; <@U1> <#C2> <!subteam^S3> &lt;@");
}

// Check10 #10.
TEST(Mrkdwn, LinksSlackFormattedStayLinksWithTheirPartsEscaped) {
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("see <https://a.example/x?p=1&q=2|R&D> or <mailto:o@x.io>"),
            "see <https://a.example/x?p=1&amp;q=2|R&amp;D> or <mailto:o@x.io>");
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("<http://> <ftp://x> <https://a b> <javascript:x>"),
            "&lt;http://&gt; &lt;ftp://x&gt; &lt;https://a b&gt; &lt;javascript:x&gt;");
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("<!here> <!channel> <!everyone|all>"),
            "&lt;!here&gt; &lt;!channel&gt; &lt;!everyone|all&gt;");
}

// Check12 #2: a reason or title typed with a group's mention paged the group
// again from the change's news.
TEST(Mrkdwn, AGroupMentionIsQuietUnlessAskedFor) {
  EXPECT_EQ(EscapeMrkdwnKeepingMentions("<!subteam^S3|@devops> <!subteam^S4> <@U1>"),
            "@devops a user group <@U1>");
}

// Check 21: a form's inline errors are plain text in Slack, and showed
// mentions as markup.
TEST(Mrkdwn, PlainWordsNameWhatMarkupPointsAt) {
  const auto name_of = [](std::string_view id) -> std::string {
    return id == "U1" ? "Kofi" : id == "CIM" ? "the incident managers' channel" : "";
  };
  EXPECT_EQ(PlainWords("Ask <@U1>, <@U2|ana>, <@U3> or someone in <#CIM> or <#C9|ops>.", name_of),
            "Ask Kofi, @ana, user U3 or someone in the incident managers' channel or #ops.");
  EXPECT_EQ(PlainWords("<!subteam^S3|@cab> <!here> <https://x.example|docs> a &lt; b &amp; c"),
            "@cab @here docs (https://x.example) a < b & c");
  // Typed text made inert shows as typed.
  EXPECT_EQ(PlainWords("Rejected: <\u2060@U1> & <\u2060!channel>", name_of),
            "Rejected: <@U1> & <!channel>");
}

}  // namespace
}  // namespace swarmbot::handlers
