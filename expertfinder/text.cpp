#include "expertfinder/text.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

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

}  // namespace

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

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  const auto flush = [&] {
    const bool all_digits =
        std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (word.size() >= 2 && !all_digits && !StopWords().contains(word)) {
      tokens.push_back(Stem(word));
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
  return tokens;
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
