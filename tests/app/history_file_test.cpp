#include "app/history_file.hpp"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/testing.hpp"

namespace swarmbot::app {
namespace {

using namespace std::chrono_literals;

// When the tests run, as far as the parser knows.
const Clock::TimePoint kNow{std::chrono::sys_days{std::chrono::year{2026} / 12 / 5} + 8h};

// One record line: the defaults, with `raw` JSON values replacing some (an
// empty value leaves the key out).
std::string Line(const std::map<std::string, std::string>& raw = {}) {
  const std::vector<std::pair<std::string, std::string>> defaults{
      {"id", R"("H-1")"},
      {"time", R"("2024-01-31T09:30:00Z")"},
      {"title", R"("FEAST25 rejected")"},
      {"text", R"("The discount code fails at checkout")"},
      {"components", R"(["checkout", "promotions"])"},
      {"expert", R"("U0SOFIA")"}};
  std::string line;
  for (const auto& [key, value] : defaults) {
    const auto it = raw.find(key);
    const std::string& chosen = it == raw.end() ? value : it->second;
    if (!chosen.empty()) {
      line += (line.empty() ? "{" : ", ") + ("\"" + key + "\": " + chosen);
    }
  }
  return line + "}";
}

// Why `text` is refused; "" (and a failed expectation) when it is accepted.
std::string Refusal(const std::string& text) {
  auto parsed = ParseHistoryFile(text, "h.jsonl", kNow);
  EXPECT_FALSE(parsed) << "accepted: " << text.substr(0, 200);
  return parsed ? "" : parsed.error().user_message;
}

std::string Quoted(const std::string& text) {
  return "\"" + text + "\"";
}

TEST(HistoryFile, ReadsEveryKeyOfAGoodRecord) {
  auto parsed = ParseHistoryFile(Line({{"expert", R"("  Sofia  ")"}}) + "\n", "h.jsonl", kNow);
  ASSERT_TRUE(parsed) << parsed.error().user_message;
  ASSERT_EQ(parsed->size(), 1u);
  const HistoryFileRecord& record = parsed->front();
  EXPECT_EQ(record.line, 1u);
  EXPECT_EQ(record.row.id, "H-1");
  EXPECT_EQ(record.row.at, Clock::TimePoint{std::chrono::sys_days{std::chrono::year{2024} /
                                                                  std::chrono::January / 31} +
                                            9h + 30min});
  EXPECT_EQ(record.row.title, "FEAST25 rejected");
  EXPECT_EQ(record.row.text, "The discount code fails at checkout");
  EXPECT_EQ(record.row.components, (std::vector<std::string>{"checkout", "promotions"}));
  EXPECT_EQ(record.row.resolver, "Sofia") << "surrounding spaces are dropped";
}

TEST(HistoryFile, KeepsAFractionOfASecondToTheMillisecond) {
  auto parsed =
      ParseHistoryFile(Line({{"time", R"("2024-01-31T09:30:15.1239Z")"}}), "h.jsonl", kNow);
  ASSERT_TRUE(parsed) << parsed.error().user_message;
  EXPECT_EQ(parsed->front().row.at.time_since_epoch() % 1min, 15s + 123ms);
}

TEST(HistoryFile, CitesTheLineOfTheFileWhateverBlankLinesComeBefore) {
  const std::string text = "\n" + Line() + "\n\n   \n" + Line({{"id", R"("H-2")"}, {"time", ""}});
  EXPECT_EQ(Refusal(text),
            "h.jsonl:5: missing `time` (a record has id, time, title, text, components and "
            "expert)");
}

TEST(HistoryFile, NamesEveryMissingKey) {
  EXPECT_EQ(Refusal(Line({{"title", ""}, {"expert", ""}})),
            "h.jsonl:1: missing `title`, `expert` (a record has id, time, title, text, "
            "components and expert)");
}

TEST(HistoryFile, RefusesATimeInAnotherFormNamingTheExpectedOne) {
  for (const std::string time : {"2024-01-01 00:00:00", "2024-01-01T00:00:00+02:00", "2024-01-01",
                                 "2024-01-01T00:00:00.Z", "1704067200"}) {
    EXPECT_EQ(Refusal(Line({{"time", Quoted(time)}})),
              "h.jsonl:1: `time` \"" + time +
                  "\" is not a UTC time in the form 2024-01-31T09:30:00Z (a fraction of a second "
                  "may follow the seconds; no zone offset)");
  }
}

TEST(HistoryFile, RefusesATimeThatDoesNotExistRatherThanMovingIt) {
  EXPECT_EQ(Refusal(Line({{"time", R"("2024-01-01T99:99:99Z")"}})),
            "h.jsonl:1: `time` \"2024-01-01T99:99:99Z\" is not a real time of day (00:00:00 to "
            "23:59:59)");
  EXPECT_EQ(Refusal(Line({{"time", R"("2023-02-29T10:00:00Z")"}})),
            "h.jsonl:1: `time` \"2023-02-29T10:00:00Z\" is not a real date");
  EXPECT_EQ(Refusal(Line({{"time", R"("1969-12-31T23:59:59Z")"}})),
            "h.jsonl:1: `time` \"1969-12-31T23:59:59Z\" is before 1970");
  EXPECT_TRUE(ParseHistoryFile(Line({{"time", R"("2024-02-29T23:59:59Z")"}}), "h.jsonl", kNow));
}

TEST(HistoryFile, RefusesAnIdTwiceNamingBothLines) {
  const std::string text = Line() + "\n" + Line({{"id", R"("H-2")"}}) + "\n\n" +
                           Line({{"id", R"(" H-1 ")"}, {"expert", R"("U0DEV")"}}) + "\n";
  EXPECT_EQ(Refusal(text),
            "h.jsonl:4: the id \"H-1\" is on line 1 too; each id may appear once in a file");
}

TEST(HistoryFile, IgnoresAByteOrderMarkAtTheStartAndWindowsLineEnds) {
  auto parsed = ParseHistoryFile(
      "\xEF\xBB\xBF" + Line() + "\r\n" + Line({{"id", R"("H-2")"}}) + "\r\n", "h.jsonl", kNow);
  ASSERT_TRUE(parsed) << parsed.error().user_message;
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_EQ(parsed->back().line, 2u);
  EXPECT_EQ(Refusal(Line() + "\n\xEF\xBB\xBF" + Line({{"id", R"("H-2")"}})),
            "h.jsonl:2: starts with a byte order mark (U+FEFF); only the file's first line may");
}

TEST(HistoryFile, RefusesBytesThatAreNotUtf8NamingTheColumn) {
  const std::string latin1 = Line({{"title", "\"Caf\xE9 order\""}});
  EXPECT_EQ(Refusal(latin1), "h.jsonl:1: byte 0xE9 (column " +
                                 std::to_string(latin1.find('\xE9') + 1) +
                                 ") is not UTF-8; save the file as UTF-8");
  // An encoded surrogate is not UTF-8 either.
  EXPECT_NE(Refusal(Line({{"text", "\"x \xED\xA0\x80 y\""}})).find("byte 0xED"), std::string::npos);
  EXPECT_TRUE(ParseHistoryFile(Line({{"text", R"("折扣码 FEAST25 ☕ é")"}}), "h.jsonl", kNow));
}

TEST(HistoryFile, RefusesTextAfterTheRecord) {
  const std::string line = Line();
  EXPECT_EQ(Refusal(line + " trailing"), "h.jsonl:1: text after the record's closing } at column " +
                                             std::to_string(line.size() + 2) +
                                             "; put one record on each line");
  EXPECT_NE(Refusal(line + line).find("text after the record's closing }"), std::string::npos);
}

TEST(HistoryFile, RefusesJsonThatIsBrokenOrCutShort) {
  EXPECT_EQ(Refusal(R"({"id": "H-1" "time": "x"})"),
            "h.jsonl:1: not valid JSON at column 14 (syntax error): look for a missing comma, "
            "colon or quote just before it");
  EXPECT_EQ(Refusal(Line().substr(0, 40)),
            "h.jsonl:1: the record ends early: a closing quote, ] or } is missing");
}

TEST(HistoryFile, RefusesARepeatedOrUnknownKey) {
  EXPECT_EQ(Refusal(Line().substr(0, Line().size() - 1) + R"(, "expert": "U0DEV"})"),
            "h.jsonl:1: the key `expert` appears twice");
  EXPECT_EQ(Refusal(Line().substr(0, Line().size() - 1) + R"(, "expet": "U0DEV"})"),
            "h.jsonl:1: unknown key \"expet\" (a record has id, time, title, text, components and "
            "expert)");
}

TEST(HistoryFile, RefusesValuesOfTheWrongType) {
  EXPECT_EQ(Refusal(Line({{"id", "42"}})), "h.jsonl:1: `id` must be a string in double quotes");
  EXPECT_EQ(Refusal(Line({{"expert", "null"}})),
            "h.jsonl:1: `expert` must be a string in double quotes");
  EXPECT_EQ(Refusal(Line({{"text", R"({"body": "x"})"}})),
            "h.jsonl:1: `text` must be a string in double quotes");
  const std::string list =
      R"(h.jsonl:1: `components` must be a list of strings, such as ["checkout", "payments"])";
  EXPECT_EQ(Refusal(Line({{"components", R"("checkout")"}})), list);
  EXPECT_EQ(Refusal(Line({{"components", R"(["checkout", 7])"}})), list);
  EXPECT_EQ(Refusal(Line({{"components", R"([["checkout"]])"}})), list);
  EXPECT_EQ(Refusal(R"(["H-1", "2024-01-31T09:30:00Z"])"),
            "h.jsonl:1: a record must be one JSON object with the keys id, time, title, text, "
            "components and expert");
}

TEST(HistoryFile, RefusesABlankOrOversizedExpert) {
  EXPECT_EQ(Refusal(Line({{"expert", R"("    ")"}})),
            "h.jsonl:1: `expert` is blank (the Slack user id, or the people-file name, of who "
            "resolved it)");
  EXPECT_EQ(Refusal(Line({{"expert", Quoted(std::string(100'000, 'x'))}})),
            "h.jsonl:1: `expert` is 100000 bytes long; at most 100 (the Slack user id, or the "
            "people-file name, of who resolved it)");
  EXPECT_TRUE(ParseHistoryFile(Line({{"expert", Quoted(std::string(100, 'x'))}}), "h.jsonl", kNow));
  EXPECT_EQ(Refusal(Line({{"id", R"("")"}})), "h.jsonl:1: `id` is blank");
  EXPECT_EQ(Refusal(Line({{"id", Quoted(std::string(101, '7'))}})),
            "h.jsonl:1: `id` is 101 bytes long; at most 100");
}

TEST(HistoryFile, RefusesControlCharactersInNamesAndNulInText) {
  EXPECT_EQ(Refusal(Line({{"components", R"(["checkout\npayments"])"}})),
            "h.jsonl:1: an entry of `components` contains the control character U+000A; it must "
            "be one line of text");
  EXPECT_EQ(Refusal(Line({{"expert", R"("U0SOFIA\t")"}})),
            "h.jsonl:1: `expert` contains the control character U+0009; it must be one line of "
            "text (the Slack user id, or the people-file name, of who resolved it)");
  EXPECT_EQ(Refusal(Line({{"text", R"("before\u0000after")"}})),
            "h.jsonl:1: `text` contains the control character U+0000; only tabs and line breaks "
            "are allowed");
  EXPECT_EQ(Refusal(Line({{"title", R"("bell\u0007")"}})),
            "h.jsonl:1: `title` contains the control character U+0007; only tabs and line breaks "
            "are allowed");
  EXPECT_EQ(Refusal(Line({{"components", R"(["checkout", "  "])"}})),
            "h.jsonl:1: an entry of `components` is blank");
  auto multiline = ParseHistoryFile(Line({{"text", R"("first\n\tsecond\r\n")"}}), "h.jsonl", kNow);
  ASSERT_TRUE(multiline) << multiline.error().user_message;
  EXPECT_EQ(multiline->front().row.text, "first\n\tsecond\r\n");
}

TEST(HistoryFile, RefusesMoreTextOrComponentsThanTheLimits) {
  EXPECT_EQ(Refusal(Line({{"title", Quoted(std::string(10'000, 't'))},
                          {"text", Quoted(std::string(10'001, 'x'))}})),
            "h.jsonl:1: `title` and `text` together are 20001 bytes; at most 20000");
  EXPECT_EQ(Refusal(Line({{"title", R"("")"}, {"text", R"("  ")"}})),
            "h.jsonl:1: `title` and `text` are both blank: nothing to learn from");
  std::string components = "[";
  for (std::size_t i = 0; i <= kMaxHistoryComponents; ++i) {
    components += (i == 0 ? "\"c" : ", \"c") + std::to_string(i) + "\"";
  }
  EXPECT_EQ(Refusal(Line({{"components", components + "]"}})),
            "h.jsonl:1: `components` lists more than 100 entries");
  EXPECT_EQ(Refusal(Line({{"components", "[" + Quoted(std::string(201, 'c')) + "]"}})),
            "h.jsonl:1: an entry of `components` is 201 bytes long; at most 200");
  const std::string long_line = Line({{"text", Quoted(std::string(kMaxHistoryLineBytes, 'x'))}});
  EXPECT_EQ(Refusal(long_line), "h.jsonl:1: the line is " + std::to_string(long_line.size()) +
                                    " bytes long; a record may take at most 262144");
}

TEST(HistoryFile, RefusesAFileWithoutRecordsSayingWhetherItIsEmptyOrBlank) {
  EXPECT_EQ(Refusal(""), "h.jsonl: no records (the file is empty)");
  EXPECT_EQ(Refusal("\n  \n\t\r\n"), "h.jsonl: no records (the file holds only blank lines)");
}

// Breaker round 7 (B2): one record dated 2205 made every other record look
// centuries old to the Expert Finder, which counts age back from the newest.
TEST(HistoryFile, RefusesATimeMoreThanADayAheadNamingItsLine) {
  const std::string text =
      Line() + "\n" + Line({{"id", R"("H-2")"}, {"time", R"("2205-01-01T00:00:00Z")"}}) + "\n";
  EXPECT_EQ(Refusal(text),
            "h.jsonl:2: `time` \"2205-01-01T00:00:00Z\" is in the future (it is now "
            "2026-12-05T08:00:00Z); a record's time is when it was resolved, and one future time "
            "would skew every ranking, since records count less the older they are than the "
            "newest");
  for (const std::string time :
       {"2026-12-06T08:00:01Z", "2999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_NE(Refusal(Line({{"time", Quoted(time)}})).find("is in the future"), std::string::npos)
        << time << ": past 2262 a time in nanoseconds wraps around into the past";
  }
  EXPECT_TRUE(ParseHistoryFile(Line({{"time", R"("2026-12-06T08:00:00Z")"}}), "h.jsonl", kNow))
      << "a clock a day ahead is tolerated";
}

TEST(HistoryFile, TreatsUnicodeSpacesAndZeroWidthCharactersAsBlank) {
  EXPECT_EQ(Refusal(Line({{"id", "\"\u00A0\""}})), "h.jsonl:1: `id` is blank");
  EXPECT_EQ(Refusal(Line({{"id", "\" \u2003\u200B\u3000\uFEFF\""}})), "h.jsonl:1: `id` is blank");
  EXPECT_EQ(Refusal(Line({{"expert", "\"\u200B\""}})),
            "h.jsonl:1: `expert` is blank (the Slack user id, or the people-file name, of who "
            "resolved it)");
  EXPECT_EQ(Refusal(Line({{"components", "[\"checkout\", \"\u2060\u00A0\"]"}})),
            "h.jsonl:1: an entry of `components` is blank");
  // check 8: marks, the soft hyphen, isolates, fillers, selectors and tags.
  for (const char* shows_nothing :
       {"\u200E", "\u00AD", "\u2066\u2069", "\u034F", "\uFE0F", "\u3164", "\u2800", "\U000E0020"}) {
    EXPECT_EQ(Refusal(Line({{"id", std::string("\"") + shows_nothing + "\""}})),
              "h.jsonl:1: `id` is blank")
        << shows_nothing;
  }
  auto parsed = ParseHistoryFile(
      Line({{"id", "\"\u00A0H-1\u200B\""}, {"expert", "\"\u202FSofia \u00E9\u00A0\""}}), "h.jsonl",
      kNow);
  ASSERT_TRUE(parsed) << parsed.error().user_message;
  EXPECT_EQ(parsed->front().row.id, "H-1");
  EXPECT_EQ(parsed->front().row.resolver, "Sofia \u00E9") << "only the ends are trimmed";
}

TEST(HistoryFile, RefusesTitleAndTextOfOnlyWhitespace) {
  EXPECT_EQ(Refusal(Line({{"title", R"(" ")"}, {"text", R"("\t\n")"}})),
            "h.jsonl:1: `title` and `text` are both blank: nothing to learn from");
  EXPECT_EQ(Refusal(Line({{"title", R"("\r\n")"}, {"text", "\"\u00A0\u200B\""}})),
            "h.jsonl:1: `title` and `text` are both blank: nothing to learn from");
}

TEST(HistoryFile, DropsRepeatedComponentsOnceTrimmed) {
  auto parsed = ParseHistoryFile(
      Line({{"components", R"(["checkout", "checkout", " checkout", "payments", "checkout "])"}}),
      "h.jsonl", kNow);
  ASSERT_TRUE(parsed) << parsed.error().user_message;
  EXPECT_EQ(parsed->front().row.components, (std::vector<std::string>{"checkout", "payments"}));
}

TEST(HistoryFile, SaysWhatIsWrongWithALoneSurrogateEscape) {
  const std::string line = Line({{"title", R"("rejected \ud800")"}});
  EXPECT_EQ(Refusal(line), "h.jsonl:1: the \\u escape at column " +
                               std::to_string(line.find("\\ud800") + 1) +
                               " is half of a UTF-16 surrogate pair (\\uD800 to \\uDFFF) without "
                               "its other half; write the character itself, or both halves of "
                               "the pair");
  EXPECT_NE(Refusal(Line({{"title", R"("\udc00 alone")"}})).find("half of a UTF-16 surrogate"),
            std::string::npos);
  EXPECT_NE(Refusal(Line({{"title", R"("\uD83C\u0041")"}})).find("half of a UTF-16 surrogate"),
            std::string::npos);
  auto paired =
      ParseHistoryFile(Line({{"title", R"("cup \ud83c\udf75 \\ud800")"}}), "h.jsonl", kNow);
  ASSERT_TRUE(paired) << paired.error().user_message;
  EXPECT_EQ(paired->front().row.title, "cup \U0001F375 \\ud800") << "an escaped backslash";
}

TEST(HistoryFile, RefusesAFileOverTheSizeLimitWithoutReadingIt) {
  testing::TempDir dir;
  const auto file = dir / "huge.jsonl";
  testing::WriteFile(file, Line() + "\n");
  // Sparse: no disk space is used and nothing would parse if it were read.
  std::filesystem::resize_file(file, kMaxHistoryFileBytes + 1);
  auto read = ReadHistoryFile(file, kNow);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().user_message,
            "huge.jsonl is 129 MiB; a history file may be at most 128 MiB: split it and import "
            "each part");
}

TEST(HistoryFile, SaysWhenTheFileIsMissingOrNotAFile) {
  testing::TempDir dir;
  auto missing = ReadHistoryFile(dir / "nope.jsonl", kNow);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().user_message,
            "cannot read " + (dir / "nope.jsonl").string() + ": no such file");
  auto folder = ReadHistoryFile(dir.path(), kNow);
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().user_message,
            "cannot read " + dir.path().string() + ": not a regular file");
}

TEST(HistoryFile, ReadsTheSharedEvaluationHistory) {
  auto read = ReadHistoryFile(testing::SharedDir() / "data" / "expertise" / "train.jsonl", kNow);
  ASSERT_TRUE(read) << read.error().user_message;
  EXPECT_EQ(read->size(), 5275u);
  EXPECT_EQ(read->front().row.id, "inc-00000");
  EXPECT_EQ(read->back().line, 5275u);
}

}  // namespace
}  // namespace swarmbot::app
