#include "handlers/command_text.hpp"

#include "handlers/mrkdwn.hpp"
#include "lifecycle/text_rules.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {
namespace {

// The length in bytes of the word break at text[i], 0 for none: ASCII
// whitespace, or a Unicode space or invisible character pasted along with a
// record number ("INC-1" and U+00A0). The joiners U+200C and U+200D stay
// inside words, where scripts and emoji need them.
std::size_t SpaceAt(std::string_view text, std::size_t i) noexcept {
  const char c = text[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    return 1;
  }
  if (static_cast<unsigned char>(c) < 0x80) {
    return 0;
  }
  const auto [point, length] = lifecycle::Utf8CodePointAt(text, i);
  const bool blank = lifecycle::IsBlankCodePoint(point) && point != 0x200C && point != 0x200D;
  return blank ? length : 0;
}

// The end of the word starting at `i`.
std::size_t WordEnd(std::string_view text, std::size_t i) {
  if (text[i] == '<') {
    const auto close = text.find('>', i);
    if (close != std::string_view::npos) {
      return close + 1;
    }
  }
  while (i < text.size() && SpaceAt(text, i) == 0) {
    ++i;
  }
  return i;
}

Error NotACase(std::string_view word) {
  return MakeError(Errc::kInvalidInput, "not a case reference",
                   "`" + EscapeMrkdwn(Truncate(word, 40)) +
                       "` isn't a case; name cases like CASE-12 or CASE-5..CASE-9");
}

Result<std::vector<std::int64_t>> ParseOneRef(std::string_view ref) {
  const auto dots = ref.find("..");
  if (dots == std::string_view::npos) {
    if (auto number = store::ParseCaseNumber(ref)) {
      return std::vector<std::int64_t>{*number};
    }
    return NotACase(ref);
  }
  const auto first = store::ParseCaseNumber(ref.substr(0, dots));
  std::string_view last_text = ref.substr(dots + 2);
  auto last = store::ParseCaseNumber(last_text);
  if (!last) {
    last = store::ParseCaseNumber("CASE-" + std::string(last_text));
  }
  if (!first || !last) {
    return NotACase(ref);
  }
  if (*last < *first) {
    return MakeError(Errc::kInvalidInput, "backwards range",
                     "`" + EscapeMrkdwn(std::string(ref)) + "` runs backwards");
  }
  if (*last - *first >= static_cast<std::int64_t>(kMaxCaseRange)) {
    return MakeError(Errc::kInvalidInput, "range too large",
                     "`" + EscapeMrkdwn(std::string(ref)) + "` spans more than " +
                         std::to_string(kMaxCaseRange) + " cases");
  }
  std::vector<std::int64_t> numbers;
  for (std::int64_t n = *first; n <= *last; ++n) {
    numbers.push_back(n);
  }
  return numbers;
}

}  // namespace

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    if (const std::size_t space = SpaceAt(text, i); space > 0) {
      i += space;
      continue;
    }
    const std::size_t end = WordEnd(text, i);
    words.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return words;
}

std::string TextAfterWords(std::string_view text, std::size_t words) {
  std::size_t i = 0;
  for (std::size_t skipped = 0; skipped < words; ++skipped) {
    while (i < text.size() && SpaceAt(text, i) > 0) {
      i += SpaceAt(text, i);
    }
    if (i >= text.size()) {
      return {};
    }
    i = WordEnd(text, i);
  }
  return lifecycle::TrimmedLine(text.substr(std::min(i, text.size())));
}

std::optional<Mention> ParseMention(std::string_view token) {
  if (token.size() < 4 || token.front() != '<' || token.back() != '>') {
    return std::nullopt;
  }
  std::string_view inner = token.substr(1, token.size() - 2);
  inner = inner.substr(0, inner.find('|'));
  Mention mention;
  if (inner.starts_with("@")) {
    mention.kind = Mention::Kind::kUser;
    inner.remove_prefix(1);
  } else if (inner.starts_with("!subteam^")) {
    mention.kind = Mention::Kind::kUsergroup;
    inner.remove_prefix(9);
  } else if (inner.starts_with("#")) {
    mention.kind = Mention::Kind::kChannel;
    inner.remove_prefix(1);
  } else {
    return std::nullopt;
  }
  if (!IsSlackId(inner)) {
    return std::nullopt;
  }
  mention.id = std::string(inner);
  return mention;
}

Result<std::vector<std::int64_t>> ParseCaseRefs(const std::vector<std::string>& words) {
  std::vector<std::int64_t> numbers;
  for (const std::string& word : words) {
    std::string_view rest = word;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view ref = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (ref.empty()) {
        continue;
      }
      auto parsed = ParseOneRef(ref);
      if (!parsed) {
        return parsed.error();
      }
      numbers.insert(numbers.end(), parsed->begin(), parsed->end());
      if (numbers.size() > kMaxCaseRange) {
        return MakeError(Errc::kInvalidInput, "too many cases",
                         "that names more than " + std::to_string(kMaxCaseRange) +
                             " cases; link them in smaller groups");
      }
    }
  }
  return numbers;
}

std::size_t FindOutsideBrackets(std::string_view text, char separator) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<') {
      ++depth;
    } else if (text[i] == '>' && depth > 0) {
      --depth;
    } else if (text[i] == separator && depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace swarmbot::handlers
