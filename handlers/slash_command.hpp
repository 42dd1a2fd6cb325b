#pragma once

#include <string>
#include <string_view>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"

namespace swarmbot::handlers {

// The fields of a slash command that swarmbot uses (reference §3). The text is
// as Slack sent it: mentions escaped as <@U…|name>, & < > as entities.
struct SlashCommand {
  std::string command;  // "/incident"
  std::string text;
  UserId user;
  ChannelId channel;
  std::string channel_name;
  std::string team_id;
  std::string trigger_id;
  bool has_response_url = false;
  // A credential until it expires (30 minutes): never logged. Kept only for
  // an answer that comes later through the outbox (a large group's count).
  Secret response_url;
};

// Reads the command from its JSON form (the form fields as a JSON object,
// which is how Socket Mode delivers them and how bot/ passes HTTP ones on).
// Non-string values (Slack's own samples carry booleans) are tolerated.
// kInvalidInput for malformed JSON or a missing command or user_id.
Result<SlashCommand> ParseSlashCommand(std::string_view payload_json);

}  // namespace swarmbot::handlers
