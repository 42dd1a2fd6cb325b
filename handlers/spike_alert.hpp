#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "lifecycle/spike_service.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// The action_id of the alert's "Declare incident" button; its value is "SPIKE-n".
inline constexpr std::string_view kSpikeDeclareActionId = "spike.declare";

// The alert in the incident managers' channel: how many cases over what time,
// channels and territories with counts, sample subjects, and either the
// "Declare incident" button or, once declared, the incident it became.
BlockMessage SpikeAlert(const lifecycle::SpikeStatus& status);

// Performs the spike effects (lifecycle/effects.hpp, "spike.*"): posts the
// alert once (a retry after a crash first looks for it in the channel, by the
// outbox id in its metadata) and refreshes it with chat.update. Without a
// managers' channel there is no alert. Retryable errors come back unchanged.
class SpikeAlerts {
 public:
  explicit SpikeAlerts(detail::Services& services) : services_(services) {}

  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> Post(store::OutboxItem& item, SlackApi& api, std::int64_t spike);
  boost::asio::awaitable<Status> Update(SlackApi& api, std::int64_t spike);

  detail::Services& services_;
};

// Opens the declare modal prefilled from a spike for the click's trigger_id;
// `user` and `channel` are where to explain a form that could not open.
using OpenDeclareModal =
    std::function<Status(const std::string& trigger_id, const UserId& user,
                         const ChannelId& channel, const lifecycle::SpikePrefill& prefill)>;

// Clicks on the alert's button and `/incident link [INC-n] --cluster [SPIKE-n]`.
class SpikeCommands {
 public:
  explicit SpikeCommands(detail::Services& services) : services_(services) {}

  // The declare modal; until one is set a click answers with the commands
  // that do the same.
  void SetModalOpener(OpenDeclareModal opener) { open_modal_ = std::move(opener); }

  // Whether an incident may still be declared from `spike`: it exists and no
  // open incident was declared from it (kConflict naming that incident).
  Status CheckDeclarable(std::int64_t spike);

  // A block_actions click on action `index` (kSpikeDeclareActionId): an
  // incident manager gets the declare modal prefilled from the spike; anyone
  // else, a stale button or a spike already declared gets an ephemeral answer
  // through the payload's response_url, and nothing changes.
  void HandleDeclareClick(const detail::FlatJson& payload, std::size_t index);

  // `/incident link [INC-n] --cluster [SPIKE-n]`; returns the ephemeral reply.
  std::string LinkCluster(const SlashCommand& command);

 private:
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);

  detail::Services& services_;
  OpenDeclareModal open_modal_;
};

// Whether `/incident link …` words ask for a spike's cases (`--cluster`).
bool IsClusterLink(const std::vector<std::string>& words);

}  // namespace swarmbot::handlers
