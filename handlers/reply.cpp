#include "handlers/reply.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {

std::string EphemeralText(std::string_view mrkdwn_text) {
  const boost::json::object reply{
      {"response_type", "ephemeral"},
      {"text", Truncate(QuietSpecialMentions(mrkdwn_text), kMaxFallbackText, true)}};
  return boost::json::serialize(reply);
}

std::string EphemeralMessage(const BlockMessage& message) {
  boost::json::object reply = message.ToObject();
  reply["response_type"] = "ephemeral";
  return boost::json::serialize(reply);
}

std::string AsSentence(std::string text) {
  if (text.empty()) {
    return text;
  }
  // swarmbot writes its own name in lower case, even first in a sentence.
  if (text[0] >= 'a' && text[0] <= 'z' && !text.starts_with("swarmbot")) {
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
  }
  const bool ended =
      text.ends_with('.') || text.ends_with('!') || text.ends_with('?') || text.ends_with("…");
  return ended ? text : text + ".";
}

std::string RefusalText(const Error& error) {
  if (!error.user_message.empty()) {
    return AsSentence(error.user_message);
  }
  return "Sorry, that didn't work; nothing was changed.";
}

std::string RefusalReply(std::string_view what, const Error& error, std::string_view hint) {
  if (error.code == Errc::kInternal) {
    spdlog::error("event=command.failed what={} detail=\"{}\"", what, error.detail);
  } else {
    spdlog::info("event=command.refused what={} code={} detail=\"{}\"", what, ErrcName(error.code),
                 error.detail);
  }
  std::string text = RefusalText(error);
  if (error.code == Errc::kInvalidInput && !hint.empty()) {
    text += "\n" + std::string(hint);
  }
  return EphemeralText(text);
}

std::string UnknownSubcommand(std::string_view command, std::string_view word, const UserId& user) {
  spdlog::info("event=command.unknown_subcommand command={} user={}", command, user.str());
  return EphemeralText("Unknown subcommand `" + EscapeMrkdwn(Truncate(word, 40)) + "`; try `" +
                       std::string(command) + " help`.");
}

}  // namespace swarmbot::handlers
