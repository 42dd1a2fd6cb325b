#pragma once

#include <string>
#include <string_view>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/block_kit.hpp"

namespace swarmbot::handlers {

// The ephemeral answer to a slash command, as the acknowledgement's JSON:
// {"response_type":"ephemeral","text":…} with "blocks" when there are any.
std::string EphemeralText(std::string_view mrkdwn_text);
std::string EphemeralMessage(const BlockMessage& message);

// `text` starting with a capital letter and ending in a full stop (unless it
// ends in . ! ? or …): lifecycle's messages also serve the HTTP APIs, which
// keep them bare, so Slack replies make them sentences here.
std::string AsSentence(std::string text);

// The user_message of a refusal as a sentence (or a generic line when it has none).
std::string RefusalText(const Error& error);

// Logs a refused request (`what`, e.g. "/incident link", with the error's code
// and internal detail) and returns the ephemeral reply showing only the
// user_message, plus `hint` when the input was malformed.
std::string RefusalReply(std::string_view what, const Error& error, std::string_view hint = {});

// The answer to `/command word …` when `word` isn't one of its subcommands
// (logged), pointing at `/command help`.
std::string UnknownSubcommand(std::string_view command, std::string_view word, const UserId& user);

}  // namespace swarmbot::handlers
