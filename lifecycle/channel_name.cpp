#include "lifecycle/channel_name.hpp"

#include <charconv>
#include <optional>
#include <utility>

#include "lifecycle/text_rules.hpp"

namespace swarmbot::lifecycle {
namespace {

void TrimDashes(std::string& name) {
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
}

// Latin letters with diacritics, by runs of code points (U+00C0 to U+017F)
// ending at `last`, and the ASCII letters each run folds to ("" drops it).
struct Fold {
  char32_t last;
  std::string_view ascii;
};
constexpr Fold kLatinFolds[] = {
    {0xC5, "a"},  {0xC6, "ae"}, {0xC7, "c"},  {0xCB, "e"},  {0xCF, "i"},  {0xD0, "d"},
    {0xD1, "n"},  {0xD6, "o"},  {0xD7, ""},   {0xD8, "o"},  {0xDC, "u"},  {0xDD, "y"},
    {0xDE, "th"}, {0xDF, "ss"}, {0xE5, "a"},  {0xE6, "ae"}, {0xE7, "c"},  {0xEB, "e"},
    {0xEF, "i"},  {0xF0, "d"},  {0xF1, "n"},  {0xF6, "o"},  {0xF7, ""},   {0xF8, "o"},
    {0xFC, "u"},  {0xFD, "y"},  {0xFE, "th"}, {0xFF, "y"},  {0x105, "a"}, {0x10D, "c"},
    {0x111, "d"}, {0x11B, "e"}, {0x123, "g"}, {0x127, "h"}, {0x131, "i"}, {0x133, "ij"},
    {0x135, "j"}, {0x138, "k"}, {0x142, "l"}, {0x14B, "n"}, {0x151, "o"}, {0x153, "oe"},
    {0x159, "r"}, {0x161, "s"}, {0x167, "t"}, {0x173, "u"}, {0x175, "w"}, {0x178, "y"},
    {0x17E, "z"}, {0x17F, "s"},
};

// Single code points that stand for two or three Latin letters: the
// digraphs of Latin Extended-B and the typographic ligatures.
struct Expansion {
  char32_t point;
  std::string_view ascii;
};
constexpr Expansion kLatinExpansions[] = {
    {0x1C4, "dz"},   {0x1C5, "dz"},   {0x1C6, "dz"},  {0x1C7, "lj"},  {0x1C8, "lj"},
    {0x1C9, "lj"},   {0x1CA, "nj"},   {0x1CB, "nj"},  {0x1CC, "nj"},  {0x1F1, "dz"},
    {0x1F2, "dz"},   {0x1F3, "dz"},   {0xFB00, "ff"}, {0xFB01, "fi"}, {0xFB02, "fl"},
    {0xFB03, "ffi"}, {0xFB04, "ffl"}, {0xFB05, "st"}, {0xFB06, "st"},
};

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";

// Fullwidth forms (U+FF10..U+FF19, U+FF21..U+FF3A, U+FF41..U+FF5A), as an
// East Asian keyboard types Latin letters and digits, are those letters.
std::optional<std::string_view> FullwidthFolded(char32_t point) {
  if (point >= 0xFF10 && point <= 0xFF19) {
    return kDigits.substr(point - 0xFF10, 1);
  }
  if (point >= 0xFF21 && point <= 0xFF3A) {
    return kLetters.substr(point - 0xFF21, 1);
  }
  if (point >= 0xFF41 && point <= 0xFF5A) {
    return kLetters.substr(point - 0xFF41, 1);
  }
  return std::nullopt;
}

// What `point` becomes in a channel name: its ASCII letters, or nullopt for
// a character that only separates words.
std::optional<std::string_view> Folded(char32_t point) {
  // Combining accents (a decomposed "é") belong to the letter before them.
  if (point >= 0x300 && point <= 0x36F) {
    return std::string_view();
  }
  for (const Expansion& expansion : kLatinExpansions) {
    if (point == expansion.point) {
      return expansion.ascii;
    }
  }
  if (const auto fullwidth = FullwidthFolded(point)) {
    return fullwidth;
  }
  if (point < 0xC0) {
    return std::nullopt;
  }
  for (const Fold& fold : kLatinFolds) {
    if (point <= fold.last) {
      return fold.ascii.empty() ? std::nullopt : std::optional(fold.ascii);
    }
  }
  return std::nullopt;
}

std::string Slug(std::string_view text) {
  std::string slug;
  for (std::size_t at = 0; at < text.size();) {
    const auto [point, length] = Utf8CodePointAt(text, at);
    at += length;
    if (point >= 'A' && point <= 'Z') {
      slug.push_back(static_cast<char>(point - 'A' + 'a'));
    } else if ((point >= 'a' && point <= 'z') || (point >= '0' && point <= '9')) {
      slug.push_back(static_cast<char>(point));
    } else if (const auto folded = Folded(point)) {
      slug += *folded;
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  TrimDashes(slug);
  return slug;
}

}  // namespace

std::string SwarmChannelName(std::int64_t incident, std::string_view subject) {
  std::string name = "inc-" + std::to_string(incident);
  const std::string slug = Slug(subject);
  if (!slug.empty()) {
    name += "-" + slug;
  }
  if (name.size() > kMaxChannelName) {
    name.resize(kMaxChannelName);
  }
  TrimDashes(name);
  return name;
}

std::string ReopenedChannelName(std::int64_t incident, std::string_view subject, int n) {
  const std::string suffix = "-reopened" + (n > 1 ? "-" + std::to_string(n) : std::string());
  std::string base = SwarmChannelName(incident, subject);
  if (base.size() > kMaxChannelName - suffix.size()) {
    base.resize(kMaxChannelName - suffix.size());
    TrimDashes(base);
  }
  return base + suffix;
}

std::string NextReopenedChannelName(std::int64_t incident, std::string_view subject,
                                    std::string_view current) {
  // Each reopening's name is tried in turn; a swarm reopened more often than
  // this starts over, and the name-taken retry finds a free one.
  constexpr int kReopeningsRecognised = 100;
  for (int n = 1; n < kReopeningsRecognised; ++n) {
    if (current == ReopenedChannelName(incident, subject, n)) {
      return ReopenedChannelName(incident, subject, n + 1);
    }
  }
  return ReopenedChannelName(incident, subject);
}

std::string WithSuffix(std::string_view name, int n) {
  if (n <= 1) {
    return std::string(name);
  }
  const std::string suffix = "-" + std::to_string(n);
  std::string base(name.substr(0, kMaxChannelName - suffix.size()));
  TrimDashes(base);
  return base + suffix;
}

}  // namespace swarmbot::lifecycle
