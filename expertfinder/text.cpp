#include "expertfinder/text.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <fmt/format.h>

namespace swarmbot::expertfinder {
namespace {

// Function words and the verbs every fix description uses ("fix", "add"):
// they say nothing about who fixed it.
const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> words = {
      "a",     "an",     "the",   "and",   "or",     "of",    "to",    "in",    "on",     "for",
      "with",  "is",     "are",   "was",   "were",   "be",    "been",  "it",    "this",   "that",
      "as",    "at",     "by",    "from",  "not",    "no",    "but",   "if",    "then",   "than",
      "so",    "into",   "can",   "could", "should", "would", "will",  "do",    "does",   "did",
      "has",   "have",   "had",   "its",   "also",   "when",  "while", "which", "who",    "what",
      "where", "how",    "all",   "any",   "some",   "more",  "most",  "such",  "only",   "same",
      "other", "there",  "their", "them",  "they",   "we",    "you",   "your",  "our",    "i",
      "me",    "my",     "he",    "she",   "his",    "her",   "us",    "up",    "out",    "over",
      "after", "before", "about", "via",   "per",    "use",   "used",  "using", "fix",    "fixed",
      "fixes", "fixing", "make",  "made",  "avoid",  "add",   "added", "adds",  "remove", "removed",
      "set"};
  return words;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IsLowerAscii(char c) {
  return c >= 'a' && c <= 'z';
}

bool IsUpperAscii(char c) {
  return c >= 'A' && c <= 'Z';
}

bool IsLetterAscii(char c) {
  return IsLowerAscii(c) || IsUpperAscii(c);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool IsHexLower(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

void AddMark(std::vector<std::string>& marks, std::string_view mark, std::size_t times) {
  for (std::size_t i = 0; i < times; ++i) {
    marks.emplace_back(mark);
  }
}

// Non-overlapping occurrences, scanning left to right.
std::size_t CountOf(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// `code` on one line, not empty.
std::size_t CodeSpans(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '`') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && text[j] != '`' && text[j] != '\n') {
      ++j;
    }
    if (j > i + 1 && j < text.size() && text[j] == '`') {
      ++count;
      i = j + 1;
    } else {
      ++i;
    }
  }
  return count;
}

// Whole words of 7 to 40 lower-case hex digits: abbreviated or full commit ids.
std::size_t CommitHashes(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsWordChar(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    bool hex = true;
    for (; i < text.size() && IsWordChar(text[i]); ++i) {
      hex = hex && IsHexLower(text[i]);
    }
    const std::size_t length = i - begin;
    count += hex && length >= 7 && length <= 40 ? 1 : 0;
  }
  return count;
}

// "#123": an issue or pull request number.
std::size_t NumberReferences(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    count += text[i] == '#' && text[i + 1] >= '0' && text[i + 1] <= '9' ? 1 : 0;
  }
  return count;
}

// "Reported-by:" at the start of a line gives "reported-by"; empty otherwise.
std::string TrailerKey(std::string_view line) {
  std::size_t i = 0;
  if (line.empty() || !IsUpperAscii(line[0])) {
    return {};
  }
  ++i;
  std::size_t word_start = i;
  while (true) {
    while (i < line.size() && IsLetterAscii(line[i])) {
      ++i;
    }
    if (i == word_start) {
      return {};  // a capital alone, or a dash not followed by a letter
    }
    if (i < line.size() && line[i] == '-') {
      word_start = ++i;
      continue;
    }
    break;
  }
  if (i >= line.size() || line[i] != ':') {
    return {};
  }
  std::string key(line.substr(0, i));
  for (char& c : key) {
    c = Lower(c);
  }
  return key;
}

void AddTitleMarks(std::string_view title, std::vector<std::string>& marks) {
  const std::size_t last = title.find_last_not_of(" \t\r\f\v");
  if (last != std::string_view::npos && title[last] == '.') {
    marks.emplace_back("~title-period");
  }
  if (title.find('`') != std::string_view::npos) {
    marks.emplace_back("~title-code");
  }
  // The case of the first word after "area:".
  const std::size_t colon = title.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    std::size_t i = colon + 1;
    while (i < title.size() && IsSpace(title[i])) {
      ++i;
    }
    if (i < title.size()) {
      marks.emplace_back(IsLowerAscii(title[i]) ? "~title-lower" : "~title-upper");
    }
  }
  if (title.find('(') != std::string_view::npos) {
    marks.emplace_back("~title-paren");
  }
}

void AddLineMarks(std::string_view text, std::vector<std::string>& marks) {
  while (true) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (line.starts_with("- ")) {
      marks.emplace_back("~dash-item");
    } else if (line.starts_with("* ")) {
      marks.emplace_back("~star-item");
    } else if (line.size() > 2 && line.starts_with("  ") && !IsSpace(line[2])) {
      marks.emplace_back("~indent");
    }
    if (std::string key = TrailerKey(line); !key.empty()) {
      marks.push_back("~trailer:" + key);
    }
    if (end == std::string_view::npos) {
      return;
    }
    text.remove_prefix(end + 1);
  }
}

// The word at the start of `text`, up to the first of `ends`; `text` moves
// past it and the one character after it.
std::string_view NextWord(std::string_view& text, std::string_view ends) {
  const std::size_t end = std::min(text.size(), text.find_first_of(ends));
  const std::string_view word = text.substr(0, end);
  text.remove_prefix(std::min(text.size(), end + 1));
  return word;
}

// `prefix`+first twice, then `prefix`2+first_second once.
void AddOpening(std::string_view prefix, std::string_view first, std::string_view rest,
                std::vector<std::string>& tokens) {
  const std::string single = std::string(prefix) + std::string(first);
  tokens.push_back(single);
  tokens.push_back(single);
  const std::string_view second = NextWord(rest, "\n ");
  tokens.push_back(fmt::format("{}2:{}_{}", prefix.substr(0, prefix.size() - 1), first, second));
}

constexpr std::size_t kLongestAreaPrefix = 30;
constexpr std::size_t kLongestLengthBucket = 8;

void AddTitleOpening(std::string_view title, std::vector<std::string>& tokens) {
  if (title.find_first_not_of(" \t\r") == std::string_view::npos) {
    return;
  }
  std::string_view rest = title;
  if (const std::size_t colon = title.find(": "); colon < kLongestAreaPrefix) {
    rest = title.substr(colon + 2);
  }
  const std::string_view first = NextWord(rest, " ");
  if (!first.empty()) {
    AddOpening("~v:", first, rest, tokens);
  }
  const auto words = static_cast<std::size_t>(std::count(title.begin(), title.end(), ' ')) + 1;
  const std::string length = fmt::format("~len:{}", std::min(words / 2, kLongestLengthBucket));
  tokens.push_back(length);
  tokens.push_back(length);
}

}  // namespace

std::vector<std::string> WritingMarks(std::string_view text) {
  std::vector<std::string> marks;
  AddMark(marks, "~code", CodeSpans(text));
  AddMark(marks, "~fence", CountOf(text, "```"));
  AddMark(marks, "~hash", CommitHashes(text));
  AddMark(marks, "~ref", NumberReferences(text));
  AddMark(marks, "~link", CountOf(text, "[url]") + CountOf(text, "://"));
  AddMark(marks, "~name", CountOf(text, "[person]"));
  AddMark(marks, "~ellipsis", CountOf(text, "..."));
  AddMark(marks, "~eg", CountOf(text, "e.g."));
  AddMark(marks, "~follow-up", CountOf(text, "Follow-up to"));
  AddLineMarks(text, marks);
  AddTitleMarks(text.substr(0, text.find('\n')), marks);
  return marks;
}

std::vector<std::string> FunctionWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && StopWords().contains(word)) {
      words.push_back("~w:" + word);
    }
    word.clear();
  };
  for (const char c : text) {
    if (IsLetterAscii(c)) {
      word.push_back(Lower(c));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::vector<std::string> OpeningWords(std::string_view text) {
  std::vector<std::string> tokens;
  const std::size_t title_end = text.find('\n');
  const std::string_view title = text.substr(0, title_end);
  AddTitleOpening(title, tokens);
  if (title_end != std::string_view::npos) {
    std::string_view description = text.substr(title_end + 1);
    description.remove_prefix(std::min(description.size(), description.find_first_not_of("\n ")));
    const std::string_view first = NextWord(description, "\n ");
    if (!first.empty()) {
      AddOpening("~b:", first, description, tokens);
    }
  }
  return tokens;
}

bool IsWritingMark(std::string_view token) {
  return token.starts_with('~');
}

std::string Stem(std::string_view token) {
  // Longest suffix first; the length guard keeps short words such as "ssl" or
  // "bus" intact.
  static constexpr std::array<std::string_view, 4> kSuffixes = {"ing", "ed", "es", "s"};
  for (const std::string_view suffix : kSuffixes) {
    if (token.size() > suffix.size() + 3 && token.ends_with(suffix)) {
      return std::string(token.substr(0, token.size() - suffix.size()));
    }
  }
  return std::string(token);
}

bool IsSymptomWord(std::string_view stem) {
  static const std::unordered_set<std::string> stems = [] {
    std::unordered_set<std::string> out;
    for (const std::string_view word :
         {"fail",   "fails",   "failed",   "failing",  "failure",   "failures", "error",
          "errors", "broken",  "break",    "breaks",   "crash",     "crashes",  "crashed",
          "issue",  "issues",  "problem",  "problems", "bug",       "bugs",     "wrong",
          "work",   "works",   "working",  "customer", "customers", "user",     "users",
          "report", "reports", "reported", "cannot",   "unable"}) {
      out.insert(Stem(word));
    }
    return out;
  }();
  return stems.contains(std::string(stem));
}

namespace {

// Calls `each(word)` for every lower-cased word Tokenize keeps, before stemming.
template <class Each>
void ForEachTopicWord(std::string_view text, Each each) {
  std::string word;
  const auto flush = [&] {
    const bool all_digits =
        std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (word.size() >= 2 && !all_digits && !StopWords().contains(word)) {
      each(word);
    }
    word.clear();
  };
  for (const char c : text) {
    if (IsWordChar(c)) {
      word.push_back(Lower(c));
    } else if (!word.empty()) {
      flush();
    }
  }
  if (!word.empty()) {
    flush();
  }
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  ForEachTopicWord(text, [&](const std::string& word) { tokens.push_back(Stem(word)); });
  return tokens;
}

std::unordered_map<std::string, std::string> Spellings(std::string_view text) {
  std::unordered_map<std::string, std::string> spellings;
  ForEachTopicWord(text, [&](const std::string& word) { spellings.try_emplace(Stem(word), word); });
  return spellings;
}

std::string AreaPrefix(std::string_view text) {
  const std::string_view line = text.substr(0, text.find('\n'));
  const std::size_t begin = line.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return {};
  }
  const std::size_t colon = line.find(':', begin);
  if (colon == std::string_view::npos || colon == begin) {
    return {};
  }
  const std::string_view head = line.substr(begin, colon - begin);
  // "area:" or "two words:"; anything longer is a sentence that happens to
  // hold a colon. Tabs and a space before the colon disqualify it too.
  const auto spaces = std::count(head.begin(), head.end(), ' ');
  if (spaces > 1 || head.back() == ' ' || head.find('\t') != std::string_view::npos) {
    return {};
  }
  std::string prefix;
  prefix.reserve(head.size());
  for (const char c : head) {
    prefix.push_back(Lower(c));
  }
  return prefix;
}

}  // namespace swarmbot::expertfinder
