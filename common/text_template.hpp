#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace swarmbot {

// The placeholders a customer e-mail's subject and body may use ([broadcast]
// in the config): the incident's number and public title, the contact's name
// and address, and the contact's unsubscribe link.
inline constexpr std::string_view kMailPlaceholders[] = {"incident", "public_title", "contact_name",
                                                         "contact_email", "unsubscribe_url"};

// A text with {name} placeholders; "{{" and "}}" stand for literal braces.
// Parsing checks every name against the allowed ones, so a typo stops
// start-up instead of reaching customers as "{contact_nmae}".
class TextTemplate {
 public:
  // kInvalidInput naming the first unknown placeholder or unbalanced brace.
  static Result<TextTemplate> Parse(std::string_view text,
                                    std::span<const std::string_view> allowed);

  // The text with each placeholder replaced by value(name).
  std::string Render(const std::function<std::string(std::string_view name)>& value) const;

  TextTemplate() = default;

 private:
  struct Piece {
    std::string text;
    bool placeholder = false;
  };
  std::vector<Piece> pieces_;
};

}  // namespace swarmbot
