#pragma once

#include <cstddef>
#include <string_view>

namespace swarmbot {

// How many single-character insertions, deletions or substitutions turn `a`
// into `b` (Levenshtein); for "did you mean" suggestions.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace swarmbot
