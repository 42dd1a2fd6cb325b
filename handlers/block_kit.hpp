#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace swarmbot::handlers {

// Block Kit limits (reference §8.3).
inline constexpr std::size_t kMaxBlocks = 50;
inline constexpr std::size_t kMaxHeaderText = 150;
inline constexpr std::size_t kMaxSectionText = 3000;
inline constexpr std::size_t kMaxFields = 10;
inline constexpr std::size_t kMaxFieldText = 2000;
inline constexpr std::size_t kMaxContextElements = 10;
// The fallback `text`: chat.update refuses more than 4,000 characters.
inline constexpr std::size_t kMaxFallbackText = 3000;
inline constexpr std::size_t kMaxButtonText = 75;
inline constexpr std::size_t kMaxButtonValue = 2000;

// A message in Block Kit, built within Slack's limits: every text is cut to its
// block's limit and blocks past the 50th are dropped behind a "truncated" note,
// so a large incident still renders instead of failing with invalid_blocks.
// Callers pass mrkdwn already escaped (EscapeMrkdwn) where it holds user text;
// header text is plain_text and is not escaped.
class BlockMessage {
 public:
  explicit BlockMessage(std::string_view fallback_text);

  BlockMessage& Header(std::string_view plain_text);
  BlockMessage& Section(std::string_view mrkdwn);
  BlockMessage& Fields(const std::vector<std::string>& mrkdwn_fields);
  BlockMessage& Context(const std::vector<std::string>& mrkdwn_elements);
  BlockMessage& Divider();
  // A section with a button beside its text (an accessory). `value` comes
  // back in the click's block_actions payload; at most 2,000 characters.
  BlockMessage& SectionWithButton(std::string_view mrkdwn, std::string_view button_text,
                                  std::string_view action_id, std::string_view value);

  const std::string& Text() const noexcept { return text_; }
  const boost::json::array& Blocks() const noexcept { return blocks_; }
  // {"text": …, "blocks": […]}, ready for chat.postMessage or a reply.
  boost::json::object ToObject() const;

 private:
  // Whether another block fits; adds the truncation note when the last slot
  // is reached.
  bool Room();

  std::string text_;
  boost::json::array blocks_;
  bool truncated_ = false;
};

// A button element for an actions block; `style` is "primary", "danger" or
// empty for Slack's default.
boost::json::object ActionButton(std::string_view text, std::string_view action_id,
                                 std::string_view value, std::string_view style = {});

}  // namespace swarmbot::handlers
