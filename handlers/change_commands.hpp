#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// /change new|link|unlink|step|done|verify|plan|submit|close|show|help, and
// clicks on the plan message's buttons. Commands return the ephemeral reply
// JSON; clicks are answered through the payload's response_url.
//
// A command may leave out CHG-n in the swarm channel of an incident linked
// to exactly one change.
class ChangeCommands {
 public:
  explicit ChangeCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

  // A block_actions click on action `index` whose action_id starts with
  // "change." (handlers/work_plan_view.hpp). The same rules as the commands
  // apply: the wrong person or a second click gets an ephemeral answer and
  // changes nothing. So does a click on any message but the change's plan
  // message as recorded (an older copy), which is then retired.
  void HandleClick(const detail::FlatJson& payload, std::size_t index);

 private:
  std::string New(const SlashCommand& command, const std::vector<std::string>& words);
  std::string Link(const SlashCommand& command, const std::vector<std::string>& words, bool unlink);
  std::string Step(const SlashCommand& command, const std::vector<std::string>& words);
  std::string StepMark(const SlashCommand& command, const std::vector<std::string>& words,
                       bool verify);
  std::string Submit(const SlashCommand& command, const std::vector<std::string>& words);
  std::string Close(const SlashCommand& command, const std::vector<std::string>& words);
  std::string Show(const SlashCommand& command, const std::vector<std::string>& words, bool plan);

  // The change named by words[*next] ("CHG-n", then *next moves past it) or
  // implied by the swarm channel the command was typed in.
  Result<std::int64_t> ResolveChange(const std::vector<std::string>& words, std::size_t& next,
                                     const ChannelId& channel);
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);
  // Whether the step a plan button was made for (its position and text mark)
  // is still the step at that position; a missing step is left to the action.
  bool StepStillShown(std::int64_t change, int position, std::string_view mark);
  // The answer to a click on an older copy of the plan: where the plan is now.
  std::string OldCopyText(std::int64_t change);
  // Whether `user` may e-mail an incident's customers and it has some to
  // e-mail (for the Tell customers button).
  std::function<bool(std::int64_t)> MayNotify(const UserId& user);

  detail::Services& services_;
};

// The reply to a closed change: what closed, and what stayed open and why.
std::string ClosedText(const lifecycle::CloseOutcome& outcome);
// ClosedText with a "Tell customers" button for each incident it closed whose
// customers `may_notify` says the reader may e-mail; it previews that e-mail.
BlockMessage ClosedMessage(const lifecycle::CloseOutcome& outcome,
                           const std::function<bool(std::int64_t incident)>& may_notify);

}  // namespace swarmbot::handlers
