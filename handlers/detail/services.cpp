#include "handlers/detail/services.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/count_text.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/command_text.hpp"
#include "handlers/mrkdwn.hpp"
#include "store/change_repository.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers::detail {
namespace {

bool LooksLikeIncidentNumber(std::string_view word) {
  constexpr std::string_view kPrefix = "inc-";
  if (word.size() < kPrefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != kPrefix[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::int64_t> ResolveIncident(Services& services, const std::vector<std::string>& words,
                                     const ChannelId& channel, std::size_t& consumed,
                                     std::string_view example) {
  consumed = 0;
  if (!words.empty()) {
    if (auto number = store::ParseIncidentNumber(words.front())) {
      consumed = 1;
      return *number;
    }
    // "INC-0", "INC-x" or a number too long: meant as an incident, so not
    // taken as text or a person, nor as the channel's own incident.
    if (LooksLikeIncidentNumber(words.front())) {
      return MakeError(Errc::kInvalidInput, "bad incident number",
                       "`" + EscapeMrkdwn(Truncate(words.front(), 40)) +
                           "` isn't an incident number; they read like `INC-12`.");
    }
  }
  auto swarm = services.swarms.FindByChannel(channel);
  if (!swarm) {
    return swarm.error();
  }
  if (*swarm) {
    return (*swarm)->incident;
  }
  return MakeError(Errc::kInvalidInput, "no incident named",
                   "Which incident? Name it, e.g. `" + std::string(example) +
                       "`, or run the command in the incident's swarm channel.");
}

Result<std::int64_t> IncidentAndWords(Services& services, const SlashCommand& command,
                                      std::string_view example, std::vector<std::string>& rest) {
  rest = Tokenize(TextAfterWords(command.text, 1));
  std::size_t consumed = 0;
  auto incident = ResolveIncident(services, rest, command.channel, consumed, example);
  if (incident) {
    rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(consumed));
  }
  return incident;
}

bool IsIncidentManager(const Settings& settings, const UserId& user) {
  const auto& managers = settings.incident_managers;
  if (managers.empty() && settings.incident_manager_groups.empty()) {
    return true;
  }
  return std::find(managers.begin(), managers.end(), user) != managers.end() ||
         (settings.in_manager_group && settings.in_manager_group(user));
}

std::string WhomToAsk(const Settings& settings, const std::vector<UserId>& people) {
  std::vector<std::string> whom;
  for (const UserId& person : people) {
    whom.push_back(UserMention(person));
  }
  whom.push_back("an incident manager" +
                 (settings.managers_channel.empty()
                      ? std::string()
                      : " in " + ChannelMention(settings.managers_channel)));
  return " Ask " + JoinWithOr(whom) + ".";
}

Status MayChangeIncident(Services& services, std::int64_t incident, const UserId& user,
                         std::string_view what, std::string_view also_allowed) {
  if (IsIncidentManager(services.settings, user)) {
    return {};
  }
  auto found = services.incidents.FindIncident(incident);
  if (!found) {
    return found.error();
  }
  if (!found->owner.empty() && found->owner == user) {
    return {};
  }
  std::vector<std::string> who{"incident managers", "the incident's owner"};
  if (!also_allowed.empty()) {
    who.emplace_back(also_allowed);
  }
  std::vector<UserId> owner;
  if (!found->owner.empty()) {
    owner.push_back(found->owner);
  }
  return MakeError(Errc::kForbidden, "neither manager nor owner",
                   "Only " + JoinWithAnd(who) + " can " + std::string(what) + "." +
                       WhomToAsk(services.settings, owner));
}

Status MayBringIntoSwarm(Services& services, std::int64_t incident, const UserId& user,
                         bool joining) {
  auto found = services.incidents.FindIncident(incident);
  if (!found) {
    return found.error();
  }
  if (!SwarmChannelIsPrivate(services.settings, found->priority) ||
      IsIncidentManager(services.settings, user) ||
      (!found->owner.empty() && found->owner == user)) {
    return {};
  }
  auto present = services.swarms.InLiveSwarm(incident, user);
  if (!present) {
    return present.error();
  }
  if (*present) {
    return {};
  }
  std::vector<std::string> whom;
  if (!found->owner.empty()) {
    whom.push_back(UserMention(found->owner) + " (the owner)");
  }
  whom.push_back("someone in the channel");
  const std::string number = store::IncidentNumberText(incident);
  const std::string text =
      joining ? number +
                    " swarms in a private channel, which only its owner and incident managers "
                    "can join by asking. Ask " +
                    JoinWithOr(whom) + " to add you with `/swarm invite`; nothing was changed."
              : number +
                    " swarms in a private channel: only the people in it, the incident's owner "
                    "and incident managers can invite others to it. Ask " +
                    JoinWithOr(whom) + "; nothing was changed.";
  return MakeError(Errc::kForbidden, "private swarm", text);
}

void AnswerClick(Services& services, const FlatJson& payload, std::string_view mrkdwn,
                 std::string_view what, bool replace) {
  AnswerClick(
      services, payload,
      boost::json::object{{"text", Truncate(QuietSpecialMentions(mrkdwn), kMaxFallbackText, true)}},
      what, replace);
}

void AnswerClick(Services& services, const FlatJson& payload, boost::json::object message,
                 std::string_view what, bool replace) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event={}.answer.no_response_url user={}", what, payload.StringOr("user.id"));
    return;
  }
  message["response_type"] = "ephemeral";
  message["replace_original"] = replace;
  if (auto queued = services.knowledge.QueueResponse(response_url, boost::json::serialize(message));
      !queued) {
    spdlog::error("event={}.answer.failed detail=\"{}\"", what, queued.error().detail);
  }
}

}  // namespace swarmbot::handlers::detail

namespace swarmbot::handlers::detail {

void Services::ConnectChanges() {
  changes.problem_exists = [this](std::int64_t problem) { return problems.Exists(problem); };
  changes.whom_to_ask = [this](const std::vector<UserId>& people) {
    return WhomToAsk(settings, people);
  };
  problems.whom_to_ask = changes.whom_to_ask;
  problems.may_tie_incident = [this](std::int64_t incident, const UserId& user) {
    return changes.MayTieProblem(incident, user);
  };
  changes.close_fixed = [this](const std::vector<std::int64_t>& fixed, const UserId& actor,
                               std::string_view note) {
    return problems.CloseFixedInTransaction(fixed, actor, note);
  };
  changes.on_submitted = [this](const lifecycle::SubmittedChange& change) {
    lifecycle::ApprovalSubject subject{store::ChangeNumberText(change.change),
                                       change.type,
                                       change.requester,
                                       change.title,
                                       change.risk,
                                       change.plan_version,
                                       {}};
    for (const lifecycle::PlanLine& line : change.plan) {
      subject.plan.push_back({line.text, line.done_by, line.verified_by});
    }
    return approvals.OpenInTransaction(subject);
  };
  changes.on_plan_changed = [this](std::int64_t change, std::string_view reason) {
    return approvals.WithdrawInTransaction(store::ChangeNumberText(change), reason);
  };
  approvals.on_decided = [this](std::string_view subject, bool approved, int plan_version,
                                std::string_view summary) -> Status {
    const auto change = store::ParseChangeNumber(subject);
    if (!change) {
      return MakeError(Errc::kNotFound, "approval for an unknown subject",
                       "That approval request isn't about a change.");
    }
    return changes.RecordDecision(*change, approved, plan_version, summary);
  };
}

Status Services::OpenForm(std::string_view trigger_id, std::string view_json, const UserId& user,
                          const ChannelId& channel) {
  if (!open_form) {
    return incidents.QueueOpenView(trigger_id, view_json, user, channel);
  }
  open_form(FormToOpen{.trigger_id = std::string(trigger_id),
                       .view_json = std::move(view_json),
                       .user = user,
                       .channel = channel});
  return {};
}

bool Services::IsManager(const UserId& user) const {
  return IsIncidentManager(settings, user);
}

}  // namespace swarmbot::handlers::detail
