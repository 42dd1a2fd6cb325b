#include <string>

#include <gtest/gtest.h>

#include "lifecycle/channel_name.hpp"
#include "lifecycle/priority.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::lifecycle {
namespace {

using store::Level;

TEST(PriorityFor, FollowsTheImpactUrgencyMatrix) {
  EXPECT_EQ(PriorityFor(Level::kHigh, Level::kHigh), 1);
  EXPECT_EQ(PriorityFor(Level::kHigh, Level::kMedium), 2);
  EXPECT_EQ(PriorityFor(Level::kMedium, Level::kHigh), 2);
  EXPECT_EQ(PriorityFor(Level::kMedium, Level::kMedium), 3);
  EXPECT_EQ(PriorityFor(Level::kHigh, Level::kLow), 3);
  EXPECT_EQ(PriorityFor(Level::kMedium, Level::kLow), 4);
  EXPECT_EQ(PriorityFor(Level::kLow, Level::kLow), 4);
}

TEST(SwarmChannelName, SlugsTheSubjectInSlacksAlphabet) {
  EXPECT_EQ(SwarmChannelName(1, "FEAST25 fails at checkout!"), "inc-1-feast25-fails-at-checkout");
  EXPECT_EQ(SwarmChannelName(42, "  Discount -- code   errors "), "inc-42-discount-code-errors");
  EXPECT_EQ(SwarmChannelName(3, "!!! ???"), "inc-3");
  EXPECT_EQ(SwarmChannelName(3, ""), "inc-3");
  EXPECT_EQ(SwarmChannelName(3, "under_score.dot"), "inc-3-under-score-dot");
}

// Check9 #6: "Über" lost its first letter.
TEST(SwarmChannelName, FoldsAccentedLatinLettersAndDropsOtherScripts) {
  EXPECT_EQ(SwarmChannelName(7, "Café déjà vu"), "inc-7-cafe-deja-vu");
  EXPECT_EQ(SwarmChannelName(5, "Über Straße"), "inc-5-uber-strasse");
  EXPECT_EQ(SwarmChannelName(5, "Øresund Łódź Ærø Œuvre"), "inc-5-oresund-lodz-aero-oeuvre");
  EXPECT_EQ(SwarmChannelName(5, "Cafe\xCC\x81 open"), "inc-5-cafe-open");  // decomposed é
  EXPECT_EQ(SwarmChannelName(5, "Ошибка checkout 失败"), "inc-5-checkout");
  EXPECT_EQ(SwarmChannelName(5, "price × 2"), "inc-5-price-2");
  EXPECT_EQ(SwarmChannelName(5, "bad \xFF byte"), "inc-5-bad-byte");
}

// Check20 #5: digraphs, ligatures and fullwidth letters were word breaks.
TEST(SwarmChannelName, ExpandsLigaturesAndDigraphsAndFoldsFullwidthLetters) {
  EXPECT_EQ(SwarmChannelName(11, "Über-Straße ØRE ß ǅ ﬁ ＦＵＬＬ"),
            "inc-11-uber-strasse-ore-ss-dz-fi-full");
  EXPECT_EQ(SwarmChannelName(4, "ﬀ ﬃ ﬄ ﬅ ﬆ ﬂ"), "inc-4-ff-ffi-ffl-st-st-fl");
  EXPECT_EQ(SwarmChannelName(4, "Ǆ ǆ Ǉ ǈ ǉ Ǌ ǋ ǌ Ǳ ǲ ǳ"),
            "inc-4-dz-dz-lj-lj-lj-nj-nj-nj-dz-dz-dz");
  EXPECT_EQ(SwarmChannelName(4, "Œ œ Æ æ Ĳ ĳ"), "inc-4-oe-oe-ae-ae-ij-ij");
  EXPECT_EQ(SwarmChannelName(4, "ｃｈｅｃｋｏｕｔ ２０２６ Ｚ"), "inc-4-checkout-2026-z");
  EXPECT_EQ(SwarmChannelName(4, "ａ／ｂ"), "inc-4-a-b");  // fullwidth solidus still separates
}

TEST(SwarmChannelName, StaysWithinEightyCharactersWithoutATrailingDash) {
  // 'a' * 73 puts a dash exactly at the cut.
  const std::string subject = std::string(73, 'a') + " bbbbbbbbbb";
  const std::string name = SwarmChannelName(1, subject);
  EXPECT_LE(name.size(), kMaxChannelName);
  EXPECT_NE(name.back(), '-');
  EXPECT_EQ(name, "inc-1-" + std::string(73, 'a'));
  EXPECT_EQ(SwarmChannelName(12, std::string(200, 'x')).size(), kMaxChannelName);
}

TEST(WithSuffix, AppendsACounterWithinTheLimit) {
  EXPECT_EQ(WithSuffix("inc-1-x", 1), "inc-1-x");
  EXPECT_EQ(WithSuffix("inc-1-x", 2), "inc-1-x-2");
  const std::string full = "inc-1-" + std::string(74, 'y');
  EXPECT_EQ(WithSuffix(full, 3).size(), kMaxChannelName);
  EXPECT_EQ(WithSuffix(full, 3).substr(78), "-3");
  // A cut that lands on a dash drops it rather than doubling it.
  const std::string dashed = "inc-1-" + std::string(71, 'z') + "-ab";
  EXPECT_EQ(WithSuffix(dashed, 2), "inc-1-" + std::string(71, 'z') + "-2");
}

TEST(CheckField, NamesTheFieldAndTheRule) {
  const FieldRule rule{"subject", 5, true, false};
  EXPECT_TRUE(CheckField("hello", rule));
  EXPECT_EQ(CheckField("", rule).error().user_message, "subject is required");
  EXPECT_EQ(CheckField("   ", rule).error().user_message, "subject is required");
  EXPECT_EQ(CheckField("toolong", rule).error().user_message,
            "subject is too long (at most 5 characters)");
  EXPECT_EQ(CheckField("a\nb", rule).error().user_message,
            "subject contains the control character U+000A; it must be one line of text");
  EXPECT_EQ(CheckField("\xff", rule).error().user_message, "subject is not valid UTF-8");
  EXPECT_EQ(CheckField("a\nb", rule).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(CheckField("a\nb", {"description", 5, false, true}));
  EXPECT_TRUE(CheckField("", {"territory", 5, false, false}));
}

// Check18 #3: a subject of only zero-width characters or Unicode spaces was
// accepted and showed blank.
TEST(TrimmedLine, TakesOffUnicodeSpacesAndZeroWidthCharactersAtTheEnds) {
  EXPECT_EQ(TrimmedLine("\u00A0\u200B FEAST25\u2003fails\u3000\uFEFF\t"), "FEAST25\u2003fails");
  EXPECT_EQ(TrimmedLine("\u2060\u200C\u200D\u202F\u205F\u1680\u3164"), "");
  EXPECT_EQ(TrimmedLine("\u0645\u0631\u062D\u0628\u0627"), "\u0645\u0631\u062D\u0628\u0627");
  EXPECT_EQ(TrimmedLine("caf\u00E9 \U0001F600"), "caf\u00E9 \U0001F600");
  EXPECT_EQ(TrimmedLine("\xff\u200B"), "\xff");  // not UTF-8: CheckField says so
}

TEST(CheckField, TakesAnInvisibleRequiredFieldAsEmpty) {
  const FieldRule rule{"subject", 50, true, false};
  for (const char* blank : {"\u200B", "\u00A0\u3000", "\u2060\uFEFF\u200D", "\u2003 \u200C",
                            "\u2000\u2001\u2002\u2004\u2005\u2006\u2007\u2008\u2009\u200A"}) {
    const auto checked = CheckField(blank, rule);
    ASSERT_FALSE(checked) << blank;
    EXPECT_EQ(checked.error().user_message, "subject is required") << blank;
  }
  EXPECT_TRUE(CheckField("\u200Bx", rule));
}

TEST(CheckField, NamesTheControlCharacterItRefuses) {
  const FieldRule note{"note", 100, true, true};
  EXPECT_TRUE(CheckField("line one\n\tline two", note));
  EXPECT_EQ(CheckField("ding\a", note).error().user_message,
            "note contains the control character U+0007; only tabs and line breaks are allowed");
  EXPECT_EQ(CheckField(std::string("a\0b", 3), note).error().user_message,
            "note contains the control character U+0000; only tabs and line breaks are allowed");
}

// Issue #22 of check9: a right-to-left override in a note flipped the rest of
// the timeline line it was quoted in.
TEST(CheckField, RefusesBidiOverridesEmbeddingsAndIsolates) {
  const FieldRule note{"note", 100, true, true};
  EXPECT_EQ(CheckField("rolled back \u202Eesaeler", note).error().user_message,
            "note contains U+202E, a direction control that would reorder the text around it; "
            "remove it");
  for (const char* control :
       {"\u202A", "\u202B", "\u202C", "\u202D", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    EXPECT_FALSE(CheckField(std::string("a") + control + "b", note)) << control;
  }
  // Weak marks and joiners move nothing beyond their neighbours; emoji need ZWJ.
  EXPECT_TRUE(CheckField("\u05E9\u05DC\u05D5\u05DD \u200F(1)", note));
  EXPECT_TRUE(CheckField("family \U0001F468\u200D\U0001F469\u200D\U0001F467", note));
  EXPECT_TRUE(CheckField("\u2014 an em dash \u2019s fine", note));
}

TEST(CheckField, CountsCharactersNotBytes) {
  EXPECT_TRUE(CheckField("ééééé", {"name", 5, true, false}));
  EXPECT_FALSE(CheckField("éééééé", {"name", 5, true, false}));
}

TEST(IsValidUtf8, RejectsMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("€ and 😀"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(LooksLikeEmail, AcceptsOrdinaryAddressesOnly) {
  EXPECT_TRUE(LooksLikeEmail("ana@example.com"));
  EXPECT_TRUE(LooksLikeEmail("ana.b+promo@mail.take-out.co.uk"));
  for (const char* bad :
       {"ana.example.com", "@example.com", "ana@", "ana@example", "ana@@example.com",
        "ana b@example.com", "ana@example..com", "ana@example.com.", "<ana>@example.com"}) {
    EXPECT_FALSE(LooksLikeEmail(bad)) << bad;
  }
  EXPECT_FALSE(LooksLikeEmail(std::string(250, 'a') + "@x.io"));
}

}  // namespace
}  // namespace swarmbot::lifecycle
