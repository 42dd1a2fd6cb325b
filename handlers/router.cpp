#include "handlers/router.hpp"

#include <exception>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/log.hpp"
#include "handlers/account_events.hpp"
#include "handlers/approval_view.hpp"
#include "handlers/banner_commands.hpp"
#include "handlers/change_modal.hpp"
#include "handlers/command_text.hpp"
#include "handlers/declare_modal.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/expert_commands.hpp"
#include "handlers/group_invite.hpp"
#include "handlers/help_text.hpp"
#include "handlers/incident_view.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/problem_commands.hpp"
#include "handlers/reply.hpp"
#include "handlers/routing_commands.hpp"
#include "handlers/slash_command.hpp"
#include "handlers/swarm_events.hpp"
#include "handlers/work_plan_view.hpp"

namespace swarmbot::handlers {
namespace {

std::string_view KindName(InboundKind kind) {
  switch (kind) {
    case InboundKind::kSlashCommand:
      return "slash_command";
    case InboundKind::kInteractive:
      return "interactive";
    case InboundKind::kEvent:
      return "event";
  }
  return "unknown";
}

bool IsOwnMessage(const detail::FlatJson& payload, const Settings& settings) {
  const std::string bot_id = payload.StringOr("event.bot_id");
  const std::string user = payload.StringOr("event.user");
  return (!bot_id.empty() && (settings.bot_id.empty() || bot_id == settings.bot_id)) ||
         (!settings.bot_user_id.empty() && user == settings.bot_user_id.str());
}

}  // namespace

Router::Router(store::Database& db, const Clock& clock, Settings settings)
    : services_(db, clock, std::move(settings)),
      incident_commands_(services_),
      swarm_commands_(services_),
      case_commands_(services_),
      knowledge_commands_(services_),
      spike_commands_(services_),
      notify_commands_(services_),
      change_commands_(services_),
      approval_buttons_(services_) {
  // The spike alert's button opens the declare modal prefilled from the spike;
  // the modal hands the spike back as its origin, and its cases are linked to
  // the incident the submission declared.
  spike_commands_.SetModalOpener([this](const std::string& trigger_id, const UserId& user,
                                        const ChannelId& channel,
                                        const lifecycle::SpikePrefill& spike) {
    const DeclarePrefill prefill{spike.subject, spike.description, spike.territories,
                                 spike.impact,  spike.urgency,     spike.origin};
    return DeclareModal(services_).Open(trigger_id, user, channel, prefill);
  });
  services_.check_origin = [this](const std::string& origin) -> Status {
    const auto spike = store::ParseSpikeNumber(origin);
    return spike ? spike_commands_.CheckDeclarable(*spike) : Status{};
  };
  services_.on_declared = [this](std::int64_t incident, const std::string& origin,
                                 const UserId& actor) -> Status {
    auto linked = services_.spikes.OnDeclared(origin, incident, actor);
    if (!linked) {
      spdlog::warn("event=spike.link_failed incident={} origin=\"{}\" detail=\"{}\"",
                   store::IncidentNumberText(incident), OneLogLine(origin), linked.error().detail);
      return linked.error();
    }
    if (*linked) {
      spdlog::info("event=spike.declared incident={} spike={} linked={} held_elsewhere={}",
                   store::IncidentNumberText(incident), store::SpikeNumberText((*linked)->spike),
                   (*linked)->linked.size(), (*linked)->held_elsewhere.size());
    }
    return {};
  };
}

void Router::SetFormOpener(FormOpener& opener) {
  services_.open_form = [&opener](FormToOpen form) { opener.Open(std::move(form)); };
}

InboundReply Router::Handle(const InboundRequest& request) {
  try {
    switch (request.kind) {
      case InboundKind::kSlashCommand:
        return {HandleCommand(request.payload_json)};
      case InboundKind::kEvent:
        return HandleEvent(request.payload_json);
      case InboundKind::kInteractive:
        return {HandleInteractive(request.payload_json)};
    }
  } catch (const std::exception& e) {
    // A bug, not bad input: keep serving, and say so in the log.
    spdlog::error("event=router.exception kind={} error=\"{}\"", KindName(request.kind), e.what());
    if (request.kind == InboundKind::kSlashCommand) {
      return {EphemeralText("Sorry, something went wrong on our side; nothing was changed.")};
    }
  }
  return {};
}

std::string Router::HandleCommand(std::string_view payload_json) {
  auto command = ParseSlashCommand(payload_json);
  if (!command) {
    spdlog::warn("event=command.malformed detail=\"{}\"", command.error().detail);
    return EphemeralText("Sorry, I couldn't read that command; nothing was changed.");
  }
  spdlog::info("event=command command={} user={} channel={}", command->command, command->user.str(),
               command->channel.str());
  if (command->text.size() > kMaxCommandText) {
    return EphemeralText("That is too long for a command (at most " +
                         std::to_string(kMaxCommandText) + " characters); nothing was changed.");
  }
  if (auto usage = UsageAsked(*command)) {
    return EphemeralText(*usage);
  }
  if (command->command == "/incident") {
    return incident_commands_.Handle(*command);
  }
  if (command->command == "/swarm") {
    return swarm_commands_.Handle(*command);
  }
  if (command->command == "/case") {
    return case_commands_.Handle(*command);
  }
  if (command->command == "/change") {
    return change_commands_.Handle(*command);
  }
  if (command->command == "/kb") {
    return knowledge_commands_.Handle(*command);
  }
  if (command->command == "/notify") {
    return notify_commands_.Handle(*command);
  }
  if (command->command == "/problem") {
    return ProblemCommands(services_).Handle(*command);
  }
  if (command->command == "/banner") {
    return BannerCommands(services_).Handle(*command);
  }
  if (command->command == "/swarmbot") {
    return RoutingCommands(services_).HandleSwarmbot(*command);
  }
  spdlog::info("event=command.unknown command={}", Truncate(command->command, 40));
  return EphemeralText("I don't know the command `" + EscapeMrkdwn(Truncate(command->command, 40)) +
                       "`. " + HelpText(""));
}

std::optional<std::string> Router::UsageAsked(const SlashCommand& command) const {
  std::vector<std::string> words = Tokenize(command.text);
  if (words.size() < 2 || Lowercase(words.back()) != "help") {
    return std::nullopt;
  }
  words.pop_back();
  for (std::string& word : words) {
    word = Lowercase(word);
  }
  const std::string help = command.command == "/swarm"
                               ? SwarmHelpText(services_.settings.timeline_reaction)
                               : HelpText(command.command);
  return SubcommandHelp(help, command.command, words);
}

InboundReply Router::HandleEvent(std::string_view payload_json) {
  auto payload = detail::FlattenJson(payload_json, 2);
  if (!payload) {
    spdlog::warn("event=event.malformed detail=\"{}\"", payload.error().detail);
    return {};
  }
  if (payload->StringOr("type") == "url_verification") {
    // bot/ answers this itself; echoing it here keeps a misrouted one harmless.
    return {
        boost::json::serialize(boost::json::object{{"challenge", payload->StringOr("challenge")}})};
  }
  const Status recorded = RecordEvent(*payload, payload_json);
  // Nothing was kept; the transport hands the event over again later.
  return {.body_json = {}, .retry_later = !recorded && recorded.error().Retryable()};
}

Status Router::RecordEvent(const detail::FlatJson& payload, std::string_view payload_json) {
  const std::string event_type = payload.StringOr("event.type");
  if (event_type == "subteam_members_changed" || event_type == "subteam_updated") {
    // Role groups' members changed in Slack: read them again.
    auto queued = services_.approvals.QueueRoleRefresh(services_.settings.incident_manager_groups);
    if (!queued) {
      spdlog::error("event=roles.refresh_failed detail=\"{}\"", queued.error().detail);
    }
    return queued;
  }
  if (auto account = HandleAccountEvent(services_, event_type, payload_json)) {
    return *account;
  }
  if (auto timeline = HandleSwarmTimelineEvent(services_, event_type, payload_json)) {
    return *timeline;
  }
  const ChannelId channel(payload.StringOr("event.channel"));
  const UserId user(payload.StringOr("event.user"));
  const bool membership =
      event_type == "member_joined_channel" || event_type == "member_left_channel";
  if (!membership) {
    spdlog::debug("event=event.ignored type={} own={}", event_type,
                  IsOwnMessage(payload, services_.settings));
    return {};
  }
  if (user.empty() || channel.empty() || user == services_.settings.bot_user_id) {
    return {};
  }
  const auto at = EventTime(payload.StringOr("event.event_ts"));
  auto recorded = event_type == "member_joined_channel"
                      ? services_.swarms.MemberJoined(channel, user, at)
                      : services_.swarms.MemberLeft(channel, user, at);
  if (!recorded) {
    spdlog::error("event=event.failed type={} detail=\"{}\"", event_type, recorded.error().detail);
    return recorded.error();
  }
  if (*recorded) {
    spdlog::info("event=swarm.{} incident={} user={}",
                 event_type == "member_joined_channel" ? "member_joined" : "member_left",
                 store::IncidentNumberText(**recorded), user.str());
  }
  return {};
}

std::string Router::HandleInteractive(std::string_view payload_json) {
  // Depth 3 reaches actions.N.value; the message and view inside the payload
  // aren't needed.
  auto payload = detail::FlattenJson(payload_json, 3);
  if (!payload) {
    spdlog::warn("event=interactive.malformed detail=\"{}\"", payload.error().detail);
    return {};
  }
  const std::string type = payload->StringOr("type");
  if (type == "view_submission") {
    return HandleViewSubmission(payload_json);
  }
  bool handled = false;
  if (type == "block_actions") {
    for (std::size_t i = 0; i < payload->ArraySize("actions"); ++i) {
      const std::string id = payload->StringOr("actions." + std::to_string(i) + ".action_id");
      handled = true;
      if (id == kAttachActionId) {
        knowledge_commands_.HandleAttachClick(*payload, i);
      } else if (id.starts_with(kChangeActionPrefix)) {
        change_commands_.HandleClick(*payload, i);
      } else if (id == kSpikeDeclareActionId) {
        spike_commands_.HandleDeclareClick(*payload, i);
      } else if (IsNotifyAction(id)) {
        notify_commands_.HandleClick(*payload, i);
      } else if (ExpertCommands::HandlesAction(id)) {
        ExpertCommands(services_).HandleClick(*payload, i);
      } else if (ApprovalButtons::Handles(id)) {
        approval_buttons_.HandleClick(*payload, i);
      } else if (id == kSwarmStartActionId) {
        swarm_commands_.HandleStartClick(*payload, i);
      } else if (IsGroupInviteAction(id)) {
        HandleGroupInviteClick(services_, *payload, i);
      } else {
        handled = false;
      }
    }
  }
  if (!handled) {
    spdlog::info("event=interactive.ignored type={} user={}", type, payload->StringOr("user.id"));
  }
  // Slack ignores an ack's body for block_actions; answers go via response_url.
  return {};
}

}  // namespace swarmbot::handlers

namespace swarmbot::handlers {

std::string Router::HandleViewSubmission(std::string_view payload_json) {
  // view.state.values.<block>.<action>.selected_options.<i>.value is eight
  // levels down; the shallow read above stops at three.
  auto payload = detail::FlattenJson(payload_json, 10);
  if (!payload) {
    spdlog::warn("event=interactive.malformed detail=\"{}\"", payload.error().detail);
    return {};
  }
  const std::string callback = payload->StringOr("view.callback_id");
  if (callback == kDeclareCallbackId) {
    return DeclareModal(services_).HandleSubmission(*payload);
  }
  if (callback == kChangeCallbackId) {
    return ChangeModal(services_).HandleSubmission(*payload);
  }
  if (callback == kCabRejectCallbackId) {
    return approval_buttons_.HandleRejectSubmission(*payload);
  }
  spdlog::info("event=interactive.ignored type=view_submission callback={} user={}",
               Truncate(callback, 40), payload->StringOr("user.id"));
  return {};
}

}  // namespace swarmbot::handlers
