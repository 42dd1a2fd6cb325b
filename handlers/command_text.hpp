#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {

// The words of a command's text. A <…> token (a mention or link) stays one
// word even if its label holds spaces.
std::vector<std::string> Tokenize(std::string_view text);

// The text after the first `words` words, with its inner spacing kept and the
// ends trimmed.
std::string TextAfterWords(std::string_view text, std::size_t words);

// A mention as Slack escapes it in command text (reference §9), in either
// form: <@U123|name> or <@U123>, <!subteam^S123|@group> or <!subteam^S123>,
// <#C123|name> or <#C123>.
struct Mention {
  enum class Kind { kUser, kUsergroup, kChannel };
  Kind kind = Kind::kUser;
  std::string id;
};
std::optional<Mention> ParseMention(std::string_view token);

// Case references: CASE-1, CASE-5..CASE-9, CASE-5..9, several per word when
// separated by commas. kInvalidInput naming the first word that isn't one.
inline constexpr std::size_t kMaxCaseRange = 1000;
Result<std::vector<std::int64_t>> ParseCaseRefs(const std::vector<std::string>& words);

using lifecycle::Lowercase;

// The position of the first `separator` that is not inside Slack's angle
// brackets (`<@U123|name>`, `<#C1|general>`, links), or npos.
std::size_t FindOutsideBrackets(std::string_view text, char separator);

}  // namespace swarmbot::handlers
