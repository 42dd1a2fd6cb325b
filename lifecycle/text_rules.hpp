#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace swarmbot::lifecycle {

// What a text field may hold. Lengths count Unicode code points, as a person
// would count characters.
struct FieldRule {
  std::string_view name;  // as the user knows it, e.g. "subject"
  std::size_t max_length = 0;
  bool required = false;
  bool multiline = false;  // allows '\n' and '\t'; other control characters never
};

// kInvalidInput naming the field when `value` breaks `rule`: invalid UTF-8,
// missing, too long, a control character it may not hold (named, e.g.
// U+0007), or a bidirectional override, embedding or isolate (U+202A..E,
// U+2066..9), which would reorder the text shown around it.
Status CheckField(std::string_view value, const FieldRule& rule);

// `text` without the bidirectional controls that CheckField refuses. For
// text that is better cleaned than refused: a customer's e-mail, where a
// refusal loses the mail and nobody is at hand to send it again.
std::string WithoutBidiControls(std::string_view text);

// `text` someone typed (a change's title, a CAB member's reason, a step, a
// closing note), for news, timeline and history lines that are shown with
// the mentions in them kept live (handlers' EscapeMrkdwnKeepingMentions): a
// word joiner (U+2060), which shows as nothing, follows each '<', so that a
// <@U…>, <!channel> or <https://…|label> typed into it shows as typed and is
// never read as a mention or link, as it isn't where the text is shown on
// its own (escaped).
std::string InertText(std::string_view text);

// Without leading and trailing ASCII whitespace.
std::string Trimmed(std::string_view text);

// Whether `point` shows as blank: a Unicode space other than ASCII's
// (U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
// or a character that shows as nothing (U+00AD, U+180E, U+200B..U+200D,
// U+2060..U+2064, U+FEFF, and the Hangul fillers U+115F, U+1160, U+3164,
// U+FFA0).
bool IsBlankCodePoint(char32_t point) noexcept;

// Without leading and trailing ASCII whitespace and blank code points
// (IsBlankCodePoint): what a single-line title a person typed holds. A title
// of nothing else comes out empty.
std::string TrimmedLine(std::string_view text);

// Lowercase ASCII copy; other bytes are kept as they are.
std::string Lowercase(std::string_view text);

bool IsValidUtf8(std::string_view text) noexcept;
// The offset of the first byte that isn't part of well-formed UTF-8 (RFC
// 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::optional<std::size_t> FirstInvalidUtf8(std::string_view text) noexcept;

// The length of the UTF-8 sequence that starts with `lead` (RFC 3629), or 0
// if `lead` can't start one.
std::size_t Utf8SequenceLength(unsigned char lead) noexcept;
// The code point of the UTF-8 sequence at text[at] and its length in bytes;
// U+FFFD with length 1 for a byte that starts no complete sequence.
std::pair<char32_t, std::size_t> Utf8CodePointAt(std::string_view text, std::size_t at) noexcept;
// Code points in valid UTF-8 text.
std::size_t Utf8Length(std::string_view text) noexcept;

// A practical e-mail shape check: local@domain.tld, no spaces, at most 254
// characters. Not RFC 5322; a typo such as "ana.example.com" is what it catches.
bool LooksLikeEmail(std::string_view text) noexcept;

}  // namespace swarmbot::lifecycle
