#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swarmbot {

// "1 minute", "3 minutes": the number with the noun that agrees with it.
std::string Counted(std::int64_t count, std::string_view singular, std::string_view plural);

// "a", "a and b", "a, b and c"; "" for none. The parts are joined as given.
std::string JoinWithAnd(const std::vector<std::string>& parts);
// The same with "or": "a, b or c".
std::string JoinWithOr(const std::vector<std::string>& parts);

}  // namespace swarmbot
