#include "common/text_template.hpp"

#include <gtest/gtest.h>

#include "common/mail_address.hpp"

namespace swarmbot {
namespace {

TEST(TextTemplate, ReplacesEachPlaceholderAndKeepsDoubledBraces) {
  auto parsed =
      TextTemplate::Parse("{{{incident}}} for {contact_name}: {incident}", kMailPlaceholders);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->Render([](std::string_view name) { return "<" + std::string(name) + ">"; }),
            "{<incident>} for <contact_name>: <incident>");
}

TEST(TextTemplate, RefusesUnknownPlaceholdersAndLoneBraces) {
  EXPECT_EQ(TextTemplate::Parse("Hi {name}", kMailPlaceholders).error().user_message,
            "unknown placeholder {name}; known: {incident}, {public_title}, {contact_name}, "
            "{contact_email}, {unsubscribe_url}");
  EXPECT_FALSE(TextTemplate::Parse("Hi {incident", kMailPlaceholders));
  EXPECT_FALSE(TextTemplate::Parse("Hi }", kMailPlaceholders));
}

TEST(MailAddress, AcceptsOnlyAddressesThatCanNotBreakAHeader) {
  EXPECT_TRUE(MailableAddress("ana.silva+orders@example.com"));
  EXPECT_FALSE(MailableAddress("ana@example.com\r\nBcc: x@y.example"));
  EXPECT_FALSE(MailableAddress("Ana <ana@example.com>"));
  EXPECT_FALSE(MailableAddress("ana@@example.com"));
  EXPECT_FALSE(MailableAddress("@example.com"));
}

TEST(MailAddress, MasksAndFoldsForDisplayAndComparison) {
  EXPECT_EQ(MaskAddress("ana@example.com"), "a***@example.com");
  EXPECT_EQ(MaskAddress("ömer@example.com"), "ö***@example.com");
  EXPECT_EQ(MaskAddress("日本@例え.jp"), "日***@例え.jp");
  EXPECT_EQ(FoldAddress("ANA@Example.COM"), "ana@example.com");
}

}  // namespace
}  // namespace swarmbot
