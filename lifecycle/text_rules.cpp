#include "lifecycle/text_rules.hpp"

#include <cstdint>

#include "common/text_checks.hpp"

namespace swarmbot::lifecycle {
namespace {

bool IsContinuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

}  // namespace

std::size_t Utf8SequenceLength(unsigned char lead) noexcept {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

std::pair<char32_t, std::size_t> Utf8CodePointAt(std::string_view text, std::size_t at) noexcept {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = Utf8SequenceLength(lead);
  if (length == 0 || at + length > text.size()) {
    return {0xFFFD, 1};
  }
  char32_t point = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) {
      return {0xFFFD, 1};
    }
    point = (point << 6) | (next & 0x3F);
  }
  return {point, length};
}

namespace {

bool IsDomainChar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsLocalChar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7F) {
    return false;
  }
  return std::string_view("<>()[]\\,;:\"@").find(c) == std::string_view::npos;
}

bool LooksLikeDomain(std::string_view domain) noexcept {
  if (domain.empty() || domain.find('.') == std::string_view::npos) {
    return false;
  }
  std::size_t label = 0;
  for (char c : domain) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
    } else if (IsDomainChar(c)) {
      ++label;
    } else {
      return false;
    }
  }
  return label > 0;
}

}  // namespace

std::optional<std::size_t> FirstInvalidUtf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t n = Utf8SequenceLength(lead);
    if (n == 0 || i + n > text.size()) {
      return i;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if (!IsContinuation(static_cast<unsigned char>(text[i + k]))) {
        return i;
      }
    }
    const auto second = n > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
        (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
      return i;
    }
    i += n;
  }
  return std::nullopt;
}

bool IsValidUtf8(std::string_view text) noexcept {
  return !FirstInvalidUtf8(text).has_value();
}

std::size_t Utf8Length(std::string_view text) noexcept {
  std::size_t length = 0;
  for (char c : text) {
    if (!IsContinuation(static_cast<unsigned char>(c))) {
      ++length;
    }
  }
  return length;
}

Status CheckField(std::string_view value, const FieldRule& rule) {
  const std::string name(rule.name);
  auto refuse = [&](const std::string& message) -> Status {
    return MakeError(Errc::kInvalidInput, "field " + name + " refused", message);
  };
  if (!IsValidUtf8(value)) {
    return refuse(name + " is not valid UTF-8");
  }
  if (rule.required && TrimmedLine(value).empty()) {
    return refuse(name + " is required");
  }
  if (Utf8Length(value) > rule.max_length) {
    return refuse(name + " is too long (at most " + std::to_string(rule.max_length) +
                  " characters)");
  }
  if (const auto control = FirstControlCharacter(value, rule.multiline)) {
    return refuse(name + " contains the control character " + CodePointName(*control) +
                  (rule.multiline ? "; only tabs and line breaks are allowed"
                                  : "; it must be one line of text"));
  }
  if (const auto bidi = FirstBidiControl(value)) {
    return refuse(name + " contains " + CodePointName(*bidi) +
                  ", a direction control that would reorder the text around it; remove it");
  }
  return {};
}

std::string WithoutBidiControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (BidiControlAt(text, i)) {
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string InertText(std::string_view text) {
  constexpr std::string_view kWordJoiner = "\xE2\x81\xA0";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    out.push_back(c);
    if (c == '<') {
      out += kWordJoiner;
    }
  }
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string Trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

bool IsBlankCodePoint(char32_t point) noexcept {
  switch (point) {
    case 0x00A0:
    case 0x00AD:
    case 0x115F:
    case 0x1160:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x3164:
    case 0xFEFF:
    case 0xFFA0:
      return true;
    default:
      return (point >= 0x2000 && point <= 0x200D) || (point >= 0x2060 && point <= 0x2064);
  }
}

std::string TrimmedLine(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  std::size_t begin = 0;
  while (begin < text.size()) {
    if (kSpace.find(text[begin]) != std::string_view::npos) {
      ++begin;
      continue;
    }
    const auto [point, length] = Utf8CodePointAt(text, begin);
    if (!IsBlankCodePoint(point)) {
      break;
    }
    begin += length;
  }
  std::size_t end = text.size();
  while (end > begin) {
    if (kSpace.find(text[end - 1]) != std::string_view::npos) {
      --end;
      continue;
    }
    // The last code point's first byte: back over the continuation bytes.
    std::size_t start = end - 1;
    while (start > begin && end - start < 4 &&
           IsContinuation(static_cast<unsigned char>(text[start]))) {
      --start;
    }
    const auto [point, length] = Utf8CodePointAt(text, start);
    if (start + length != end || !IsBlankCodePoint(point)) {
      break;
    }
    end = start;
  }
  return std::string(text.substr(begin, end - begin));
}

bool LooksLikeEmail(std::string_view text) noexcept {
  constexpr std::size_t kMaxEmail = 254;
  constexpr std::size_t kMaxLocal = 64;
  const auto at = text.find('@');
  if (text.size() > kMaxEmail || at == std::string_view::npos || at == 0 || at > kMaxLocal) {
    return false;
  }
  for (char c : text.substr(0, at)) {
    if (!IsLocalChar(c)) {
      return false;
    }
  }
  return LooksLikeDomain(text.substr(at + 1));
}

}  // namespace swarmbot::lifecycle
