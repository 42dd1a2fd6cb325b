#include <gtest/gtest.h>

#include "lifecycle/swarm_service.hpp"
#include "tests/lifecycle/fixture.hpp"

namespace swarmbot::lifecycle {
namespace {

class SwarmTimelineTest : public testing::LifecycleTest {
 protected:
  // INC-1 swarming in CSWARM.
  std::int64_t Swarming() {
    const auto incident = NewIncident();
    EXPECT_TRUE(swarms_.Start({incident, {}, {}}, mara_));
    EXPECT_TRUE(swarms_.RecordChannel(incident, ChannelId("CSWARM"), "inc-1-feast25"));
    return incident;
  }

  MarkedMessage Mark(MarkedMessage::How how, std::string channel = "CSWARM",
                     std::string text = "") {
    return {how, ChannelId(std::move(channel)), MessageTs("1700000000.000100"), priya_,
            std::move(text)};
  }

  store::TimelineEntry Latest(std::int64_t incident) {
    return incidents_.StatusOf(incident)->recent.back();
  }

  std::int64_t TimelineRows() { return Count("SELECT COUNT(*) FROM timeline"); }
};

TEST_F(SwarmTimelineTest, PutsANoteOnTheTimelineByItsAuthor) {
  const auto incident = NewIncident();
  ASSERT_TRUE(swarms_.AddNote(incident, priya_, "  Rolled back the pricing release  "));
  const auto entry = Latest(incident);
  EXPECT_EQ(entry.actor, "UPRIYA");
  EXPECT_EQ(entry.kind, "note");
  EXPECT_EQ(entry.text, "Rolled back the pricing release");
}

TEST_F(SwarmTimelineTest, RefusesAnEmptyOversizedOrBrokenNoteAndChangesNothing) {
  const auto incident = NewIncident();
  const auto before = TimelineRows();
  EXPECT_EQ(swarms_.AddNote(incident, priya_, "   ").error().code, Errc::kInvalidInput);
  const auto too_long = swarms_.AddNote(incident, priya_, std::string(2001, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().user_message.find("2000"), std::string::npos)
      << too_long.error().user_message;
  EXPECT_EQ(swarms_.AddNote(incident, priya_, "bad \xff byte").error().code, Errc::kInvalidInput);
  EXPECT_TRUE(swarms_.AddNote(incident, priya_, std::string(2000, 'x')));
  EXPECT_EQ(TimelineRows(), before + 1);
}

TEST_F(SwarmTimelineTest, RefusesANoteForAnUnknownOrClosedIncident) {
  EXPECT_EQ(swarms_.AddNote(7, priya_, "hello").error().code, Errc::kNotFound);
  const auto incident = NewIncident();
  ASSERT_TRUE(incidents_.Close(incident, mara_, "fixed"));
  const auto before = TimelineRows();
  const auto closed = swarms_.AddNote(incident, priya_, "late thought");
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().user_message, "INC-1 is closed; reopen it to add notes to its timeline");
  EXPECT_EQ(TimelineRows(), before);
}

TEST_F(SwarmTimelineTest, RecordsAMarkedMessageOnceByWhereItIs) {
  const auto incident = Swarming();
  auto added = swarms_.AddMarkedMessage(Mark(MarkedMessage::How::kReacted));
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, std::optional<std::int64_t>(incident));
  const auto entry = Latest(incident);
  EXPECT_EQ(entry.actor, "UPRIYA");
  EXPECT_EQ(entry.kind, "message_marked");
  // Check9 #20: the channel as a mention and the message by its time, not raw ids.
  EXPECT_EQ(entry.text, "Marked the message of 2023-11-14 22:13:20 UTC in <#CSWARM>");

  const auto before = TimelineRows();
  EXPECT_EQ(*swarms_.AddMarkedMessage(Mark(MarkedMessage::How::kReacted)), std::nullopt);
  EXPECT_EQ(TimelineRows(), before);
}

TEST_F(SwarmTimelineTest, QuotesAPinnedMessageOnOneLineCutToTheLimit) {
  const auto incident = Swarming();
  ASSERT_TRUE(swarms_.AddMarkedMessage(
      Mark(MarkedMessage::How::kPinned, "CSWARM", "Cause found:\nthe FEAST25 rule expired")));
  EXPECT_EQ(Latest(incident).text,
            "Pinned the message of 2023-11-14 22:13:20 UTC in <#CSWARM>: \"Cause found: the "
            "FEAST25 rule expired\"");

  clock_.Advance(std::chrono::seconds(1));
  std::string long_text;
  for (int i = 0; i < 400; ++i) {
    long_text += "é";
  }
  auto mark = Mark(MarkedMessage::How::kPinned, "CSWARM", long_text);
  mark.ts = MessageTs("1700000001.000200");
  ASSERT_TRUE(swarms_.AddMarkedMessage(mark));
  const std::string text = Latest(incident).text;
  EXPECT_TRUE(text.ends_with("é…\"")) << text;
  EXPECT_EQ(text.size(),
            std::string("Pinned the message of 2023-11-14 22:13:21 UTC in <#CSWARM>: \"").size() +
                2 * SwarmService::kMaxQuote + std::string("…\"").size());
}

TEST_F(SwarmTimelineTest, IgnoresMarksOutsideSwarmChannels) {
  Swarming();
  const auto before = TimelineRows();
  EXPECT_EQ(*swarms_.AddMarkedMessage(Mark(MarkedMessage::How::kReacted, "CRANDOM")), std::nullopt);
  EXPECT_EQ(*swarms_.AddMarkedMessage(Mark(MarkedMessage::How::kPinned, "CRANDOM", "hi")),
            std::nullopt);
  EXPECT_EQ(TimelineRows(), before);
}

}  // namespace
}  // namespace swarmbot::lifecycle
