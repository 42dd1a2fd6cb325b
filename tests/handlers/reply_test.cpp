// Refusals shown in Slack read as sentences (issue #19 of check9).
#include "handlers/reply.hpp"

#include <gtest/gtest.h>

namespace swarmbot::handlers {
namespace {

TEST(AsSentence, StartsWithACapitalAndEndsWithAFullStop) {
  EXPECT_EQ(AsSentence("INC-999 doesn't exist"), "INC-999 doesn't exist.");
  EXPECT_EQ(AsSentence("note is too long (at most 2000 characters)"),
            "Note is too long (at most 2000 characters).");
  EXPECT_EQ(AsSentence("Which incident?"), "Which incident?");
  EXPECT_EQ(AsSentence("Done."), "Done.");
  EXPECT_EQ(AsSentence("and so on…"), "And so on…");
  EXPECT_EQ(AsSentence("`sofia` isn't a person"), "`sofia` isn't a person.");
  EXPECT_EQ(AsSentence(""), "");
}

// A reply echoes what someone typed (a rejection's reason, say); a special
// mention in it is shown, not acted on.
TEST(EphemeralText, ShowsSpecialMentionsAsTyped) {
  EXPECT_EQ(EphemeralText("CHG-2 is no longer open for votes. Rejected by <@UK>: <!here> no"),
            R"({"response_type":"ephemeral","text":"CHG-2 is no longer open for votes. )"
            R"(Rejected by <@UK>: &lt;!here> no"})");
}

TEST(AsSentence, KeepsSwarmbotsNameInLowerCase) {
  EXPECT_EQ(AsSentence("swarmbot's database is busy"), "swarmbot's database is busy.");
}

TEST(RefusalText, ShowsTheUserMessageAsASentence) {
  EXPECT_EQ(RefusalText(MakeError(Errc::kConflict, "closed", "INC-1 is closed already")),
            "INC-1 is closed already.");
  EXPECT_EQ(RefusalText(MakeError(Errc::kInternal, "boom")),
            "Sorry, that didn't work; nothing was changed.");
}

}  // namespace
}  // namespace swarmbot::handlers
