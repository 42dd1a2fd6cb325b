#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace swarmbot {

// The first control character in `text`: C0 (below U+0020), U+007F, C1
// (U+0080..U+009F, such as U+0085 NEXT LINE) and, unless `multiline`, the
// line and paragraph separators U+2028 and U+2029, none of which is one line
// of text. With `multiline`, tabs and line breaks are allowed. The one rule
// for every field, one-line or not.
std::optional<char32_t> FirstControlCharacter(std::string_view text, bool multiline) noexcept;

// The bidirectional embedding, override or isolate (U+202A..U+202E,
// U+2066..U+2069) starting at text[at], if any.
std::optional<char32_t> BidiControlAt(std::string_view text, std::size_t at) noexcept;

// The first bidirectional control in `text` (see BidiControlAt), if any.
std::optional<char32_t> FirstBidiControl(std::string_view text) noexcept;

// "U+0007", "U+202E": how a code point is named in messages.
std::string CodePointName(char32_t point);

}  // namespace swarmbot
