#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/inbound.hpp"
#include "handlers/approval_buttons.hpp"
#include "handlers/case_commands.hpp"
#include "handlers/change_commands.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/form_opener.hpp"
#include "handlers/incident_commands.hpp"
#include "handlers/knowledge_commands.hpp"
#include "handlers/notify_commands.hpp"
#include "handlers/settings.hpp"
#include "handlers/slash_command.hpp"
#include "handlers/spike_alert.hpp"
#include "handlers/swarm_commands.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers {

// Turns one Slack delivery into lifecycle operations and the acknowledgement's
// reply. Runs on swarmbot's io thread; the store is used synchronously.
//
// Slash commands: /incident, /swarm, /case, /kb, /problem, /change, /banner,
// /notify (see HelpText). Events:
// member_joined_channel, member_left_channel, pin_added and reaction_added
// (see HandleSwarmTimelineEvent) in swarm channels; the bot's
// own messages and everything else are ignored; subteam_members_changed and
// subteam_updated re-read the role groups. Interactivity: block_actions clicks
// on kb.attach, the spike alert and the CAB request (ApprovalButtons), and
// view_submission of the declare modal and the CAB reject form (answered with
// inline errors or a bare ack); everything else is acknowledged without action.
//
// Never throws on bad input: malformed JSON, an unknown command or
// subcommand, an unknown case or an oversized text gets a clear ephemeral
// reply (or a bare acknowledgement for events) and changes nothing. Only a
// refusal's user_message reaches the user; details go to the log.
class Router {
 public:
  // Longest command text accepted; Slack's own limit is lower in practice.
  static constexpr std::size_t kMaxCommandText = 12'000;

  Router(store::Database& db, const Clock& clock, Settings settings);

  InboundReply Handle(const InboundRequest& request);

  // Forms (modals) go to `opener` from now on, at once, instead of through
  // the outbox. It must outlive the router.
  void SetFormOpener(FormOpener& opener);

 private:
  std::string HandleCommand(std::string_view payload_json);
  // `help` after a subcommand (`/incident link help`, `/change step add
  // help`): that subcommand's usage, before any handler reads the words.
  std::optional<std::string> UsageAsked(const SlashCommand& command) const;
  // An event's reply asks for a retry when recording it failed for a reason
  // that passes (see InboundReply::retry_later).
  InboundReply HandleEvent(std::string_view payload_json);
  Status RecordEvent(const detail::FlatJson& payload, std::string_view payload_json);
  std::string HandleInteractive(std::string_view payload_json);
  // The declare modal's submissions; other views are acknowledged bare.
  std::string HandleViewSubmission(std::string_view payload_json);

  detail::Services services_;
  IncidentCommands incident_commands_;
  SwarmCommands swarm_commands_;
  CaseCommands case_commands_;
  KnowledgeCommands knowledge_commands_;
  SpikeCommands spike_commands_;
  NotifyCommands notify_commands_;
  ChangeCommands change_commands_;
  ApprovalButtons approval_buttons_;
};

}  // namespace swarmbot::handlers
