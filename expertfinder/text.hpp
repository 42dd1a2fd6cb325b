#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swarmbot::expertfinder {

// Lower-cased word tokens of `text` for matching incidents against history:
// runs of [a-z0-9_], at least two characters, no pure numbers, no stop words,
// with a light suffix stemmer ("timeouts" and "timeout" meet). Non-ASCII bytes
// separate words.
std::vector<std::string> Tokenize(std::string_view text);

// How `text` spells each of its Tokenize words: the stem, lower-cased word
// as first written ("expir" → "expired"), so reasons read as words.
std::unordered_map<std::string, std::string> Spellings(std::string_view text);

// The light stemmer Tokenize applies, exposed for tests.
std::string Stem(std::string_view token);

// Whether a Tokenize word only says that something went wrong or who noticed
// ("fail", "error", "broken", "customer"), not what it is about. Such words
// rank like any other but make a poor reason: "resolved INC-12 on fails".
bool IsSymptomWord(std::string_view stem);

// The area prefix of an incident's first line, lower-cased: "cmake" for
// "cmake: avoid setting X", "gha/windows" for "GHA/windows: ...". Empty when
// the line has no "area:" prefix of at most two words.
std::string AreaPrefix(std::string_view text);

// How a text is written rather than what it is about, as tokens that start
// with '~': code spans and fences, commit hashes, "#123" references, links and
// names, list and indent styles, trailers such as "Reported-by:", and the
// title's habits (a final period, code, the case after "area:"). People who
// write up a kind of fix keep their habits, so these tell writers apart where
// the topic words are shared.
std::vector<std::string> WritingMarks(std::string_view text);

// The function words Tokenize drops ("the", "we", "when"), as "~w:the"
// tokens: how often a writer uses each is a habit too.
std::vector<std::string> FunctionWords(std::string_view text);

// How a writer opens, as '~' tokens with case and punctuation kept: the
// title's first word and first two words after any "area: " prefix, its
// length in pairs of words, and the description's first word and first two
// words. Writers keep these ("Fix", "fixed", "When"); a single word or the
// length counts twice, a pair once.
std::vector<std::string> OpeningWords(std::string_view text);

// True for a token of WritingMarks, FunctionWords or OpeningWords, which
// reasons never quote.
bool IsWritingMark(std::string_view token);

}  // namespace swarmbot::expertfinder
