#include "handlers/email_message.hpp"

#include <gtest/gtest.h>

namespace swarmbot::handlers {
namespace {

// Mail as it travels: CRLF line ends.
std::string Crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

EmailMessage Read(std::string_view text) {
  auto read = ReadEmail(Crlf(text));
  EXPECT_TRUE(read) << (read ? "" : read.error().user_message);
  return read ? *read : EmailMessage{};
}

std::string Refusal(std::string_view text) {
  auto read = ReadEmail(Crlf(text));
  return read ? "accepted" : read.error().user_message;
}

TEST(ReadEmail, ReadsAPlainMessage) {
  const EmailMessage mail = Read(
      "From: Ana Silva <ana@example.com>\n"
      "To: support@take-out.example\n"
      "Subject: FEAST25 rejected\n"
      "Message-ID: <m1@mail.example>\n"
      "\n"
      "The code FEAST25 fails at checkout.\n"
      "Please help.\n");
  EXPECT_EQ(mail.from_name, "Ana Silva");
  EXPECT_EQ(mail.from_address, "ana@example.com");
  EXPECT_EQ(mail.subject, "FEAST25 rejected");
  EXPECT_EQ(mail.message_id, "m1@mail.example");
  EXPECT_EQ(mail.text, "The code FEAST25 fails at checkout.\nPlease help.");
  EXPECT_FALSE(mail.text_from_html);
  EXPECT_TRUE(mail.answers.empty());
  EXPECT_FALSE(mail.from_name_altered);
  EXPECT_FALSE(mail.subject_altered);
  EXPECT_FALSE(mail.text_altered);
}

// Check 11: refusing these lost the customer's mail.
TEST(ReadEmail, DropsBidiControlsFromNamesSubjectAndText) {
  const EmailMessage mail = Read(
      "From: =?UTF-8?Q?Ev=E2=80=AEil?= <bidi@example.com>\n"
      "Subject: =?UTF-8?Q?FEAST25_=E2=81=A6kcehc=E2=81=A9?=\n"
      "\n"
      "fails \u202Aat\u202C checkout \u200F\n");
  EXPECT_EQ(mail.from_name, "Evil");
  EXPECT_EQ(mail.subject, "FEAST25 kcehc");
  EXPECT_EQ(mail.text, "fails at checkout \u200F") << "a right-to-left mark is no override";
}

// Check 11: a crafted encoded word became the contact name "_victim@example.com?=".
TEST(ReadEmail, GivesNoDisplayNameWhereTheNameCannotBeAPersons) {
  const std::string body = "Subject: FEAST25\n\nfails\n";
  EXPECT_EQ(Read("From: =?UTF-8?Q?Evil=0D=0ABcc:_victim@example.com?= <inj@example.com>\n" + body)
                .from_name,
            "");
  EXPECT_EQ(Read("From: =?UTF-8?Q?Evil=0D=0ABcc:_victim@example.com?= <inj@example.com>\n" + body)
                .from_address,
            "inj@example.com");
  EXPECT_EQ(Read("From: =?UTF-8?Q?Ana=0D=0ASilva?= <ana@example.com>\n" + body).from_name, "");
  EXPECT_EQ(Read("From: \"support@take-out.example\" <x@evil.example>\n" + body).from_name, "");
  EXPECT_EQ(Read("From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.com>\n" + body).from_name, "Jos\u00e9");
}

TEST(ReadEmail, ReadsABodyWithoutACharsetThatIsNotUtf8AsLatin1) {
  const EmailMessage mail = Read(
      "From: ana@example.com\n"
      "Subject: caf\xe9\n"
      "Message-ID: <l1@mail.example>\n"
      "\n"
      "caf\xe9 cr\xe8me\n");
  EXPECT_EQ(mail.text, "caf\u00e9 cr\u00e8me");
}

TEST(ReadEmail, TakesThePlainAlternativeOfAMultipartMessage) {
  const EmailMessage mail = Read(
      "From: ana@example.com\n"
      "Subject: Code error\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\n"
      "\n"
      "--b1\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<p>HTML version</p>\n"
      "--b1\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "Plain version\n"
      "--b1--\n");
  EXPECT_EQ(mail.text, "Plain version");
  EXPECT_EQ(mail.from_name, "");
}

TEST(ReadEmail, FindsTheTextInNestedMultipartsAndSkipsAttachments) {
  const EmailMessage mail = Read(
      "From: ana@example.com\n"
      "Subject: Screenshot attached\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\n"
      "\n"
      "--outer\n"
      "Content-Type: text/plain; name=\"log.txt\"\n"
      "Content-Disposition: attachment; filename=\"log.txt\"\n"
      "\n"
      "attached log, not the message\n"
      "--outer\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\n"
      "\n"
      "--inner\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "See the screenshot.\n"
      "--inner\n"
      "Content-Type: text/html\n"
      "\n"
      "<b>See the screenshot.</b>\n"
      "--inner--\n"
      "--outer--\n");
  EXPECT_EQ(mail.text, "See the screenshot.");
}

TEST(ReadEmail, DecodesBase64AndQuotedPrintableBodiesToUtf8) {
  const EmailMessage base64 = Read(
      "From: ana@example.com\n"
      "Subject: b64\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "TGUgY29kZSBGRUFTVDI1IG4nZXN0IHBhcyB2YWxpZGUg4oCUIG1lcmNp\n");
  EXPECT_EQ(base64.text, "Le code FEAST25 n'est pas valide \u2014 merci");

  const EmailMessage qp = Read(
      "From: ana@example.com\n"
      "Subject: qp\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Der Rabattcode funktioniert nicht, gr=FC=DFe aus M=FCnchen. Eine sehr lange =\n"
      "Zeile.\n");
  EXPECT_EQ(qp.text,
            "Der Rabattcode funktioniert nicht, gr\u00fc\u00dfe aus M\u00fcnchen. "
            "Eine sehr lange Zeile.");
}

// Check20 #1: a NUL byte ended the text, silently losing the rest of it.
TEST(ReadEmail, KeepsTheTextAfterANulByteAndMarksWhereItWas) {
  const std::string raw_nul = std::string(
      "From: ana@example.com\n"
      "Subject: nul\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "Second line has a NUL here:") + '\0' + " and text after it.\nOrder 123456, please call me.\n";
  EXPECT_EQ(Read(raw_nul).text,
            "Second line has a NUL here:\uFFFD and text after it.\nOrder 123456, please call me.");

  const EmailMessage qp = Read(
      "From: ana@example.com\n"
      "Subject: qp nul\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "A NUL here:=00 and gr=C3=BC=C3=9Fe after it.\n");
  EXPECT_EQ(qp.text, "A NUL here:\uFFFD and gr\u00fc\u00dfe after it.");

  const EmailMessage latin1 = Read(
      "From: ana@example.com\n"
      "Subject: latin1 nul\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "M=FCnchen=00 still here\n");
  EXPECT_EQ(latin1.text, "M\u00fcnchen\uFFFD still here");
}

// Check20 #4: C1 controls are control characters too; a separator is no line break in a subject.
TEST(ReadEmail, ReplacesOtherControlsInTheTextAndBlanksThemInTheSubject) {
  const EmailMessage mail = Read(
      "From: =?UTF-8?Q?Ana=C2=85Silva?= <ana@example.com>\n"
      "Subject: =?UTF-8?Q?one=E2=80=A8two=C2=9Bthree?=\n"
      "\n"
      "bell\x07 next\xC2\x85line kept\n");
  EXPECT_EQ(mail.from_name, "") << "a name holding a control is no person's name";
  EXPECT_EQ(mail.from_address, "ana@example.com");
  EXPECT_EQ(mail.subject, "one two three");
  EXPECT_EQ(mail.text, "bell\uFFFD next\uFFFDline kept");
}

// GMime hands encoded words back as a C string: a NUL in one cut the subject.
TEST(ReadEmail, KeepsTheSubjectAfterANulInAnEncodedWordAndMarksWhereItWas) {
  const std::string body = "From: ana@example.com\n\nhello\n";
  const EmailMessage q = Read("Subject: =?utf-8?q?a=00b?=\n" + body);
  EXPECT_EQ(q.subject, "a\uFFFDb");
  EXPECT_TRUE(q.subject_altered);
  EXPECT_FALSE(q.text_altered);
  EXPECT_EQ(Read("Subject: =?UTF-8?B?YQBi?=\n" + body).subject, "a\uFFFDb");
  // Other words, in another charset and folded onto a second line, are read as before.
  EXPECT_EQ(Read("Subject: Order =?iso-8859-1?q?M=FCnchen=00?=\n =?utf-8?q?_gr=C3=BC=C3=9Fe?= "
                 "late\n" +
                 body)
                .subject,
            "Order M\u00fcnchen\uFFFD gr\u00fc\u00dfe late");
}

// Each change to the mail's own characters is reported, field by field.
TEST(ReadEmail, SaysWhichFieldsLostOrHadCharactersReplaced) {
  const EmailMessage mail = Read(
      "From: =?UTF-8?Q?Ana=E2=80=AESilva?= <ana@example.com>\n"
      "Subject: fine\n"
      "\n"
      "bell\x07 rang\n");
  EXPECT_TRUE(mail.from_name_altered) << "a bidirectional control dropped";
  EXPECT_FALSE(mail.subject_altered);
  EXPECT_TRUE(mail.text_altered);
  const EmailMessage spaced = Read(
      "From: Ana   Silva <ana@example.com>\n"
      "Subject: folded\n  over\tlines\n"
      "\n"
      "tabs\tand\nline ends   \n");
  EXPECT_FALSE(spaced.from_name_altered);
  EXPECT_FALSE(spaced.subject_altered) << "unfolding is no change";
  EXPECT_FALSE(spaced.text_altered);
  const EmailMessage set_aside =
      Read("From: \"support@take-out.example\" <x@evil.example>\nSubject: s\n\nt\n");
  EXPECT_TRUE(set_aside.from_name_altered);
  EXPECT_FALSE(set_aside.subject_altered);
}

TEST(ReadEmail, DecodesEncodedWordSubjectsAndNames) {
  const EmailMessage mail = Read(
      "From: =?ISO-8859-1?Q?Jos=E9_Mu=F1oz?= <jose@example.com>\n"
      "Subject: =?UTF-8?B?Q8OzZGlnbyBGRUFTVDI1?= =?UTF-8?Q?_no_v=C3=A1lido?=\n"
      "\n"
      "hola\n");
  EXPECT_EQ(mail.from_name, "Jos\u00e9 Mu\u00f1oz");
  EXPECT_EQ(mail.subject, "C\u00f3digo FEAST25 no v\u00e1lido");
}

TEST(ReadEmail, StripsTagsFromAnHtmlOnlyMessage) {
  const EmailMessage mail = Read(
      "From: ana@example.com\n"
      "Subject: html\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<html><head><style>p { color: red }</style></head><body>\n"
      "<p>The code <b>FEAST25</b> fails &amp; I&#39;m   upset.</p><p>Line&nbsp;two<br>three</p>\n"
      "<script>alert('x')</script></body></html>\n");
  EXPECT_TRUE(mail.text_from_html);
  EXPECT_EQ(mail.text, "The code FEAST25 fails & I'm upset.\n\nLine two\nthree");
}

TEST(ReadEmail, CollectsTheMessagesItAnswersNewestFirst) {
  const EmailMessage mail = Read(
      "From: ana@example.com\n"
      "Subject: Re: FEAST25 rejected\n"
      "Message-ID: <m3@mail.example>\n"
      "In-Reply-To: <m2@take-out.example>\n"
      "References: <m1@mail.example> <m2@take-out.example>\n"
      "\n"
      "Still broken.\n");
  EXPECT_EQ(mail.answers, (std::vector<std::string>{"m2@take-out.example", "m1@mail.example"}));
}

TEST(ReadEmail, RefusesAMessageWithoutAUsableFrom) {
  EXPECT_EQ(Refusal("Subject: hi\n\nno sender\n"), "the message has no From address");
  EXPECT_EQ(Refusal("From: undisclosed-recipients:;\nSubject: hi\n\ntext\n"),
            "the message has no From address");
}

TEST(ReadEmail, RefusesAMessageWithNeitherSubjectNorText) {
  EXPECT_EQ(Refusal("From: ana@example.com\n\n   \n"),
            "the message has neither a subject nor any text");
}

TEST(ReadEmail, RefusesGarbage) {
  for (std::string_view garbage :
       {std::string_view(""), std::string_view("just some words"),
        std::string_view("\x01\x02\xff\xfe"), std::string_view("{\"subject\": \"json\"}")}) {
    EXPECT_NE(Refusal(garbage), "accepted") << garbage;
  }
}

TEST(HtmlToText, DecodesNumericReferencesAndKeepsUnknownAmpersands) {
  EXPECT_EQ(HtmlToText("caf&#233; &#x2014; R&D &bogus; <i>ok</i>"),
            "caf\u00e9 \u2014 R&D &bogus; ok");
}

TEST(WithoutQuotedReply, DropsTheQuotedEarlierMessage) {
  EXPECT_EQ(WithoutQuotedReply("Still broken today.\n\nOn Fri, Ana wrote:\n> FEAST25 fails\n> at "
                               "checkout\n"),
            "Still broken today.");
  EXPECT_EQ(WithoutQuotedReply("> only a quote\n"), "> only a quote\n");
}

}  // namespace
}  // namespace swarmbot::handlers
