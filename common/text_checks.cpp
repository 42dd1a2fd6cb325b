#include "common/text_checks.hpp"

#include <cstdint>

namespace swarmbot {
namespace {

// Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
// U+2066..U+2069) reorder the text after them until they are closed, so a
// note quoted in a timeline line could make the rest of that line read
// backwards (the "Trojan Source" trick, CVE-2021-42574). The weak marks
// (U+200E, U+200F, U+061C) and zero-width joiners stay: they move nothing
// beyond their neighbours, and emoji and several scripts need them.
bool IsBidiControl(char32_t point) noexcept {
  return (point >= 0x202A && point <= 0x202E) || (point >= 0x2066 && point <= 0x2069);
}

}  // namespace

std::optional<char32_t> FirstControlCharacter(std::string_view text, bool multiline) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x7F || (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))) {
      return c;
    }
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    // C1 controls, U+0080..U+009F, are 0xC2 0x80..0x9F in UTF-8.
    if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      return next;
    }
    // The line and paragraph separators U+2028 and U+2029: 0xE2 0x80 0xA8/0xA9.
    if (!multiline && c == 0xE2 && next == 0x80 && i + 2 < text.size()) {
      const auto third = static_cast<unsigned char>(text[i + 2]);
      if (third == 0xA8 || third == 0xA9) {
        return 0x2000 + (third & 0x3F);
      }
    }
  }
  return std::nullopt;
}

// All of them are three bytes in UTF-8, led by 0xE2.
std::optional<char32_t> BidiControlAt(std::string_view text, std::size_t at) noexcept {
  if (at + 2 >= text.size() || static_cast<unsigned char>(text[at]) != 0xE2) {
    return std::nullopt;
  }
  const auto second = static_cast<unsigned char>(text[at + 1]);
  const auto third = static_cast<unsigned char>(text[at + 2]);
  const char32_t point = 0x2000 + ((second & 0x3F) << 6) + (third & 0x3F);
  return IsBidiControl(point) ? std::optional(point) : std::nullopt;
}

std::optional<char32_t> FirstBidiControl(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (const auto point = BidiControlAt(text, i)) {
      return point;
    }
  }
  return std::nullopt;
}

std::string CodePointName(char32_t point) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string digits;
  for (auto rest = static_cast<std::uint32_t>(point); rest != 0 || digits.size() < 4; rest >>= 4) {
    digits.insert(digits.begin(), kHex[rest & 0xF]);
  }
  return "U+" + digits;
}

}  // namespace swarmbot
