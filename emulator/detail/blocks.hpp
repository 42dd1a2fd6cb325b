#pragma once

#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace swarmbot::emulator::detail {

enum class Surface { kMessage, kModal, kHome };

// Checks Block Kit's documented limits (reference §8.3) on `blocks`. Returns
// Slack-style messages ("[ERROR] … [json-pointer:/blocks/0/text/text]"); empty
// means the blocks pass.
std::vector<std::string> CheckBlocks(const boost::json::value& blocks, Surface surface);

// Checks a view (modal or home): its type, title/submit/close lengths,
// callback_id, private_metadata and blocks.
std::vector<std::string> CheckView(const boost::json::value& view);

// Gives every block a block_id and every interactive element an action_id,
// as Slack does when it stores a message or view that leaves them out.
void NormalizeBlocks(boost::json::value& blocks);

// Finds the interactive element with `action_id` in `blocks`; sets block_id
// to its block's id. Returns nullptr when absent.
const boost::json::object* FindElement(const boost::json::value& blocks,
                                       const std::string& action_id, std::string* block_id);

}  // namespace swarmbot::emulator::detail
