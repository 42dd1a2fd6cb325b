// The swarm's timeline from Slack (issue #4): a note, a message marked with
// the configured reaction and a pinned message show on /incident status, while
// other reactions and other channels add nothing.
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.hpp"

namespace swarmbot::e2e {
namespace {

class SwarmTimeline : public EndToEnd {
 protected:
  static bool Has(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
  }

  static std::size_t Occurrences(std::string_view text, std::string_view part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
      ++count;
    }
    return count;
  }

  // Starts INC-1's swarm with Sofia; returns its channel once the summary is
  // pinned there and Sofia is in.
  ChannelId StartSwarm() {
    Type(people().mara, people().incidents, "/swarm",
         "start INC-1 <@" + people().sofia.str() + "|sofia>");
    return SwarmChannelWith({people().sofia}, "the swarm channel");
  }

  std::string Status() {
    Type(people().mara, people().incidents, "/incident", "status INC-1");
    const auto shown = slack().Ephemerals(people().mara);
    return shown.empty() ? "" : shown.back().blocks_json;
  }
};

TEST_F(SwarmTimeline, ANoteAMarkedAndAPinnedMessageShowOnTheStatus) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());

  // Noise first: a reaction that isn't configured, and the configured one
  // outside any swarm channel.
  const auto chatter = slack().PostMessageAs(people().sofia, swarm, "Looking at the logs");
  ASSERT_TRUE(chatter);
  ASSERT_TRUE(slack().AddReaction(people().sofia, swarm, *chatter, "thumbsup"));
  const auto elsewhere = slack().PostMessageAs(people().mara, people().incidents, "Status call");
  ASSERT_TRUE(elsewhere);
  ASSERT_TRUE(slack().AddReaction(people().mara, people().incidents, *elsewhere, "pushpin"));

  const auto cause = slack().PostMessageAs(people().sofia, swarm, "FEAST25 rule expired");
  ASSERT_TRUE(cause);
  ASSERT_TRUE(slack().AddReaction(people().sofia, swarm, *cause, "pushpin"));
  const auto fix = slack().PostMessageAs(people().sofia, swarm, "Workaround: use FEAST26");
  ASSERT_TRUE(fix);
  ASSERT_TRUE(slack().PinMessage(people().sofia, swarm, *fix));
  EXPECT_TRUE(Has(Type(people().mara, swarm, "/swarm", "note Asked promotions to extend"),
                  "Noted on the timeline of INC-1."));

  std::string status;
  EXPECT_TRUE(Eventually("the marked and pinned messages on the status", [&] {
    status = Status();
    return Has(status, "Marked the message of ") && Has(status, "Pinned the message of ");
  })) << status;
  EXPECT_TRUE(Has(status, "Asked promotions to extend")) << status;
  EXPECT_TRUE(Has(status, "Workaround: use FEAST26")) << status;
  EXPECT_TRUE(Has(status, "<@" + people().sofia.str() + ">")) << status;
  // Check9 #20: where the message is, as a channel mention, not raw ids.
  EXPECT_TRUE(Has(status, " UTC in <#" + swarm.str() + ">")) << status;
  EXPECT_FALSE(Has(status, fix->str())) << status;
  // Only the cause was marked: not the chatter, nor the message elsewhere.
  EXPECT_EQ(Occurrences(status, "Marked the message of "), 1u) << status;
  // The swarm channel is bookmarked with the announcement's link.
  const auto bookmarks = slack().Channel(swarm)->bookmarks;
  ASSERT_EQ(bookmarks.size(), 1u);
  EXPECT_EQ(bookmarks[0].title, "INC-1");
  EXPECT_TRUE(Has(bookmarks[0].link, "/archives/" + people().incidents.str() + "/p"))
      << bookmarks[0].link;
  // The bot's own pin of its summary isn't a timeline entry.
  EXPECT_EQ(Occurrences(status, "Pinned the message of "), 1u) << status;
}

// Swarm start's bookmark, whose add is retried after a lost answer.
using SwarmBookmark = SwarmTimeline;

TEST_F(SwarmBookmark, ABookmarkWhoseAnswerWasLostIsNotAddedTwice) {
  ASSERT_EQ(DeclareFeast25(), "INC-1");
  slack().FailNext("bookmarks.add", 1, emulator::Fault::PerformThenDrop());
  const ChannelId swarm = StartSwarm();
  ASSERT_FALSE(swarm.empty());
  EXPECT_EQ(slack().CallCount("bookmarks.list"), 1);
  const auto bookmarks = slack().Channel(swarm)->bookmarks;
  ASSERT_EQ(bookmarks.size(), 1u);
  EXPECT_EQ(bookmarks[0].title, "INC-1");
}

}  // namespace
}  // namespace swarmbot::e2e
