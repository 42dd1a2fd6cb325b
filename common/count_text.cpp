#include "common/count_text.hpp"

namespace swarmbot {

std::string Counted(std::int64_t count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

namespace {

std::string JoinWith(const std::vector<std::string>& parts, std::string_view last) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      joined += i + 1 == parts.size() ? last : ", ";
    }
    joined += parts[i];
  }
  return joined;
}

}  // namespace

std::string JoinWithAnd(const std::vector<std::string>& parts) {
  return JoinWith(parts, " and ");
}

std::string JoinWithOr(const std::vector<std::string>& parts) {
  return JoinWith(parts, " or ");
}

}  // namespace swarmbot
