#include "handlers/command_text.hpp"

#include <gtest/gtest.h>

namespace swarmbot::handlers {
namespace {

using Words = std::vector<std::string>;

TEST(Tokenize, SplitsOnWhitespaceButKeepsMentionsWhole) {
  EXPECT_EQ(Tokenize("  start INC-1\t<@U1|ana maria>  <!subteam^S1|@devops> "),
            (Words{"start", "INC-1", "<@U1|ana maria>", "<!subteam^S1|@devops>"}));
  EXPECT_TRUE(Tokenize("   ").empty());
  EXPECT_EQ(Tokenize("a <unclosed b"), (Words{"a", "<unclosed", "b"}));
}

// Check18 #7: a Unicode space or an invisible character breaks words, as a
// space does; the joiners stay inside them.
TEST(Tokenize, BreaksWordsAtUnicodeSpacesButNotAtJoiners) {
  EXPECT_EQ(Tokenize("status\u00A0INC-1\u3000"), (Words{"status", "INC-1"}));
  EXPECT_EQ(Tokenize("\uFEFFshow\u200BCASE-1\u2003"), (Words{"show", "CASE-1"}));
  EXPECT_EQ(Tokenize("asset \U0001F469\u200D\U0001F4BB caf\u00E9"),
            (Words{"asset", "\U0001F469\u200D\U0001F4BB", "caf\u00E9"}));
  EXPECT_EQ(TextAfterWords("note\u00A0INC-1\u2002rolled back\u00A0", 2), "rolled back");
}

TEST(TextAfterWords, KeepsTheRestAsTyped) {
  EXPECT_EQ(TextAfterWords("close INC-1  fixed   it ", 2), "fixed   it");
  EXPECT_EQ(TextAfterWords("declare", 1), "");
  EXPECT_EQ(TextAfterWords("a", 5), "");
}

TEST(ParseMention, ReadsLabelledAndBareForms) {
  auto user = ParseMention("<@U123|ana>");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->kind, Mention::Kind::kUser);
  EXPECT_EQ(user->id, "U123");
  EXPECT_EQ(ParseMention("<@W999>")->id, "W999");
  auto group = ParseMention("<!subteam^S0604QSJC|@devops>");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->kind, Mention::Kind::kUsergroup);
  EXPECT_EQ(group->id, "S0604QSJC");
  EXPECT_EQ(ParseMention("<!subteam^S1>")->id, "S1");
  EXPECT_EQ(ParseMention("<#C1|general>")->kind, Mention::Kind::kChannel);
  for (const char* bad : {"@ana", "<@>", "<@u1>", "<!here>", "<https://x.io|x>", "U123", "<@U1"}) {
    EXPECT_FALSE(ParseMention(bad)) << bad;
  }
}

TEST(ParseCaseRefs, ExpandsListsAndRanges) {
  auto refs = ParseCaseRefs({"CASE-1", "case-2,CASE-4", "CASE-5..CASE-7", "CASE-9..10"});
  ASSERT_TRUE(refs) << refs.error().user_message;
  EXPECT_EQ(*refs, (std::vector<std::int64_t>{1, 2, 4, 5, 6, 7, 9, 10}));
}

TEST(ParseCaseRefs, NamesTheWordItDoesNotUnderstand) {
  auto refs = ParseCaseRefs({"CASE-1", "INC-2"});
  ASSERT_FALSE(refs);
  EXPECT_EQ(refs.error().user_message,
            "`INC-2` isn't a case; name cases like CASE-12 or CASE-5..CASE-9");
  EXPECT_FALSE(ParseCaseRefs({"CASE-9..CASE-5"}));
  EXPECT_FALSE(ParseCaseRefs({"CASE-1..CASE-5000"}));
  EXPECT_FALSE(ParseCaseRefs({"CASE-1..x"}));
  EXPECT_EQ(ParseCaseRefs({"<b>"}).error().user_message.substr(0, 12), "`&lt;b&gt;` ");
}

TEST(CommandText, FindsTheSeparatorOutsideSlacksEscapedMentions) {
  const std::string text = "Checkout fails for <@U123|bob> in <#C1|general> | FEAST25 rejected";
  EXPECT_EQ(FindOutsideBrackets(text, '|'), text.find(" | ") + 1);
  EXPECT_EQ(FindOutsideBrackets("<@U123|bob> only", '|'), std::string_view::npos);
  EXPECT_EQ(FindOutsideBrackets("no bar at all", '|'), std::string_view::npos);
}

}  // namespace
}  // namespace swarmbot::handlers
