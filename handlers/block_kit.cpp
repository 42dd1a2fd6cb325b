#include "handlers/block_kit.hpp"

#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

json::object MrkdwnText(std::string_view text, std::size_t max) {
  return {{"type", "mrkdwn"}, {"text", Truncate(text, max, true)}};
}

}  // namespace

BlockMessage::BlockMessage(std::string_view fallback_text)
    : text_(Truncate(QuietSpecialMentions(fallback_text), kMaxFallbackText, true)) {}

bool BlockMessage::Room() {
  if (blocks_.size() + 1 < kMaxBlocks) {
    return true;
  }
  if (!truncated_) {
    truncated_ = true;
    blocks_.push_back(json::object{
        {"type", "context"},
        {"elements", json::array{MrkdwnText("_(truncated: too much to show here)_", 100)}}});
  }
  return false;
}

BlockMessage& BlockMessage::Header(std::string_view plain_text) {
  if (Room()) {
    blocks_.push_back(json::object{{"type", "header"},
                                   {"text",
                                    {{"type", "plain_text"},
                                     {"text", Truncate(plain_text, kMaxHeaderText)},
                                     {"emoji", true}}}});
  }
  return *this;
}

BlockMessage& BlockMessage::Section(std::string_view mrkdwn) {
  if (!mrkdwn.empty() && Room()) {
    blocks_.push_back(
        json::object{{"type", "section"}, {"text", MrkdwnText(mrkdwn, kMaxSectionText)}});
  }
  return *this;
}

BlockMessage& BlockMessage::Fields(const std::vector<std::string>& mrkdwn_fields) {
  // Sections hold at most 10 fields; more go into further sections.
  for (std::size_t start = 0; start < mrkdwn_fields.size(); start += kMaxFields) {
    if (!Room()) {
      break;
    }
    json::array fields;
    for (std::size_t i = start; i < mrkdwn_fields.size() && i < start + kMaxFields; ++i) {
      fields.push_back(MrkdwnText(mrkdwn_fields[i], kMaxFieldText));
    }
    blocks_.push_back(json::object{{"type", "section"}, {"fields", std::move(fields)}});
  }
  return *this;
}

BlockMessage& BlockMessage::Context(const std::vector<std::string>& mrkdwn_elements) {
  if (mrkdwn_elements.empty() || !Room()) {
    return *this;
  }
  json::array elements;
  for (std::size_t i = 0; i < mrkdwn_elements.size() && i < kMaxContextElements; ++i) {
    elements.push_back(MrkdwnText(mrkdwn_elements[i], kMaxSectionText));
  }
  blocks_.push_back(json::object{{"type", "context"}, {"elements", std::move(elements)}});
  return *this;
}

BlockMessage& BlockMessage::Divider() {
  if (Room()) {
    blocks_.push_back(json::object{{"type", "divider"}});
  }
  return *this;
}

BlockMessage& BlockMessage::SectionWithButton(std::string_view mrkdwn, std::string_view button_text,
                                              std::string_view action_id, std::string_view value) {
  if (mrkdwn.empty() || !Room()) {
    return *this;
  }
  const json::object button{
      {"type", "button"},
      {"text",
       {{"type", "plain_text"}, {"text", Truncate(button_text, kMaxButtonText)}, {"emoji", true}}},
      {"action_id", action_id},
      // A cut value would name the wrong thing; callers keep it short.
      {"value", value.substr(0, kMaxButtonValue)}};
  blocks_.push_back(json::object{
      {"type", "section"}, {"text", MrkdwnText(mrkdwn, kMaxSectionText)}, {"accessory", button}});
  return *this;
}

json::object BlockMessage::ToObject() const {
  return {{"text", text_}, {"blocks", blocks_}};
}

json::object ActionButton(std::string_view text, std::string_view action_id, std::string_view value,
                          std::string_view style) {
  json::object button{{"type", "button"},
                      {"text", {{"type", "plain_text"}, {"text", text}}},
                      {"action_id", action_id},
                      {"value", value}};
  if (!style.empty()) {
    button["style"] = style;
  }
  return button;
}

}  // namespace swarmbot::handlers
