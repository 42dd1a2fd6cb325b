#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/broadcast_service.hpp"

namespace swarmbot::handlers {

// The preview's buttons; their value is the draft's number, "BC-n".
inline constexpr std::string_view kNotifySendActionId = "notify.send";
inline constexpr std::string_view kNotifyCancelActionId = "notify.cancel";
// Stop on the progress message while sending; its value is "BC-n".
inline constexpr std::string_view kNotifyStopActionId = "notify.stop";
// "Tell customers" after the closing cascade; its value is the incident, "INC-n".
inline constexpr std::string_view kNotifyPreviewActionId = "notify.preview";

// Whether `action_id` is one of the buttons NotifyCommands::HandleClick answers.
bool IsNotifyAction(std::string_view action_id);

// `/notify customers [INC-n]`, `/notify stop BC-n`, `/notify help`, the
// preview's Send and Cancel buttons and the progress message's Stop.
// Incident managers and the incident's owner may send; they and whoever
// started a broadcast may stop it.
class NotifyCommands {
 public:
  explicit NotifyCommands(detail::Services& services) : services_(services) {}

  // Returns the ephemeral reply JSON.
  std::string Handle(const SlashCommand& command);

  // The preview of the e-mail to `incident`'s customers (text and blocks,
  // with Send and Cancel), after checking that `user` may send it; a refusal
  // carries its user_message. The one entry point for every way of starting a
  // broadcast: the command, and buttons such as the one after the closing
  // cascade, which posts this through its response_url.
  Result<boost::json::object> Preview(std::int64_t incident, const UserId& user,
                                      const ChannelId& channel);

  // block_actions clicks on action `index`: Send or Cancel, answered through
  // the payload's response_url, replacing the preview (a second click is
  // answered, not repeated); or "Tell customers", answered with the preview.
  void HandleClick(const detail::FlatJson& payload, std::size_t index);

 private:
  void HandlePreviewClick(const detail::FlatJson& payload, std::string_view value);
  // Stops `broadcast` for `user`; the answer to show either way.
  std::string StopBroadcast(std::int64_t broadcast, const UserId& user);
  std::string SendAnswer(const lifecycle::BroadcastService::Started& started);
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn, bool replace);

  detail::Services& services_;
};

// The progress message in Slack: sent, failed (refused), uncertain (may have
// arrived) and remaining; while sending, a warning when the mail server can't
// be reached and a Stop button; when done or stopped, who wasn't reached, by
// name and case. Done without reaching anyone is shown as a failure.
BlockMessage BroadcastProgress(const lifecycle::BroadcastStatus& status);
// The message that tells the progress channel a broadcast stopped early.
std::string BroadcastStoppedNotice(const lifecycle::BroadcastStatus& status);

}  // namespace swarmbot::handlers
