#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swarmbot::expertfinder {

// Lower-cased word tokens of `text` for matching incidents against history:
// runs of [a-z0-9_], at least two characters, no pure numbers, no stop words,
// with a light suffix stemmer ("timeouts" and "timeout" meet). Non-ASCII bytes
// separate words.
std::vector<std::string> Tokenize(std::string_view text);

// The light stemmer Tokenize applies, exposed for tests.
std::string Stem(std::string_view token);

// The area prefix of an incident's first line, lower-cased: "cmake" for
// "cmake: avoid setting X", "gha/windows" for "GHA/windows: ...". Empty when
// the line has no "area:" prefix of at most two words.
std::string AreaPrefix(std::string_view text);

}  // namespace swarmbot::expertfinder
