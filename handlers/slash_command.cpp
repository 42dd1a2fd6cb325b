#include "handlers/slash_command.hpp"

#include "handlers/detail/flat_json.hpp"

namespace swarmbot::handlers {

Result<SlashCommand> ParseSlashCommand(std::string_view payload_json) {
  auto flat = detail::FlattenJson(payload_json, 1);
  if (!flat) {
    return flat.error();
  }
  SlashCommand command;
  command.command = flat->StringOr("command");
  command.text = flat->StringOr("text");
  command.user = UserId(flat->StringOr("user_id"));
  command.channel = ChannelId(flat->StringOr("channel_id"));
  command.channel_name = flat->StringOr("channel_name");
  command.team_id = flat->StringOr("team_id");
  command.trigger_id = flat->StringOr("trigger_id");
  command.response_url = Secret(flat->StringOr("response_url"));
  command.has_response_url = !command.response_url.Empty();
  if (command.command.empty()) {
    return MakeError(Errc::kInvalidInput, "slash command without a command");
  }
  if (command.user.empty()) {
    return MakeError(Errc::kInvalidInput, "slash command without a user_id");
  }
  return command;
}

}  // namespace swarmbot::handlers
