// The RFC 5322 message swarmbot hands to the SMTP server.
#include "mailer/message.hpp"

#include <gtest/gtest.h>

namespace swarmbot::mailer {
namespace {

lifecycle::OutgoingMail Mail() {
  lifecycle::OutgoingMail mail;
  mail.from = "support@takeout.example";
  mail.from_name = "Take-Out Support";
  mail.to = "ana@example.com";
  mail.to_name = "Ana \"A\" Silva";
  mail.subject = "INC-1: FEAST25 works again";
  mail.body = "Hello Ana,\nit works again.\n";
  mail.message_id = "swarmbot.BC-1.1@takeout.example";
  mail.date = Clock::TimePoint{std::chrono::seconds{1'796'424'329}};
  mail.unsubscribe_url = "https://takeout.example/u?e=ana%40example.com";
  mail.unsubscribe_mailto = "unsubscribe@takeout.example";
  return mail;
}

TEST(ComposeMessage, HasTheHeadersAMailReaderNeedsWithCrlfLineEnds) {
  const std::string m = ComposeMessage(Mail());
  EXPECT_NE(m.find("From: \"Take-Out Support\" <support@takeout.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: \"Ana \\\"A\\\" Silva\" <ana@example.com>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: INC-1: FEAST25 works again\r\n"), std::string::npos);
  EXPECT_NE(m.find("Date: Fri, 04 Dec 2026 22:45:29 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("Message-ID: <swarmbot.BC-1.1@takeout.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(m.find("List-Unsubscribe: <https://takeout.example/u?e=ana%40example.com>, "
                   "<mailto:unsubscribe@takeout.example?subject=unsubscribe>\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nHello Ana,\r\nit works again.\r\n"), std::string::npos);
}

TEST(ComposeMessage, OneClickPostNeedsAnHttpsLink) {
  auto mail = Mail();
  mail.unsubscribe_url.clear();
  const std::string m = ComposeMessage(mail);
  EXPECT_NE(m.find("List-Unsubscribe: <mailto:"), std::string::npos);
  EXPECT_EQ(m.find("List-Unsubscribe-Post"), std::string::npos);
}

TEST(ComposeMessage, ANameThatLooksEncodedIsEncodedSoReadersShowItAsTyped) {
  auto mail = Mail();
  mail.to_name = "=?utf-8?B?SGk=?=";
  const std::string m = ComposeMessage(mail);
  // Base64 of the name's own bytes: a reader decodes it back to what was typed.
  EXPECT_NE(m.find("To: =?UTF-8?B?PT91dGYtOD9CP1NHaz0/PQ==?= <ana@example.com>\r\n"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("To: =?utf-8?B?SGk=?="), std::string::npos);
}

TEST(EncodeHeaderText, LeavesPlainAsciiAlone) {
  EXPECT_EQ(EncodeHeaderText("FEAST25 works again"), "FEAST25 works again");
}

TEST(EncodeHeaderText, EncodesNonAsciiAsUtf8EncodedWords) {
  EXPECT_EQ(EncodeHeaderText("Rückerstattung"), "=?UTF-8?B?UsO8Y2tlcnN0YXR0dW5n?=");
}

TEST(EncodeHeaderText, SplitsLongTextIntoWordsOfAtMost75WithoutCuttingACharacter) {
  std::string subject;
  for (int i = 0; i < 40; ++i) {
    subject += "é";  // two bytes each
  }
  const std::string encoded = EncodeHeaderText(subject);
  std::size_t start = 0;
  int words = 0;
  while (start < encoded.size()) {
    auto end = encoded.find("\r\n ", start);
    const std::string word = encoded.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?="));
    ++words;
    start = end == std::string::npos ? encoded.size() : end + 3;
  }
  EXPECT_EQ(words, 2);  // 45 bytes per word: 22 characters, then 18
}

TEST(EncodeHeaderText, EncodesControlCharactersSoNoHeaderCanBeInjected) {
  const std::string encoded = EncodeHeaderText("hi\r\nBcc: victim@example.com");
  EXPECT_EQ(encoded.find('\n'), std::string::npos);
  EXPECT_TRUE(encoded.starts_with("=?UTF-8?B?"));
}

TEST(QuotedPrintable, KeepsLinesShortAndEncodesWhatMustBe) {
  const std::string long_line(200, 'a');
  const std::string qp = QuotedPrintable(long_line + "\n=caf\xC3\xA9 \n");
  std::size_t start = 0;
  while (start < qp.size()) {
    const auto end = qp.find("\r\n", start);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_NE(qp.find("=3Dcaf=C3=A9=20\r\n"), std::string::npos);
  EXPECT_NE(qp.find("=\r\n"), std::string::npos) << "soft breaks in the long line";
}

}  // namespace
}  // namespace swarmbot::mailer
