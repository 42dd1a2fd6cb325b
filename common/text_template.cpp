#include "common/text_template.hpp"

#include <algorithm>

namespace swarmbot {

Result<TextTemplate> TextTemplate::Parse(std::string_view text,
                                         std::span<const std::string_view> allowed) {
  TextTemplate parsed;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool doubled = i + 1 < text.size() && text[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}') {
      return MakeError(
          Errc::kInvalidInput, "unbalanced brace",
          "a lone } at character " + std::to_string(i + 1) + " (write }} for a brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    const auto close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      return MakeError(Errc::kInvalidInput, "unclosed placeholder",
                       "a { at character " + std::to_string(i + 1) + " is never closed");
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string known;
      for (std::string_view a : allowed) {
        known += (known.empty() ? "{" : ", {") + std::string(a) + "}";
      }
      return MakeError(
          Errc::kInvalidInput, "unknown placeholder",
          "unknown placeholder {" + std::string(name.substr(0, 40)) + "}; known: " + known);
    }
    if (!literal.empty()) {
      parsed.pieces_.push_back({std::move(literal), false});
      literal.clear();
    }
    parsed.pieces_.push_back({std::string(name), true});
    i = close;
  }
  if (!literal.empty()) {
    parsed.pieces_.push_back({std::move(literal), false});
  }
  return parsed;
}

std::string TextTemplate::Render(
    const std::function<std::string(std::string_view name)>& value) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    out += piece.placeholder ? value(piece.text) : piece.text;
  }
  return out;
}

}  // namespace swarmbot
